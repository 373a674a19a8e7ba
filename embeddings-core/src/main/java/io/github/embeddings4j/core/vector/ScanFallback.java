package io.github.embeddings4j.core.vector;

import io.github.embeddings4j.api.spi.VectorKernels;

/**
 * The scan kernels on any provider: four one-query calls (so the bits are the provider's own),
 * and the plain selection loops. Used with the scalar kernels and with third-party providers.
 */
final class ScanFallback implements ScanKernels {

  private final VectorKernels one;

  ScanFallback(VectorKernels one) {
    this.one = one;
  }

  @Override
  public void dotProduct4(float[] x, int xo, float[] q0, float[] q1, float[] q2, float[] q3,
      int n, float[] out) {
    out[0] = one.dotProduct(q0, 0, x, xo, n);
    out[1] = one.dotProduct(q1, 0, x, xo, n);
    out[2] = one.dotProduct(q2, 0, x, xo, n);
    out[3] = one.dotProduct(q3, 0, x, xo, n);
  }

  @Override
  public void squareDistance4(float[] x, int xo, float[] q0, float[] q1, float[] q2,
      float[] q3, int n, float[] out) {
    out[0] = one.squareDistance(q0, 0, x, xo, n);
    out[1] = one.squareDistance(q1, 0, x, xo, n);
    out[2] = one.squareDistance(q2, 0, x, xo, n);
    out[3] = one.squareDistance(q3, 0, x, xo, n);
  }

  @Override
  public void addInto(float[] src, int sOff, float[] dst, int dOff, int n) {
    for (int i = 0; i < n; i++) {
      dst[dOff + i] += src[sOff + i];
    }
  }

  @Override
  public int firstAtLeast(float[] a, int from, int to, float t) {
    for (int i = from; i < to; i++) {
      if (a[i] >= t) {
        return i;
      }
    }
    return to;
  }

  @Override
  public int firstScaledAtLeast(float[] a, float[] w, int shift, int from, int to, float t) {
    for (int i = from; i < to; i++) {
      if (a[i] * w[i + shift] >= t) {
        return i;
      }
    }
    return to;
  }

  @Override
  public int firstShiftedAtLeast(float[] a, float[] b, int shift, int from, int to, float t) {
    for (int i = from; i < to; i++) {
      if (a[i] + b[i + shift] >= t) {
        return i;
      }
    }
    return to;
  }

  @Override
  public float codeSquareDistance(float[] a, float[] s, byte[] c, int co, int n) {
    return scalarCodeSquareDistance(a, s, c, co, n);
  }

  @Override
  public float codeDotProduct(float[] w, byte[] c, int co, int n) {
    return scalarCodeDotProduct(w, c, co, n, 0);
  }

  static float scalarCodeSquareDistance(float[] a, float[] s, byte[] c, int co, int n) {
    float sum = 0f;
    for (int i = 0; i < n; i++) {
      float d = s[i] * c[co + i] - a[i];
      sum = Math.fma(d, d, sum);
    }
    return sum;
  }

  /** The dot product of components {@code [from, n)}, added to nothing. */
  static float scalarCodeDotProduct(float[] w, byte[] c, int co, int n, int from) {
    float sum = 0f;
    for (int i = from; i < n; i++) {
      sum = Math.fma(w[i], c[co + i], sum);
    }
    return sum;
  }
}
