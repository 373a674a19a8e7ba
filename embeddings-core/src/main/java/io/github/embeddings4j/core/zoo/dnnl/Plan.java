package io.github.embeddings4j.core.zoo.dnnl;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.concat;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A program for one batch size as oneDNN primitives, each with its arguments: the images go in
 * plain NCHW, every operation picks the layout its fastest kernel wants (a reorder converts where
 * the one before chose another), and the result is reordered back to plain NCHW (or NC). Where
 * each tensor lives is the {@link BufferPlan}'s business.
 */
final class Plan implements AutoCloseable {

  /** The plain memory the images come in or the result goes out by. */
  private record Plain(memory memory, FloatPointer data, int length) {}

  private final Program program;
  private final int n;
  private final engine e = Dnnl.engine();
  /** The runner's stream, which packs the weights as well. */
  private final stream stream;
  private final Arena arena;
  private final BufferPlan buffers;
  private final List<primitive> steps = new ArrayList<>();
  private final List<IntMemoryMap> args = new ArrayList<>();
  /** Per tensor, while planning: its layout and its memory. */
  private final memory.desc[] descs;
  private final memory[] mems;
  private final Plain in;
  private final Plain out;

  Plan(Program program, int n, stream stream, Arena arena) {
    this.program = program;
    this.n = n;
    this.stream = stream;
    this.arena = arena;
    this.buffers = new BufferPlan(program);
    this.descs = new memory.desc[program.tensors.size()];
    this.mems = new memory[program.tensors.size()];
    in = input();
    for (int i = 0; i < program.ops.size(); i++) {
      Op op = program.ops.get(i);
      plan(op, i);
      buffers.planned(op, i);
    }
    out = output();
    buffers.reserve(arena);
  }

  /** The images' memory, plain NCHW: the input tensor's. */
  private Plain input() {
    Tensor t = program.tensors.get(program.input);
    descs[program.input] = Dnnl.desc(t.dims(n), memory.format_tag.nchw);
    memory m = new memory(descs[program.input], e);
    mems[program.input] = m;
    int length = (int) t.size(n);
    return new Plain(m, new FloatPointer(m.get_data_handle()).capacity(length), length);
  }

  /** The result's memory, plain, and the reorder into it that ends the plan. */
  private Plain output() {
    Tensor t = program.tensors.get(program.output);
    memory.desc plain = Dnnl.desc(t.dims(n), t.flat() ? memory.format_tag.nc
        : memory.format_tag.nchw);
    memory m = new memory(plain, e);
    int length = (int) t.size(n);
    FloatPointer data = new FloatPointer(m.get_data_handle()).capacity(length);
    add(new reorder(mems[program.output], m), map(dnnl.DNNL_ARG_FROM, mems[program.output],
        dnnl.DNNL_ARG_TO, m));
    return new Plain(m, data, length);
  }

  /** The primitives of op {@code i}. */
  private void plan(Op op, int i) {
    if (op instanceof Op.Conv c) {
      if (c.dense) {
        innerProduct(c);
      } else {
        convolution(c, i);
      }
    } else if (op instanceof Op.Pool p) {
      pooling(p);
    } else if (op instanceof Op.Norm nrm) {
      batchNorm(nrm);
    } else if (op instanceof Op.Activation a) {
      activation(a);
    } else if (op instanceof Op.Add a) {
      addition(a);
    } else if (op instanceof Op.Concat c) {
      concatenation(c);
    }
  }

  /** The layout left to the primitive ({@code any}) for a tensor of {@code rows} images. */
  private memory.desc any(int tensor, int rows) {
    return Dnnl.desc(program.tensors.get(tensor).dims(rows), memory.format_tag.any);
  }

  /** The convolution's post-ops: its own activation, the residual sum, the activation after. */
  private static primitive_attr postOps(Op.Conv c) {
    primitive_attr attr = new primitive_attr();
    post_ops po = new post_ops();
    if (c.own != null) {
      po.append_eltwise(1f, c.own.algorithm(), c.own.alpha(), c.own.beta());
    }
    if (c.sum >= 0) {
      po.append_sum();
    }
    if (c.after != null) {
      po.append_eltwise(1f, c.after.algorithm(), c.after.alpha(), c.after.beta());
    }
    attr.set_post_ops(po);
    return attr;
  }

