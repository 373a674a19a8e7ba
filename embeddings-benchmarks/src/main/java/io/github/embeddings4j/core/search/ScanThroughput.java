package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.vector.VectorMath;
import java.util.Locale;

/**
 * The two throughput figures of issue 3: a single-query scan over a million 512-d vectors
 * (GB/s of vectors streamed) and a 1,000 x 100,000 batch at 512-d (GFLOP/s, counting 2 d flops
 * per pair), each route of the batch side by side. Not a test; see {@code docs/vector-math.md}.
 *
 * <p>Arguments: rows of the scan (default 1000000), dimension (512).
 */
public final class ScanThroughput {

  private ScanThroughput() {}

  /**
   * Runs the measurement and prints the figures.
   *
   * @param args rows, dimension
   */
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int d = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    System.out.printf(Locale.ROOT, "kernels=%s processors=%d%n", VectorMath.kernelsName(),
        Runtime.getRuntime().availableProcessors());
    // Filled row by row, so the 2 GB never exist twice.
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
    float[] row = new float[d];
    for (StandardMetric metric : new StandardMetric[] {StandardMetric.DOT_PRODUCT,
        StandardMetric.EUCLIDEAN}) {
      FlatIndex big = FlatIndex.builder(d).metric(metric).build();
      rnd = new java.util.SplittableRandom(7);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < d; j++) {
          row[j] = (float) rnd.nextDouble(-1, 1);
        }
        big.add(i, row);
      }
      float[] q = Timing.randomRows(9, 1, d)[0];
      double t = Timing.medianSeconds(3, 9, () -> big.search(q, 10));
      double gb = (double) n * d * 4 / 1e9;
      System.out.printf(Locale.ROOT,
          "single query, %s, %d x %d: median %.4f s, %.2f GB/s, %.2f GFLOP/s%n",
          metric, n, d, t, gb / t, 2.0 * n * d / t / 1e9);
    }
    int rows = 100_000;
    int nq = 1000;
    float[][] data = Timing.randomRows(11, rows, d);
    float[][] queries = Timing.randomRows(12, nq, d);
    for (StandardMetric metric : new StandardMetric[] {StandardMetric.DOT_PRODUCT}) {
      for (Boolean gemm : new Boolean[] {Boolean.FALSE, Boolean.TRUE}) {
        FlatIndex index = Timing.index(data, metric, gemm);
        double t = Timing.medianSeconds(1, 3, () -> index.searchAll(queries, 10));
        System.out.printf(Locale.ROOT,
            "batch %d x %d x %d, %s, %s: median %.3f s, %.1f GFLOP/s%n", nq, rows, d, metric,
            gemm ? "matrix product" : "kernels, 4 queries per row read", t,
            2.0 * nq * rows * d / t / 1e9);
      }
    }
  }
}
