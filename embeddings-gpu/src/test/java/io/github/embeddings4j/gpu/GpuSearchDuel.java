package io.github.embeddings4j.gpu;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.FlatIndex;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The GPU index on random unit vectors, timed the way the PyTorch peer
 * ({@code embeddings-benchmarks/bin/gpu_knn_torch.py}) is: a whole batch of queries, median of
 * rounds after a warm-up. For each storage it prints one JSON line with the median seconds, the
 * GPU part's median, queries per second, and how the answers compare with the CPU's exact
 * {@link FlatIndex} on a sample of queries and with the first storage's answers (recall@k).
 * Its rounds alternate the default search with the one-piece search (no pipeline) and with the
 * selection kernel's plain scan (no sampled threshold), checks that all three answer alike, and
 * reports the paired ratios.
 *
 * <pre>
 * java -Xmx40g --add-modules jdk.incubator.vector -cp ... io.github.embeddings4j.gpu.GpuSearchDuel \
 *     --rows 1000000 --dim 512 --queries 10000 --k 10 --rounds 5 \
 *     --storages float32,float16 --check 50 [--out results.jsonl]
 * </pre>
 *
 * Not a unit test: it needs a GPU and minutes; scripts/gpu-check.sh runs it.
 */
public final class GpuSearchDuel {

  private GpuSearchDuel() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> a = new HashMap<>(Map.of("--rows", "1000000", "--dim", "512",
        "--queries", "10000", "--k", "10", "--rounds", "5", "--storages", "float32,float16",
        "--check", "50", "--metric", "dot", "--seed", "42"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!a.containsKey(args[i]) && !args[i].equals("--out")) {
        throw new IllegalArgumentException("unknown option " + args[i] + "; options: "
            + a.keySet() + ", --out");
      }
      a.put(args[i], args[i + 1]);
    }
    int n = Integer.parseInt(a.get("--rows"));
    int d = Integer.parseInt(a.get("--dim"));
    int nq = Integer.parseInt(a.get("--queries"));
    int k = Integer.parseInt(a.get("--k"));
    int rounds = Integer.parseInt(a.get("--rounds"));
    int check = Integer.parseInt(a.get("--check"));
    long seed = Long.parseLong(a.get("--seed"));
    StandardMetric metric = StandardMetric.fromName(a.get("--metric"));
    PrintStream out = a.containsKey("--out") ? new PrintStream(Files.newOutputStream(
        Path.of(a.get("--out")), StandardOpenOption.CREATE, StandardOpenOption.APPEND), true,
        StandardCharsets.UTF_8) : null;

    long t0 = System.nanoTime();
    FlatIndex host = FlatIndex.builder(d).metric(metric).build();
    int chunk = 65_536;
    for (int r0 = 0; r0 < n; r0 += chunk) {
      int rows = Math.min(chunk, n - r0);
      host.addAll(r0, unitVectors(seed + r0, rows, d));
    }
    float[][] queries = unitVectors(seed - 1, nq, d);
    System.err.printf(Locale.ROOT, "data: %,d x %d unit vectors and %,d queries in %.1f s%n", n,
        d, nq, (System.nanoTime() - t0) / 1e9);
    GpuDevice device = GpuDevice.get(0);
    System.err.println("GPU: " + device);

