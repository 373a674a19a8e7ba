package io.github.embeddings4j.core.cluster;

import java.util.Arrays;

/**
 * Test-side access to the k-means internals that the measuring tool compares (the two
 * assignment strategies). Not part of the library.
 */
public final class KMeansProbe {

  private KMeansProbe() {}

  /** Fits with the BLAS ({@code true}) or the Java ({@code false}) assignment step. */
  public static KMeans fit(float[][] rows, KMeansOptions options, boolean blas) {
    return KMeans.fit(rows, rows[0].length, options,
        blas ? Assigner.Strategy.BLAS : Assigner.Strategy.JAVA);
  }

  /** The strategy the library picks for {@code k} clusters of dimension {@code d}. */
  public static String defaultStrategy(int k, int d) {
    return KMeans.defaultStrategy(k, d).name();
  }

  /**
   * Median seconds of one assignment step over {@code reps} runs (after one warm-up), and the
   * labels it gave, for comparing the strategies.
   */
  public static double assignSeconds(float[][] rows, float[][] centroids, boolean blas,
      int threads, int reps, int[] labelsOut) {
    double[] times = new double[reps];
    float[] distances = new float[rows.length];
    try (Assigner a = new Assigner(rows, rows[0].length, threads,
        blas ? Assigner.Strategy.BLAS : Assigner.Strategy.JAVA)) {
      a.assign(centroids, labelsOut, distances);
      for (int r = 0; r < reps; r++) {
        long t0 = System.nanoTime();
        a.assign(centroids, labelsOut, distances);
        times[r] = (System.nanoTime() - t0) / 1e9;
      }
    }
    Arrays.sort(times);
    return times[reps / 2];
  }
}
