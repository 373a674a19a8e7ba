package io.github.embeddings4j.core.eval;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.core.search.FlatIndex;
import java.util.List;

/**
 * The {@code k} nearest training vectors of each test vector, as arrays for the evaluations of
 * this package: a thin adapter over {@link FlatIndex}, which does the searching (multi-threaded,
 * ties by id, exact).
 */
final class NearestNeighbors {

  /**
   * The {@code k} nearest base vectors of each query, nearest first (ties: lower index first).
   *
   * @param ids {@code [queries][k]} base positions
   * @param distances {@code [queries][k]} their distances
   */
  record Result(int[][] ids, double[][] distances) {}

  private NearestNeighbors() {}

  static Result search(float[][] base, float[][] queries, int k, DistanceMetric metric) {
    if (base.length == 0) {
      throw new IllegalArgumentException("cannot search an empty set of vectors");
    }
    if (k < 1 || k > base.length) {
      throw new IllegalArgumentException("k must be in [1, " + base.length + "]: " + k);
    }
    FlatIndex index = FlatIndex.builder(base[0].length).metric(metric).build();
    index.addAll(0, base);
    List<List<Neighbor>> found = index.searchAll(queries, k);
    int[][] ids = new int[queries.length][k];
    double[][] distances = new double[queries.length][k];
    for (int q = 0; q < queries.length; q++) {
      List<Neighbor> hits = found.get(q);
      for (int j = 0; j < k; j++) {
        ids[q][j] = (int) hits.get(j).id();
        distances[q][j] = hits.get(j).distance();
      }
    }
    return new Result(ids, distances);
  }
}
