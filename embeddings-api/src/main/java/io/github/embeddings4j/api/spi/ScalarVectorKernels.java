package io.github.embeddings4j.api.spi;

/**
 * The plain-Java kernels: the reference every other provider must agree with, and the fallback
 * where nothing faster is available. Four independent accumulators let the JIT overlap
 * floating-point additions. The one scalar loop of each kind in embeddings4j.
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
  public float dotProduct(float[] a, int ao, float[] b, int bo, int n) {
    assert ao >= 0 && bo >= 0 && ao + n <= a.length && bo + n <= b.length;
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    int bound = n & ~3;
    for (; i < bound; i += 4) {
      s0 += a[ao + i] * b[bo + i];
      s1 += a[ao + i + 1] * b[bo + i + 1];
      s2 += a[ao + i + 2] * b[bo + i + 2];
      s3 += a[ao + i + 3] * b[bo + i + 3];
    }
    for (; i < n; i++) {
      s0 += a[ao + i] * b[bo + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public float cosine(float[] a, int ao, float[] b, int bo, int n) {
    assert ao >= 0 && bo >= 0 && ao + n <= a.length && bo + n <= b.length;
    float dot0 = 0f;
    float dot1 = 0f;
    float na0 = 0f;
    float na1 = 0f;
    float nb0 = 0f;
    float nb1 = 0f;
    int i = 0;
    int bound = n & ~1;
    for (; i < bound; i += 2) {
      float x0 = a[ao + i];
      float y0 = b[bo + i];
      float x1 = a[ao + i + 1];
      float y1 = b[bo + i + 1];
      dot0 += x0 * y0;
      dot1 += x1 * y1;
      na0 += x0 * x0;
      na1 += x1 * x1;
      nb0 += y0 * y0;
      nb1 += y1 * y1;
    }
    for (; i < n; i++) {
      float x = a[ao + i];
      float y = b[bo + i];
      dot0 += x * y;
      na0 += x * x;
      nb0 += y * y;
    }
    float na = na0 + na1;
    float nb = nb0 + nb1;
    if (VectorKernels.outsideFloatRange(na) || VectorKernels.outsideFloatRange(nb)) {
      // Zero, NaN, underflowed or overflowed norms: the double path decides (rare).
      return wideCosine(a, ao, b, bo, n);
    }
    double c = (dot0 + dot1) / (Math.sqrt(na) * Math.sqrt(nb));
    return (float) Math.max(-1.0, Math.min(1.0, c));
  }

  @Override
  public float squareDistance(float[] a, int ao, float[] b, int bo, int n) {
    assert ao >= 0 && bo >= 0 && ao + n <= a.length && bo + n <= b.length;
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    int bound = n & ~3;
    for (; i < bound; i += 4) {
      float d0 = a[ao + i] - b[bo + i];
      float d1 = a[ao + i + 1] - b[bo + i + 1];
      float d2 = a[ao + i + 2] - b[bo + i + 2];
      float d3 = a[ao + i + 3] - b[bo + i + 3];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    for (; i < n; i++) {
      float d = a[ao + i] - b[bo + i];
      s0 += d * d;
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public float manhattan(float[] a, int ao, float[] b, int bo, int n) {
    assert ao >= 0 && bo >= 0 && ao + n <= a.length && bo + n <= b.length;
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    int bound = n & ~3;
    for (; i < bound; i += 4) {
      s0 += Math.abs(a[ao + i] - b[bo + i]);
      s1 += Math.abs(a[ao + i + 1] - b[bo + i + 1]);
      s2 += Math.abs(a[ao + i + 2] - b[bo + i + 2]);
      s3 += Math.abs(a[ao + i + 3] - b[bo + i + 3]);
    }
    for (; i < n; i++) {
      s0 += Math.abs(a[ao + i] - b[bo + i]);
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public int signHamming(float[] a, int ao, float[] b, int bo, int n) {
    assert ao >= 0 && bo >= 0 && ao + n <= a.length && bo + n <= b.length;
    int count = 0;
    for (int i = 0; i < n; i++) {
      if ((a[ao + i] > 0f) != (b[bo + i] > 0f)) {
        count++;
      }
    }
    return count;
  }
}
