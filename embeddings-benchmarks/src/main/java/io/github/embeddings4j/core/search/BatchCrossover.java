package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.vector.VectorMath;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures where searching many queries through ND4J matrix products overtakes the per-pair
 * kernels: the same FlatIndex searched with each route forced, for growing query counts, medians
 * side by side in one run. Not a test; run as documented in {@code docs/vector-math.md}.
 *
 * <p>Arguments: rows (default 100000), dimension (512), metric (euclidean), k (10), query
 * counts separated by commas (1,4,8,16,32,64,128,256,1024).
 */
public final class BatchCrossover {

  private BatchCrossover() {}

  /**
   * Runs the measurement and prints a table.
   *
   * @param args rows, dimension, metric, k
   */
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int d = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    StandardMetric metric = StandardMetric.fromName(args.length > 2 ? args[2] : "euclidean");
    int k = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    float[][] rows = Timing.randomRows(1, n, d);
    FlatIndex scan = Timing.index(rows, metric, false);
    FlatIndex gemm = Timing.index(rows, metric, true);
    FlatIndex single = FlatIndex.builder(d).metric(metric).matrixProduct(false)
        .groupQueries(false).build();
    single.addAll(0, rows);
    rows = null;
    System.out.printf(Locale.ROOT, "kernels=%s processors=%d rows=%d dim=%d metric=%s k=%d%n",
        VectorMath.kernelsName(), Runtime.getRuntime().availableProcessors(), n, d, metric, k);
    System.out.println("queries | kernels, 1 query per row read s | kernels, 4 queries per row"
        + " read s | matrix product s | 1/4 | 4/gemm");
    int[] counts = java.util.Arrays.stream(
        (args.length > 4 ? args[4] : "1,4,8,16,32,64,128,256,1024").split(","))
        .mapToInt(Integer::parseInt).toArray();
    for (int nq : counts) {
      float[][] queries = Timing.randomRows(100 + nq, nq, d);
      int reps = nq <= 64 ? 5 : 3;
      double t1 = Timing.medianSeconds(1, reps, () -> single.searchAll(queries, k));
      double ts = Timing.medianSeconds(1, reps, () -> scan.searchAll(queries, k));
      double tg = Timing.medianSeconds(1, reps, () -> gemm.searchAll(queries, k));
      if (!scan.searchAll(queries, k).equals(gemm.searchAll(queries, k))
          || !scan.searchAll(queries, k).equals(single.searchAll(queries, k))) {
        throw new AssertionError("routes disagree at " + nq + " queries");
      }
      System.out.printf(Locale.ROOT, "%7d | %.4f | %.4f | %.4f | %.2f | %.2f%n", nq, t1, ts, tg,
          t1 / ts, ts / tg);
    }
    System.out.println("(" + Arrays.toString(args) + ")");
  }
}
