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
}
