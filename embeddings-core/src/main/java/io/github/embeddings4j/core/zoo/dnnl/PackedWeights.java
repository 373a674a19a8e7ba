package io.github.embeddings4j.core.zoo.dnnl;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;

/**
 * The parameters in oneDNN's memory, shared by every runner of a graph: a convolution's weights
 * reordered once per layout a primitive asks for (and its bias), a batch norm's arguments; made
 * on first use, under the operation's lock (runners plan on their own threads), and freed when
 * the graph's last runner is closed.
 */
final class PackedWeights {

  private PackedWeights() {}

  /** The weights of a convolution in the layout a primitive asks for, reordered once. */
  static memory of(Op.Conv op, memory.desc wanted, stream s) {
    synchronized (op) {
      for (memory m : op.packed) {
        if (m.get_desc().equals(wanted)) {
          return m;
        }
      }
      engine e = Dnnl.engine();
      memory m = new memory(wanted, e);
      if (op.packed.isEmpty()) {
        Pointer plain = op.weights.data().addressPointer();
        memory.format_tag tag = switch (op.weightDims.length) {
          case 5 -> memory.format_tag.goihw;
          case 4 -> memory.format_tag.oihw;
          default -> memory.format_tag.oi;
        };
        memory user = new memory(Dnnl.desc(op.weightDims, tag), e, plain);
        new reorder(user, m).execute(s, user, m);
        s._wait();
        user.close();
        // From now on other layouts are reordered from the first: DL4J's layout can go.
        op.weights.close();
        op.weights = null;
      } else {
        memory from = op.packed.get(0);
        new reorder(from, m).execute(s, from, m);
        s._wait();
      }
      op.packed.add(m);
      if (op.bias != null && op.biasMemory == null) {
        op.biasMemory = Dnnl.filled(op.bias, e, new long[] {op.outChannels()},
            memory.format_tag.a);
      }
      return m;
    }
  }

  /** A standing batch norm's arguments: mean 0, variance 1, and its scale and shift. */
  static void prepare(Op.Norm nrm) {
    synchronized (nrm) {
      if (nrm.scaleShift != null) {
        return;
      }
      engine e = Dnnl.engine();
      int c = nrm.scale.length;
      float[] ones = new float[c];
      Arrays.fill(ones, 1f);
      nrm.mean = Dnnl.filled(new float[c], e, new long[] {c}, memory.format_tag.a);
      nrm.variance = Dnnl.filled(ones, e, new long[] {c}, memory.format_tag.a);
      float[] ss = new float[2 * c];
      System.arraycopy(nrm.scale, 0, ss, 0, c);
      System.arraycopy(nrm.shift, 0, ss, c, c);
      nrm.scaleShift = Dnnl.filled(ss, e, new long[] {2, c}, memory.format_tag.ab);
    }
  }

  /** Frees every operation's parameters: weights (DL4J's and packed), biases, batch norms. */
  static void free(List<Op> ops) {
    for (Op op : ops) {
      if (op instanceof Op.Conv c) {
        synchronized (c) {
          c.packed.forEach(memory::close);
          c.packed.clear();
          if (c.biasMemory != null) {
            c.biasMemory.close();
            c.biasMemory = null;
          }
          if (c.weights != null) {
            c.weights.close();
            c.weights = null;
          }
        }
      } else if (op instanceof Op.Norm nrm) {
        synchronized (nrm) {
          for (memory m : new memory[] {nrm.mean, nrm.variance, nrm.scaleShift}) {
            if (m != null) {
              m.close();
            }
          }
          nrm.mean = null;
          nrm.variance = null;
          nrm.scaleShift = null;
        }
      }
    }
  }
}
