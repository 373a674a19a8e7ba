package io.github.embeddings4j.core.reduce;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The matrix products PCA and the binary encoders need, on row-major {@code float[]} matrices:
 * through ND4J's BLAS when the product is large enough to repay copying the operands off-heap,
 * in plain Java otherwise (an ND4J call costs microseconds before it does any arithmetic).
 */
final class Products {

  /**
   * Multiply-adds above which {@link #timesTransposed} goes through ND4J: an estimate (a native
   * call and the copies cost tens of microseconds, a Java loop does about a multiply-add per
   * nanosecond), not a measured crossover.
   */
  static final long BLAS_THRESHOLD = 1L << 21;

  /** Rows per ND4J call, so that the off-heap copies stay a few megabytes. */
  static final int BLOCK_ROWS = 4096;

  private Products() {}

  /**
   * {@code C = A B^T}: A is {@code n x d}, B is {@code m x d}, both row-major; C is {@code n x m}.
   */
  static float[] timesTransposed(float[] a, int n, int d, float[] b, int m) {
    if ((long) n * d * m >= BLAS_THRESHOLD) {
      return timesTransposedBlas(a, n, d, b, m);
    }
    return timesTransposedJava(a, n, d, b, m);
  }

  static float[] timesTransposedJava(float[] a, int n, int d, float[] b, int m) {
    float[] c = new float[n * m];
    for (int i = 0; i < n; i++) {
      int ai = i * d;
      for (int j = 0; j < m; j++) {
        int bj = j * d;
        // Four partial sums: shorter dependency chains, and the same order on every run.
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int t = 0;
        for (; t + 3 < d; t += 4) {
          s0 += a[ai + t] * b[bj + t];
          s1 += a[ai + t + 1] * b[bj + t + 1];
          s2 += a[ai + t + 2] * b[bj + t + 2];
          s3 += a[ai + t + 3] * b[bj + t + 3];
        }
        for (; t < d; t++) {
          s0 += a[ai + t] * b[bj + t];
        }
        c[i * m + j] = (s0 + s1) + (s2 + s3);
      }
    }
    return c;
  }

  static float[] timesTransposedBlas(float[] a, int n, int d, float[] b, int m) {
    float[] c = new float[n * m];
    try (INDArray bt = Nd4j.create(b, new long[] {m, d}, 'c')) {
      float[] block = new float[Math.min(n, BLOCK_ROWS) * d];
      for (int start = 0; start < n; start += BLOCK_ROWS) {
        int rows = Math.min(BLOCK_ROWS, n - start);
        float[] src = block.length == rows * d ? block : new float[rows * d];
        System.arraycopy(a, start * d, src, 0, rows * d);
        try (INDArray x = Nd4j.create(src, new long[] {rows, d}, 'c');
            INDArray out = Nd4j.createUninitialized(DataType.FLOAT, new long[] {rows, m}, 'c')) {
          // Nd4j.gemm rather than INDArray.mmul: with ND4J's oneDNN build it ran 2.4x faster
          // on the same matrices (docs/models.md).
          Nd4j.gemm(x, bt, out, false, true, 1.0, 0.0);
          float[] part = out.data().asFloat();
          System.arraycopy(part, 0, c, start * m, rows * m);
        }
      }
    }
    return c;
  }

  /**
   * Adds {@code X^T X} to {@code acc} ({@code d x d}, row-major, double) for the {@code rows x d}
   * row-major block {@code x}: with OpenBLAS's {@code ssyrk}, ND4J's general product (both in
   * single precision, their block results summed in double), or a plain-Java loop in double.
   * {@code scratch} is a {@code d x d} float array the native paths may use.
   */
  static void addGram(float[] x, int rows, int d, double[] acc, Pca.Engine engine,
      float[] scratch) {
    switch (engine) {
      case OPENBLAS -> {
        OpenBlas.gramUpper(x, rows, d, scratch, false);
        for (int i = 0; i < d; i++) {
          int row = i * d;
          for (int j = i; j < d; j++) {
            acc[row + j] += scratch[row + j];
          }
        }
      }
      case ND4J -> {
        try (INDArray m = Nd4j.create(x, new long[] {rows, d}, 'c');
            INDArray g = m.transpose().mmul(m)) {
          // X^T X is symmetric, so its storage order does not matter.
          float[] gram = g.data().asFloat();
          for (int i = 0; i < d; i++) {
            int row = i * d;
            for (int j = i; j < d; j++) {
              acc[row + j] += gram[row + j];
            }
          }
        }
      }
      case JAVA -> {
        // Upper triangle as rank-one updates: the inner loop vectorises.
        double[] row = new double[d];
        for (int r = 0; r < rows; r++) {
          int off = r * d;
          for (int j = 0; j < d; j++) {
            row[j] = x[off + j];
          }
          for (int i = 0; i < d; i++) {
            double xi = row[i];
            int ai = i * d;
            for (int j = i; j < d; j++) {
              acc[ai + j] += xi * row[j];
            }
          }
        }
      }
      default -> throw new AssertionError(engine);
    }
  }
}
