package io.github.embeddings4j.core.onnx;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * {@code scale * x + shift} with constants: what {@link OnnxImport} writes for an ONNX {@code
 * Mul}, {@code Add}, {@code Sub} or {@code Div} of a map and one constant value (Keras'
 * {@code Rescaling} layer through tf2onnx, the {@code x + 3} and {@code / 6} of a hard-swish
 * spelled out). It has no parameters: the constants stay what the file says. The derivative is
 * {@code scale}. Saved and read by DL4J's JSON as any activation.
 */
public class AffineActivation extends BaseActivationFunction {

  private static final long serialVersionUID = 1L;

  private final double scale;
  private final double shift;

  /**
   * An affine map.
   *
   * @param scale the factor
   * @param shift what is added after it
   */
  public AffineActivation(@JsonProperty("scale") double scale,
      @JsonProperty("shift") double shift) {
    this.scale = scale;
    this.shift = shift;
  }

  /** The factor. */
  public double getScale() {
    return scale;
  }

  /** What is added after the factor. */
  public double getShift() {
    return shift;
  }

  @Override
  public INDArray getActivation(INDArray in, boolean training) {
    return in.muli(scale).addi(shift);
  }

  @Override
  public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
    assertShape(in, epsilon);
    return new Pair<>(epsilon.mul(scale), null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AffineActivation a && a.scale == scale && a.shift == shift;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(scale) * 31 + Double.hashCode(shift);
  }

  @Override
  public String toString() {
    return scale + "x + " + shift;
  }
}
