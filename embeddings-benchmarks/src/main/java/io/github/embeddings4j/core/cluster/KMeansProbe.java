package io.github.embeddings4j.core.cluster;

import java.util.Arrays;

/**
 * Benchmark-side access to the k-means internals that the measuring tool compares (the two
 * assignment strategies). Not part of the library.
 */
public final class KMeansProbe {

  private KMeansProbe() {}

  /**
   * Fits with the BLAS ({@code true}) or the Java ({@code false}) assignment step.
   *
   * @param rows the points
   * @param options the cluster count and settings
   * @param blas which assignment step
   * @return the fitted clustering
   */
  public static KMeans fit(float[][] rows, KMeansOptions options, boolean blas) {
    return KMeans.fit(rows, rows[0].length, options,
        blas ? Assigner.Strategy.BLAS : Assigner.Strategy.JAVA);
  }

  /**
   * The strategy the library picks for {@code k} clusters of dimension {@code d}.
   *
   * @param k the cluster count
   * @param d the dimension
   * @return {@code "BLAS"} or {@code "JAVA"}
   */
  public static String defaultStrategy(int k, int d) {
    return KMeans.defaultStrategy(k, d).name();
  }

  /**
   * Median seconds of one assignment step (with the per-cluster sums the update needs) over {@code reps} runs (after one warm-up), and the
   * labels it gave, for comparing the strategies.
   *
   * @param rows the points
   * @param centroids the centroids assigned to
   * @param blas which assignment step
   * @param threads the threads
   * @param reps the timed runs
   * @param labelsOut receives the labels
   * @return the median seconds
   */
  public static double assignSeconds(float[][] rows, float[][] centroids, boolean blas,
      int threads, int reps, int[] labelsOut) {
    double[] times = new double[reps];
    float[] distances = new float[rows.length];
    int d = rows[0].length;
    float[] data = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, data, i * d, d);
    }
    double[] sums = new double[centroids.length * d];
    int[] counts = new int[centroids.length];
    try (Assigner a = new Assigner(data, rows.length, d, threads,
        blas ? Assigner.Strategy.BLAS : Assigner.Strategy.JAVA)) {
      a.assign(centroids, labelsOut, distances, sums, counts);
      for (int r = 0; r < reps; r++) {
        long t0 = System.nanoTime();
        a.assign(centroids, labelsOut, distances, sums, counts);
        times[r] = (System.nanoTime() - t0) / 1e9;
      }
    }
    Arrays.sort(times);
    return times[reps / 2];
  }
}