  /**
   * A convolution, which adds its residual in place over the addend when nothing reads the
   * addend later (and a kernel can write the addend's layout), else on a copy of it.
   */
  private void convolution(Op.Conv c, int i) {
    boolean inPlace = c.sum >= 0 && program.lastUse[c.sum] == i && c.sum != program.input
        && c.sum != c.src;
    memory.desc any = any(c.dst, n);
    primitive_attr attr = postOps(c);
    convolution_forward.primitive_desc pd;
    try {
      pd = convolution(c, inPlace ? descs[c.sum] : any, attr);
    } catch (RuntimeException refused) {
      if (!inPlace) {
        throw refused;
      }
      // No kernel writes this layout: add on a copy instead of in place.
      inPlace = false;
      pd = convolution(c, any, attr);
    }
    memory.desc pSrc = pd.src_desc();
    memory.desc pWeights = pd.weights_desc();
    memory.desc pDst = pd.dst_desc();
    connect(c, pSrc, pWeights, pDst, new convolution_forward(pd), inPlace);
  }

  /** The primitive descriptor of a convolution over a batch of {@code n}. */
  private convolution_forward.primitive_desc convolution(Op.Conv c, memory.desc dst,
      primitive_attr attr) {
    memory.desc src = any(c.src, n);
    memory.desc weights = Dnnl.desc(c.weightDims, memory.format_tag.any);
    Op.Window w = c.window;
    convolution_forward.desc cd = c.bias != null
        ? new convolution_forward.desc(dnnl.prop_kind.forward_inference,
            dnnl.algorithm.convolution_direct, src, weights,
            Dnnl.desc(new long[] {c.outChannels()}, memory.format_tag.a), dst, w.stride(),
            w.dilation(), w.padL(), w.padR())
        : new convolution_forward.desc(dnnl.prop_kind.forward_inference,
            dnnl.algorithm.convolution_direct, src, weights, dst, w.stride(), w.dilation(),
            w.padL(), w.padR());
    return new convolution_forward.primitive_desc(cd, attr, e);
  }

  /** A dense layer: oneDNN's inner product. */
  private void innerProduct(Op.Conv c) {
    primitive_attr attr = postOps(c);
    // oneDNN's inner product takes another path for one row than for several, and its sums
    // differ in the last bits: one image runs as two identical rows, so that an image's vector
    // does not depend on how many images share its pass.
    int rows = n == 1 ? 2 : n;
    memory.desc dstAny = any(c.dst, rows);
    memory.desc srcAny = any(c.src, rows);
    memory.desc wAny = Dnnl.desc(c.weightDims, memory.format_tag.any);
    inner_product_forward.desc id = c.bias != null
        ? new inner_product_forward.desc(dnnl.prop_kind.forward_inference, srcAny, wAny,
            Dnnl.desc(new long[] {c.outChannels()}, memory.format_tag.a), dstAny)
        : new inner_product_forward.desc(dnnl.prop_kind.forward_inference, srcAny, wAny,
            dstAny);
    inner_product_forward.primitive_desc pd =
        new inner_product_forward.primitive_desc(id, attr, e);
    memory.desc pSrc = pd.src_desc();
    memory.desc pWeights = pd.weights_desc();
    memory.desc pDst = pd.dst_desc();
    primitive prim = new inner_product_forward(pd);
    if (rows != n) {
      oneRowAsTwo(c, pSrc, pDst, PackedWeights.of(c, pWeights, stream), prim);
    } else {
      connect(c, pSrc, pWeights, pDst, prim, false);
    }
  }

  /**
   * A convolution's or dense layer's primitive on its memories: the source (converted to the
   * primitive's layout where it differs), the packed weights, and the result, written over the
   * addend ({@code inPlace}) or in a buffer of its own (with the addend copied in first).
   */
  private void connect(Op.Conv c, memory.desc pSrc, memory.desc pWeights, memory.desc pDst,
      primitive prim, boolean inPlace) {
    memory src = convert(mems[c.src], descs[c.src], pSrc);
    memory weights = PackedWeights.of(c, pWeights, stream);
    memory dst;
    if (inPlace) {
      descs[c.dst] = descs[c.sum];
      buffers.handOver(c.sum, c.dst);
      dst = mems[c.sum];
    } else {
      descs[c.dst] = pDst;
      dst = buffers.allocate(c.dst, descs[c.dst]);
      if (c.sum >= 0) {
        // The addend is still read later: copy it into the result first.
        // (The reorder converts the layout where the two differ.)
        memory addend = mems[c.sum];
        add(new reorder(addend, dst), map(dnnl.DNNL_ARG_FROM, addend, dnnl.DNNL_ARG_TO, dst));
      }
    }
    mems[c.dst] = dst;
    IntMemoryMap m = map(dnnl.DNNL_ARG_SRC, src, dnnl.DNNL_ARG_WEIGHTS, weights,
        dnnl.DNNL_ARG_DST, dst);
    if (c.bias != null) {
      m.put(dnnl.DNNL_ARG_BIAS, c.biasMemory);
    }
    add(prim, m);
  }

