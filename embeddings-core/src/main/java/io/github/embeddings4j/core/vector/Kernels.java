package io.github.embeddings4j.core.vector;

/**
 * The kernels with offsets that {@link VectorMath} and the indexes run on: rows of a large
 * contiguous block are compared without copying them out. Callers have checked the bounds.
 */
interface Kernels {

  String name();

  float dotProduct(float[] a, int aOffset, float[] b, int bOffset, int length);

  float cosine(float[] a, int aOffset, float[] b, int bOffset, int length);

  float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length);

  float manhattan(float[] a, int aOffset, float[] b, int bOffset, int length);

  int signHamming(float[] a, int aOffset, float[] b, int bOffset, int length);

  /** Plain popcount of the exclusive or; the JIT turns Long.bitCount into one instruction. */
  default int hamming(long[] a, int aOffset, long[] b, int bOffset, int words) {
    int count = 0;
    for (int i = 0; i < words; i++) {
      count += Long.bitCount(a[aOffset + i] ^ b[bOffset + i]);
    }
    return count;
  }

  /**
   * One stored row {@code x} against four queries (each of length {@code n}, from index 0):
   * the row is read once for four results. Implementations must give each query exactly the
   * bits of the one-query kernel, so that a search returns the same distances however its
   * queries are grouped.
   */
  default void dotProduct4(float[] x, int xo, float[] q0, float[] q1, float[] q2, float[] q3,
      int n, float[] out) {
    out[0] = dotProduct(q0, 0, x, xo, n);
    out[1] = dotProduct(q1, 0, x, xo, n);
    out[2] = dotProduct(q2, 0, x, xo, n);
    out[3] = dotProduct(q3, 0, x, xo, n);
  }

  /** As {@link #dotProduct4} for the squared Euclidean distance. */
  default void squareDistance4(float[] x, int xo, float[] q0, float[] q1, float[] q2,
      float[] q3, int n, float[] out) {
    out[0] = squareDistance(q0, 0, x, xo, n);
    out[1] = squareDistance(q1, 0, x, xo, n);
    out[2] = squareDistance(q2, 0, x, xo, n);
    out[3] = squareDistance(q3, 0, x, xo, n);
  }

  /**
   * The first {@code i} in {@code [from, to)} with {@code a[i] >= t}, else {@code to}. With
   * the two variants below, the filter of a top-k selection: almost every value fails it.
   * Implementations compute each value in float exactly as written, so all give the same index.
   */
  default int firstAtLeast(float[] a, int from, int to, float t) {
    for (int i = from; i < to; i++) {
      if (a[i] >= t) {
        return i;
      }
    }
    return to;
  }

  /** As {@link #firstAtLeast} for {@code a[i] * w[i + shift] >= t}. */
  default int firstScaledAtLeast(float[] a, float[] w, int shift, int from, int to, float t) {
    for (int i = from; i < to; i++) {
      if (a[i] * w[i + shift] >= t) {
        return i;
      }
    }
    return to;
  }

  /** As {@link #firstAtLeast} for {@code a[i] + b[i + shift] >= t}. */
  default int firstShiftedAtLeast(float[] a, float[] b, int shift, int from, int to, float t) {
    for (int i = from; i < to; i++) {
      if (a[i] + b[i + shift] >= t) {
        return i;
      }
    }
    return to;
  }
}
