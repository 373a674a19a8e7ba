package io.github.embeddings4j.core.cluster;

import io.github.embeddings4j.core.io.MappedNpy;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One search over cluster counts ({@link KMeansSearch}) on a float32 {@code .npy} file, timed,
 * for {@code bin/cluster_count_bench.py} to run side by side with scikit-learn's
 * {@code KMeans} and {@code silhouette_score}. Prints the table to stderr and one JSON line to
 * stdout: the chosen count, each count's silhouette, and the seconds for the whole search, the
 * pairwise distances, and the k-means fits. Not a test.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp embeddings-benchmarks/target/benchmarks.jar \
 *   io.github.embeddings4j.core.cluster.ClusterCountFigures data.npy 2 20 4096 100
 * </pre>
 *
 * <p>Arguments: the file, the fewest and most clusters, the silhouette sample, the iteration
 * limit (seed 42).
 */
public final class ClusterCountFigures {

  private ClusterCountFigures() {}

  /**
   * Runs one search.
   *
   * @param args file, min, max, sample, iterations
   * @throws Exception if the file cannot be read
   */
  public static void main(String[] args) throws Exception {
    MappedNpy npy = MappedNpy.open(Path.of(args[0]));
    int min = Integer.parseInt(args[1]);
    int max = Integer.parseInt(args[2]);
    int sample = Integer.parseInt(args[3]);
    int iterations = Integer.parseInt(args[4]);
    int n = npy.rows();
    int d = npy.dimension();
    float[] data = new float[n * d];
    npy.copy(0, n, data, 0);
    long t0 = System.nanoTime();
    KMeansSearch.Result r = KMeansSearch.run(data, n, d, min, max,
        KMeansOptions.clusters(min).withSeed(42).withMaxIterations(iterations), sample);
    double total = (System.nanoTime() - t0) / 1e9;
    // The distances alone, as the search computed them (same sample).
    int[] rows = KMeansSearch.sampleRows(n, Math.min(n, sample), 42);
    float[] points = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(data, rows[i] * d, points, i * d, d);
    }
    long t1 = System.nanoTime();
    Silhouette.of(points, rows.length, d);
    double distances = (System.nanoTime() - t1) / 1e9;
    System.err.print(r.toMarkdown());
    StringBuilder json = new StringBuilder(String.format(Locale.ROOT,
        "{\"tool\": \"embeddings4j\", \"n\": %d, \"d\": %d, \"sample\": %d, \"best\": %d,"
            + " \"seconds\": %.3f, \"distance_seconds\": %.3f, \"silhouettes\": {", n, d,
        r.sample(), r.best().clusters(), total, distances));
    for (int i = 0; i < r.trials().size(); i++) {
      KMeansSearch.Trial t = r.trials().get(i);
      json.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "\"%d\": %.5f",
          t.clusters(), t.silhouette()));
    }
    System.out.println(json.append("}}"));
  }
}