  /**
   * A dense layer on one image as an inner product over two copies of its row; the result
   * is the first row, copied into the tensor's own buffer.
   */
  private void oneRowAsTwo(Op.Conv c, memory.desc twoSrc, memory.desc twoDst, memory weights,
      primitive prim) {
    Tensor ts = program.tensors.get(c.src);
    int k = buffers.temporary(twoSrc.get_size());
    memory two = buffers.bind(twoSrc, k);
    long[] one = ts.dims(1);
    for (long row = 0; row < 2; row++) {
      long[] at = new long[one.length];
      at[0] = row;
      memory part = buffers.bind(twoSrc.submemory_desc(one, at), k);
      add(new reorder(mems[c.src], part), map(dnnl.DNNL_ARG_FROM, mems[c.src],
          dnnl.DNNL_ARG_TO, part));
    }
    int kd = buffers.temporary(twoDst.get_size());
    memory wide = buffers.bind(twoDst, kd);
    IntMemoryMap m = map(dnnl.DNNL_ARG_SRC, two, dnnl.DNNL_ARG_WEIGHTS, weights,
        dnnl.DNNL_ARG_DST, wide);
    if (c.bias != null) {
      m.put(dnnl.DNNL_ARG_BIAS, c.biasMemory);
    }
    add(prim, m);
    long[] oneOut = program.tensors.get(c.dst).dims(1);
    descs[c.dst] = Dnnl.desc(oneOut, oneOut.length == 2 ? memory.format_tag.nc
        : memory.format_tag.nchw);
    memory dst = buffers.allocate(c.dst, descs[c.dst]);
    mems[c.dst] = dst;
    memory first = buffers.bind(twoDst.submemory_desc(oneOut, new long[oneOut.length]), kd);
    add(new reorder(first, dst), map(dnnl.DNNL_ARG_FROM, first, dnnl.DNNL_ARG_TO, dst));
  }

  private void pooling(Op.Pool p) {
    pooling_forward.desc pd0 = new pooling_forward.desc(dnnl.prop_kind.forward_inference,
        p.algorithm, descs[p.src], any(p.dst, n), p.window.stride(), p.window.kernel(),
        p.window.padL(), p.window.padR());
    pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(pd0, e);
    descs[p.dst] = pd.dst_desc();
    memory dst = buffers.allocate(p.dst, descs[p.dst]);
    mems[p.dst] = dst;
    add(new pooling_forward(pd), map(dnnl.DNNL_ARG_SRC, mems[p.src], dnnl.DNNL_ARG_DST, dst));
  }

  /**
   * A standing batch norm as oneDNN's, with global statistics and the ReLU fused. On a blocked
   * layout whose channels are padded (12 channels in blocks of 8, say) oneDNN 2.x's AVX2
   * kernel leaves the padding of its result undefined (found as NaN), and the convolution
   * after it, which takes padding to be zero, multiplies it in: such a source is first made
   * plain, which has no padding.
   */
  private void batchNorm(Op.Norm nrm) {
    PackedWeights.prepare(nrm);
    int flags = dnnl.dnnl_use_global_stats | dnnl.dnnl_use_scaleshift
        | (nrm.relu ? dnnl.dnnl_fuse_norm_relu : 0);
    memory.desc srcDesc = descs[nrm.src];
    memory src = mems[nrm.src];
    if (padded(srcDesc, nrm.src)) {
      memory.desc plain = Dnnl.desc(program.tensors.get(nrm.src).dims(n),
          memory.format_tag.nchw);
      src = convert(src, srcDesc, plain);
      srcDesc = plain;
    }
    batch_normalization_forward.primitive_desc pd =
        new batch_normalization_forward.primitive_desc(
            new batch_normalization_forward.desc(dnnl.prop_kind.forward_inference.value,
                srcDesc, 0f, flags), e);
    descs[nrm.dst] = pd.dst_desc();
    memory dst = buffers.allocate(nrm.dst, descs[nrm.dst]);
    mems[nrm.dst] = dst;
    IntMemoryMap m = map(dnnl.DNNL_ARG_SRC, src, dnnl.DNNL_ARG_DST, dst,
        dnnl.DNNL_ARG_MEAN, nrm.mean);
    m.put(dnnl.DNNL_ARG_VARIANCE, nrm.variance);
    m.put(dnnl.DNNL_ARG_SCALE_SHIFT, nrm.scaleShift);
    add(new batch_normalization_forward(pd), m);
  }

