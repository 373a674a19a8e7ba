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
