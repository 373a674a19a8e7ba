package io.github.embeddings4j.core.reduce;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Eigenvalues and eigenvectors of a real symmetric matrix, in double precision, through LAPACK
 * ({@code dsyevd} from OpenBLAS directly, or the slower {@code dsyev} that ND4J wraps); sorted by decreasing eigenvalue, each vector with a
 * deterministic sign (its largest-magnitude entry positive, the first such on ties), so that the
 * same matrix always gives the same basis.
 */
final class SymmetricEigen {

  /** Eigenvalues, largest first. */
  final double[] values;
  /** Unit eigenvectors as rows, {@code vectors[i]} belonging to {@code values[i]}. */
  final double[][] vectors;

  private SymmetricEigen(double[] values, double[][] vectors) {
    this.values = values;
    this.vectors = vectors;
  }

  /**
   * Decomposes the {@code d x d} row-major symmetric matrix {@code a} (left untouched), with
   * OpenBLAS's {@code dsyevd} when {@code openBlas}, else ND4J's {@code dsyev}.
   */
  static SymmetricEigen of(double[] a, int d, boolean openBlas) {
    double[] ascending;
    double[] columns;
    if (openBlas) {
      // Row-major eigenvector columns; the transpose of a symmetric input is itself.
      double[] work = a.clone();
      ascending = new double[d];
      int info = OpenBlas.symmetricEigen(work, d, ascending);
      if (info != 0) {
        throw new ArithmeticException("symmetric eigendecomposition did not converge (LAPACK "
            + "info " + info + ") for a " + d + " x " + d + " matrix");
      }
      columns = new double[d * d];
      for (int r = 0; r < d; r++) {
        for (int c = 0; c < d; c++) {
          columns[c * d + r] = work[r * d + c];
        }
      }
      return sorted(ascending, columns, d);
    }
    try (INDArray m = Nd4j.create(a, new long[] {d, d}, 'f');
        INDArray w = Nd4j.create(DataType.DOUBLE, d)) {
      // a is symmetric, so reading it column-major is the same matrix.
      int info = Nd4j.getBlasWrapper().lapack().syev('V', 'U', m, w);
      if (info != 0) {
        throw new ArithmeticException("symmetric eigendecomposition did not converge (LAPACK info "
            + info + ") for a " + d + " x " + d + " matrix");
      }
      ascending = w.data().asDouble();
      // Eigenvectors are the columns of m; read them column-major to get one per row.
      try (INDArray f = m.dup('f')) {
        columns = f.data().asDouble();
      }
    }
    return sorted(ascending, columns, d);
  }

  /** Largest first, from ascending values and eigenvectors stored one after another. */
  private static SymmetricEigen sorted(double[] ascending, double[] columns, int d) {
    double[] values = new double[d];
    double[][] vectors = new double[d][];
    for (int i = 0; i < d; i++) {
      int src = d - 1 - i;
      values[i] = ascending[src];
      double[] v = new double[d];
      System.arraycopy(columns, src * d, v, 0, d);
      fixSign(v);
      vectors[i] = v;
    }
    return new SymmetricEigen(values, vectors);
  }

  /** Makes the entry of largest magnitude (the first such) positive. */
  static void fixSign(double[] v) {
    int best = 0;
    for (int j = 1; j < v.length; j++) {
      if (Math.abs(v[j]) > Math.abs(v[best])) {
        best = j;
      }
    }
    if (v[best] < 0) {
      for (int j = 0; j < v.length; j++) {
        v[j] = -v[j];
      }
    }
  }
}
