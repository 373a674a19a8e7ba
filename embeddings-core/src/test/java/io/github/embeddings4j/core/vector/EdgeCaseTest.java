package io.github.embeddings4j.core.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.api.spi.ScalarVectorKernels;
import io.github.embeddings4j.api.spi.VectorKernels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Zero vectors, NaN, infinities and mismatched lengths, for both kernel implementations. */
class EdgeCaseTest {

  private static final List<VectorKernels> BOTH = List.of(new PanamaVectorKernels(),
      ScalarVectorKernels.INSTANCE);

  private static float[] filled(int n, float value) {
    float[] v = new float[n];
    Arrays.fill(v, value);
    return v;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 13, 64, 207})
  void zeroVectorUnderCosineHasDistanceOne(int n) {
    float[] zero = new float[n];
    float[] x = filled(n, 0.5f);
    for (VectorKernels k : BOTH) {
      assertEquals(0f, k.cosine(zero, 0, x, 0, n), k.name());
      assertEquals(0f, k.cosine(zero, 0, zero, 0, n), k.name());
    }
    assertEquals(1.0, StandardMetric.COSINE.distance(zero, x));
    assertEquals(1.0, StandardMetric.COSINE.distance(zero, zero));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 13, 64, 207})
  void nanComponentGivesNanEverywhereButHamming(int n) {
    float[] a = filled(n, 0.25f);
    float[] b = filled(n, -0.5f);
    a[n / 2] = Float.NaN;
    for (VectorKernels k : BOTH) {
      assertTrue(Float.isNaN(k.dotProduct(a, 0, b, 0, n)), k.name());
      assertTrue(Float.isNaN(k.cosine(a, 0, b, 0, n)), k.name());
      assertTrue(Float.isNaN(k.squareDistance(a, 0, b, 0, n)), k.name());
      assertTrue(Float.isNaN(k.manhattan(a, 0, b, 0, n)), k.name());
      // NaN is not > 0, so its sign bit is 0, the same as b's negative component.
      assertEquals(n - 1, k.signHamming(a, 0, b, 0, n), k.name());
    }
    assertTrue(Double.isNaN(StandardMetric.EUCLIDEAN.distance(a, b)));
    assertTrue(Double.isNaN(StandardMetric.COSINE.distance(a, b)));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 13, 64, 207})
  void infinitiesFollowIeeeArithmetic(int n) {
    float[] a = filled(n, 1f);
    float[] b = filled(n, 2f);
    a[0] = Float.POSITIVE_INFINITY;
    float[] c = a.clone();
    for (VectorKernels k : BOTH) {
      assertEquals(Float.POSITIVE_INFINITY, k.dotProduct(a, 0, b, 0, n), k.name());
      assertEquals(Float.POSITIVE_INFINITY, k.squareDistance(a, 0, b, 0, n), k.name());
      assertEquals(Float.POSITIVE_INFINITY, k.manhattan(a, 0, b, 0, n), k.name());
      // inf - inf is NaN.
      assertTrue(Float.isNaN(k.squareDistance(a, 0, c, 0, n)), k.name());
      // inf / inf in the cosine is NaN.
      assertTrue(Float.isNaN(k.cosine(a, 0, b, 0, n)), k.name());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 16, 100})
  void cosineOfParallelAndOppositeVectorsIsClamped(int n) {
    float[] a = filled(n, 0.1f);
    float[] minusA = filled(n, -0.1f);
    for (VectorKernels k : BOTH) {
      float same = k.cosine(a, 0, a, 0, n);
      assertTrue(same <= 1f && same > 0.99999f, k.name() + " " + same);
      float opposite = k.cosine(a, 0, minusA, 0, n);
      assertTrue(opposite >= -1f && opposite < -0.99999f, k.name() + " " + opposite);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 13, 207})
  void mismatchedDimensionsNameBothLengths(int n) {
    float[] a = new float[n];
    float[] b = new float[n + 3];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VectorMath.dotProduct(a, b));
    assertEquals("vector dimensions differ: " + n + " != " + (n + 3), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> VectorMath.cosine(a, b));
    assertThrows(IllegalArgumentException.class, () -> VectorMath.squareDistance(a, b));
    assertThrows(IllegalArgumentException.class, () -> VectorMath.manhattan(a, b));
    assertThrows(IllegalArgumentException.class, () -> VectorMath.signHamming(a, b));
    assertThrows(IllegalArgumentException.class, () -> StandardMetric.MANHATTAN.distance(a, b));
    IllegalArgumentException h = assertThrows(IllegalArgumentException.class,
        () -> VectorMath.hamming(new long[2], new long[3]));
    assertTrue(h.getMessage().contains("2 != 3"), h.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 13, 207})
  void offsetsOutOfBoundsAreRefused(int n) {
    float[] a = new float[n];
    assertThrows(IndexOutOfBoundsException.class, () -> VectorMath.dotProduct(a, 1, a, 0, n));
    assertThrows(IndexOutOfBoundsException.class, () -> VectorMath.dotProduct(a, 0, a, -1, n));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 64, 1021})
  void normalizeMakesUnitLengthAndLeavesZeroAlone(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (i % 7) - 3f + 0.5f;
    }
    double expected = 0;
    for (float x : v) {
      expected += (double) x * x;
    }
    float norm = VectorMath.normalize(v);
    assertEquals(Math.sqrt(expected), norm, 1e-5 * Math.sqrt(expected));
    assertEquals(1.0, VectorMath.norm(v), 1e-5);
    float[] zero = new float[n];
    assertEquals(0f, VectorMath.normalize(zero));
    assertArrayEquals(new float[n], zero);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 8, 13})
  void facadeMatchesReferenceOnKnownValues(int n) {
    float[] a = new float[n];
    float[] b = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = i + 1;
      b[i] = 2 * (i + 1) - 1;
    }
    double dot = 0;
    double sq = 0;
    double l1 = 0;
    for (int i = 0; i < n; i++) {
      dot += (double) a[i] * b[i];
      sq += (double) (a[i] - b[i]) * (a[i] - b[i]);
      l1 += Math.abs(a[i] - b[i]);
    }
    assertEquals(dot, VectorMath.dotProduct(a, b), 1e-6 * dot);
    assertEquals(sq, VectorMath.squareDistance(a, b), 1e-6 * Math.max(1, sq));
    assertEquals(Math.sqrt(sq), VectorMath.euclideanDistance(a, b), 1e-6 * Math.max(1, sq));
    assertEquals(l1, VectorMath.manhattan(a, b), 1e-6 * Math.max(1, l1));
    assertEquals(ScalarVectorKernels.INSTANCE.cosine(a, b), VectorMath.cosine(a, b), 1e-6);
  }
}