  /** Whether a tensor's layout holds more than its values: padded channel blocks. */
  private boolean padded(memory.desc d, int tensor) {
    return d.get_size() > program.tensors.get(tensor).size(n) * Float.BYTES;
  }

  private void activation(Op.Activation a) {
    eltwise_forward.desc ed = new eltwise_forward.desc(dnnl.prop_kind.forward_inference,
        a.eltwise.algorithm(), descs[a.src], a.eltwise.alpha(), a.eltwise.beta());
    eltwise_forward.primitive_desc pd = new eltwise_forward.primitive_desc(ed, e);
    descs[a.dst] = descs[a.src];
    memory dst = buffers.allocate(a.dst, descs[a.dst]);
    mems[a.dst] = dst;
    add(new eltwise_forward(pd), map(dnnl.DNNL_ARG_SRC, mems[a.src], dnnl.DNNL_ARG_DST, dst));
  }

  /** A standing addition, in the first input's layout, with the activation after it fused. */
  private void addition(Op.Add a) {
    memory.desc da = descs[a.a];
    memory srcB = convert(mems[a.b], descs[a.b], da);
    primitive_attr attr = new primitive_attr();
    if (a.after != null) {
      post_ops po = new post_ops();
      po.append_eltwise(1f, a.after.algorithm(), a.after.alpha(), a.after.beta());
      attr.set_post_ops(po);
    }
    binary.primitive_desc pd = new binary.primitive_desc(
        new binary.desc(dnnl.algorithm.binary_add, da, da, da), attr, e);
    descs[a.dst] = da;
    memory dst = buffers.allocate(a.dst, da);
    mems[a.dst] = dst;
    add(new binary(pd), map(dnnl.DNNL_ARG_SRC_0, mems[a.a], dnnl.DNNL_ARG_SRC_1, srcB,
        dnnl.DNNL_ARG_DST, dst));
  }

  private void concatenation(Op.Concat c) {
    memory.desc srcs = new memory.desc(c.srcs.length);
    for (int k = 0; k < c.srcs.length; k++) {
      srcs.getPointer(k).put(descs[c.srcs[k]]);
    }
    concat.primitive_desc pd = new concat.primitive_desc(1, srcs, e);
    descs[c.dst] = pd.dst_desc();
    memory dst = buffers.allocate(c.dst, descs[c.dst]);
    mems[c.dst] = dst;
    IntMemoryMap m = new IntMemoryMap();
    for (int k = 0; k < c.srcs.length; k++) {
      m.put(dnnl.DNNL_ARG_MULTIPLE_SRC + k, mems[c.srcs[k]]);
    }
    m.put(dnnl.DNNL_ARG_DST, dst);
    add(new concat(pd), m);
  }

  /** The memory in the layout {@code want}: itself, or a reorder into a temporary buffer. */
  private memory convert(memory m, memory.desc have, memory.desc want) {
    if (have.equals(want)) {
      return m;
    }
    memory t = buffers.bind(want, buffers.temporary(want.get_size()));
    add(new reorder(m, t), map(dnnl.DNNL_ARG_FROM, m, dnnl.DNNL_ARG_TO, t));
    return t;
  }

  private void add(primitive p, IntMemoryMap m) {
    steps.add(p);
    args.add(m);
  }

  private static IntMemoryMap map(int k1, memory m1, int k2, memory m2) {
    IntMemoryMap m = new IntMemoryMap();
    m.put(k1, m1);
    m.put(k2, m2);
    return m;
  }

  private static IntMemoryMap map(int k1, memory m1, int k2, memory m2, int k3, memory m3) {
    IntMemoryMap m = map(k1, m1, k2, m2);
    m.put(k3, m3);
    return m;
  }

  /** Runs the batch: {@code n} images in, the output of all of them out. */
  float[] run(float[] input) {
    buffers.bindTo(arena);
    in.data().put(input, 0, in.length());
    for (int k = 0; k < steps.size(); k++) {
      steps.get(k).execute(stream, args.get(k));
    }
    stream._wait();
    float[] result = new float[out.length()];
    out.data().get(result);
    return result;
  }

  @Override
  public void close() {
    for (primitive p : steps) {
      p.close();
    }
    for (IntMemoryMap m : args) {
      m.close();
    }
    buffers.close();
    in.memory().close();
    out.memory().close();
  }
}
