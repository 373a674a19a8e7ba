package io.github.embeddings4j.core.zoo.dnnl;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One operation of a compiled program, on tensor indices: what the {@link Compiler} makes of the
 * DL4J vertices (after fusion) and what a {@link Plan} turns into oneDNN primitives.
 */
abstract sealed class Op {

  /** An activation as a oneDNN element-wise algorithm. */
  record Eltwise(dnnl.algorithm algorithm, float alpha, float beta) {}

  /**
   * Where a convolution or pooling window goes: its size, stride, dilation (oneDNN's: 0 is
   * none) and padding before (top, left) and after (bottom, right).
   */
  record Window(long[] kernel, long[] stride, long[] dilation, long[] padL, long[] padR) {}

  final String name;
  final int dst;

  Op(String name, int dst) {
    this.name = name;
    this.dst = dst;
  }

  /** The tensors it reads. */
  abstract int[] inputs();

  /** A convolution (plain or grouped) or a dense layer, with its fused post-ops. */
  static final class Conv extends Op {
    final int src;
    /**
     * The weights as DL4J holds them ({@code oihw}; {@code goihw} for a grouped convolution), a
     * float array of their own outside the heap, until the first layout is packed.
     */
    INDArray weights;
    float[] bias;
    /** {@code [o, i, kh, kw]}, or {@code [groups, o/groups, i/groups, kh, kw]}. */
    final long[] weightDims;
    /** Null for a dense layer. */
    final Window window;
    Eltwise own;
    /**
     * A dense layer (oneDNN's inner product) rather than a convolution: no stride or padding,
     * weights {@code [o, c, h, w]} over a feature map or {@code [o, i]} over a vector.
     */
    boolean dense;
    /** The tensor added to the convolution's result (a residual addition), or -1. */
    int sum = -1;
    /** The activation after the addition (or after {@link #own} when there is none). */
    Eltwise after;
    /** Reordered weights: one memory per layout that a plan's primitive asked for. */
    final List<memory> packed = new ArrayList<>();
    memory biasMemory;

    Conv(String name, int src, int dst, INDArray weights, float[] bias, long[] weightDims,
        Window window, Eltwise own) {
      super(name, dst);
      this.src = src;
      this.weights = weights;
      this.bias = bias;
      this.weightDims = weightDims;
      this.window = window;
      this.own = own;
    }

    @Override
    int[] inputs() {
      return sum < 0 ? new int[] {src} : new int[] {src, sum};
    }

    /** A dense layer with weights {@code [o, ...]}. */
    static Conv dense(String name, int src, int dst, INDArray weights, float[] bias,
        long[] weightDims, Eltwise own) {
      Conv c = new Conv(name, src, dst, weights, bias, weightDims, null, own);
      c.dense = true;
      return c;
    }

    /** The number of output channels. */
    long outChannels() {
      return weightDims.length == 5 ? weightDims[0] * weightDims[1] : weightDims[0];
    }

    /** Whether a batch norm after it can be folded into its weights and bias. */
    boolean takesBatchNorm() {
      return own == null && sum < 0 && after == null && weights != null;
    }

    /** Folds {@code y = x·s + t} per output channel into the weights and bias. */
    void fold(double[] s, double[] t) {
      int out = (int) outChannels();
      float[] scale = new float[out];
      float[] b = new float[out];
      for (int o = 0; o < out; o++) {
        scale[o] = (float) s[o];
        b[o] = (float) ((bias == null ? 0 : bias[o]) * s[o] + t[o]);
      }
      // Each output channel's weights are one contiguous run: scale the rows of [out, rest].
      weights.reshape('c', out, weights.length() / out)
          .muliColumnVector(Nd4j.create(scale, new long[] {out, 1}, 'c'));
      bias = b;
    }
  }

  /** A batch norm left standing (no convolution before it to fold into): x·scale + shift. */
  static final class Norm extends Op {
    final int src;
    final float[] scale;
    final float[] shift;
    /** A ReLU after it, fused. */
    boolean relu;
    /** oneDNN's arguments: mean 0 and variance 1 (so that it computes x·scale + shift). */
    memory mean;
    memory variance;
    memory scaleShift;

    Norm(String name, int src, int dst, float[] scale, float[] shift) {
      super(name, dst);
      this.src = src;
      this.scale = scale;
      this.shift = shift;
    }

    @Override
    int[] inputs() {
      return new int[] {src};
    }
  }

  /** Max or average pooling over a window, or over the whole map (global pooling). */
  static final class Pool extends Op {
    final int src;
    final dnnl.algorithm algorithm;
    final Window window;

    Pool(String name, int src, int dst, dnnl.algorithm algorithm, Window window) {
      super(name, dst);
      this.src = src;
      this.algorithm = algorithm;
      this.window = window;
    }

    @Override
    int[] inputs() {
      return new int[] {src};
    }
  }

  /** An activation that no operation before it could take as a post-op. */
  static final class Activation extends Op {
    final int src;
    final Eltwise eltwise;

    Activation(String name, int src, int dst, Eltwise eltwise) {
      super(name, dst);
      this.src = src;
      this.eltwise = eltwise;
    }

    @Override
    int[] inputs() {
      return new int[] {src};
    }
  }

  /** A two-input addition that no convolution could take as its sum post-op. */
  static final class Add extends Op {
    final int a;
    final int b;
    Eltwise after;

    Add(String name, int a, int b, int dst) {
      super(name, dst);
      this.a = a;
      this.b = b;
    }

    @Override
    int[] inputs() {
      return new int[] {a, b};
    }
  }

  /** A concatenation along channels. */
  static final class Concat extends Op {
    final int[] srcs;

    Concat(String name, int[] srcs, int dst) {
      super(name, dst);
      this.srcs = srcs;
    }

    @Override
    int[] inputs() {
      return srcs.clone();
    }
  }
}
