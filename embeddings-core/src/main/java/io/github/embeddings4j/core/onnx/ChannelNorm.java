package io.github.embeddings4j.core.onnx;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Layer normalisation across the channels of each pixel of a map {@code [N, C, H, W]} (or of a
 * vector {@code [N, C]}, as CLIP norms its class token's output), without its scale and
 * shift: {@code (x - mean) / sqrt(var + eps)}, mean and (biased) variance over {@code C}.
 * ConvNeXt's {@code LayerNorm} (PyTorch's over the last axis of the map permuted to
 * channels-last) is this vertex followed by a 1 x 1 depthwise convolution that holds the scale
 * and shift, which {@link OnnxImport} writes for the normalisation an export spells out as
 * {@code ReduceMean}, {@code Sub}, {@code Pow}, {@code ReduceMean}, {@code Add}, {@code Sqrt},
 * {@code Div}. Backpropagation: {@code dx = (dy - mean(dy) - y mean(dy y)) / sqrt(var + eps)}.
 * Saved and read by DL4J's JSON as any vertex.
 */
public class ChannelNorm extends ParameterlessVertex {

  private static final long serialVersionUID = 1L;

  private final double eps;

  /**
   * A normalisation across channels.
   *
   * @param eps added to the variance
   */
  public ChannelNorm(@JsonProperty("eps") double eps) {
    if (!(eps >= 0)) {
      throw new IllegalArgumentException("eps must be at least 0: " + eps);
    }
    this.eps = eps;
  }

  /** What is added to the variance. */
  public double getEps() {
    return eps;
  }

  @Override
  public ChannelNorm clone() {
    return new ChannelNorm(eps);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelNorm c && c.eps == eps;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(eps) + 17;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph,
      String name, int idx, INDArray paramsView, boolean initializeParams, DataType dataType) {
    return new Impl(graph, name, idx, dataType, eps);
  }

  /** The vertex in a live graph. */
  static final class Impl extends ParameterlessVertex.Impl {

    private final double eps;

    Impl(ComputationGraph graph, String name, int index, DataType dataType, double eps) {
      super(graph, name, index, dataType);
      this.eps = eps;
    }

    /** {@code [N, H, W]} (or {@code [N]} for vectors): a mean over channels. */
    private static INDArray channelMean(INDArray x) {
      return x.mean(1);
    }

    /** The axes a per-pixel value broadcasts along: all but the channels. */
    private static int[] pixels(INDArray x) {
      return x.rank() == 2 ? new int[] {0} : new int[] {0, 2, 3};
    }

    /** The normalised map and {@code 1 / sqrt(var + eps)} per pixel. */
    private INDArray[] normalise(INDArray x, INDArray out) {
      INDArray centred = out;
      Nd4j.getExecutioner().exec(new BroadcastSubOp(x, channelMean(x), centred, pixels(x)));
      INDArray inv = Transforms.pow(channelMean(centred.mul(centred)).addi(eps), -0.5, false);
      Nd4j.getExecutioner().exec(new BroadcastMulOp(centred, inv, centred, pixels(x)));
      return new INDArray[] {centred, inv};
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
      INDArray x = inputs[0];
      INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(),
          x.shape(), 'c');
      return normalise(x, out)[0];
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt,
        LayerWorkspaceMgr workspaceMgr) {
      INDArray x = inputs[0];
      INDArray[] n = normalise(x, Nd4j.createUninitialized(x.dataType(), x.shape(), 'c'));
      INDArray y = n[0];
      INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(),
          x.shape(), 'c');
      // dy - mean(dy) - y mean(dy y), then times 1 / sqrt(var + eps)
      int[] pixels = pixels(x);
      Nd4j.getExecutioner().exec(new BroadcastSubOp(epsilon, channelMean(epsilon), dx, pixels));
      INDArray yTerm = y.dup('c');
      Nd4j.getExecutioner().exec(new BroadcastMulOp(yTerm, channelMean(epsilon.mul(y)), yTerm,
          pixels));
      dx.subi(yTerm);
      Nd4j.getExecutioner().exec(new BroadcastMulOp(dx, n[1], dx, pixels));
      return new Pair<>(null, new INDArray[] {dx});
    }

    @Override
    public String toString() {
      return "ChannelNorm(" + vertexName + ", eps " + eps + ")";
    }
  }
}
