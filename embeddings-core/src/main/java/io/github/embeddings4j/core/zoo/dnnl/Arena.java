package io.github.embeddings4j.core.zoo.dnnl;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;

/**
 * A runner's activation buffers, shared by the plans of all its batch sizes (one plan runs at a
 * time): each grows to the largest size a plan asks of it, and every growth starts a new
 * generation, so that plans know to rebind their memories before they next run.
 */
final class Arena implements AutoCloseable {

  /**
   * For tests: new buffers are filled with NaN bytes instead of whatever the allocator left, so
   * that a primitive reading memory no one wrote (the padding of a blocked layout) fails on every
   * machine, not only where the allocator happens to leave NaN.
   */
  static volatile boolean poison;

  private final List<memory> buffers = new ArrayList<>();
  private int generation;

  /** Grows (or adds) buffer {@code i} to at least {@code bytes}. */
  void reserve(int i, long bytes) {
    while (buffers.size() <= i) {
      buffers.add(null);
    }
    memory m = buffers.get(i);
    if (m == null || m.get_desc().get_size() < bytes) {
      if (m != null) {
        m.close();
      }
      // A flat f32 buffer, allocated (and aligned) by oneDNN.
      memory fresh = new memory(Dnnl.desc(new long[] {(bytes + 3) / 4}, memory.format_tag.a),
          Dnnl.engine());
      if (poison) {
        new org.bytedeco.javacpp.FloatPointer(fresh.get_data_handle()).capacity((bytes + 3) / 4)
            .fill(0xff);
      }
      buffers.set(i, fresh);
      generation++;
    }
  }

  /** Changes whenever a buffer is replaced by a larger one. */
  int generation() {
    return generation;
  }

  /** Where buffer {@code i} is now. */
  Pointer data(int i) {
    return buffers.get(i).get_data_handle();
  }

  /** The bytes it holds. */
  long bytes() {
    long sum = 0;
    for (memory m : buffers) {
      sum += m == null ? 0 : m.get_desc().get_size();
    }
    return sum;
  }

  @Override
  public void close() {
    for (memory m : buffers) {
      if (m != null) {
        m.close();
      }
    }
    buffers.clear();
  }
}
