package io.github.embeddings4j.api;

import io.github.embeddings4j.api.spi.VectorKernels;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The built-in distance metrics. Each one is lower-is-closer (see {@link DistanceMetric}); the
 * arithmetic runs on the fastest {@link VectorKernels} on the class path ({@code embeddings-core}
 * brings one on the JDK Vector API), in single precision.
 *
 * <pre>{@code
 * double d = StandardMetric.COSINE.distance(a, b);
 * DistanceMetric m = StandardMetric.fromName("euclidean");
 * }</pre>
 */
public enum StandardMetric implements DistanceMetric {

  /**
   * One minus the cosine of the angle between the vectors: in {@code [0, 2]}, 0 for the same
   * direction. A zero vector has no direction; its distance to anything is defined as 1 (cosine
   * similarity 0). Not a true metric.
   */
  COSINE("cosine", false) {
    @Override
    public double distance(float[] a, float[] b) {
      DistanceMetric.requireSameDimension(a, b);
      return 1.0 - (double) VectorKernels.provider().cosine(a, b);
    }
  },

  /** The straight-line (L2) distance: in {@code [0, inf)}, 0 for equal vectors. A true metric. */
  EUCLIDEAN("euclidean", true) {
    @Override
    public double distance(float[] a, float[] b) {
      DistanceMetric.requireSameDimension(a, b);
      return Math.sqrt(squared(a, b));
    }
  },

  /**
   * The squared L2 distance: in {@code [0, inf)}; ranks exactly as {@link #EUCLIDEAN} does
   * without the square root, so prefer it for search. Not a true metric (no triangle inequality).
   */
  SQUARED_EUCLIDEAN("sqeuclidean", false) {
    @Override
    public double distance(float[] a, float[] b) {
      DistanceMetric.requireSameDimension(a, b);
      return squared(a, b);
    }
  },

  /** The sum of absolute differences (L1): in {@code [0, inf)}, 0 for equal vectors. A true metric. */
  MANHATTAN("manhattan", true) {
    @Override
    public double distance(float[] a, float[] b) {
      DistanceMetric.requireSameDimension(a, b);
      return VectorKernels.provider().manhattan(a, b);
    }
  },

  /**
   * The negated dot product: in {@code (-inf, inf)}, lower for larger inner products (maximum
   * inner product search). Equals cosine ranking on unit-length vectors. Not a true metric.
   */
  DOT_PRODUCT("dot", false) {
    @Override
    public double distance(float[] a, float[] b) {
      DistanceMetric.requireSameDimension(a, b);
      return -(double) VectorKernels.provider().dotProduct(a, b);
    }
  },

  /**
   * The number of differing bits: in {@code [0, bits]}. On float vectors, bit {@code i} is 1
   * when component {@code i} is greater than zero (so zero, negative and {@code NaN} components
   * are 0 bits, and a {@code NaN} gives no {@code NaN} distance); on packed codes it is the
   * population count of the exclusive or. A true metric on codes.
   */
  HAMMING("hamming", true) {
    @Override
    public double distance(float[] a, float[] b) {
      DistanceMetric.requireSameDimension(a, b);
      return VectorKernels.provider().signHamming(a, b);
    }

    @Override
    public boolean supportsBinaryCodes() {
      return true;
    }

    @Override
    public double distance(long[] a, long[] b) {
      DistanceMetric.requireSameDimension(a, b);
      return VectorKernels.provider().hamming(a, b);
    }
  };

  private final String metricName;
  private final boolean trueMetric;

  /**
   * The squared distance in float, or in double for the rare pair whose float sum overflowed or
   * underflowed (components beyond about 1e19 or differences below about 1e-19).
   */
  private static double squared(float[] a, float[] b) {
    VectorKernels k = VectorKernels.provider();
    float s = k.squareDistance(a, b);
    return VectorKernels.outsideFloatRange(s) ? k.wideSquareDistance(a, 0, b, 0, a.length) : s;
  }

  StandardMetric(String metricName, boolean trueMetric) {
    this.metricName = metricName;
    this.trueMetric = trueMetric;
  }

  /**
   * The lower-case name used in files and on the command line.
   *
   * @return {@code "cosine"}, {@code "euclidean"}, {@code "sqeuclidean"}, {@code "manhattan"},
   *     {@code "dot"} or {@code "hamming"}
   */
  @Override
  public String metricName() {
    return metricName;
  }

  /**
   * The same as {@link #metricName()}.
   *
   * @return the lower-case name
   */
  @Override
  public String toString() {
    return metricName;
  }

  @Override
  public boolean isMetric() {
    return trueMetric;
  }

  /**
   * Looks a metric up by name, ignoring case. Besides the names of {@link #toString()} it takes
   * the constant names ({@code "DOT_PRODUCT"}) and the aliases {@code l1}, {@code l2}, {@code
   * cityblock} and {@code inner_product}.
   *
   * @param name the metric's name
   * @return the metric
   * @throws IllegalArgumentException naming the valid choices if there is no such metric
   */
  public static StandardMetric fromName(String name) {
    String key = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    switch (key) {
      case "l1", "cityblock" -> {
        return MANHATTAN;
      }
      case "l2" -> {
        return EUCLIDEAN;
      }
      case "inner_product", "dotproduct", "dot_product" -> {
        return DOT_PRODUCT;
      }
      case "squared_euclidean" -> {
        return SQUARED_EUCLIDEAN;
      }
      default -> {
        for (StandardMetric m : values()) {
          if (m.metricName.equals(key)) {
            return m;
          }
        }
      }
    }
    throw new IllegalArgumentException("unknown metric '" + name + "'; choose one of "
        + Arrays.stream(values()).map(StandardMetric::toString).collect(Collectors.joining(", ")));
  }
}
