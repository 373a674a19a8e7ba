package io.github.embeddings4j.core.cluster;

import java.util.Objects;

/**
 * Settings for {@link KMeans#fit(float[][], KMeansOptions)}. Immutable: each {@code with...}
 * returns a new value.
 *
 * <pre>{@code
 * KMeansOptions options = KMeansOptions.clusters(10).withSeed(7).withMaxIterations(100);
 * }</pre>
 *
 * <p>Defaults: seed 0, at most 300 iterations, tolerance {@code 1e-4}, as many threads as
 * available processors, k-means++ seeding.
 */
public final class KMeansOptions {

  private final int clusters;
  private final long seed;
  private final int maxIterations;
  private final double tolerance;
  private final int threads;
  private final float[][] initialCentroids;

  private KMeansOptions(int clusters, long seed, int maxIterations, double tolerance, int threads,
      float[][] initialCentroids) {
    this.clusters = clusters;
    this.seed = seed;
    this.maxIterations = maxIterations;
    this.tolerance = tolerance;
    this.threads = threads;
    this.initialCentroids = initialCentroids;
  }

  /**
   * Options for {@code k} clusters, with the defaults.
   *
   * @param k the number of clusters, at least 1
   * @return the options
   * @throws IllegalArgumentException if {@code k < 1}
   */
  public static KMeansOptions clusters(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k-means needs at least 1 cluster: " + k);
    }
    return new KMeansOptions(k, 0L, 300, 1e-4, Runtime.getRuntime().availableProcessors(), null);
  }

  /**
   * The seed of k-means++ seeding: the same seed, data and options give the same result.
   *
   * @param seed any value
   * @return new options
   */
  public KMeansOptions withSeed(long seed) {
    return new KMeansOptions(clusters, seed, maxIterations, tolerance, threads, initialCentroids);
  }

  /**
   * The most Lloyd iterations to run.
   *
   * @param maxIterations at least 1
   * @return new options
   * @throws IllegalArgumentException if below 1
   */
  public KMeansOptions withMaxIterations(int maxIterations) {
    if (maxIterations < 1) {
      throw new IllegalArgumentException("k-means needs at least 1 iteration: " + maxIterations);
    }
    return new KMeansOptions(clusters, seed, maxIterations, tolerance, threads, initialCentroids);
  }

  /**
   * Convergence tolerance, relative to the data's scale as in scikit-learn: iterations stop when
   * the centroids together move (sum of squared shifts) by at most {@code tolerance} times the
   * mean per-dimension variance of the data, or when no assignment changes.
   *
   * @param tolerance at least 0; 0 runs until no assignment changes or the iterations run out
   * @return new options
   * @throws IllegalArgumentException if negative or not a number
   */
  public KMeansOptions withTolerance(double tolerance) {
    if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
      throw new IllegalArgumentException("k-means tolerance must be finite and >= 0: " + tolerance);
    }
    return new KMeansOptions(clusters, seed, maxIterations, tolerance, threads, initialCentroids);
  }

  /**
   * Threads for the assignment step and the seeding. The result does not depend on it.
   *
   * @param threads at least 1
   * @return new options
   * @throws IllegalArgumentException if below 1
   */
  public KMeansOptions withThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("k-means needs at least 1 thread: " + threads);
    }
    return new KMeansOptions(clusters, seed, maxIterations, tolerance, threads, initialCentroids);
  }

  /**
   * Starts from the given centroids instead of k-means++ seeding.
   *
   * @param centroids exactly {@link #clusterCount()} rows, of the data's dimension (checked when
   *     fitting); copied
   * @return new options
   * @throws IllegalArgumentException if the row count is not the cluster count
   */
  public KMeansOptions withInitialCentroids(float[][] centroids) {
    Objects.requireNonNull(centroids, "centroids");
    if (centroids.length != clusters) {
      throw new IllegalArgumentException("initial centroids: " + centroids.length
          + " rows given for " + clusters + " clusters");
    }
    float[][] copy = new float[centroids.length][];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = centroids[i].clone();
    }
    return new KMeansOptions(clusters, seed, maxIterations, tolerance, threads, copy);
  }

  /**
   * The number of clusters.
   *
   * @return k
   */
  public int clusterCount() {
    return clusters;
  }

  /**
   * The seeding seed.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /**
   * The iteration limit.
   *
   * @return the most iterations
   */
  public int maxIterations() {
    return maxIterations;
  }

  /**
   * The relative convergence tolerance.
   *
   * @return the tolerance
   */
  public double tolerance() {
    return tolerance;
  }

  /**
   * The thread count.
   *
   * @return the threads
   */
  public int threads() {
    return threads;
  }

  /** The caller's initial centroids (not copied: internal use), or null for k-means++. */
  float[][] initialCentroids() {
    return initialCentroids;
  }

  @Override
  public String toString() {
    return "k-means k=" + clusters + ", seed " + seed + ", max " + maxIterations
        + " iterations, tolerance " + tolerance + ", " + threads + " threads"
        + (initialCentroids != null ? ", given initial centroids" : ", k-means++");
  }
}
