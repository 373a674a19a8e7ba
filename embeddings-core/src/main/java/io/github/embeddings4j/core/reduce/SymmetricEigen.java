package io.github.embeddings4j.core.reduce;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Eigenvalues and eigenvectors of a real symmetric matrix, in double precision, through LAPACK's
 * {@code dsyev} as ND4J exposes it; sorted by decreasing eigenvalue, each vector with a
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

  /** Decomposes the {@code d x d} row-major symmetric matrix {@code a} (left untouched). */
  static SymmetricEigen of(double[] a, int d) {
    double[] ascending;
    double[] columns;
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
