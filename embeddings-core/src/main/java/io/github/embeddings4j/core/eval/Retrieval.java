package io.github.embeddings4j.core.eval;

/**
 * Retrieval quality of embeddings: every test vector is a query against the training vectors,
 * ranked by distance, and a training item is relevant to a query when it has the query's label.
 *
 * <p><b>recall@k</b> is the share of queries with at least one relevant item among their top
 * {@code k} (the "Recall@K" of deep metric learning). The textbook "relevant retrieved / all
 * relevant" is not used: with thousands of relevant items per class it would be at most {@code
 * k / 6000} on Fashion-MNIST and say nothing.
 *
 * <p><b>mAP@k</b> is the mean over queries of {@code AP@k = (1 / min(k, R)) * sum over ranks i
 * <= k of P(i) * rel(i)}, where {@code rel(i)} is 1 when the item at rank {@code i} is relevant,
 * {@code P(i)} is the share of relevant items in the first {@code i}, and {@code R} is the
 * number of relevant items in the whole training set. A query whose top {@code k} are all
 * relevant scores 1; a query with no relevant item anywhere scores 0.
 *
 * <p><b>precision@k</b> is the mean over queries of the share of relevant items among the top
 * {@code k}. Where recall@k saturates (a single hit in ten counts fully; near 0.97 for every
 * method on Fashion-MNIST) precision@k tells methods apart.
 */
public final class Retrieval {

  private Retrieval() {}

  /**
   * recall@k from ranked labels.
   *
   * @param queryLabels the label of each query
   * @param rankedLabels for each query, the labels of its retrieved items, nearest first (at
   *     least {@code k} of them)
   * @param k the cut-off, at least 1
   * @return the share of queries with a relevant item in their top {@code k} ({@code NaN} for no
   *     queries)
   * @throws IllegalArgumentException if counts differ or a ranking is shorter than {@code k}
   */
  public static double recallAtK(int[] queryLabels, int[][] rankedLabels, int k) {
    check(queryLabels, rankedLabels, k);
    int hits = 0;
    for (int q = 0; q < queryLabels.length; q++) {
      for (int i = 0; i < k; i++) {
        if (rankedLabels[q][i] == queryLabels[q]) {
          hits++;
          break;
        }
      }
    }
    return queryLabels.length == 0 ? Double.NaN : (double) hits / queryLabels.length;
  }

  /**
   * precision@k from ranked labels.
   *
   * @param queryLabels the label of each query
   * @param rankedLabels for each query, the labels of its retrieved items, nearest first (at
   *     least {@code k} of them)
   * @param k the cut-off, at least 1
   * @return the mean share of relevant items in the top {@code k} ({@code NaN} for no queries)
   * @throws IllegalArgumentException if counts differ or a ranking is shorter than {@code k}
   */
  public static double precisionAtK(int[] queryLabels, int[][] rankedLabels, int k) {
    check(queryLabels, rankedLabels, k);
    long hits = 0;
    for (int q = 0; q < queryLabels.length; q++) {
      for (int i = 0; i < k; i++) {
        if (rankedLabels[q][i] == queryLabels[q]) {
          hits++;
        }
      }
    }
    return queryLabels.length == 0 ? Double.NaN : (double) hits / ((long) queryLabels.length * k);
  }

  /**
   * mAP@k from ranked labels.
   *
   * @param queryLabels the label of each query
   * @param rankedLabels for each query, the labels of its retrieved items, nearest first (at
   *     least {@code k} of them)
   * @param databaseLabels the labels of every item that could be retrieved, to count {@code R}
   * @param k the cut-off, at least 1
   * @return the mean average precision at {@code k} ({@code NaN} for no queries)
   * @throws IllegalArgumentException if counts differ or a ranking is shorter than {@code k}
   */
  public static double meanAveragePrecisionAtK(int[] queryLabels, int[][] rankedLabels,
      int[] databaseLabels, int k) {
    check(queryLabels, rankedLabels, k);
    int classes = Math.max(Checks.classCount(databaseLabels), Checks.classCount(queryLabels));
    int[] relevant = new int[classes];
    for (int label : databaseLabels) {
      relevant[label]++;
    }
    double sum = 0;
    for (int q = 0; q < queryLabels.length; q++) {
      int r = relevant[queryLabels[q]];
      if (r == 0) {
        continue;
      }
      int hits = 0;
      double ap = 0;
      for (int i = 0; i < k; i++) {
        if (rankedLabels[q][i] == queryLabels[q]) {
          hits++;
          ap += (double) hits / (i + 1);
        }
      }
      sum += ap / Math.min(k, r);
    }
    return queryLabels.length == 0 ? Double.NaN : sum / queryLabels.length;
  }

  private static void check(int[] queryLabels, int[][] rankedLabels, int k) {
    Checks.sameLength("query labels", queryLabels.length, "rankings", rankedLabels.length);
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1: " + k);
    }
    for (int q = 0; q < rankedLabels.length; q++) {
      if (rankedLabels[q].length < k) {
        throw new IllegalArgumentException("ranking of query " + q + " holds "
            + rankedLabels[q].length + " items, fewer than k = " + k);
      }
    }
  }
}
