package io.github.embeddings4j.core.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the multi-head self-attention blocks of a vision transformer's ONNX graph, however the
 * exporter spelled them out, so that {@link OnnxImport} can put one {@link SelfAttention} layer
 * in place of each. An export writes attention as projections ({@code MatMul} or {@code Gemm}
 * with constant weights, one fused {@code [C, 3C]} or three), reshapes and transposes that split
 * the heads (PyTorch 1.13's {@code nn.MultiheadAttention} goes batch-second, and folds batch and
 * heads into one axis), a scale, {@code MatMul}, {@code Softmax}, {@code MatMul}, and the output
 * projection. A block is found from its {@code Softmax}: the two products around it, the
 * projections their operands come from, and the nodes between the block's input and output;
 * the heads and the shapes are worked out when the import reaches the block ({@link
 * #dims}), when its input's shape is known.
 */
final class AttentionBlocks {

  /** A projection: {@code x W (+ b)} with {@code W} as {@code [in, out]}, or one part of it. */
  record Projection(OnnxGraph.Node node, float[] weight, long in, long out, float[] bias) {

    /** Columns {@code part * size ..} of the weight and bias; the whole for part -1. */
    float[][] part(int part, int size) {
      if (part < 0) {
        return new float[][] {weight, bias};
      }
      float[] w = new float[(int) in * size];
      for (int r = 0; r < in; r++) {
        System.arraycopy(weight, (int) (r * out) + part * size, w, r * size, size);
      }
      float[] b = bias == null ? null : Arrays.copyOfRange(bias, part * size, (part + 1) * size);
      return new float[][] {w, b};
    }
  }

  /** How one operand of the attention reaches its projection. */
  record Operand(Projection projection, double scale, OnnxGraph.Node slice, int index) {}

  /**
   * One block: its input tensor (tokens {@code [N, T, C]}), its output, the operands, the
   * output projection, the scale of the scores, and the nodes it replaces.
   */
  record Block(String entry, String exit, OnnxGraph.Node softmax, OnnxGraph.Node scores,
      Operand q, Operand k,
      Operand v, Projection o, double scale, Set<OnnxGraph.Node> nodes) {}

  private final OnnxGraph g;
  private final ShapeValues known;
  private final Map<String, List<OnnxGraph.Node>> consumers;
  private final Map<String, OnnxGraph.Node> producer = new HashMap<>();
  private final Map<OnnxGraph.Node, String> refused = new IdentityHashMap<>();

  AttentionBlocks(OnnxGraph g, ShapeValues known, Map<String, List<OnnxGraph.Node>> consumers) {
    this.g = g;
    this.known = known;
    this.consumers = consumers;
    for (OnnxGraph.Node n : g.nodes) {
      for (String t : n.outputs()) {
        producer.put(t, n);
      }
    }
  }

  /** The blocks of the graph, by the node that computes each one's output. */
  Map<OnnxGraph.Node, Block> find() {
    Map<OnnxGraph.Node, Block> out = new IdentityHashMap<>();
    for (OnnxGraph.Node n : g.nodes) {
      if (n.op().equals("Softmax")) {
        Block b = block(n);
        if (b != null) {
          out.put(producer.get(b.exit()), b);
        }
      }
    }
    return out;
  }

  private boolean computed(String t) {
    return producer.containsKey(t) && known.get(t) == null;
  }

  private Float scalar(String t) {
    return known.scalar(t);
  }

  /** The node that computes {@code t} before any products or quotients by scalars, and them. */
  private record Scaled(OnnxGraph.Node node, double scale) {}

  private Scaled unscaled(String t) {
    double scale = 1;
    OnnxGraph.Node p = producer.get(t);
    while (p != null && (p.op().equals("Mul") || p.op().equals("Div")) && p.inputs().size() == 2
        && scalar(p.inputs().get(1)) != null) {
      float v = scalar(p.inputs().get(1));
      scale *= p.op().equals("Mul") ? v : 1.0 / v;
      p = producer.get(p.inputs().get(0));
    }
    return new Scaled(p, scale);
  }

  /** The tensor after {@code t}'s chain of transposes and reshapes (the heads split or joined). */
  private String pastLayout(String t) {
    OnnxGraph.Node next = nextStep(t);
    while (next != null && (next.op().equals("Transpose") || next.op().equals("Reshape"))) {
      t = next.outputs().get(0);
      next = nextStep(t);
    }
    return t;
  }

  private Block block(OnnxGraph.Node softmax) {
    String t = softmax.inputs().get(0);
    Scaled found = unscaled(t);
    double scale = found.scale();
    OnnxGraph.Node p = found.node();
    if (p != null && (p.op().equals("Add") || p.op().equals("Sub") || p.op().equals("Where"))) {
      for (String in : p.inputs()) {
        if (products(in)) {
          refused.put(softmax, "attention with something added to its scores (a mask or a"
              + " relative position bias: node '" + p.label() + "' (" + p.op() + ")) has no layer"
              + " here");
        }
      }
    }
    if (!products(t)) {
      return null;
    }
    OnnxGraph.Node scores = p;
    List<OnnxGraph.Node> after = consumers.getOrDefault(softmax.outputs().get(0), List.of());
    if (after.size() != 1 || !after.get(0).op().equals("MatMul")
        || !after.get(0).inputs().get(0).equals(softmax.outputs().get(0))) {
      refused.put(softmax, "its attention weights are not multiplied by the values alone");
      return null;
    }
    OnnxGraph.Node mix = after.get(0);
    Operand q = operand(scores.inputs().get(0));
    Operand k = operand(scores.inputs().get(1));
    Operand v = operand(mix.inputs().get(1));
    if (q == null || k == null || v == null) {
      refused.put(softmax, "the attention's " + (q == null ? "queries" : k == null ? "keys"
          : "values") + " do not come from a projection of the tokens by a constant matrix"
          + " through reshapes, transposes, slices and scales (a norm on them, as in qk-norm,"
          + " is not understood)");
      return null;
    }
    // The output projection, after the heads are joined again.
    OnnxGraph.Node next = nextStep(pastLayout(mix.outputs().get(0)));
    Projection o = next == null ? null : projection(next);
    if (o == null) {
      refused.put(softmax, "the attention's joined heads do not go through an output"
          + " projection by a constant matrix");
      return null;
    }
    String exit = next.outputs().get(0);
    if (o.bias() == null) {
      OnnxGraph.Node add = nextStep(exit);
      float[] b = add == null || !add.op().equals("Add") ? null : constantOf(add, exit);
      if (b != null && b.length == o.out()) {
        o = new Projection(o.node(), o.weight(), o.in(), o.out(), b);
        exit = add.outputs().get(0);
      }
    }
    exit = pastLayout(exit);
    String entry = entry(q.projection().node().inputs().get(0));
    if (!entry.equals(entry(k.projection().node().inputs().get(0)))
        || !entry.equals(entry(v.projection().node().inputs().get(0)))) {
      refused.put(softmax, "the attention's queries, keys and values are projected from"
          + " different tensors (cross-attention has no layer here)");
      return null;
    }
    Set<OnnxGraph.Node> nodes = between(entry, exit);
    if (nodes == null) {
      refused.put(softmax, "the nodes between the attention's input '" + entry + "' and output '"
          + exit + "' hold more than attention, or are read elsewhere");
      return null;
    }
    return new Block(entry, exit, softmax, scores, q, k, v, o,
        scale * q.scale() * k.scale(), nodes);
  }

  /** Whether {@code t} is, up to scalar factors, a product of two computed tensors. */
  private boolean products(String t) {
    OnnxGraph.Node p = unscaled(t).node();
    return p != null && p.op().equals("MatMul") && computed(p.inputs().get(0))
        && computed(p.inputs().get(1));
  }

  /**
   * The {@code Softmax} nodes that look like attention but could not be read as a block, with
   * the reason; filled by {@link #find}.
   */
  Map<OnnxGraph.Node, String> refused() {
    return refused;
  }

  /** The tokens a projection reads: its input before any batch-second transpose. */
  private String entry(String t) {
    OnnxGraph.Node p = producer.get(t);
    while (p != null && p.op().equals("Transpose") && Arrays.equals(p.ints("perm"),
        new long[] {1, 0, 2})) {
      t = p.inputs().get(0);
      p = producer.get(t);
    }
    return t;
  }

  /** Walks back from an operand of a product to its projection; null if it does not reach one. */
  private Operand operand(String t) {
    double scale = 1;
    OnnxGraph.Node slice = null;
    int index = -1;
    float[] bias = null;
    while (true) {
      OnnxGraph.Node p = producer.get(t);
      if (p == null) {
        return null;
      }
      switch (p.op()) {
        case "Transpose", "Reshape", "Identity", "Squeeze", "Unsqueeze" -> t = p.inputs().get(0);
        case "Mul", "Div" -> {
          Float v = p.inputs().size() == 2 ? scalar(p.inputs().get(1)) : null;
          if (v == null) {
            return null;
          }
          scale *= p.op().equals("Mul") ? v : 1.0 / v;
          t = p.inputs().get(0);
        }
        case "Slice" -> {
          slice = p;
          t = p.inputs().get(0);
        }
        case "Gather", "Split" -> {
          OnnxGraph.Tensor i = p.op().equals("Gather") ? known.get(p.inputs().get(1)) : null;
          index = p.op().equals("Split") ? p.outputs().indexOf(t)
              : i != null && i.longs() != null && i.size() == 1 ? (int) i.longs()[0] : -2;
          if (index < 0) {
            return null;
          }
          t = p.inputs().get(0);
        }
        case "Add" -> {
          String x = computed(p.inputs().get(0)) ? p.inputs().get(0) : p.inputs().get(1);
          bias = constantOf(p, x);
          if (bias == null) {
            return null;
          }
          t = x;
        }
        case "MatMul", "Gemm" -> {
          Projection proj = projection(p);
          if (proj == null) {
            return null;
          }
          if (bias != null) {
            if (proj.bias() != null || bias.length != proj.out()) {
              return null;
            }
            proj = new Projection(proj.node(), proj.weight(), proj.in(), proj.out(), bias);
          }
          return new Operand(proj, scale, slice, index);
        }
        default -> {
          return null;
        }
      }
    }
  }

  /** The other operand of a two-input node when it is a float constant; null otherwise. */
  private float[] constantOf(OnnxGraph.Node n, String x) {
    if (n.inputs().size() != 2) {
      return null;
    }
    String other = n.inputs().get(0).equals(x) ? n.inputs().get(1) : n.inputs().get(0);
    OnnxGraph.Tensor c = known.get(other);
    return c == null || c.floats() == null || !n.inputs().contains(x) ? null : c.floats();
  }

  /** A MatMul or Gemm by a constant matrix, as {@code x W + b}; null for anything else. */
  private Projection projection(OnnxGraph.Node n) {
    if (n.inputs().size() < 2 || !computed(n.inputs().get(0))) {
      return null;
    }
    OnnxGraph.Tensor w = matrix(n.inputs().get(1));
    if (w == null || w.floats() == null || w.dims().length != 2) {
      return null;
    }
    if (n.op().equals("MatMul")) {
      return new Projection(n, w.floats(), w.dims()[0], w.dims()[1], null);
    }
    if (n.integer("transA", 0) != 0 || n.real("alpha", 1f) != 1f || n.real("beta", 1f) != 1f) {
      return null;
    }
    if (n.integer("transB", 0) != 0) {
      w = ShapeValues.transposed(w.name(), w, new long[] {1, 0});
    }
    OnnxGraph.Tensor bias = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()
        ? known.get(n.inputs().get(2)) : null;
    return new Projection(n, w.floats(), w.dims()[0], w.dims()[1],
        bias == null ? null : bias.floats());
  }

  /**
   * The one node reading {@code t} other than {@code Shape}s (whose values the next reshape
   * uses); null if there is not exactly one.
   */
  private OnnxGraph.Node nextStep(String t) {
    OnnxGraph.Node only = null;
    for (OnnxGraph.Node r : consumers.getOrDefault(t, List.of())) {
      if (!r.op().equals("Shape")) {
        if (only != null) {
          return null;
        }
        only = r;
      }
    }
    return g.outputs.contains(t) ? null : only;
  }

  /**
   * A constant matrix, or one an export without constant folding transposes at run time
   * ({@code Transpose} of a constant).
   */
  private OnnxGraph.Tensor matrix(String t) {
    OnnxGraph.Tensor w = known.get(t);
    OnnxGraph.Node p = producer.get(t);
    if (w != null || p == null || !p.op().equals("Transpose")) {
      return w;
    }
    OnnxGraph.Tensor c = known.get(p.inputs().get(0));
    long[] perm = p.ints("perm");
    if (c == null || c.floats() == null || c.dims().length != 2
        || perm != null && !Arrays.equals(perm, new long[] {1, 0})) {
      return null;
    }
    return ShapeValues.transposed(t, c, new long[] {1, 0});
  }

  /** The operators an attention block is made of, shape arithmetic included. */
  private static final Set<String> INSIDE = Set.of("Transpose", "Reshape", "Identity",
      "Squeeze", "Unsqueeze", "Mul", "Div", "Slice", "Gather", "Split", "Add", "Sub", "MatMul",
      "Gemm", "Softmax", "Shape", "Concat", "Cast", "Equal", "Where", "ConstantOfShape");

  /**
   * The nodes on a path from {@code entry} to {@code exit}: those the block replaces. Null if
   * one of them is not what attention is made of, or if a tensor inside is read outside.
   */
  private Set<OnnxGraph.Node> between(String entry, String exit) {
    Set<OnnxGraph.Node> forward = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<String> todo = new ArrayDeque<>(List.of(entry));
    while (!todo.isEmpty()) {
      String t = todo.pop();
      if (t.equals(exit)) {
        continue;
      }
      for (OnnxGraph.Node r : consumers.getOrDefault(t, List.of())) {
        if (forward.add(r)) {
          todo.addAll(r.outputs());
        }
      }
    }
    Set<OnnxGraph.Node> nodes = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<OnnxGraph.Node> back = new ArrayDeque<>(List.of(producer.get(exit)));
    while (!back.isEmpty()) {
      OnnxGraph.Node n = back.pop();
      if (!forward.contains(n) || !nodes.add(n)) {
        continue;
      }
      for (String t : n.inputs()) {
        if (producer.containsKey(t) && !t.equals(entry)) {
          back.push(producer.get(t));
        }
      }
    }
    for (OnnxGraph.Node n : nodes) {
      if (!INSIDE.contains(n.op())) {
        return null;
      }
      for (String t : n.outputs()) {
        if (t.equals(exit)) {
          continue;
        }
        for (OnnxGraph.Node r : consumers.getOrDefault(t, List.of())) {
          if (!nodes.contains(r)) {
            return null;
          }
        }
        if (g.outputs.contains(t)) {
          return null;
        }
      }
    }
    return nodes;
  }

  /** The order of three chained slices of a fused projection: which part each one is. */
  int part(Block b, Operand op, long size) {
    if (op.index() >= 0) {
      return op.index();
    }
    if (op.slice() == null) {
      return -1;
    }
    List<OnnxGraph.Node> slices = new ArrayList<>();
    for (Operand o : List.of(b.q(), b.k(), b.v())) {
      if (o.slice() != null) {
        slices.add(o.slice());
      }
    }
    OnnxGraph.Tensor start = known.get(op.slice().inputs().get(1));
    if (start != null && start.longs() != null && start.size() == 1) {
      return (int) (start.longs()[0] / size);
    }
    // Starts computed from shapes: slice 0 starts at a constant 0, each next where one ended.
    String from = null;
    for (int part = 0; part < slices.size(); part++) {
      OnnxGraph.Node found = null;
      for (OnnxGraph.Node s : slices) {
        String st = s.inputs().get(1);
        boolean zero = known.get(st) != null && known.get(st).longs() != null
            && known.get(st).longs()[0] == 0;
        if (part == 0 ? zero : st.equals(from)) {
          found = s;
        }
      }
      if (found == null) {
        return -2;
      }
      if (found == op.slice()) {
        return part;
      }
      from = found.inputs().get(2);
    }
    return -2;
  }

  /**
   * The dimensions of a tensor inside a block, the block's input being {@code [N, T, C]}
   * ({@link ShapeValues#BATCH} for a dimension that depends on the batch size); shape values
   * the block computes are worked out on the way.
   *
   * @throws IllegalArgumentException naming the node whose shape cannot be worked out
   */
  long[] dims(Block b, String t, long[] entryDims, Map<String, long[]> memo) {
    if (t.equals(b.entry())) {
      return entryDims;
    }
    long[] have = memo.get(t);
    if (have != null) {
      return have;
    }
    OnnxGraph.Node p = producer.get(t);
    if (p == null || p.inputs().isEmpty()) {
      throw new IllegalArgumentException("'" + t + "' inside an attention block is not computed"
          + " from its input");
    }
    long[] x = known.get(p.inputs().get(0)) != null ? null
        : dims(b, p.inputs().get(0), entryDims, memo);
    if (x == null && !Set.of("Identity", "Softmax", "Mul", "Div", "Add", "Sub")
        .contains(p.op())) {
      throw new IllegalArgumentException("node '" + p.label() + "' (" + p.op() + ") inside an"
          + " attention block reads a constant where tokens are expected");
    }
    long[] out = switch (p.op()) {
      case "Transpose" -> {
        long[] perm = p.ints("perm");
        long[] d = new long[x.length];
        for (int i = 0; i < d.length; i++) {
          d[i] = x[(int) (perm == null ? d.length - 1 - i : perm[i])];
        }
        yield d;
      }
      case "Identity", "Softmax", "Mul", "Div", "Add", "Sub" -> {
        if (x == null) {
          yield dims(b, p.inputs().get(1), entryDims, memo);
        }
        yield x;
      }
      case "MatMul", "Gemm" -> {
        OnnxGraph.Tensor w = matrix(p.inputs().get(1));
        long[] d = x.clone();
        if (w != null) {
          boolean transB = p.op().equals("Gemm") && p.integer("transB", 0) != 0;
          d[d.length - 1] = transB ? w.dims()[0] : w.dims()[w.dims().length - 1];
        } else {
          long[] y = dims(b, p.inputs().get(1), entryDims, memo);
          d[d.length - 1] = y[y.length - 1];
        }
        yield d;
      }
      case "Reshape" -> reshape(p, x, value(b, p.inputs().get(1), entryDims, memo));
      case "Slice" -> {
        long[] starts = value(b, p.inputs().get(1), entryDims, memo);
        long[] ends = value(b, p.inputs().get(2), entryDims, memo);
        long[] axes = p.inputs().size() > 3 ? value(b, p.inputs().get(3), entryDims, memo)
            : new long[] {0};
        long[] d = x.clone();
        for (int i = 0; i < axes.length; i++) {
          int a = (int) (axes[i] < 0 ? axes[i] + d.length : axes[i]);
          long lo = Math.max(0, starts[i] < 0 ? starts[i] + d[a] : starts[i]);
          long hi = Math.min(d[a], ends[i] < 0 ? ends[i] + d[a] : ends[i]);
          d[a] = Math.max(0, hi - lo);
        }
        yield d;
      }
      case "Gather" -> {
        int a = (int) p.integer("axis", 0);
        a = a < 0 ? a + x.length : a;
        long[] d = new long[x.length - 1];
        for (int i = 0, j = 0; i < x.length; i++) {
          if (i != a) {
            d[j++] = x[i];
          }
        }
        yield d;
      }
      case "Split" -> {
        int a = (int) p.integer("axis", 0);
        a = a < 0 ? a + x.length : a;
        long[] sizes = p.inputs().size() > 1 && !p.inputs().get(1).isEmpty()
            ? value(b, p.inputs().get(1), entryDims, memo) : p.ints("split");
        int part = p.outputs().indexOf(t);
        long[] d = x.clone();
        d[a] = sizes != null && sizes.length > part ? sizes[part]
            : x[a] / p.outputs().size();
        yield d;
      }
      case "Squeeze", "Unsqueeze" -> {
        long[] axes = p.inputs().size() > 1 && !p.inputs().get(1).isEmpty()
            ? value(b, p.inputs().get(1), entryDims, memo) : p.ints("axes");
        List<Long> d = new ArrayList<>();
        for (long v : x) {
          d.add(v);
        }
        int rank = p.op().equals("Squeeze") ? x.length : x.length + axes.length;
        long[] sorted = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
          sorted[i] = axes[i] < 0 ? axes[i] + rank : axes[i];
        }
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
          if (p.op().equals("Squeeze")) {
            d.remove((int) sorted[sorted.length - 1 - i]);
          } else {
            d.add((int) sorted[i], 1L);
          }
        }
        yield d.stream().mapToLong(Long::longValue).toArray();
      }
      default -> throw new IllegalArgumentException("node '" + p.label() + "' (" + p.op()
          + ") inside an attention block: its shape is not worked out here");
    };
    memo.put(t, out);
    return out;
  }

  private static long[] reshape(OnnxGraph.Node p, long[] x, long[] target) {
    long[] d = target.clone();
    int free = -1;
    long known = 1;
    boolean batch = false;
    for (int i = 0; i < d.length; i++) {
      if (d[i] == 0) {
        d[i] = x[i];
      }
      if (d[i] == -1) {
        free = i;
      } else if (d[i] == ShapeValues.BATCH) {
        batch = true;
      } else {
        known *= d[i];
      }
    }
    if (free >= 0) {
      long total = 1;
      boolean inBatch = false;
      for (long v : x) {
        if (v == ShapeValues.BATCH) {
          inBatch = true;
        } else {
          total *= v;
        }
      }
      // The batch size on both sides cancels out; on one side only, it is what is open.
      if (inBatch != batch) {
        if (batch) {
          throw new IllegalArgumentException("node '" + p.label() + "' (Reshape) inside an"
              + " attention block: to " + Arrays.toString(target) + " from "
              + Arrays.toString(x));
        }
        d[free] = ShapeValues.BATCH;
      } else {
        d[free] = total / known;
      }
    }
    return d;
  }

  /** A shape value inside a block, worked out from the shapes there. */
  private long[] value(Block b, String t, long[] entryDims, Map<String, long[]> memo) {
    OnnxGraph.Tensor v = known.get(t);
    if (v != null) {
      if (v.longs() == null) {
        throw new IllegalArgumentException("'" + t + "' is not an integer shape value");
      }
      return v.longs();
    }
    OnnxGraph.Node p = producer.get(t);
    if (p == null) {
      throw new IllegalArgumentException("'" + t + "' is not computed in the graph");
    }
    if (p.op().equals("Shape")) {
      known.shapeOf(p, dims(b, p.inputs().get(0), entryDims, memo));
    } else {
      for (String in : p.inputs()) {
        if (!in.isEmpty() && known.get(in) == null) {
          value(b, in, entryDims, memo);
        }
      }
      if (!known.fold(p)) {
        throw new IllegalArgumentException("node '" + p.label() + "' (" + p.op() + ") inside an"
            + " attention block: its shape value is not worked out here");
      }
    }
    return known.get(t).longs();
  }
}
