package io.github.embeddings4j.core.onnx;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A feature map {@code [N, C, H, W]} times one factor per image and channel {@code [N, C, 1,
 * 1]}: the gate of a squeeze-and-excitation block (EfficientNet, MobileNetV3, RegNet-Y), ONNX's
 * {@code Mul} with broadcasting, which {@link OnnxImport} writes as this vertex (inputs: the map,
 * then the factors). Backpropagation gives the map {@code epsilon * factor} and the factors the
 * sum over the map of {@code epsilon * map}. Saved and read by DL4J's JSON as any vertex.
 */
public class ChannelScale extends ParameterlessVertex {

  private static final long serialVersionUID = 1L;

  /** A vertex of two inputs: the map, then the factors. */
  public ChannelScale() {}

  @Override
  public ChannelScale clone() {
    return new ChannelScale();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelScale;
  }

  @Override
  public int hashCode() {
    return ChannelScale.class.getName().hashCode();
  }

  @Override
  public int minVertexInputs() {
    return 2;
  }

  @Override
  public int maxVertexInputs() {
    return 2;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph,
      String name, int idx, INDArray paramsView, boolean initializeParams, DataType dataType) {
    return new Impl(graph, name, idx, dataType);
  }

  /** The vertex in a live graph. */
  static final class Impl extends ParameterlessVertex.Impl {

    Impl(ComputationGraph graph, String name, int index, DataType dataType) {
      super(graph, name, index, dataType);
    }

    /** The factors as {@code [N, C]}, for broadcasting along the map's first two axes. */
    private INDArray factors() {
      INDArray s = inputs[1];
      return s.rank() == 2 ? s : s.reshape(s.ordering(), s.size(0), s.size(1));
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
      INDArray x = inputs[0];
      INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(),
          x.shape(), 'c');
      Nd4j.getExecutioner().exec(new BroadcastMulOp(x, factors(), out, 0, 1));
      return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt,
        LayerWorkspaceMgr workspaceMgr) {
      INDArray x = inputs[0];
      INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(),
          x.shape(), 'c');
      Nd4j.getExecutioner().exec(new BroadcastMulOp(epsilon, factors(), dx, 0, 1));
      INDArray ds = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD,
          epsilon.mul(x).sum(2, 3).reshape('c', inputs[1].shape()));
      return new Pair<>(null, new INDArray[] {dx, ds});
    }

    @Override
    public String toString() {
      return "ChannelScale(" + vertexName + ")";
    }
  }
}
