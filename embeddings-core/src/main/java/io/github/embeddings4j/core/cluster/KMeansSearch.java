package io.github.embeddings4j.core.cluster;

import io.github.embeddings4j.core.data.RowSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Chooses the number of clusters: k-means is fitted for every count in a range, each clustering
 * is scored by its mean {@link Silhouette silhouette coefficient} on a seeded sample of the
 * points (the same sample for every count), and the count with the highest score is kept, the
 * smaller count on a tie. Inertia always falls as clusters are added, so it cannot choose by
 * itself; the silhouette rewards clusters that are both tight and apart, and falls again when a
 * real group is split.
 *
 * <pre>{@code
 * KMeansSearch.Result r = KMeansSearch.run(data, n, d, 2, 20, KMeansOptions.clusters(2)
 *     .withSeed(7));                               // the count in the options is ignored
 * KMeans best = r.bestModel();
 * System.out.println(r.toMarkdown());              // one row per count, the kept one marked
 * }</pre>
 *
 * <p>Cost: one k-means fit per count, plus the sample's pairwise distances once ({@code 4 m²}
 * bytes: 64 MiB for the default 4,096 points) and {@code m²} additions per count. Every fit uses
 * the options' seed, so a search repeats exactly; only the best clustering is kept in memory.
 */
public final class KMeansSearch {

  /** The default number of points the silhouettes are computed on. */
  public static final int DEFAULT_SAMPLE = 4_096;

  private KMeansSearch() {}

  /**
   * One clustering of the search.
   *
   * @param clusters the number of clusters
   * @param silhouette its mean silhouette coefficient on the sample, {@code NaN} when the sample
   *     fell in a single cluster
   * @param inertia its sum of squared distances to the centroids over the fitted points
   * @param iterations the Lloyd iterations run
   * @param converged whether it converged before the iteration limit
   * @param seconds the wall time of the fit and its score
   */
  public record Trial(int clusters, double silhouette, double inertia, int iterations,
      boolean converged, double seconds) {}

  /**
   * The outcome of a search.
   *
   * @param trials one per count, in increasing order of clusters
   * @param best the kept trial
   * @param bestModel the clustering of the kept count
   * @param sample the number of points the silhouettes were computed on
   * @param clusterSilhouettes each cluster's mean silhouette under the kept clustering, on the
   *     sample ({@code NaN} for a cluster without a sampled point; all {@code NaN} when the
   *     sample fell in one cluster)
   */
  public record Result(List<Trial> trials, Trial best, KMeans bestModel, int sample,
      double[] clusterSilhouettes) {

    /**
     * Copies the list.
     *
     * @param trials the trials
     * @param best the kept one
     * @param bestModel its clustering
     * @param sample the sample size
     * @param clusterSilhouettes the kept clustering's mean silhouette per cluster
     */
    public Result {
      trials = List.copyOf(trials);
      clusterSilhouettes = clusterSilhouettes.clone();
    }

    /**
     * Each cluster's mean silhouette under the kept clustering (a copy).
     *
     * @return one mean per cluster
     */
    @Override
    public double[] clusterSilhouettes() {
      return clusterSilhouettes.clone();
    }

    /**
     * The trials as a Markdown table.
     *
     * @return one row per count, the kept one marked
     */
    public String toMarkdown() {
      StringBuilder sb = new StringBuilder("| clusters | silhouette | inertia | iterations |"
          + " seconds |\n|---:|---:|---:|---:|---:|\n");
      for (Trial t : trials) {
        sb.append(String.format(Locale.ROOT, "| %d%s | %.4f | %.5g | %d%s | %.1f |%n",
            t.clusters(), t == best ? " (kept)" : "", t.silhouette(), t.inertia(),
            t.iterations(), t.converged() ? "" : " (limit)", t.seconds()));
      }
      return sb.toString();
    }
  }

  /**
   * Searches with silhouettes on at most {@link #DEFAULT_SAMPLE} points.
   *
   * @param data the points, row-major {@code n x d}; not modified
   * @param n the points
   * @param d the dimension
   * @param minClusters the fewest clusters tried, at least 2
   * @param maxClusters the most, at least {@code minClusters} and below the points scored
   * @param options seed, iteration limit, tolerance and threads of every fit; its cluster count
   *     is ignored
   * @return every trial and the best clustering
   * @throws IllegalArgumentException for a range out of bounds or options with initial
   *     centroids, or data k-means refuses
   */
  public static Result run(float[] data, int n, int d, int minClusters, int maxClusters,
      KMeansOptions options) {
    return run(data, n, d, minClusters, maxClusters, options, DEFAULT_SAMPLE);
  }

