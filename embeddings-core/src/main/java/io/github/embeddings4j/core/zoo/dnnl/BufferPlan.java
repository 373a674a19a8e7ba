package io.github.embeddings4j.core.zoo.dnnl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;

/**
 * Which arena buffer holds each tensor of one batch size's plan: a tensor takes a free buffer
 * when its operation is planned and gives it back once the last operation that reads it is
 * planned, so that a deep network needs little more than its largest few tensors at once
 * (ResNet50: about a third of all its tensors' bytes). Layout conversions take a buffer for
 * their operation only. The memories are bound to the arena's buffers when the plan runs, and
 * again whenever the arena has grown.
 */
final class BufferPlan implements AutoCloseable {

  private final int[] lastUse;
  /** Per tensor, the buffer that holds it, or -1. */
  private final int[] bufferOf;
  /** Per buffer, the largest size asked of it, and whether it is free now. */
  private final List<Long> sizes = new ArrayList<>();
  private final List<Boolean> free = new ArrayList<>();
  /** Buffers used only within the current op (layout conversions). */
  private final List<Integer> temporaries = new ArrayList<>();
  /** Memories on arena buffers, with the buffer each sits on, rebound when one grows. */
  private final List<memory> bound = new ArrayList<>();
  private final List<Integer> boundTo = new ArrayList<>();
  private int boundGeneration = -1;

  BufferPlan(Program program) {
    this.lastUse = program.lastUse;
    this.bufferOf = new int[program.tensors.size()];
    Arrays.fill(bufferOf, -1);
  }

  /** A memory for a tensor on a free buffer (the smallest that fits, or a new one). */
  memory allocate(int tensor, memory.desc d) {
    int k = take(d.get_size());
    bufferOf[tensor] = k;
    return bind(d, k);
  }

  /** A buffer of at least {@code bytes} for the current op only. */
  int temporary(long bytes) {
    int k = take(bytes);
    temporaries.add(k);
    return k;
  }

  /** The buffer of tensor {@code from} now holds {@code to} (an addition written in place). */
  void handOver(int from, int to) {
    bufferOf[to] = bufferOf[from];
    bufferOf[from] = -1; // ownership moves to the result
  }

  /** After op {@code i}: buffers whose tensors nothing reads any more are free for the next. */
  void planned(Op op, int i) {
    for (int t : op.inputs()) {
      if (lastUse[t] == i && bufferOf[t] >= 0) {
        free.set(bufferOf[t], true);
        bufferOf[t] = -1;
      }
    }
    for (int k : temporaries) {
      free.set(k, true);
    }
    temporaries.clear();
  }

  /** A memory with a descriptor on buffer {@code k}, bound when the plan first runs. */
  memory bind(memory.desc d, int k) {
    memory m = new memory(d, Dnnl.engine(), (Pointer) null);
    bound.add(m);
    boundTo.add(k);
    return m;
  }

  /** Grows the arena's buffers to what this plan needs. */
  void reserve(Arena arena) {
    for (int k = 0; k < sizes.size(); k++) {
      arena.reserve(k, sizes.get(k));
    }
  }

  /** Points the memories at the arena's buffers, unless they point there already. */
  void bindTo(Arena arena) {
    if (boundGeneration != arena.generation()) {
      for (int k = 0; k < bound.size(); k++) {
        bound.get(k).set_data_handle(arena.data(boundTo.get(k)));
      }
      boundGeneration = arena.generation();
    }
  }

  private int take(long bytes) {
    int best = -1;
    for (int k = 0; k < sizes.size(); k++) {
      if (free.get(k) && (best < 0 || fits(sizes.get(k), bytes, sizes.get(best)))) {
        best = k;
      }
    }
    if (best < 0) {
      sizes.add(bytes);
      free.add(false);
      return sizes.size() - 1;
    }
    sizes.set(best, Math.max(sizes.get(best), bytes));
    free.set(best, false);
    return best;
  }

  /** Whether a buffer of {@code size} is a better pick than {@code than} for {@code bytes}. */
  private static boolean fits(long size, long bytes, long than) {
    boolean fitsNow = size >= bytes;
    boolean fitsThen = than >= bytes;
    if (fitsNow != fitsThen) {
      return fitsNow;
    }
    // Both fit: the smaller; neither: the larger (it grows least).
    return fitsNow ? size < than : size > than;
  }

  @Override
  public void close() {
    for (memory m : bound) {
      m.close();
    }
  }
}
