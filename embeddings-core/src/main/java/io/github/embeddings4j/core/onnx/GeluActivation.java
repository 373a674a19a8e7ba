package io.github.embeddings4j.core.onnx;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The exact GELU, {@code x Phi(x) = x (1 + erf(x / sqrt 2)) / 2}, as PyTorch's {@code
 * nn.GELU()} computes it and exports it ({@code Div}, {@code Erf}, {@code Add}, {@code Mul},
 * {@code Mul}): ConvNeXt's activation. DL4J's own GELU is one of the approximations (the
 * sigmoid one, or the tanh one when "precise"), about 1e-3 away. The derivative is {@code
 * Phi(x) + x phi(x)}. Saved and read by DL4J's JSON as any activation.
 */
public class GeluActivation extends BaseActivationFunction {

  private static final long serialVersionUID = 1L;

  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

  /** The exact GELU. */
  public GeluActivation() {}

  /** {@code Phi(x)}, the standard normal distribution function, as a new array. */
  private static INDArray phi(INDArray in) {
    INDArray e = in.mul(SQRT_HALF);
    Nd4j.getExecutioner().exec(new Erf(e, e));
    return e.addi(1).muli(0.5);
  }

  @Override
  public INDArray getActivation(INDArray in, boolean training) {
    return in.muli(phi(in));
  }

  @Override
  public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
    assertShape(in, epsilon);
    INDArray density = Transforms.exp(in.mul(in).muli(-0.5), false).muli(INV_SQRT_2PI);
    INDArray slope = phi(in).addi(density.muli(in));
    return new Pair<>(slope.muli(epsilon), null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GeluActivation;
  }

  @Override
  public int hashCode() {
    return GeluActivation.class.getName().hashCode();
  }

  @Override
  public String toString() {
    return "gelu";
  }
}
