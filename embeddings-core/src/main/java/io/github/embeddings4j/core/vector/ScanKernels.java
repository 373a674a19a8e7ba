package io.github.embeddings4j.core.vector;

/**
 * The kernels only an index scan needs, beside the {@link io.github.embeddings4j.api.spi.VectorKernels}
 * SPI: one row against four queries, and the filters of a top-k selection. The SIMD kernels
 * implement them on the Vector API; {@link ScanFallback} on any provider's one-query kernels.
 */
interface ScanKernels {

  /**
   * One stored row {@code x} against four queries (each of length {@code n}, from index 0):
   * the row is read once for four results. Implementations must give each query exactly the
   * bits of the provider's one-query kernel, so that a search returns the same distances
   * however its queries are grouped.
   */
  void dotProduct4(float[] x, int xo, float[] q0, float[] q1, float[] q2, float[] q3, int n,
      float[] out);

  /** As {@link #dotProduct4} for the squared Euclidean distance. */
  void squareDistance4(float[] x, int xo, float[] q0, float[] q1, float[] q2, float[] q3, int n,
      float[] out);

  /**
   * The first {@code i} in {@code [from, to)} with {@code a[i] >= t}, else {@code to}. With
   * the two variants below, the filter of a top-k selection: almost every value fails it.
   * Implementations compute each value in float exactly as written, so all give the same index.
   */
  int firstAtLeast(float[] a, int from, int to, float t);

  /** As {@link #firstAtLeast} for {@code a[i] * w[i + shift] >= t}. */
  int firstScaledAtLeast(float[] a, float[] w, int shift, int from, int to, float t);

  /** As {@link #firstAtLeast} for {@code a[i] + b[i + shift] >= t}. */
  int firstShiftedAtLeast(float[] a, float[] b, int shift, int from, int to, float t);

  /** {@code dst[dOff + i] += src[sOff + i]} for {@code i < n}, each sum rounded once. */
  void addInto(float[] src, int sOff, float[] dst, int dOff, int n);

  /**
   * The squared distance from a query to one row of 8-bit codes, {@code sum((s[i] * c[co + i]
   * - a[i])^2)}: the query is given shifted by each component's offset ({@code a = q - offset})
   * and {@code s} are the components' steps, so a code {@code c} stands for {@code offset + s *
   * c}. The codes are read as signed bytes. Implementations may sum in any order.
   */
  float codeSquareDistance(float[] a, float[] s, byte[] c, int co, int n);

  /** {@code sum(w[i] * c[co + i])} over signed 8-bit codes, in any order. */
  float codeDotProduct(float[] w, byte[] c, int co, int n);
}
