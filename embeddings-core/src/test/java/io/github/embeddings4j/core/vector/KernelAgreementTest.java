package io.github.embeddings4j.core.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.embeddings4j.api.spi.ScalarVectorKernels;
import io.github.embeddings4j.api.spi.VectorKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SIMD kernels against the scalar reference on the same seeded random inputs, over awkward
 * dimensions (shorter than a vector register, not a multiple of it, long); the tolerance grows
 * with the dimension because the sums are taken in another order and with FMA.
 */
class KernelAgreementTest {

  private static final PanamaVectorKernels PANAMA = new PanamaVectorKernels();
  private static final ScalarVectorKernels REF = ScalarVectorKernels.INSTANCE;

  private static float[] random(SplittableRandom rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rnd.nextDouble(-1, 1);
    }
    return v;
  }

  /** Sum of |a_i b_i| etc. bounds the rounding; eps * sqrt(n) * magnitude is generous. */
  private static double tolerance(int n, double magnitude) {
    return 1e-6 * Math.sqrt(n) * Math.max(1.0, magnitude) * 4;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 8, 13, 16, 64, 207, 1021, 2048})
  void everyKernelAgreesWithTheScalarReference(int n) {
    SplittableRandom rnd = new SplittableRandom(1000 + n);
    for (int trial = 0; trial < 20; trial++) {
      float[] a = random(rnd, n);
      float[] b = random(rnd, n);
      double dot = REF.dotProduct(a, b);
      assertEquals(dot, PANAMA.dotProduct(a, 0, b, 0, n), tolerance(n, n / 3.0), "dot n=" + n);
      assertEquals(REF.cosine(a, b), PANAMA.cosine(a, 0, b, 0, n), tolerance(n, 1), "cos n=" + n);
      assertEquals(REF.squareDistance(a, b), PANAMA.squareDistance(a, 0, b, 0, n),
          tolerance(n, n), "sq n=" + n);
      assertEquals(REF.manhattan(a, b), PANAMA.manhattan(a, 0, b, 0, n), tolerance(n, n),
          "l1 n=" + n);
      assertEquals(REF.signHamming(a, b), PANAMA.signHamming(a, 0, b, 0, n), "sign n=" + n);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 8, 13, 64, 207, 1021, 2048})
  void offsetsReadTheRightRun(int n) {
    SplittableRandom rnd = new SplittableRandom(7 + n);
    float[] a = random(rnd, n);
    float[] b = random(rnd, n);
    float[] bigA = new float[n + 5];
    float[] bigB = new float[n + 11];
    System.arraycopy(a, 0, bigA, 5, n);
    System.arraycopy(b, 0, bigB, 11, n);
    java.util.Arrays.fill(bigA, 0, 5, 1e6f);
    java.util.Arrays.fill(bigB, 0, 11, -1e6f);
    assertEquals(PANAMA.dotProduct(a, 0, b, 0, n), PANAMA.dotProduct(bigA, 5, bigB, 11, n));
    assertEquals(PANAMA.squareDistance(a, 0, b, 0, n),
        PANAMA.squareDistance(bigA, 5, bigB, 11, n));
    assertEquals(PANAMA.manhattan(a, 0, b, 0, n), PANAMA.manhattan(bigA, 5, bigB, 11, n));
    assertEquals(PANAMA.cosine(a, 0, b, 0, n), PANAMA.cosine(bigA, 5, bigB, 11, n));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 8, 13, 64, 207, 1021, 2048})
  void fourQueryKernelsGiveTheOneQueryBits(int n) {
    SplittableRandom rnd = new SplittableRandom(300 + n);
    float[] rows = random(rnd, n + 9);
    float[][] q = {random(rnd, n), random(rnd, n), random(rnd, n), random(rnd, n)};
    float[] out = new float[4];
    for (VectorKernels k : new VectorKernels[] {PANAMA, REF}) {
      ScanKernels scan = k == PANAMA ? PANAMA : new ScanFallback(k);
      scan.dotProduct4(rows, 9, q[0], q[1], q[2], q[3], n, out);
      for (int j = 0; j < 4; j++) {
        assertEquals(k.dotProduct(q[j], 0, rows, 9, n), out[j], k.name() + " dot " + j);
      }
      scan.squareDistance4(rows, 9, q[0], q[1], q[2], q[3], n, out);
      for (int j = 0; j < 4; j++) {
        assertEquals(k.squareDistance(q[j], 0, rows, 9, n), out[j], k.name() + " sq " + j);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 7, 33})
  void hammingCountsDifferingBits(int words) {
    SplittableRandom rnd = new SplittableRandom(words);
    long[] a = new long[words];
    long[] b = new long[words];
    int expected = 0;
    for (int w = 0; w < words; w++) {
      a[w] = rnd.nextLong();
      b[w] = rnd.nextLong();
      for (int bit = 0; bit < 64; bit++) {
        if (((a[w] >>> bit) & 1) != ((b[w] >>> bit) & 1)) {
          expected++;
        }
      }
    }
    assertEquals(expected, PANAMA.hamming(a, 0, b, 0, words));
    assertEquals(expected, REF.hamming(a, b));
    assertEquals(expected, VectorMath.hamming(a, b));
  }
}
