package io.github.embeddings4j.api.spi;

/**
 * The plain-Java kernels: the reference every other provider must agree with, and the fallback
 * where nothing faster is available. Four independent accumulators let the JIT overlap
 * floating-point additions.
 */
public final class ScalarVectorKernels implements VectorKernels {

  /** The one instance. */
  public static final ScalarVectorKernels INSTANCE = new ScalarVectorKernels();

  private ScalarVectorKernels() {}

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public float dotProduct(float[] a, float[] b) {
    assert a.length == b.length;
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    int bound = a.length & ~3;
    for (; i < bound; i += 4) {
      s0 += a[i] * b[i];
      s1 += a[i + 1] * b[i + 1];
      s2 += a[i + 2] * b[i + 2];
      s3 += a[i + 3] * b[i + 3];
    }
    for (; i < a.length; i++) {
      s0 += a[i] * b[i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public float cosine(float[] a, float[] b) {
    assert a.length == b.length;
    float dot0 = 0f;
    float dot1 = 0f;
    float na0 = 0f;
    float na1 = 0f;
    float nb0 = 0f;
    float nb1 = 0f;
    int i = 0;
    int bound = a.length & ~1;
    for (; i < bound; i += 2) {
      float x0 = a[i];
      float y0 = b[i];
      float x1 = a[i + 1];
      float y1 = b[i + 1];
      dot0 += x0 * y0;
      dot1 += x1 * y1;
      na0 += x0 * x0;
      na1 += x1 * x1;
      nb0 += y0 * y0;
      nb1 += y1 * y1;
    }
    for (; i < a.length; i++) {
      dot0 += a[i] * b[i];
      na0 += a[i] * a[i];
      nb0 += b[i] * b[i];
    }
    return cosineFromSums(dot0 + dot1, na0 + na1, nb0 + nb1);
  }

  /**
   * Finishes a cosine from its three sums with the documented edge cases: {@code NaN} in, {@code
   * NaN} out; a zero norm gives similarity 0; the result is clamped to {@code [-1, 1]} against
   * rounding.
   *
   * @param dot the dot product
   * @param normA2 the squared norm of the first vector
   * @param normB2 the squared norm of the second vector
   * @return the cosine similarity
   */
  public static float cosineFromSums(float dot, float normA2, float normB2) {
    if (Float.isNaN(dot) || Float.isNaN(normA2) || Float.isNaN(normB2)) {
      return Float.NaN;
    }
    if (normA2 == 0f || normB2 == 0f) {
      return 0f;
    }
    double c = dot / (Math.sqrt(normA2) * Math.sqrt(normB2));
    return (float) Math.max(-1.0, Math.min(1.0, c));
  }

  @Override
  public float squareDistance(float[] a, float[] b) {
    assert a.length == b.length;
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    int bound = a.length & ~3;
    for (; i < bound; i += 4) {
      float d0 = a[i] - b[i];
      float d1 = a[i + 1] - b[i + 1];
      float d2 = a[i + 2] - b[i + 2];
      float d3 = a[i + 3] - b[i + 3];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    for (; i < a.length; i++) {
      float d = a[i] - b[i];
      s0 += d * d;
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public float manhattan(float[] a, float[] b) {
    assert a.length == b.length;
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    int bound = a.length & ~3;
    for (; i < bound; i += 4) {
      s0 += Math.abs(a[i] - b[i]);
      s1 += Math.abs(a[i + 1] - b[i + 1]);
      s2 += Math.abs(a[i + 2] - b[i + 2]);
      s3 += Math.abs(a[i + 3] - b[i + 3]);
    }
    for (; i < a.length; i++) {
      s0 += Math.abs(a[i] - b[i]);
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public int hamming(long[] a, long[] b) {
    assert a.length == b.length;
    int count = 0;
    for (int i = 0; i < a.length; i++) {
      count += Long.bitCount(a[i] ^ b[i]);
    }
    return count;
  }

  @Override
  public int signHamming(float[] a, float[] b) {
    assert a.length == b.length;
    int count = 0;
    for (int i = 0; i < a.length; i++) {
      if ((a[i] > 0f) != (b[i] > 0f)) {
        count++;
      }
    }
    return count;
  }
}
