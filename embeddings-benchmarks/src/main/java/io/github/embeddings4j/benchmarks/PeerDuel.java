package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.search.FlatIndex;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Our side of {@code bin/peers.py}: a warm JVM that runs one timed operation per command read
 * from standard input, so that the Python script can alternate rounds of ours with rounds of
 * FAISS and scikit-learn in one run on the same data (median of paired ratios). Each answer is
 * one JSON line on standard output; logging goes to standard error.
 *
 * <p>Commands, one per line:
 *
 * <ul>
 *   <li>{@code load NAME FILE.npy} holds a float matrix under a name;
 *   <li>{@code kmeans NAME K ITERATIONS SEED THREADS}: k-means++ then exactly {@code
 *       ITERATIONS} Lloyd iterations (tolerance 0), answering seconds, inertia and iterations;
 *   <li>{@code search BASE QUERIES K METRIC THREADS}: {@code FlatIndex.searchAll} of every query
 *       (the index is built once per base, metric and threads, outside the timing), answering
 *       seconds and a checksum of the neighbour ids;
 *   <li>{@code quit}.
 * </ul>
 */
public final class PeerDuel {

  private PeerDuel() {}

  /**
   * Runs the command loop.
   *
   * @param args none
   * @throws IOException if standard input or a file cannot be read
   */
  public static void main(String[] args) throws IOException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    System.setOut(System.err); // anything a library prints stays out of the answers
    Map<String, float[][]> matrices = new HashMap<>();
    Map<String, FlatIndex> indexes = new HashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    out.println("{\"ready\": true}");
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.trim().split("\\s+");
      try {
        switch (w[0]) {
          case "load" -> {
            float[][] m = Npy.read(Path.of(w[2]));
            matrices.put(w[1], m);
            out.printf(Locale.ROOT, "{\"rows\": %d, \"dimension\": %d}%n", m.length, m[0].length);
          }
          case "kmeans" -> out.println(kmeans(matrices.get(w[1]), Integer.parseInt(w[2]),
              Integer.parseInt(w[3]), Long.parseLong(w[4]), Integer.parseInt(w[5])));
          case "search" -> {
            StandardMetric metric = StandardMetric.valueOf(w[4]);
            int threads = Integer.parseInt(w[5]);
            FlatIndex index = indexes.computeIfAbsent(w[1] + " " + metric + " " + threads, key -> {
              float[][] base = matrices.get(w[1]);
              FlatIndex built = FlatIndex.builder(base[0].length).metric(metric).threads(threads)
                  .build();
              built.addAll(0, base);
              return built;
            });
            out.println(search(index, matrices.get(w[2]), Integer.parseInt(w[3])));
          }
          case "quit" -> {
            return;
          }
          default -> out.println("{\"error\": \"unknown command " + w[0] + "\"}");
        }
      } catch (RuntimeException e) {
        out.println("{\"error\": \"" + String.valueOf(e).replace('"', '\'') + "\"}");
      }
    }
  }

  private static String kmeans(float[][] rows, int k, int iterations, long seed, int threads) {
    int d = rows[0].length;
    float[] data = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, data, i * d, d);
    }
    KMeansOptions options = KMeansOptions.clusters(k).withSeed(seed)
        .withMaxIterations(iterations).withTolerance(0).withThreads(threads);
    long t0 = System.nanoTime();
    KMeans km = KMeans.fit(data, rows.length, d, options);
    double seconds = (System.nanoTime() - t0) / 1e9;
    return String.format(Locale.ROOT,
        "{\"seconds\": %.6f, \"inertia\": %.9g, \"iterations\": %d}", seconds, km.inertia(),
        km.iterations());
  }

  private static String search(FlatIndex index, float[][] queries, int k) {
    long t0 = System.nanoTime();
    List<List<Neighbor>> result = index.searchAll(queries, k);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long checksum = 0;
    for (List<Neighbor> list : result) {
      for (Neighbor nb : list) {
        checksum = checksum * 31 + nb.id();
      }
    }
    return String.format(Locale.ROOT, "{\"seconds\": %.6f, \"checksum\": %d}", seconds, checksum);
  }
}
