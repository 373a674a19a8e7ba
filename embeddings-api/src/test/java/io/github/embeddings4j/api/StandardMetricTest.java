package io.github.embeddings4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.spi.ScalarVectorKernels;
import io.github.embeddings4j.api.spi.VectorKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StandardMetricTest {

  static final float[] A = {1, 0, -2, 3, 0.5f};
  static final float[] B = {0, 3, 2, -1, 0.5f};

  @Test
  void valuesMatchHandComputation() {
    double dot = 0 + 0 - 4 - 3 + 0.25;
    double na = 1 + 4 + 9 + 0.25;
    double nb = 9 + 4 + 1 + 0.25;
    assertEquals(1 - dot / Math.sqrt(na * nb), StandardMetric.COSINE.distance(A, B), 1e-6);
    assertEquals(Math.sqrt(1 + 9 + 16 + 16), StandardMetric.EUCLIDEAN.distance(A, B), 1e-5);
    assertEquals(42.0, StandardMetric.SQUARED_EUCLIDEAN.distance(A, B), 1e-5);
    assertEquals(1 + 3 + 4 + 4, StandardMetric.MANHATTAN.distance(A, B), 1e-5);
    assertEquals(-dot, StandardMetric.DOT_PRODUCT.distance(A, B), 1e-6);
    // signs: A > 0 at {0, 3, 4}; B > 0 at {1, 2, 4}
    assertEquals(4.0, StandardMetric.HAMMING.distance(A, B), 0.0);
  }

  @ParameterizedTest
  @EnumSource(StandardMetric.class)
  void lowerIsCloser(StandardMetric m) {
    float[] q = {1, 2, 3, 4};
    float[] near = {1.1f, 2, 3, 4};
    float[] far = {-1, -2, -3, -4};
    assertTrue(m.distance(q, near) < m.distance(q, far), m + " ranks the near vector first");
  }

  @ParameterizedTest
  @EnumSource(StandardMetric.class)
  void mismatchedDimensionsAreRefusedWithBothLengths(StandardMetric m) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.distance(new float[512], new float[768]));
    assertEquals("vector dimensions differ: 512 != 768", e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class, names = "HAMMING", mode = EnumSource.Mode.EXCLUDE)
  void nanGivesNan(StandardMetric m) {
    assertTrue(Double.isNaN(m.distance(new float[] {1, Float.NaN}, new float[] {1, 2})));
  }

  @Test
  void hammingTreatsNanAsAZeroBit() {
    assertEquals(0.0, StandardMetric.HAMMING.distance(new float[] {Float.NaN, 1},
        new float[] {-1, 2}), 0.0);
  }

  @Test
  void zeroVectorIsAtCosineDistanceOne() {
    assertEquals(1.0, StandardMetric.COSINE.distance(new float[3], new float[] {1, 2, 3}), 0.0);
    assertEquals(1.0, StandardMetric.COSINE.distance(new float[3], new float[3]), 0.0);
  }

  @Test
  void infinitiesFollowIeee() {
    float[] inf = {Float.POSITIVE_INFINITY, 0};
    float[] one = {1, 0};
    assertEquals(Double.POSITIVE_INFINITY, StandardMetric.EUCLIDEAN.distance(inf, one));
    assertEquals(Double.POSITIVE_INFINITY, StandardMetric.MANHATTAN.distance(inf, one));
    assertEquals(Double.NEGATIVE_INFINITY, StandardMetric.DOT_PRODUCT.distance(inf, one));
  }

  @Test
  void cosineIsClampedAgainstRounding() {
    SplittableRandom r = new SplittableRandom(1);
    for (int t = 0; t < 100; t++) {
      float[] v = new float[1 + r.nextInt(300)];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextDouble(-1e3, 1e3);
      }
      double d = StandardMetric.COSINE.distance(v, v);
      assertTrue(d >= 0 && d < 1e-6, "cosine distance of a vector to itself: " + d);
    }
  }

  @Test
  void binaryCodesOnlyUnderHamming() {
    long[] a = {0b1011L, -1L};
    long[] b = {0b0001L, 0L};
    assertTrue(StandardMetric.HAMMING.supportsBinaryCodes());
    assertEquals(2 + 64, StandardMetric.HAMMING.distance(a, b), 0.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StandardMetric.HAMMING.distance(new long[2], new long[4]));
    assertTrue(e.getMessage().contains("2 != 4"), e.getMessage());
    assertFalse(StandardMetric.COSINE.supportsBinaryCodes());
    UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class,
        () -> StandardMetric.COSINE.distance(a, b));
    assertTrue(u.getMessage().contains("cosine"), u.getMessage());
  }

  @Test
  void trueMetricsAreMarked() {
    assertTrue(StandardMetric.EUCLIDEAN.isMetric());
    assertTrue(StandardMetric.MANHATTAN.isMetric());
    assertTrue(StandardMetric.HAMMING.isMetric());
    assertFalse(StandardMetric.COSINE.isMetric());
    assertFalse(StandardMetric.SQUARED_EUCLIDEAN.isMetric());
    assertFalse(StandardMetric.DOT_PRODUCT.isMetric());
  }

  @Test
  void namesRoundTripAndAliasesWork() {
    for (StandardMetric m : StandardMetric.values()) {
      assertEquals(m, StandardMetric.fromName(m.metricName()));
      assertEquals(m, StandardMetric.fromName(m.name()));
      assertEquals(m.metricName(), m.toString());
    }
    assertEquals(StandardMetric.MANHATTAN, StandardMetric.fromName(" L1 "));
    assertEquals(StandardMetric.EUCLIDEAN, StandardMetric.fromName("l2"));
    assertEquals(StandardMetric.DOT_PRODUCT, StandardMetric.fromName("inner-product"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StandardMetric.fromName("jaccard"));
    assertEquals("unknown metric 'jaccard'; choose one of cosine, euclidean, sqeuclidean, "
        + "manhattan, dot, hamming", e.getMessage());
  }

  @Test
  void scalarKernelsHandleTailsAndAgreeWithDoublePrecision() {
    SplittableRandom r = new SplittableRandom(42);
    ScalarVectorKernels k = ScalarVectorKernels.INSTANCE;
    for (int n : new int[] {1, 2, 3, 4, 5, 7, 8, 13, 64, 207, 1021}) {
      float[] a = new float[n];
      float[] b = new float[n];
      double dot = 0;
      double l1 = 0;
      double l2 = 0;
      for (int i = 0; i < n; i++) {
        a[i] = (float) r.nextDouble(-1, 1);
        b[i] = (float) r.nextDouble(-1, 1);
        dot += (double) a[i] * b[i];
        l1 += Math.abs((double) a[i] - b[i]);
        l2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
      }
      double tol = 1e-6 * n;
      assertEquals(dot, k.dotProduct(a, b), tol, "dot n=" + n);
      assertEquals(l1, k.manhattan(a, b), tol, "l1 n=" + n);
      assertEquals(l2, k.squareDistance(a, b), tol, "l2 n=" + n);
    }
  }

  @Test
  void providerIsChosenOnceAndNamesItself() {
    VectorKernels p = VectorKernels.provider();
    assertTrue(p == VectorKernels.provider());
    assertFalse(p.name().isEmpty());
    assertTrue(p.priority() >= ScalarVectorKernels.INSTANCE.priority());
  }
}
