package io.github.embeddings4j.core.data;

import java.util.SplittableRandom;

/**
 * Seeded samples of row numbers: which {@code m} of {@code n} rows to fit on, for k-means,
 * HDBSCAN, silhouettes and the command line alike. The same {@code n}, {@code m} and seed always
 * give the same rows.
 *
 * <pre>{@code
 * int[] rows = RowSample.indices(1_000_000, 20_000, 42);  // increasing row numbers
 * }</pre>
 */
public final class RowSample {

  private RowSample() {}

  /**
   * {@code m} distinct row numbers of {@code 0..n-1}, each set of {@code m} equally likely, in
   * increasing order: selection sampling (Knuth's algorithm S), one pass over the row numbers
   * and memory for the {@code m} chosen only, so a sample of a set read in place is read in
   * file order.
   *
   * @param n the rows, at least 0
   * @param m the rows to draw, {@code 0..n}
   * @param seed the seed
   * @return the row numbers, increasing; every row when {@code m == n}
   * @throws IllegalArgumentException if {@code m} is not in {@code 0..n}
   */
  public static int[] indices(int n, int m, long seed) {
    if (n < 0 || m < 0 || m > n) {
      throw new IllegalArgumentException("cannot draw " + m + " of " + n + " rows");
    }
    int[] out = new int[m];
    SplittableRandom random = new SplittableRandom(seed);
    int taken = 0;
    for (int r = 0; r < n && taken < m; r++) {
      if ((n - r) * random.nextDouble() < m - taken) {
        out[taken++] = r;
      }
    }
    return out;
  }
}
