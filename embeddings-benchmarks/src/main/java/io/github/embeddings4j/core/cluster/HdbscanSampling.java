package io.github.embeddings4j.core.cluster;

import io.github.embeddings4j.core.data.RowSample;
import io.github.embeddings4j.core.eval.ClusteringAgreement;
import io.github.embeddings4j.core.io.MappedNpy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * What fitting {@link Hdbscan} on a sample and placing the other rows ({@link Hdbscan.Model})
 * costs against clustering every row: on a float32 {@code .npy} file, HDBSCAN of all rows once,
 * then for each sample size a fit on that many rows (drawn with a seed; the options scaled by
 * {@link HdbscanOptions#forSample}, as the {@code cluster} command does) and a prediction of
 * every row; for each, the time, the clusters, the noise, the agreement with the whole fit
 * (adjusted Rand index and normalised mutual information, noise counted as one more cluster)
 * and, given the rows' classes (an IDX label file), the agreement with them. Not a test; the
 * figures are in {@code docs/reduce-and-cluster.md}.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp embeddings-benchmarks/target/benchmarks.jar \
 *   io.github.embeddings4j.core.cluster.HdbscanSampling train-pca50.npy 100 5000,10000,20000 \
 *   /usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz
 * </pre>
 *
 * <p>Arguments: the file, the minimum cluster size, the sample sizes (comma-separated), the
 * labels ({@code -} for none), the seeds per sample size (default 2), and {@code leaf} for
 * leaf selection.
 */
public final class HdbscanSampling {

  private HdbscanSampling() {}

  /**
   * Runs the measurement.
   *
   * @param args file, min cluster size, sample sizes, labels, seeds
   * @throws Exception if a file cannot be read
   */
  public static void main(String[] args) throws Exception {
    MappedNpy npy = MappedNpy.open(Path.of(args[0]));
    int mcs = Integer.parseInt(args[1]);
    int[] sizes = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
    int[] classes = args.length > 3 && !args[3].equals("-") ? HdbscanFigures.labels(Path.of(args[3])) : null;
    int seeds = args.length > 4 ? Integer.parseInt(args[4]) : 2;
    boolean leaves = args.length > 5 && args[5].equals("leaf");
    int n = npy.rows();
    int d = npy.dimension();
    float[] data = new float[n * d];
    npy.copy(0, n, data, 0);
    HdbscanOptions o = leaves ? HdbscanOptions.minClusterSize(mcs).withLeafSelection()
        : HdbscanOptions.minClusterSize(mcs);
    long t0 = System.nanoTime();
    Hdbscan.Result whole = Hdbscan.fit(data, n, d, o);
    double wholeSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "%d x %d, min cluster size %d%s%n", n, d, mcs,
        leaves ? ", leaves" : "");
    System.out.println("| fitted on | min cluster size | seed | clusters | noise | ARI with all"
        + " rows | NMI with all rows | NMI with classes | fit s | place s |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    System.out.printf(Locale.ROOT, "| all %d | %d | - | %d | %.1f%% | 1 | 1 | %s | %.1f | - |%n",
        n, mcs, whole.clusterCount(), 100.0 * whole.noiseCount() / n, classes == null ? "-"
            : String.format(Locale.ROOT, "%.3f",
                ClusteringAgreement.normalizedMutualInformation(classes, whole.labels())),
        wholeSeconds);
    for (int m : sizes) {
      for (int s = 0; s < seeds; s++) {
        int[] picked = RowSample.indices(n, m, 100 + s);
        float[] rows = new float[m * d];
        for (int t = 0; t < m; t++) {
          System.arraycopy(data, picked[t] * d, rows, t * d, d);
        }
        HdbscanOptions scaled = o.forSample(m, n);
        long a = System.nanoTime();
        Hdbscan.Model model = Hdbscan.fitModel(rows, m, d, scaled);
        long b = System.nanoTime();
        int[] labels = new int[n];
        int batch = 8192;
        for (int from = 0; from < n; from += batch) {
          int to = Math.min(n, from + batch);
          int[] part = model.predict(Arrays.copyOfRange(data, from * d, to * d), to - from)
              .labels();
          System.arraycopy(part, 0, labels, from, to - from);
        }
        for (int t = 0; t < m; t++) {
          labels[picked[t]] = model.result().labels()[t];
        }
        long c = System.nanoTime();
        long noise = Arrays.stream(labels).filter(l -> l < 0).count();
        System.out.printf(Locale.ROOT, "| %d | %d | %d | %d | %.1f%% | %.3f | %.3f | %s | %.1f |"
            + " %.1f |%n", m, scaled.minClusterSize(), 100 + s, model.result().clusterCount(),
            100.0 * noise / n,
            ClusteringAgreement.adjustedRandIndex(whole.labels(), labels),
            ClusteringAgreement.normalizedMutualInformation(whole.labels(), labels),
            classes == null ? "-" : String.format(Locale.ROOT, "%.3f",
                ClusteringAgreement.normalizedMutualInformation(classes, labels)),
            (b - a) / 1e9, (c - b) / 1e9);
      }
    }
  }
}
