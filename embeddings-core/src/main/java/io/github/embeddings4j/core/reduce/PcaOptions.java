package io.github.embeddings4j.core.reduce;

/**
 * How many principal components {@link Pca#fit(float[][], PcaOptions)} keeps, and whether it
 * whitens them. Immutable; start from {@link #components(int)} or {@link
 * #varianceFraction(double)} and add {@link #whitened()} if wanted.
 *
 * <pre>{@code
 * Pca pca = Pca.fit(vectors, PcaOptions.components(50));
 * Pca most = Pca.fit(vectors, PcaOptions.varianceFraction(0.95).whitened());
 * }</pre>
 */
public final class PcaOptions {

  private final int components;
  private final double varianceFraction;
  private final boolean whiten;

  private PcaOptions(int components, double varianceFraction, boolean whiten) {
    this.components = components;
    this.varianceFraction = varianceFraction;
    this.whiten = whiten;
  }

  /**
   * Keep a fixed number of components.
   *
   * @param count at least 1, and at most the dimension and the sample count of the data fitted
   * @return the options
   * @throws IllegalArgumentException if {@code count < 1}
   */
  public static PcaOptions components(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("PCA component count must be at least 1: " + count);
    }
    return new PcaOptions(count, Double.NaN, false);
  }

  /**
   * Keep the fewest leading components whose explained variance adds up to at least {@code
   * fraction} of the total.
   *
   * @param fraction in {@code (0, 1]}, e.g. {@code 0.95}
   * @return the options
   * @throws IllegalArgumentException if the fraction is outside {@code (0, 1]}
   */
  public static PcaOptions varianceFraction(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException(
          "PCA variance fraction must be in (0, 1]: " + fraction);
    }
    return new PcaOptions(0, fraction, false);
  }

  /**
   * The same options with whitening: each component is divided by its standard deviation, so
   * the reduced vectors have unit variance in every dimension on the training data.
   *
   * @return new options
   */
  public PcaOptions whitened() {
    return new PcaOptions(components, varianceFraction, true);
  }

  /**
   * The fixed component count.
   *
   * @return the count, or 0 when the count follows from {@link #fraction()}
   */
  public int count() {
    return components;
  }

  /**
   * The explained-variance fraction to reach.
   *
   * @return the fraction, or {@code NaN} when a fixed {@link #count()} is asked for
   */
  public double fraction() {
    return varianceFraction;
  }

  /**
   * Whether the components are whitened.
   *
   * @return {@code true} after {@link #whitened()}
   */
  public boolean isWhitened() {
    return whiten;
  }

  @Override
  public String toString() {
    return (components > 0 ? components + " components" : "variance fraction " + varianceFraction)
        + (whiten ? ", whitened" : "");
  }
}
