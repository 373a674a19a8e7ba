package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.search.FlatIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * An exact search over a {@code .npy} file read in place ({@code FlatIndex.map}) side by side
 * with the same rows loaded ({@code FlatIndex.addAll}): rounds alternate which goes first, and
 * each prints one JSON line per index with its queries per second, for one query at a time and
 * for a batch; the last line holds the median of the paired ratios mapped/loaded. The file
 * stays in the page cache between runs (it is read just before), so the figures are the cost of
 * reading through the mapping, not of the disk.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx6g -cp embeddings-benchmarks/target/benchmarks.jar \
 *   io.github.embeddings4j.benchmarks.MappedScan --rows 500000 --dim 256 --rounds 5
 * </pre>
 */
public final class MappedScan {

  private MappedScan() {}

  public static void main(String[] args) throws IOException {
    int rows = 500_000;
    int dim = 256;
    int rounds = 5;
    int single = 200;
    int batch = 1_000;
    int threads = Runtime.getRuntime().availableProcessors();
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[i + 1]);
        case "--dim" -> dim = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--single" -> single = Integer.parseInt(args[i + 1]);
        case "--batch" -> batch = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    SplittableRandom r = new SplittableRandom(7);
    float[][] x = new float[rows][dim];
    for (float[] v : x) {
      for (int t = 0; t < dim; t++) {
        v[t] = (float) r.nextGaussian();
      }
    }
    float[][] queries = new float[Math.max(single, batch)][dim];
    for (float[] q : queries) {
      for (int t = 0; t < dim; t++) {
        q[t] = (float) r.nextGaussian();
      }
    }
    Path file = Files.createTempFile("mapped-scan-", ".npy");
    try {
      Npy.write(file, x);
      FlatIndex loaded = FlatIndex.builder(dim).metric(StandardMetric.COSINE).threads(threads)
          .build();
      loaded.addAll(0, x);
      x = null;
      FlatIndex mapped = FlatIndex.map(file, StandardMetric.COSINE, threads);
      float[][] one = Arrays.copyOf(queries, single);
      float[][] many = Arrays.copyOf(queries, batch);
      // Same answers, and the JIT warmed on both paths.
      if (!loaded.searchAll(many, 10).equals(mapped.searchAll(many, 10))) {
        throw new IllegalStateException("the mapped index answered differently");
      }
      List<double[]> ratios = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        double[][] qps = new double[2][];
        for (int turn = 0; turn < 2; turn++) {
          int which = (round + turn) % 2;
          FlatIndex index = which == 0 ? loaded : mapped;
          long t0 = System.nanoTime();
          for (float[] q : one) {
            List<Neighbor> hits = index.search(q, 10);
            if (hits.size() != 10) {
              throw new IllegalStateException();
            }
          }
          double singleQps = one.length / ((System.nanoTime() - t0) / 1e9);
          t0 = System.nanoTime();
          index.searchAll(many, 10);
          double batchQps = many.length / ((System.nanoTime() - t0) / 1e9);
          qps[which] = new double[] {singleQps, batchQps};
          System.out.printf(Locale.ROOT, "{\"round\": %d, \"index\": \"%s\", \"rows\": %d,"
              + " \"dim\": %d, \"threads\": %d, \"single_qps\": %.1f, \"batch_qps\": %.1f}%n",
              round, which == 0 ? "loaded" : "mapped", rows, dim, threads, singleQps, batchQps);
        }
        ratios.add(new double[] {qps[1][0] / qps[0][0], qps[1][1] / qps[0][1]});
      }
      System.out.printf(Locale.ROOT, "{\"median_mapped_over_loaded\": {\"single\": %.3f,"
          + " \"batch\": %.3f}, \"file_bytes\": %d}%n", median(ratios, 0), median(ratios, 1),
          Files.size(file));
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static double median(List<double[]> ratios, int column) {
    double[] v = ratios.stream().mapToDouble(a -> a[column]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