    List<List<Neighbor>> reference = null;
    String referenceStorage = null;
    int[] sample = IntStream.range(0, Math.min(check, nq)).map(i -> (int) ((long) i * nq
        / Math.max(1, Math.min(check, nq)))).toArray();
    List<List<Neighbor>> cpuSample = null;
    for (String name : a.get("--storages").split(",")) {
      Storage storage = Storage.valueOf(name.trim().toUpperCase(Locale.ROOT));
      List<List<Neighbor>> answers;
      // Rounds alternate the pipelined search (chunks overlapping the CPU's exact measuring)
      // with the one-piece search and with the selection kernel's plain scan (no sampled
      // threshold), so that each is compared with the default side by side.
      double[] seconds = new double[rounds];
      double[] gpuSeconds = new double[rounds];
      double[] onePiece = new double[rounds];
      double[] plainScan = new double[rounds];
      double[] plainScanGpu = new double[rounds];
      double warm;
      try (GpuFlatIndex gpu = GpuFlatIndex.on(host, GpuOptions.defaults().storage(storage))) {
        long w = System.nanoTime();
        answers = gpu.searchAll(queries, k);
        warm = (System.nanoTime() - w) / 1e9;
        for (int r = 0; r < rounds; r++) {
          long g = gpu.gpuNanos();
          long s = System.nanoTime();
          answers = gpu.searchAll(queries, k);
          seconds[r] = (System.nanoTime() - s) / 1e9;
          gpuSeconds[r] = (gpu.gpuNanos() - g) / 1e9;
          onePiece[r] = timedWithout(GpuFlatIndex.PIPELINE_PROPERTY, gpu, queries, k, answers,
              "the pipelined and one-piece answers differ")[0];
          double[] plain = timedWithout(GpuFlatIndex.FILTER_PROPERTY, gpu, queries, k, answers,
              "the answers with and without the selection kernel's sampled threshold differ");
          plainScan[r] = plain[0];
          plainScanGpu[r] = plain[1];
        }
      }
      if (cpuSample == null && sample.length > 0) {
        // One query at a time: FlatIndex's exact scan on the CPU (the GPU index is closed).
        long c = System.nanoTime();
        cpuSample = new ArrayList<>();
        for (int q : sample) {
          cpuSample.add(host.search(queries[q], k));
        }
        System.err.printf(Locale.ROOT, "CPU check of %d queries in %.1f s%n", sample.length,
            (System.nanoTime() - c) / 1e9);
      }
      int sameAsCpu = 0;
      for (int i = 0; i < sample.length; i++) {
        if (cpuSample.get(i).equals(answers.get(sample[i]))) {
          sameAsCpu++;
        }
      }
      double recall = reference == null ? 1.0 : recall(reference, answers);
      if (reference == null) {
        reference = answers;
        referenceStorage = storage.name().toLowerCase(Locale.ROOT);
      }
      double median = median(seconds);
      String json = String.format(Locale.ROOT, "{\"peer\": \"embeddings4j\", \"storage\":"
          + " \"%s\", \"rows\": %d, \"dim\": %d, \"queries\": %d, \"k\": %d, \"metric\": \"%s\","
          + " \"rerank\": %d, \"rounds\": %d, \"seconds_median\": %.4f, \"seconds\": %s,"
          + " \"gpu_seconds_median\": %.4f, \"one_piece_seconds_median\": %.4f,"
          + " \"pipelined_over_one_piece\": %.3f, \"plain_scan_seconds_median\": %.4f,"
          + " \"plain_scan_gpu_seconds_median\": %.4f, \"filtered_over_plain_scan\": %.3f,"
          + " \"filtered_over_plain_scan_gpu\": %.3f, \"warmup_seconds\": %.3f, \"qps\": %.0f,"
          + " \"same_as_cpu\": \"%d/%d\", \"recall_vs_%s\": %.6f, \"gpu\": \"%s\"}",
          storage.name().toLowerCase(Locale.ROOT), n, d, nq, k, metric, GpuOptions.defaults()
              .storage(storage).effectiveRerank(), rounds, median, Arrays.toString(seconds),
          median(gpuSeconds), median(onePiece), pairedRatio(seconds, onePiece),
          median(plainScan), median(plainScanGpu), pairedRatio(seconds, plainScan),
          pairedRatio(gpuSeconds, plainScanGpu), warm,
          nq / median, sameAsCpu, sample.length, referenceStorage, recall,
          device.name());
      System.out.println(json);
      if (out != null) {
        out.println(json);
      }
    }
    if (out != null) {
      out.close();
    }
  }

  /**
   * One search with {@code property} set to "false": its seconds and its GPU part's seconds.
   * It must answer as {@code expected}, or this throws with {@code differ}.
   */
  private static double[] timedWithout(String property, GpuFlatIndex gpu, float[][] queries,
      int k, List<List<Neighbor>> expected, String differ) {
    System.setProperty(property, "false");
    try {
      long g = gpu.gpuNanos();
      long s = System.nanoTime();
      List<List<Neighbor>> answers = gpu.searchAll(queries, k);
      double[] seconds = {(System.nanoTime() - s) / 1e9, (gpu.gpuNanos() - g) / 1e9};
      if (!answers.equals(expected)) {
        throw new IllegalStateException(differ);
      }
      return seconds;
    } finally {
      System.clearProperty(property);
    }
  }

  /** Gaussian vectors scaled to length 1, one seeded generator per call. */
  static float[][] unitVectors(long seed, int n, int d) {
    float[][] v = new float[n][];
    IntStream.range(0, n).parallel().forEach(i -> {
      SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + i);
      float[] row = new float[d];
      double sq = 0;
      for (int j = 0; j < d; j++) {
        double g = rnd.nextGaussian();
        row[j] = (float) g;
        sq += g * g;
      }
      float inv = (float) (1 / Math.sqrt(sq));
      for (int j = 0; j < d; j++) {
        row[j] *= inv;
      }
      v[i] = row;
    });
    return v;
  }

  /** The mean share of the reference's ids that the answer found. */
  static double recall(List<List<Neighbor>> reference, List<List<Neighbor>> answer) {
    long found = 0;
    long total = 0;
    for (int q = 0; q < reference.size(); q++) {
      Set<Long> ids = new HashSet<>();
      reference.get(q).forEach(x -> ids.add(x.id()));
      for (Neighbor x : answer.get(q)) {
        if (ids.contains(x.id())) {
          found++;
        }
      }
      total += reference.get(q).size();
    }
    return total == 0 ? 1.0 : (double) found / total;
  }

  /** The median of a[i] / b[i]. */
  static double pairedRatio(double[] a, double[] b) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] / b[i];
    }
    return median(r);
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2]
        : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
