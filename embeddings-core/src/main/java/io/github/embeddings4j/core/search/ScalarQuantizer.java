package io.github.embeddings4j.core.search;

import io.github.embeddings4j.core.vector.VectorMath;

/**
 * Per-component scalar quantisation to signed bytes: component {@code i}'s range {@code [min,
 * max]} is cut into 255 steps and a code {@code c} in {@code [-128, 127]} stands for {@code
 * offset[i] + step[i] * c}, with {@code offset = min + 128 step}. Values outside the range
 * (vectors added after the fit) are clamped. Immutable.
 */
final class ScalarQuantizer {

  final float[] offset;
  final float[] step;

  ScalarQuantizer(float[] offset, float[] step) {
    this.offset = offset;
    this.step = step;
  }

  /** Learns the ranges of rows given as segments of {@code rows} rows of {@code dim} floats. */
  static ScalarQuantizer fit(int dim, Iterable<float[]> rows) {
    float[] min = new float[dim];
    float[] max = new float[dim];
    java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
    java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
    for (float[] v : rows) {
      for (int i = 0; i < dim; i++) {
        float x = v[i];
        if (x < min[i]) {
          min[i] = x;
        }
        if (x > max[i]) {
          max[i] = x;
        }
      }
    }
    float[] offset = new float[dim];
    float[] step = new float[dim];
    for (int i = 0; i < dim; i++) {
      if (!(min[i] <= max[i])) {
        min[i] = 0f;
        max[i] = 0f;
      }
      double s = ((double) max[i] - min[i]) / 255.0;
      step[i] = (float) s;
      offset[i] = (float) (min[i] + 128.0 * s);
    }
    return new ScalarQuantizer(offset, step);
  }

  int dimension() {
    return offset.length;
  }

  /** Writes the codes of {@code v} at {@code out[off ...]}. */
  void encode(float[] v, byte[] out, int off) {
    for (int i = 0; i < offset.length; i++) {
      float s = step[i];
      int c = s == 0f ? 0 : Math.round((v[i] - offset[i]) / s);
      out[off + i] = (byte) Math.max(-128, Math.min(127, c));
    }
  }

  /** The vector codes stand for. */
  void decode(byte[] codes, int off, float[] out) {
    for (int i = 0; i < offset.length; i++) {
      out[i] = offset[i] + step[i] * codes[off + i];
    }
  }

  /** {@code q - offset}, the query of {@link VectorMath#squareDistanceToCodes}. */
  void shift(float[] q, float[] out) {
    for (int i = 0; i < offset.length; i++) {
      out[i] = q[i] - offset[i];
    }
  }

  /**
   * {@code q * step} into {@code out}, for {@link VectorMath#dotProductWithCodes}; returns the
   * constant term {@code q . offset}.
   */
  float weights(float[] q, float[] out) {
    for (int i = 0; i < offset.length; i++) {
      out[i] = q[i] * step[i];
    }
    return VectorMath.dotProduct(q, offset);
  }
}
