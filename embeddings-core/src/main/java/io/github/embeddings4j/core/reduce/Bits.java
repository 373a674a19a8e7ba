package io.github.embeddings4j.core.reduce;

/** Packing of "value above threshold" bits into the {@code long[]} code layout. */
final class Bits {

  private Bits() {}

  /**
   * Sets bit {@code i} of the code at {@code out[outOff ...]} when {@code values[off + i] >
   * thresholds[i]}; {@code NaN} values give 0 bits. The code's words must start zeroed.
   */
  static void pack(float[] values, int off, float[] thresholds, long[] out, int outOff) {
    int bits = thresholds.length;
    for (int w = 0; w * 64 < bits; w++) {
      long word = 0;
      int base = w * 64;
      int end = Math.min(64, bits - base);
      for (int b = 0; b < end; b++) {
        if (values[off + base + b] > thresholds[base + b]) {
          word |= 1L << b;
        }
      }
      out[outOff + w] = word;
    }
  }

  static void requireRows(float[] data, int n, int d) {
    if (n < 0 || (long) n * d != data.length) {
      throw new IllegalArgumentException(n + " rows of dimension " + d + " need "
          + (long) n * d + " values, but the array holds " + data.length);
    }
  }

  static void requireDimension(float[] vector, int d) {
    if (vector.length != d) {
      throw new IllegalArgumentException(
          "vector dimensions differ: " + vector.length + " != " + d);
    }
  }
}
