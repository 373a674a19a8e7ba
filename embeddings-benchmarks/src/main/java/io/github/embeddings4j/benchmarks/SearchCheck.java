package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.core.search.BinaryIndex;
import io.github.embeddings4j.core.search.FlatIndex;
import java.util.Arrays;
import java.util.List;

/**
 * The once-per-trial check of the search benchmarks: the k distances an index returned must be
 * the k smallest of a brute-force pass in double precision over every stored vector.
 */
final class SearchCheck {

  private SearchCheck() {}

  /**
   * Checks a dot-product search (distance = minus the dot product).
   *
   * @param what the benchmark, for the message
   * @param index the index searched
   * @param query the query
   * @param got what the index returned
   * @param k how many were asked for
   * @throws IllegalStateException if a distance differs from the reference beyond rounding
   */
  static void requireDotTopK(String what, FlatIndex index, float[] query, List<Neighbor> got,
      int k) {
    int n = index.size();
    double[] all = new double[n];
    for (int r = 0; r < n; r++) {
      all[r] = -Reference.dot(query, index.vectorAt(r));
    }
    requireSmallest(what, all, got, k, 1e-4 * Math.sqrt(query.length));
  }

  /**
   * Checks a Hamming search, whose distances are exact integers.
   *
   * @param what the benchmark, for the message
   * @param index the index searched
   * @param query the query code
   * @param got what the index returned
   * @param k how many were asked for
   * @throws IllegalStateException if a distance differs from the reference
   */
  static void requireHammingTopK(String what, BinaryIndex index, long[] query,
      List<Neighbor> got, int k) {
    int n = index.size();
    double[] all = new double[n];
    for (int r = 0; r < n; r++) {
      long[] c = index.codeAt(r);
      int h = 0;
      for (int w = 0; w < c.length; w++) {
        h += Long.bitCount(c[w] ^ query[w]);
      }
      all[r] = h;
    }
    requireSmallest(what, all, got, k, 0);
  }

  /** The i-th returned distance must equal the i-th smallest reference distance. */
  static void requireSmallest(String what, double[] all, List<Neighbor> got, int k,
      double tolerance) {
    double[] sorted = all.clone();
    Arrays.sort(sorted);
    int expected = Math.min(k, sorted.length);
    if (got.size() != expected) {
      throw new IllegalStateException("wrong result from " + what + ": " + got.size()
          + " neighbours, expected " + expected);
    }
    for (int i = 0; i < expected; i++) {
      double d = got.get(i).distance();
      if (!(Math.abs(d - sorted[i]) <= tolerance)) {
        throw new IllegalStateException("wrong result from " + what + ": neighbour " + i
            + " at distance " + d + ", expected " + sorted[i] + " (allowed error " + tolerance
            + ")");
      }
      long id = got.get(i).id();
      if (id < 0 || id >= all.length || !(Math.abs(all[(int) id] - d) <= tolerance)) {
        throw new IllegalStateException("wrong result from " + what + ": neighbour " + i
            + " has id " + id + " whose distance is not " + d);
      }
    }
  }
}
