package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.Neighbor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The best {@code k} (distance, id) pairs of each query so far, each list sorted by {@link
 * Neighbor}'s order (distance, then id): the partial result one partition sends back, and what
 * two partial results merge into.
 */
final class TopLists implements Serializable {

  private static final long serialVersionUID = 1L;

  private final int k;
  private final long[][] ids;
  private final double[][] distances;

  TopLists(int queries, int k) {
    this.k = k;
    this.ids = new long[queries][0];
    this.distances = new double[queries][0];
  }

  /** Merges one query's sorted neighbours in. */
  void merge(int query, List<Neighbor> sorted) {
    long[] otherIds = new long[sorted.size()];
    double[] otherDist = new double[sorted.size()];
    for (int i = 0; i < otherIds.length; i++) {
      otherIds[i] = sorted.get(i).id();
      otherDist[i] = sorted.get(i).distance();
    }
    merge(query, otherIds, otherDist);
  }

  /** Merges another partial result in; returns this (for {@code treeReduce}). */
  TopLists merge(TopLists other) {
    if (other.ids.length != ids.length || other.k != k) {
      throw new IllegalStateException("partial results differ in shape: " + ids.length + "x" + k
          + " and " + other.ids.length + "x" + other.k);
    }
    for (int q = 0; q < ids.length; q++) {
      merge(q, other.ids[q], other.distances[q]);
    }
    return this;
  }

  private void merge(int q, long[] bIds, double[] bDist) {
    long[] aIds = ids[q];
    double[] aDist = distances[q];
    int n = Math.min(k, aIds.length + bIds.length);
    long[] outIds = new long[n];
    double[] outDist = new double[n];
    int i = 0;
    int j = 0;
    for (int o = 0; o < n; o++) {
      boolean takeA = j >= bIds.length || (i < aIds.length
          && compare(aDist[i], aIds[i], bDist[j], bIds[j]) <= 0);
      if (takeA) {
        outIds[o] = aIds[i];
        outDist[o] = aDist[i++];
      } else {
        outIds[o] = bIds[j];
        outDist[o] = bDist[j++];
      }
    }
    ids[q] = outIds;
    distances[q] = outDist;
  }

  /** Neighbor's order: distance, then id (the core's tie rule). */
  private static int compare(double d1, long id1, double d2, long id2) {
    int c = Double.compare(d1, d2);
    return c != 0 ? c : Long.compare(id1, id2);
  }

  /** The result, each distance passed through {@code sqrt} when {@code root} is set. */
  List<List<Neighbor>> toLists(boolean root) {
    List<List<Neighbor>> out = new ArrayList<>(ids.length);
    for (int q = 0; q < ids.length; q++) {
      List<Neighbor> list = new ArrayList<>(ids[q].length);
      for (int i = 0; i < ids[q].length; i++) {
        double d = distances[q][i];
        list.add(new Neighbor(ids[q][i], root ? Math.sqrt(d) : d));
      }
      out.add(List.copyOf(list));
    }
    return List.copyOf(out);
  }
}
