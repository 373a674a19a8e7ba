package io.github.embeddings4j.core.reduce;

/**
 * A reference symmetric eigensolver for tests: cyclic Jacobi rotations in double precision,
 * slow but simple enough to trust. Written from the textbook method, independent of LAPACK.
 */
final class Jacobi {

  final double[] values;
  /** Eigenvectors as rows, matching {@link #values}, largest value first. */
  final double[][] vectors;

  private Jacobi(double[] values, double[][] vectors) {
    this.values = values;
    this.vectors = vectors;
  }

  static Jacobi of(double[][] matrix) {
    int d = matrix.length;
    double[][] a = new double[d][];
    for (int i = 0; i < d; i++) {
      a[i] = matrix[i].clone();
    }
    double[][] v = new double[d][d];
    for (int i = 0; i < d; i++) {
      v[i][i] = 1;
    }
    for (int sweep = 0; sweep < 100; sweep++) {
      double off = 0;
      for (int p = 0; p < d; p++) {
        for (int q = p + 1; q < d; q++) {
          off += a[p][q] * a[p][q];
        }
      }
      if (off < 1e-30) {
        break;
      }
      for (int p = 0; p < d; p++) {
        for (int q = p + 1; q < d; q++) {
          if (Math.abs(a[p][q]) < 1e-300) {
            continue;
          }
          double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
          double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          if (theta == 0) {
            t = 1;
          }
          double c = 1 / Math.sqrt(t * t + 1);
          double s = t * c;
          for (int k = 0; k < d; k++) {
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
          }
          for (int k = 0; k < d; k++) {
            double apk = a[p][k];
            double aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
          }
          for (int k = 0; k < d; k++) {
            double vkp = v[k][p];
            double vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
          }
        }
      }
    }
    Integer[] order = new Integer[d];
    for (int i = 0; i < d; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (x, y) -> Double.compare(a[y][y], a[x][x]));
    double[] values = new double[d];
    double[][] vectors = new double[d][d];
    for (int i = 0; i < d; i++) {
      values[i] = a[order[i]][order[i]];
      for (int k = 0; k < d; k++) {
        vectors[i][k] = v[k][order[i]];
      }
    }
    return new Jacobi(values, vectors);
  }
}
