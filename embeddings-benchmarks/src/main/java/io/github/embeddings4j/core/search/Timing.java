package io.github.embeddings4j.core.search;

import java.util.Arrays;
import java.util.function.Supplier;

/** Wall-clock medians for the measurement mains (not a test). */
final class Timing {

  private Timing() {}

  /** Keeps results alive so the JIT cannot drop the work. */
  static volatile Object sink;

  /** Runs {@code warmups} untimed, then {@code reps} timed; returns the median in seconds. */
  static double medianSeconds(int warmups, int reps, Supplier<?> work) {
    for (int i = 0; i < warmups; i++) {
      sink = work.get();
    }
    double[] t = new double[reps];
    for (int i = 0; i < reps; i++) {
      long start = System.nanoTime();
      sink = work.get();
      t[i] = (System.nanoTime() - start) / 1e9;
    }
    Arrays.sort(t);
    return t[reps / 2];
  }

  static float[][] randomRows(long seed, int n, int d) {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    float[][] rows = new float[n][d];
    for (float[] row : rows) {
      for (int i = 0; i < d; i++) {
        row[i] = (float) rnd.nextDouble(-1, 1);
      }
    }
    return rows;
  }

  static FlatIndex index(float[][] rows, io.github.embeddings4j.api.DistanceMetric metric,
      Boolean matrixProduct) {
    FlatIndex index = FlatIndex.builder(rows[0].length).metric(metric)
        .matrixProduct(matrixProduct).build();
    index.addAll(0, rows);
    return index;
  }
}
