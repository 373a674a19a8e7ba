package io.github.embeddings4j.api;

/**
 * A way to compare two vectors: {@link #distance(float[], float[])} is lower for vectors that
 * are closer, for every metric, so code that ranks by distance never needs to know which metric
 * it was given. Similarities are turned into distances (cosine similarity {@code s} becomes
 * {@code 1 - s}; a dot product {@code p} becomes {@code -p}).
 *
 * <p>{@link StandardMetric} holds the built-ins: cosine, Euclidean, squared Euclidean,
 * Manhattan, dot product and Hamming. Users may implement their own.
 *
 * <p><b>Contract for every implementation.</b>
 * <ul>
 *   <li>vectors of different lengths are refused with {@link IllegalArgumentException}, whose
 *       message carries both lengths ("vector dimensions differ: 512 != 768");</li>
 *   <li>if any component is {@code NaN} the distance is {@code NaN}, which search ranks after
 *       every number; infinite components follow IEEE 754 arithmetic;</li>
 *   <li>{@code distance(a, a)} is the smallest value the metric can give {@code a}.</li>
 * </ul>
 */
public interface DistanceMetric {

  /**
   * A short, stable, lower-case name ({@code "cosine"}, {@code "euclidean"}, ...), used in file
   * headers, command-line options and reports.
   *
   * @return the metric's name
   */
  String metricName();

  /**
   * The distance between two vectors of the same length; lower is closer.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the distance
   * @throws IllegalArgumentException if the lengths differ
   */
  double distance(float[] a, float[] b);

  /**
   * Whether this is a true metric: non-negative, zero exactly between equal vectors (or equal
   * codes), symmetric, and obeying the triangle inequality. Indexes that prune with the triangle
   * inequality may only be used with true metrics.
   *
   * @return {@code true} for Euclidean, Manhattan and Hamming
   */
  boolean isMetric();

  /**
   * Whether this metric also compares packed binary codes with {@link #distance(long[], long[])}.
   *
   * @return {@code false} unless overridden
   */
  default boolean supportsBinaryCodes() {
    return false;
  }

  /**
   * The distance between two binary codes packed 64 bits to a {@code long}, bit {@code i} of the
   * code in bit {@code i % 64} of word {@code i / 64}.
   *
   * @param a a code
   * @param b a code with the same number of words
   * @return the distance
   * @throws UnsupportedOperationException if {@link #supportsBinaryCodes()} is {@code false}
   * @throws IllegalArgumentException if the lengths differ
   */
  default double distance(long[] a, long[] b) {
    throw new UnsupportedOperationException("metric '" + metricName() + "' does not compare binary codes");
  }

  /**
   * Checks that two vectors can be compared.
   *
   * @param a a vector
   * @param b another vector
   * @throws IllegalArgumentException if the lengths differ, with both in the message
   * @throws NullPointerException if either is null
   */
  static void requireSameDimension(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("vector dimensions differ: " + a.length + " != " + b.length);
    }
  }

  /**
   * Checks that two binary codes can be compared.
   *
   * @param a a code
   * @param b another code
   * @throws IllegalArgumentException if the word counts differ, with both in the message
   * @throws NullPointerException if either is null
   */
  static void requireSameDimension(long[] a, long[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "binary code lengths differ: " + a.length + " != " + b.length + " words of 64 bits");
    }
  }
}
