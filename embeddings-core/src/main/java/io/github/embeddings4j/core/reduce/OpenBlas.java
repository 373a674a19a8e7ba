package io.github.embeddings4j.core.reduce;

import org.bytedeco.openblas.global.openblas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct calls into the OpenBLAS that ND4J's CPU backend ships (JavaCPP's {@code
 * org.bytedeco.openblas}), for the two routines ND4J does not expose usefully: {@code ssyrk}
 * (a Gram matrix for half the multiply-adds of a general product; ND4J's own {@code syrk}
 * wrapper passes an inner dimension of 1 in M2.1) and {@code dsyevd} (divide-and-conquer
 * symmetric eigensolver, several times faster than the {@code dsyev} ND4J wraps). Where the
 * library is absent (another ND4J backend), {@link #AVAILABLE} is false and callers fall back to
 * ND4J; this is said once in the log.
 */
final class OpenBlas {

  private static final Logger LOG = LoggerFactory.getLogger(OpenBlas.class);

  /** Whether the OpenBLAS bindings loaded. */
  static final boolean AVAILABLE = probe();

  private OpenBlas() {}

  private static boolean probe() {
    try {
      float[] c = new float[1];
      openblas.cblas_ssyrk(openblas.CblasRowMajor, openblas.CblasUpper, openblas.CblasTrans, 1, 1,
          1f, new float[] {2f}, 1, 0f, c, 1);
      return c[0] == 4f;
    } catch (LinkageError | RuntimeException e) {
      LOG.info("OpenBLAS bindings (org.bytedeco:openblas) not usable ({}); PCA falls back to "
          + "ND4J's gemm and dsyev, about half as fast", e.toString());
      return false;
    }
  }

  /**
   * {@code C = X^T X + beta C} on the upper triangle of the row-major {@code d x d} matrix
   * {@code c}, for the row-major {@code rows x d} block {@code x}.
   */
  static void gramUpper(float[] x, int rows, int d, float[] c, boolean accumulate) {
    openblas.cblas_ssyrk(openblas.CblasRowMajor, openblas.CblasUpper, openblas.CblasTrans, d, rows,
        1f, x, d, accumulate ? 1f : 0f, c, d);
  }

  /**
   * Eigen-decomposes the row-major symmetric {@code d x d} matrix {@code a} in place: on return
   * {@code w} holds the eigenvalues in ascending order and column {@code i} of {@code a} the
   * eigenvector of {@code w[i]}.
   *
   * @return LAPACK's info code, 0 on success
   */
  static int symmetricEigen(double[] a, int d, double[] w) {
    return openblas.LAPACKE_dsyevd(openblas.LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'U', d, a, d, w);
  }
}
