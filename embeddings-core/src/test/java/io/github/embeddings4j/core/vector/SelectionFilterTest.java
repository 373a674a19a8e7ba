package io.github.embeddings4j.core.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.embeddings4j.api.spi.ScalarVectorKernels;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The selection filters ({@code firstAtLeast} and its scaled and shifted forms) on both kernel
 * sets against a plain loop: the same index for every start, threshold and length, including
 * hits in the scalar tail, in the first lane and last lane of a vector, NaN values (never at
 * least anything) and infinite thresholds.
 */
class SelectionFilterTest {

  private static final List<ScanKernels> BOTH = List.of(new PanamaVectorKernels(),
      new ScanFallback(ScalarVectorKernels.INSTANCE));

  private static int expected(float[] a, float[] w, float[] b, int shift, int from, int to,
      float t) {
    for (int i = from; i < to; i++) {
      float v = w != null ? a[i] * w[i + shift] : b != null ? a[i] + b[i + shift] : a[i];
      if (v >= t) {
        return i;
      }
    }
    return to;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 7, 16, 17, 33, 100, 1021})
  void everyFormFindsThePlainLoopsIndex(int n) {
    SplittableRandom rnd = new SplittableRandom(40 + n);
    int shift = 5;
    float[] a = new float[n];
    float[] w = new float[n + shift];
    float[] b = new float[n + shift];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextDouble(-1, 1);
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextDouble(0, 2);
      b[i] = (float) rnd.nextDouble(-1, 1);
    }
    if (n > 3) {
      a[n / 2] = Float.NaN;
    }
    float[] thresholds = {Float.NEGATIVE_INFINITY, -0.5f, 0f, 0.9f, 0.99f, 1.5f,
        Float.POSITIVE_INFINITY};
    for (ScanKernels k : BOTH) {
      for (float t : thresholds) {
        for (int from = 0; from <= Math.min(n, 20); from++) {
          String at = k.getClass().getSimpleName() + " n=" + n + " from=" + from + " t=" + t;
          assertEquals(expected(a, null, null, 0, from, n, t), k.firstAtLeast(a, from, n, t), at);
          assertEquals(expected(a, w, null, shift, from, n, t),
              k.firstScaledAtLeast(a, w, shift, from, n, t), "scaled " + at);
          assertEquals(expected(a, null, b, shift, from, n, t),
              k.firstShiftedAtLeast(a, b, shift, from, n, t), "shifted " + at);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 15, 16, 31, 63})
  void aSingleHitIsFoundInEveryLane(int hit) {
    float[] a = new float[64];
    a[hit] = 3f;
    for (ScanKernels k : BOTH) {
      assertEquals(hit, k.firstAtLeast(a, 0, a.length, 2f), k.getClass().getSimpleName());
      assertEquals(a.length, k.firstAtLeast(a, hit + 1, a.length, 2f), k.getClass().getSimpleName() + " after it");
    }
    assertEquals(hit, VectorMath.firstAtLeast(a, 0, 64, 3f));
  }

  @Test
  void rangesOutsideTheArraysAreRefused() {
    float[] a = new float[64];
    assertThrows(IndexOutOfBoundsException.class, () -> VectorMath.firstAtLeast(a, -1, 10, 0f));
    assertThrows(IndexOutOfBoundsException.class, () -> VectorMath.firstAtLeast(a, 0, 65, 0f));
    assertThrows(IndexOutOfBoundsException.class, () -> VectorMath.firstAtLeast(a, 9, 8, 0f));
    assertThrows(IndexOutOfBoundsException.class,
        () -> VectorMath.firstScaledAtLeast(a, new float[64], 1, 0, 64, 0f));
    assertThrows(IndexOutOfBoundsException.class,
        () -> VectorMath.firstShiftedAtLeast(a, new float[10], 0, 0, 64, 0f));
    assertEquals(64, VectorMath.firstScaledAtLeast(a, new float[65], 1, 0, 64, 1f));
  }
}
