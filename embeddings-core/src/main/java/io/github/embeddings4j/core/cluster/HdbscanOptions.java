package io.github.embeddings4j.core.cluster;

/**
 * Settings of {@link Hdbscan}. Immutable.
 *
 * <pre>{@code
 * HdbscanOptions o = HdbscanOptions.minClusterSize(5).withMinSamples(3);
 * }</pre>
 */
public final class HdbscanOptions {

  private final int minClusterSize;
  private final int minSamples;
  private final boolean allowSingleCluster;
  private final boolean leafSelection;

  private HdbscanOptions(int minClusterSize, int minSamples, boolean allowSingleCluster,
      boolean leafSelection) {
    this.minClusterSize = minClusterSize;
    this.minSamples = minSamples;
    this.allowSingleCluster = allowSingleCluster;
    this.leafSelection = leafSelection;
  }

  /**
   * Options with the smallest group that counts as a cluster; {@code minSamples} is the same
   * number, as in scikit-learn.
   *
   * @param size at least 2: a split leaving fewer points on a side is points leaving a cluster,
   *     not a new cluster
   * @return the options
   * @throws IllegalArgumentException if below 2
   */
  public static HdbscanOptions minClusterSize(int size) {
    if (size < 2) {
      throw new IllegalArgumentException("the minimum cluster size must be at least 2, not "
          + size);
    }
    return new HdbscanOptions(size, size, false, false);
  }

  /**
   * How many points (itself included) a point needs around it to be in a dense region: larger
   * values smooth density and call more points noise; smaller ones find smaller, tighter
   * groups. Default: the minimum cluster size.
   *
   * @param samples at least 1
   * @return new options
   * @throws IllegalArgumentException if below 1
   */
  public HdbscanOptions withMinSamples(int samples) {
    if (samples < 1) {
      throw new IllegalArgumentException("min samples must be at least 1, not " + samples);
    }
    return new HdbscanOptions(minClusterSize, samples, allowSingleCluster, leafSelection);
  }

  /**
   * Lets the whole set be one cluster when it has no denser parts (by default such a set is
   * all noise, as in scikit-learn).
   *
   * @return new options
   */
  public HdbscanOptions withSingleClusterAllowed() {
    return new HdbscanOptions(minClusterSize, minSamples, true, leafSelection);
  }

  /**
   * Keeps the leaves of the cluster hierarchy (the smallest groups that are still at least the
   * minimum size) instead of the most stable clusters ("excess of mass", the default), which
   * on large, evenly dense data can be a few very large clusters: scikit-learn's {@code
   * cluster_selection_method='leaf'}.
   *
   * @return new options
   */
  public HdbscanOptions withLeafSelection() {
    return new HdbscanOptions(minClusterSize, minSamples, allowSingleCluster, true);
  }

  /**
   * These options for a fit on a sample of {@code sampleRows} of {@code allRows} points, so that
   * they mean the same in the whole set: the minimum cluster size and min samples times the
   * sample's share, rounded (at least 2 and 1). A group of 500 among a million points has
   * about 10 points in a sample of 20,000; without scaling, a minimum size of 500 would find
   * none of it. Selection and the single-cluster setting are kept.
   *
   * <pre>{@code
   * HdbscanOptions whole = HdbscanOptions.minClusterSize(500);
   * Hdbscan.Model m = Hdbscan.fitModel(sample, 20_000, d, whole.forSample(20_000, 1_000_000));
   * }</pre>
   *
   * @param sampleRows the points fitted on, at least 1
   * @param allRows the points of the whole set, at least {@code sampleRows}
   * @return new options (these when the sample is the whole set)
   * @throws IllegalArgumentException if the counts are not {@code 1 <= sampleRows <= allRows}
   */
  public HdbscanOptions forSample(int sampleRows, long allRows) {
    if (sampleRows < 1 || sampleRows > allRows) {
      throw new IllegalArgumentException("a sample of " + sampleRows + " of " + allRows
          + " rows: needs 1 <= sample <= rows");
    }
    if (sampleRows == allRows) {
      return this;
    }
    double share = (double) sampleRows / allRows;
    return new HdbscanOptions(Math.max(2, (int) Math.round(minClusterSize * share)),
        Math.max(1, (int) Math.round(minSamples * share)), allowSingleCluster, leafSelection);
  }

  /**
   * Whether the leaves are kept rather than the most stable clusters.
   *
   * @return the setting
   */
  public boolean leafSelection() {
    return leafSelection;
  }

  /**
   * The minimum cluster size.
   *
   * @return at least 2
   */
  public int minClusterSize() {
    return minClusterSize;
  }

  /**
   * The points a core neighbourhood holds, the point itself included.
   *
   * @return at least 1
   */
  public int minSamples() {
    return minSamples;
  }

  /**
   * Whether the whole set may be one cluster.
   *
   * @return the setting
   */
  public boolean allowSingleCluster() {
    return allowSingleCluster;
  }

  @Override
  public String toString() {
    return "HdbscanOptions[minClusterSize " + minClusterSize + ", minSamples " + minSamples
        + (allowSingleCluster ? ", single cluster allowed" : "")
        + (leafSelection ? ", leaves" : "") + "]";
  }
}
