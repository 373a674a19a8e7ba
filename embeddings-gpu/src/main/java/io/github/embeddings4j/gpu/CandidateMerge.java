package io.github.embeddings4j.gpu;

import java.util.Arrays;

/**
 * Merges the candidate lists the GPU wrote for one query (one list per part of the rows, each
 * of (distance, row) pairs) into the rows of the {@code count} least distances, equal distances
 * by the smaller row. Pure Java, tested without a GPU.
 */
final class CandidateMerge {

  /** The row of an empty slot: a part with fewer rows than candidates. */
  static final int NO_ROW = Integer.MAX_VALUE;

  private CandidateMerge() {}

  /**
   * The best {@code count} rows among {@code entries} pairs starting at {@code offset}.
   *
   * @param distances approximate distances (never NaN: the kernel writes +infinity instead)
   * @param rows their rows, {@link #NO_ROW} for empty slots
   * @param offset the first pair
   * @param entries the number of pairs
   * @param count how many rows to keep
   * @return up to {@code count} rows, nearest first
   */
  static int[] best(float[] distances, int[] rows, int offset, int entries, int count) {
    long[] keys = new long[entries];
    int m = 0;
    for (int i = offset; i < offset + entries; i++) {
      int row = rows[i];
      if (row != NO_ROW) {
        keys[m++] = ((long) sortable(distances[i]) << 32) | (row & 0xffffffffL);
      }
    }
    Arrays.sort(keys, 0, m);
    int[] out = new int[Math.min(count, m)];
    for (int i = 0; i < out.length; i++) {
      out[i] = (int) keys[i];
    }
    return out;
  }

  /** An int whose signed order is the float's order (-0.0 just before +0.0). */
  static int sortable(float f) {
    int bits = Float.floatToRawIntBits(f);
    return bits ^ ((bits >> 31) & 0x7fffffff);
  }
}