  /**
   * Searches with silhouettes on a seeded sample of a given size.
   *
   * @param data the points, row-major {@code n x d}; not modified
   * @param n the points
   * @param d the dimension
   * @param minClusters the fewest clusters tried, at least 2
   * @param maxClusters the most, at least {@code minClusters} and below the points scored
   * @param options seed, iteration limit, tolerance and threads of every fit; its cluster count
   *     is ignored
   * @param sample the most points the silhouettes are computed on, 3 to {@link
   *     Silhouette#MAX_POINTS}; all points when there are no more
   * @return every trial and the best clustering
   * @throws IllegalArgumentException for a range or sample out of bounds, options with initial
   *     centroids, or data k-means refuses
   */
  public static Result run(float[] data, int n, int d, int minClusters, int maxClusters,
      KMeansOptions options, int sample) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(options, "options");
    if (sample < 3 || sample > Silhouette.MAX_POINTS) {
      throw new IllegalArgumentException("the silhouette sample must hold 3 to "
          + Silhouette.MAX_POINTS + " points, not " + sample);
    }
    int m = Math.min(n, sample);
    if (minClusters < 2 || maxClusters < minClusters || maxClusters >= m) {
      throw new IllegalArgumentException("cluster counts " + minClusters + " to " + maxClusters
          + " cannot be compared by silhouette on " + m + " points: the range must start at 2"
          + " or more and end below " + m);
    }
    if (options.initialCentroids() != null) {
      throw new IllegalArgumentException("a search over cluster counts draws its own initial"
          + " centroids; remove withInitialCentroids");
    }
    if (data.length < (long) n * d) {
      throw new IllegalArgumentException("data of length " + data.length + " does not hold "
          + n + " rows of dimension " + d);
    }
    int[] rows = sampleRows(n, m, options.seed());
    float[] points = new float[m * d];
    for (int i = 0; i < m; i++) {
      System.arraycopy(data, rows[i] * d, points, i * d, d);
    }
    Silhouette silhouette = Silhouette.of(points, m, d);
    List<Trial> trials = new ArrayList<>();
    Trial best = null;
    KMeans bestModel = null;
    int[] bestLabels = null;
    int[] labels = new int[m];
    for (int k = minClusters; k <= maxClusters; k++) {
      long start = System.nanoTime();
      KMeans km = KMeans.fit(data, n, d, KMeansOptions.clusters(k).withSeed(options.seed())
          .withMaxIterations(options.maxIterations()).withTolerance(options.tolerance())
          .withThreads(options.threads()));
      int[] assigned = km.assignments();
      for (int i = 0; i < m; i++) {
        labels[i] = assigned[rows[i]];
      }
      double score = filled(labels, k) < 2 ? Double.NaN : silhouette.score(labels, k);
      Trial t = new Trial(k, score, km.inertia(), km.iterations(), km.converged(),
          (System.nanoTime() - start) / 1e9);
      trials.add(t);
      if (best == null || Double.isNaN(best.silhouette()) && !Double.isNaN(score)
          || score > best.silhouette()) {
        best = t;
        bestModel = km;
        bestLabels = labels.clone();
      }
    }
    double[] perCluster = new double[best.clusters()];
    java.util.Arrays.fill(perCluster, Double.NaN);
    if (!Double.isNaN(best.silhouette())) {
      perCluster = silhouette.clusterMeans(bestLabels, best.clusters());
    }
    return new Result(trials, best, bestModel, m, perCluster);
  }

  private static int filled(int[] labels, int k) {
    boolean[] seen = new boolean[k];
    int count = 0;
    for (int l : labels) {
      if (!seen[l]) {
        seen[l] = true;
        count++;
      }
    }
    return count;
  }

  /**
   * {@code m} distinct rows of {@code n}, drawn from the seed (mixed, so that the sample and
   * k-means' seeding differ), in increasing order.
   */
  static int[] sampleRows(int n, int m, long seed) {
    return RowSample.indices(n, m, seed ^ 0x5111_0E77_E5A3_91L);
  }
}
