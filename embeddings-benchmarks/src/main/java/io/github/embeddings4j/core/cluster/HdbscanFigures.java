package io.github.embeddings4j.core.cluster;

import io.github.embeddings4j.core.data.IdxFile;
import io.github.embeddings4j.core.io.MappedNpy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Times {@link Hdbscan} on a float32 {@code .npy} file and, given the rows' class labels (an
 * IDX label file, gzipped or not), says how pure its clusters are: the share of clustered rows
 * whose cluster's most common class is their own. Several rounds in one process; the first is
 * a warm-up. Not a test; the figures are in {@code docs/reduce-and-cluster.md}.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp embeddings-benchmarks/target/benchmarks.jar \
 *   io.github.embeddings4j.core.cluster.HdbscanFigures data.npy 50 3 \
 *   /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
 * </pre>
 *
 * <p>Arguments: the file, the minimum cluster size, rounds, optionally the labels ({@code -}
 * for none) and {@code leaf} for leaf selection.
 */
public final class HdbscanFigures {

  private HdbscanFigures() {}

  /**
   * Runs the measurement.
   *
   * @param args file, min cluster size, rounds, labels
   * @throws Exception if a file cannot be read
   */
  public static void main(String[] args) throws Exception {
    MappedNpy npy = MappedNpy.open(Path.of(args[0]));
    int mcs = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int[] classes = args.length > 3 && !args[3].equals("-") ? labels(Path.of(args[3])) : null;
    boolean leaves = args.length > 4 && args[4].equals("leaf");
    int n = npy.rows();
    int d = npy.dimension();
    float[] data = new float[n * d];
    npy.copy(0, n, data, 0);
    for (int round = 0; round <= rounds; round++) {
      long t0 = System.nanoTime();
      HdbscanOptions o = HdbscanOptions.minClusterSize(mcs);
      Hdbscan.Result r = Hdbscan.fit(data, n, d, leaves ? o.withLeafSelection() : o);
      double seconds = (System.nanoTime() - t0) / 1e9;
      String purity = "";
      if (classes != null) {
        int[][] counts = new int[r.clusterCount()][256];
        for (int i = 0; i < n; i++) {
          if (r.labels()[i] >= 0) {
            counts[r.labels()[i]][classes[i]]++;
          }
        }
        int majority = 0;
        for (int[] c : counts) {
          int m = 0;
          for (int v : c) {
            m = Math.max(m, v);
          }
          majority += m;
        }
        purity = String.format(Locale.ROOT, ", purity %.4f", (double) majority
            / (n - r.noiseCount()));
      }
      System.out.printf(Locale.ROOT, "%s %d x %d, min cluster size %d%s: %d clusters, %d noise"
          + " (%.1f%%)%s, %.2f s%n", round == 0 ? "warm-up" : "round " + round, n, d, mcs,
          leaves ? ", leaves" : "",
          r.clusterCount(), r.noiseCount(), 100.0 * r.noiseCount() / n, purity, seconds);
    }
  }

  /** The labels of an IDX label file, gzipped or not. */
  static int[] labels(Path file) throws IOException {
    IdxFile idx = IdxFile.read(file);
    int[] out = new int[idx.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = idx.get(i);
    }
    return out;
  }
}
