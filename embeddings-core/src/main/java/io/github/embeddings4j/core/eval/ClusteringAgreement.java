package io.github.embeddings4j.core.eval;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How well a clustering matches known classes, whatever the clusters are numbered: the
 * normalised mutual information and the adjusted Rand index, as scikit-learn computes them
 * ({@code normalized_mutual_info_score} with its default arithmetic mean, {@code
 * adjusted_rand_score}). Both are 1 for the same partition; the adjusted Rand index is about 0
 * for a random one (and can fall below), the normalised mutual information 0 when the clusters
 * say nothing of the classes. Labels are any integers (HDBSCAN's -1 counts as one more
 * cluster).
 *
 * <pre>{@code
 * double nmi = ClusteringAgreement.normalizedMutualInformation(classes, km.assignments());
 * double ari = ClusteringAgreement.adjustedRandIndex(classes, km.assignments());
 * }</pre>
 */
public final class ClusteringAgreement {

  private ClusteringAgreement() {}

  /** The contingency table of two labellings: counts per (class, cluster) and the margins. */
  private record Table(long n, Map<Long, Long> cells, Map<Integer, Long> rows,
      Map<Integer, Long> columns) {

    static Table of(int[] classes, int[] clusters) {
      Objects.requireNonNull(classes, "classes");
      Objects.requireNonNull(clusters, "clusters");
      Checks.sameLength("classes", classes.length, "clusters", clusters.length);
      Map<Long, Long> cells = new HashMap<>();
      Map<Integer, Long> rows = new HashMap<>();
      Map<Integer, Long> columns = new HashMap<>();
      for (int i = 0; i < classes.length; i++) {
        cells.merge(((long) classes[i] << 32) ^ (clusters[i] & 0xffffffffL), 1L, Long::sum);
        rows.merge(classes[i], 1L, Long::sum);
        columns.merge(clusters[i], 1L, Long::sum);
      }
      return new Table(classes.length, cells, rows, columns);
    }
  }

  /**
   * The mutual information of the two labellings divided by the mean of their entropies.
   *
   * @param classes the true class of each point
   * @param clusters the cluster of each point
   * @return a value in {@code [0, 1]}; 1 when both put every point in one group
   * @throws IllegalArgumentException if the lengths differ
   */
  public static double normalizedMutualInformation(int[] classes, int[] clusters) {
    Table t = Table.of(classes, clusters);
    if (t.rows().size() == t.columns().size()
        && (t.rows().size() == 1 || t.rows().size() == 0)) {
      return 1.0; // no split on either side: a perfect match, as scikit-learn counts it
    }
    double n = t.n();
    double mi = 0;
    for (Map.Entry<Long, Long> e : t.cells().entrySet()) {
      int a = (int) (e.getKey() >> 32);
      int b = (int) (long) e.getKey();
      double nij = e.getValue();
      mi += nij / n * (Math.log(nij) + Math.log(n) - Math.log(t.rows().get(a))
          - Math.log(t.columns().get(b)));
    }
    mi = Math.max(0, mi);
    double mean = (entropy(t.rows(), n) + entropy(t.columns(), n)) / 2;
    return mi / Math.max(mean, Math.ulp(1.0));
  }

  private static double entropy(Map<Integer, Long> counts, double n) {
    double h = 0;
    for (long c : counts.values()) {
      h -= c / n * Math.log(c / n);
    }
    return h;
  }

  /**
   * The Rand index (the share of pairs of points on which the two labellings agree: together
   * in both or apart in both) adjusted for chance.
   *
   * @param classes the true class of each point
   * @param clusters the cluster of each point
   * @return 1 for the same partition, about 0 for a random one, at least -0.5
   * @throws IllegalArgumentException if the lengths differ
   */
  public static double adjustedRandIndex(int[] classes, int[] clusters) {
    Table t = Table.of(classes, clusters);
    double n = t.n();
    double squares = 0;
    for (long c : t.cells().values()) {
      squares += (double) c * c;
    }
    // The pair confusion matrix: pairs together in both, in the classes only, and so on.
    double rowsDotColumns = 0; // sum over cells of n_ij * column total
    double columnsDotRows = 0; // sum over cells of n_ij * row total
    for (Map.Entry<Long, Long> e : t.cells().entrySet()) {
      int a = (int) (e.getKey() >> 32);
      int b = (int) (long) e.getKey();
      rowsDotColumns += (double) e.getValue() * t.columns().get(b);
      columnsDotRows += (double) e.getValue() * t.rows().get(a);
    }
    double together = squares - n;
    double onlyClusters = rowsDotColumns - squares;
    double onlyClasses = columnsDotRows - squares;
    double apart = n * n - onlyClusters - onlyClasses - squares;
    if (onlyClusters == 0 && onlyClasses == 0) {
      return 1.0;
    }
    return 2.0 * (together * apart - onlyClasses * onlyClusters)
        / ((together + onlyClasses) * (onlyClasses + apart)
            + (together + onlyClusters) * (onlyClusters + apart));
  }
}
