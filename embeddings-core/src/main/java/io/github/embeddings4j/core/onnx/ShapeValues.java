package io.github.embeddings4j.core.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The integer tensors an export computes from shapes, known when a graph is read for one image
 * size. PyTorch writes {@code x.size(1) // groups} or {@code x.view(x.size(0), -1)} as {@code
 * Shape}, {@code Gather}, arithmetic, {@code Unsqueeze} and {@code Concat} nodes ahead of a
 * {@code Reshape} or {@code Slice}; {@link OnnxImport} knows every map's size, so it works
 * these values out instead of building layers for them. The batch size is not known: a value
 * that depends on it is {@link #BATCH}, which only a reshape's first dimension may hold.
 */
final class ShapeValues {

  /** A value that depends on the batch size. */
  static final long BATCH = Long.MIN_VALUE;

  /** The operators folded when every input is a known integer tensor. */
  static final Set<String> FOLDED = Set.of("Gather", "Unsqueeze", "Squeeze", "Concat", "Cast",
      "Add", "Sub", "Mul", "Div", "Slice", "Identity", "Reshape", "Equal", "Where",
      "ConstantOfShape");

  private final Map<String, OnnxGraph.Tensor> constants;
  private final Map<String, OnnxGraph.Tensor> values = new HashMap<>();

  ShapeValues(Map<String, OnnxGraph.Tensor> constants) {
    this.constants = constants;
  }

  /** A known tensor: a constant of the file or a value worked out here; null otherwise. */
  OnnxGraph.Tensor get(String tensor) {
    OnnxGraph.Tensor v = values.get(tensor);
    return v != null ? v : constants.get(tensor);
  }

  /** The value of a one-value float constant; null if {@code tensor} is not one. */
  Float scalar(String tensor) {
    OnnxGraph.Tensor v = tensor == null ? null : get(tensor);
    return v != null && v.floats() != null && v.size() == 1 ? v.floats()[0] : null;
  }

  /**
   * A float constant with its axes permuted ({@code Transpose} of a weight, as an export
   * without constant folding writes it), named {@code name}.
   */
  static OnnxGraph.Tensor transposed(String name, OnnxGraph.Tensor t, long[] perm) {
    int[] p = new int[perm.length];
    long[] dims = new long[perm.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = (int) perm[i];
      dims[i] = t.dims()[p[i]];
    }
    float[] v = org.nd4j.linalg.factory.Nd4j.create(t.floats(), t.dims(), 'c').permute(p)
        .dup('c').data().asFloat();
    return new OnnxGraph.Tensor(name, dims, v, null);
  }

  /** Records a constant worked out at import (a transposed weight, say). */
  void put(OnnxGraph.Tensor t) {
    values.put(t.name(), t);
  }

  /** Whether {@code tensor} was worked out here from shapes. */
  boolean computed(String tensor) {
    return values.containsKey(tensor);
  }

  /**
   * ONNX's {@code Shape} of a tensor of the given dimensions (batch first, unknown).
   *
   * @param n the node
   * @param dims the dimensions after the batch
   */
  void shape(OnnxGraph.Node n, long... dims) {
    long[] all = new long[dims.length + 1];
    all[0] = BATCH;
    System.arraycopy(dims, 0, all, 1, dims.length);
    shapeOf(n, all);
  }

  /**
   * ONNX's {@code Shape} of a tensor of the given dimensions, all of them: {@link #BATCH} where
   * one depends on the batch size (a transformer's tokens seen batch-second, say).
   */
  void shapeOf(OnnxGraph.Node n, long[] all) {
    int rank = all.length;
    long start = n.integer("start", 0);
    long end = n.integer("end", rank);
    int from = (int) Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
    int to = (int) Math.max(0, Math.min(rank, end < 0 ? end + rank : end));
    long[] v = Arrays.copyOfRange(all, from, Math.max(from, to));
    put(n, new long[] {v.length}, v);
  }

  /**
   * Works out {@code n} when it is one of {@link #FOLDED} and all its inputs are known
   * integer tensors.
   *
   * @return whether it did; false leaves the node to become a layer
   * @throws IllegalArgumentException naming the problem, for such a node it cannot work out
   */
  boolean fold(OnnxGraph.Node n) {
    if (!FOLDED.contains(n.op())) {
      return false;
    }
    List<OnnxGraph.Tensor> in = new ArrayList<>();
    if (n.op().equals("ConstantOfShape")) {
      return constantOfShape(n);
    }
    for (String t : n.inputs()) {
      if (t.isEmpty()) {
        in.add(null);
        continue;
      }
      OnnxGraph.Tensor v = get(t);
      if (v == null || v.longs() == null) {
        return false;
      }
      in.add(v);
    }
    switch (n.op()) {
      case "Identity" -> put(n, in.get(0).dims(), in.get(0).longs());
      case "Cast" -> {
        long to = n.integer("to", 7);
        if (to != 6 && to != 7) {
          throw new IllegalArgumentException("Cast of a shape value to type " + to
              + ": only int32 and int64 are understood");
        }
        put(n, in.get(0).dims(), in.get(0).longs());
      }
      case "Gather" -> gather(n, in.get(0), in.get(1));
      case "Unsqueeze", "Squeeze" -> squeeze(n, in);
      case "Concat" -> concat(n, in);
      case "Slice" -> slice(n, in);
      case "Reshape" -> put(n, new long[] {in.get(0).longs().length}, in.get(0).longs());
      case "Where" -> where(n, in.get(0), in.get(1), in.get(2));
      default -> arithmetic(n, in.get(0), in.get(1));
    }
    return true;
  }

  private void put(OnnxGraph.Node n, long[] dims, long[] v) {
    String out = n.outputs().get(0);
    values.put(out, new OnnxGraph.Tensor(out, dims, null, v));
  }

  private static long[] vector(OnnxGraph.Node n, OnnxGraph.Tensor t) {
    if (t.dims().length > 1) {
      throw new IllegalArgumentException(n.op() + " of a shape value of shape "
          + Arrays.toString(t.dims()) + ": only scalars and vectors are understood");
    }
    return t.longs();
  }

  private void gather(OnnxGraph.Node n, OnnxGraph.Tensor data, OnnxGraph.Tensor indices) {
    if (n.integer("axis", 0) != 0) {
      throw new IllegalArgumentException("Gather along axis " + n.integer("axis", 0)
          + " of a shape value");
    }
    long[] d = vector(n, data);
    long[] i = vector(n, indices);
    long[] out = new long[i.length];
    for (int k = 0; k < i.length; k++) {
      long j = i[k] < 0 ? i[k] + d.length : i[k];
      if (j < 0 || j >= d.length) {
        throw new IllegalArgumentException("Gather of index " + i[k] + " from a shape value"
            + " of " + d.length);
      }
      out[k] = d[(int) j];
    }
    put(n, indices.dims(), out);
  }

  private void squeeze(OnnxGraph.Node n, List<OnnxGraph.Tensor> in) {
    OnnxGraph.Tensor x = in.get(0);
    long[] axes = in.size() > 1 && in.get(1) != null ? in.get(1).longs() : n.ints("axes");
    boolean unsqueeze = n.op().equals("Unsqueeze");
    List<Long> dims = new ArrayList<>();
    for (long d : x.dims()) {
      dims.add(d);
    }
    if (unsqueeze) {
      if (axes == null) {
        throw new IllegalArgumentException("Unsqueeze without axes");
      }
      int rank = dims.size() + axes.length;
      long[] sorted = new long[axes.length];
      for (int k = 0; k < axes.length; k++) {
        sorted[k] = axes[k] < 0 ? axes[k] + rank : axes[k];
      }
      Arrays.sort(sorted);
      for (long a : sorted) {
        dims.add((int) a, 1L);
      }
    } else {
      int rank = dims.size();
      for (int k = rank - 1; k >= 0; k--) {
        boolean named = axes == null;
        for (long a : axes == null ? new long[0] : axes) {
          named |= (a < 0 ? a + rank : a) == k;
        }
        if (named && dims.get(k) == 1) {
          dims.remove(k);
        }
      }
    }
    put(n, dims.stream().mapToLong(Long::longValue).toArray(), x.longs());
  }

  private void concat(OnnxGraph.Node n, List<OnnxGraph.Tensor> in) {
    long axis = n.integer("axis", 0);
    if (axis != 0 && axis != -1) {
      throw new IllegalArgumentException("Concat of shape values along axis " + axis);
    }
    int total = 0;
    for (OnnxGraph.Tensor t : in) {
      total += vector(n, t).length;
    }
    long[] out = new long[total];
    int at = 0;
    for (OnnxGraph.Tensor t : in) {
      long[] v = t.longs();
      System.arraycopy(v, 0, out, at, v.length);
      at += v.length;
    }
    put(n, new long[] {total}, out);
  }

  private void slice(OnnxGraph.Node n, List<OnnxGraph.Tensor> in) {
    long[] d = vector(n, in.get(0));
    long start = in.get(1).longs()[0];
    long end = in.get(2).longs()[0];
    long axis = in.size() > 3 && in.get(3) != null ? in.get(3).longs()[0] : 0;
    long step = in.size() > 4 && in.get(4) != null ? in.get(4).longs()[0] : 1;
    if (axis != 0 && axis != -1 || step < 1 || in.get(1).longs().length != 1) {
      throw new IllegalArgumentException("Slice of a shape value other than one range with a"
          + " positive step");
    }
    int len = d.length;
    int from = (int) Math.max(0, Math.min(len, start < 0 ? start + len : start));
    int to = (int) Math.max(0, Math.min(len, end < 0 ? end + len : end));
    List<Long> out = new ArrayList<>();
    for (int k = from; k < to; k += (int) step) {
      out.add(d[k]);
    }
    put(n, new long[] {out.size()}, out.stream().mapToLong(Long::longValue).toArray());
  }

  /** A vector filled with the attribute's integer, as long as its shape input is known. */
  private boolean constantOfShape(OnnxGraph.Node n) {
    OnnxGraph.Tensor shape = get(n.inputs().get(0));
    OnnxGraph.Attribute a = n.attributes().get("value");
    OnnxGraph.Tensor value = a == null ? null : a.t();
    if (shape == null || shape.longs() == null || value != null && value.longs() == null) {
      return false;
    }
    long[] dims = vector(n, shape);
    if (dims.length != 1 || dims[0] < 0 || dims[0] == BATCH) {
      throw new IllegalArgumentException("ConstantOfShape of shape " + Arrays.toString(dims)
          + ": only a vector of shape values is understood");
    }
    long[] out = new long[(int) dims[0]];
    Arrays.fill(out, value == null ? 0 : value.longs()[0]);
    put(n, new long[] {out.length}, out);
    return true;
  }

  /** {@code cond ? a : b} element by element; conditions are 0 or 1 here. */
  private void where(OnnxGraph.Node n, OnnxGraph.Tensor cond, OnnxGraph.Tensor a,
      OnnxGraph.Tensor b) {
    long[] c = vector(n, cond);
    long[] x = vector(n, a);
    long[] y = vector(n, b);
    int len = Math.max(c.length, Math.max(x.length, y.length));
    long[] out = new long[len];
    for (int k = 0; k < len; k++) {
      out[k] = c[c.length == 1 ? 0 : k] != 0 ? x[x.length == 1 ? 0 : k] : y[y.length == 1 ? 0
          : k];
    }
    put(n, new long[] {len}, out);
  }

  private void arithmetic(OnnxGraph.Node n, OnnxGraph.Tensor a, OnnxGraph.Tensor b) {
    long[] x = a.longs();
    long[] y = b.longs();
    if (x.length != y.length && x.length != 1 && y.length != 1) {
      throw new IllegalArgumentException(n.op() + " of shape values of shapes "
          + Arrays.toString(a.dims()) + " and " + Arrays.toString(b.dims()));
    }
    int len = Math.max(x.length, y.length);
    long[] out = new long[len];
    for (int k = 0; k < len; k++) {
      long u = x[x.length == 1 ? 0 : k];
      long v = y[y.length == 1 ? 0 : k];
      if (n.op().equals("Equal")) {
        // The batch size is no value an export compares with (-1, 1 in Expand's shape).
        out[k] = u == v ? 1 : 0;
        continue;
      }
      if (u == BATCH || v == BATCH) {
        out[k] = BATCH;
        continue;
      }
      out[k] = switch (n.op()) {
        case "Add" -> u + v;
        case "Sub" -> u - v;
        case "Mul" -> u * v;
        default -> {
          if (v == 0) {
            throw new IllegalArgumentException("Div of a shape value by zero");
          }
          yield u / v; // integer division truncates, as ONNX Runtime's
        }
      };
    }
    put(n, (x.length >= y.length ? a : b).dims(), out);
  }
}
