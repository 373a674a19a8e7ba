package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.StandardMetric;

/** Double-precision, obviously-correct metric implementations that benchmarks check against. */
final class Reference {

  private Reference() {}

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  static double squaredL2(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      s += d * d;
    }
    return s;
  }

  static double distance(StandardMetric metric, float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    double l1 = 0;
    double l2 = 0;
    int hamming = 0;
    for (int i = 0; i < a.length; i++) {
      double x = a[i];
      double y = b[i];
      dot += x * y;
      na += x * x;
      nb += y * y;
      l1 += Math.abs(x - y);
      l2 += (x - y) * (x - y);
      hamming += (x > 0) != (y > 0) ? 1 : 0;
    }
    return switch (metric) {
      case COSINE -> na == 0 || nb == 0 ? 1.0 : 1.0 - dot / Math.sqrt(na * nb);
      case EUCLIDEAN -> Math.sqrt(l2);
      case SQUARED_EUCLIDEAN -> l2;
      case MANHATTAN -> l1;
      case DOT_PRODUCT -> -dot;
      case HAMMING -> hamming;
    };
  }
}
