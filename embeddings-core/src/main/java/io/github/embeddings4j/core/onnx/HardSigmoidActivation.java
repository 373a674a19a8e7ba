package io.github.embeddings4j.core.onnx;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * ONNX's {@code HardSigmoid}, {@code max(0, min(1, alpha x + beta))} with the node's own slope and
 * offset (PyTorch's {@code hardsigmoid} is {@code x / 6 + 0.5}; DL4J's own hard sigmoid has a
 * fixed slope of 0.2), as the activation of the layers {@link OnnxImport} writes for it: the gate
 * of MobileNetV3's hard-swish and squeeze-and-excitation. Its derivative is {@code alpha} where
 * the line is not clipped, 0 elsewhere. Saved and read by DL4J's JSON as any activation.
 */
public class HardSigmoidActivation extends BaseActivationFunction {

  private static final long serialVersionUID = 1L;

  private final double alpha;
  private final double beta;

  /**
   * A hard sigmoid.
   *
   * @param alpha the slope
   * @param beta the offset
   */
  public HardSigmoidActivation(@JsonProperty("alpha") double alpha,
      @JsonProperty("beta") double beta) {
    this.alpha = alpha;
    this.beta = beta;
  }

  /**
   * The slope.
   *
   * @return alpha
   */
  public double getAlpha() {
    return alpha;
  }

  /**
   * The offset.
   *
   * @return beta
   */
  public double getBeta() {
    return beta;
  }

  @Override
  public INDArray getActivation(INDArray in, boolean training) {
    in.muli(alpha).addi(beta);
    Transforms.max(in, 0.0, false);
    Transforms.min(in, 1.0, false);
    return in;
  }

  @Override
  public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
    assertShape(in, epsilon);
    INDArray line = in.mul(alpha).addi(beta);
    INDArray slope = line.gt(0.0).castTo(in.dataType())
        .muli(line.lt(1.0).castTo(in.dataType())).muli(alpha);
    return new Pair<>(slope.muli(epsilon), null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HardSigmoidActivation h && h.alpha == alpha && h.beta == beta;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(alpha) * 31 + Double.hashCode(beta);
  }

  @Override
  public String toString() {
    return "hardsigmoid(" + alpha + "x + " + beta + ")";
  }
}
