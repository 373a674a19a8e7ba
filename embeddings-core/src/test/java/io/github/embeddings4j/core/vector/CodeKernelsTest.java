package io.github.embeddings4j.core.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The 8-bit code kernels of the graph index (SIMD and scalar) against a double-precision loop,
 * over awkward lengths, codes anywhere in {@code [-128, 127]} and rows at an offset.
 */
class CodeKernelsTest {

  private static final PanamaVectorKernels PANAMA = new PanamaVectorKernels();
  private static final ScanFallback SCALAR =
      new ScanFallback(io.github.embeddings4j.api.spi.ScalarVectorKernels.INSTANCE);

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 13, 16, 31, 32, 207, 784, 1021})
  void codeKernelsAgreeWithDoubleArithmetic(int n) {
    SplittableRandom r = new SplittableRandom(n);
    for (int trial = 0; trial < 10; trial++) {
      float[] a = new float[n];
      float[] s = new float[n];
      byte[] c = new byte[n + 9];
      for (int i = 0; i < n; i++) {
        a[i] = (float) r.nextDouble(-3, 3);
        s[i] = (float) r.nextDouble(0, 0.05);
      }
      r.nextBytes(c);
      double sq = 0;
      double dot = 0;
      for (int i = 0; i < n; i++) {
        double d = (double) s[i] * c[9 + i] - a[i];
        sq += d * d;
        dot += (double) a[i] * c[9 + i];
      }
      double tol = 1e-5 * Math.max(1, sq);
      double dotTol = 1e-5 * Math.max(1, 128.0 * 3 * Math.sqrt(n));
      assertEquals(sq, PANAMA.codeSquareDistance(a, s, c, 9, n), tol, "simd sq n=" + n);
      assertEquals(sq, SCALAR.codeSquareDistance(a, s, c, 9, n), tol, "scalar sq n=" + n);
      assertEquals(sq, VectorMath.squareDistanceToCodes(a, s, c, 9, n), tol, "facade n=" + n);
      assertEquals(dot, PANAMA.codeDotProduct(a, c, 9, n), dotTol, "simd dot n=" + n);
      assertEquals(dot, SCALAR.codeDotProduct(a, c, 9, n), dotTol, "scalar dot n=" + n);
      assertEquals(dot, VectorMath.dotProductWithCodes(a, c, 9, n), dotTol, "facade n=" + n);
    }
  }
}
