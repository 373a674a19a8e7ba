package io.github.embeddings4j.core.onnx;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The two steps between a vision transformer's tokens and the maps and vectors around them,
 * with a sequence of {@code T} tokens of {@code C} channels held as the map {@code [N, C, 1, T]}
 * ({@link SelfAttention}). With {@code select} negative: a patch embedding's map {@code [N, C,
 * H, W]} as the sequence of its {@code H * W} positions (ONNX's {@code Reshape} to {@code [N, C,
 * H * W]}; the values stay where they are). Otherwise: token {@code select} of the sequence, one
 * vector {@code [N, C]} per image (the class token a ViT's classifier reads, ONNX's {@code
 * Gather} along the tokens). Saved and read by DL4J's JSON as any vertex.
 */
public class TokenVertex extends ParameterlessVertex {

  private static final long serialVersionUID = 1L;

  private final int select;

  /**
   * A step between maps, tokens and vectors.
   *
   * @param select the token to take, or -1 to turn a map into tokens
   */
  public TokenVertex(@JsonProperty("select") int select) {
    this.select = Math.max(-1, select);
  }

  /** The token taken, or -1 for a map turned into tokens. */
  public int getSelect() {
    return select;
  }

  @Override
  public TokenVertex clone() {
    return new TokenVertex(select);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenVertex t && t.select == select;
  }

  @Override
  public int hashCode() {
    return 43 * select + 11;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... in) {
    if (!(in[0] instanceof InputType.InputTypeConvolutional c)
        || select >= 0 && (c.getHeight() != 1 || c.getWidth() <= select)) {
      throw new IllegalArgumentException((select < 0 ? "tokens from a map" : "token " + select
          + " of a sequence [C, 1, T]") + ": gets " + in[0]);
    }
    return select < 0 ? InputType.convolutional(1, c.getHeight() * c.getWidth(), c.getChannels())
        : InputType.feedForward(c.getChannels());
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph,
      String name, int idx, INDArray paramsView, boolean initializeParams, DataType dataType) {
    return new Impl(graph, name, idx, dataType, select);
  }

  /** The vertex in a live graph. */
  static final class Impl extends ParameterlessVertex.Impl {

    private final int select;

    Impl(ComputationGraph graph, String name, int index, DataType dataType, int select) {
      super(graph, name, index, dataType);
      this.select = select;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
      INDArray x = inputs[0];
      if (select < 0) {
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(),
            x.shape(), 'c');
        out.assign(x);
        return out.reshape('c', x.size(0), x.size(1), 1, x.size(2) * x.size(3));
      }
      INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(),
          new long[] {x.size(0), x.size(1)}, 'c');
      out.assign(x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0),
          NDArrayIndex.point(select)));
      return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt,
        LayerWorkspaceMgr workspaceMgr) {
      INDArray x = inputs[0];
      INDArray grad;
      if (select < 0) {
        grad = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
            epsilon.shape(), 'c');
        grad.assign(epsilon);
        grad = grad.reshape('c', x.shape());
      } else {
        grad = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), x.shape(),
            'c');
        grad.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0),
            NDArrayIndex.point(select)).assign(epsilon);
      }
      return new Pair<>(null, new INDArray[] {grad});
    }

    @Override
    public String toString() {
      return "TokenVertex(" + vertexName + (select < 0 ? ", map to tokens)" : ", token "
          + select + ")");
    }
  }
}
