package io.github.embeddings4j.core.reduce;

import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.cluster.KMeansProbe;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dimensionalityreduction.PCA;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The figures of docs/reduce-and-cluster.md, measured on Fashion-MNIST: PCA fit time (ours with
 * either covariance path against ND4J's {@code PCA.pca_factor}), explained variance, kNN accuracy
 * after PCA to 50 components, binary-code kNN, and the k-means assignment step with both
 * strategies. A measuring tool of the benchmarks module, not part of the library; its
 * brute-force kNN is local to it. Run it from benchmarks.jar with the command in
 * docs/reduce-and-cluster.md. Arguments: {@code [repeats]} (default 3) for the timed PCA fits.
 */
public final class ReduceAndClusterFigures {

  private ReduceAndClusterFigures() {}

  /**
   * Prints the tables.
   *
   * @param args {@code [repeats]}
   * @throws Exception if the data cannot be read
   */
  public static void main(String[] args) throws Exception {
    int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Locale.setDefault(Locale.ROOT);
    System.out.printf("java %s, %d processors, max heap %d MiB%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    FashionMnist.Split split = FashionMnist.load(FashionMnist.defaultDirectory());
    LabeledImages trainImages = split.train();
    LabeledImages testImages = split.test();
    int d = trainImages.pixelCount();
    int n = trainImages.size();
    int m = testImages.size();
    float[] train = flat(trainImages);
    float[] test = flat(testImages);
    int[] trainLabels = trainImages.labels();
    int[] testLabels = testImages.labels();
    System.out.printf("Fashion-MNIST: %d train, %d test, %d pixels (0-255)%n%n", n, m, d);

    // --- PCA fit time: ours (BLAS covariance), ours (Java covariance), ND4J's SVD-based PCA.
    Nd4j.create(new float[] {1, 2, 3, 4}, new long[] {2, 2}, 'c').mmul(Nd4j.eye(2)); // load natives
    double[] ours = new double[repeats];
    double[] oursNd4j = new double[repeats];
    double[] nd4j = new double[repeats];
    Pca pca = null;
    INDArray nd4jFactor = null;
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      pca = Pca.fit(train, n, d, PcaOptions.components(d), Pca.Engine.OPENBLAS);
      ours[r] = seconds(t0);
      long tn = System.nanoTime();
      Pca.fit(train, n, d, PcaOptions.components(d), Pca.Engine.ND4J);
      oursNd4j[r] = seconds(tn);
      // pca_factor centres its argument in place and needs column-major input (see PcaTest).
      try (INDArray a = Nd4j.create(train, new long[] {n, d}, 'c').dup('f')) {
        long t1 = System.nanoTime();
        INDArray f = PCA.pca_factor(a, 50, true);
        nd4j[r] = seconds(t1);
        if (nd4jFactor != null) {
          nd4jFactor.close();
        }
        nd4jFactor = f;
      }
      System.out.printf("  run %d: ours %.2f s, ours on ND4J %.2f s, ND4J pca_factor %.2f s%n",
          r + 1, ours[r], oursNd4j[r], nd4j[r]);
    }
    long tj = System.nanoTime();
    Pca javaCov = Pca.fit(train, n, d, PcaOptions.components(50), Pca.Engine.JAVA);
    double javaSeconds = seconds(tj);
    System.out.printf("PCA fit, 60,000 x 784, all components:%n");
    System.out.printf("  ours (OpenBLAS ssyrk covariance + dsyevd, the default), median of %d: "
        + "%.2f s%n", repeats, median(ours));
    System.out.printf("  ours (ND4J gemm covariance + ND4J dsyev, the fallback), median of %d: "
        + "%.2f s%n", repeats, median(oursNd4j));
    System.out.printf("  ours (plain-Java covariance + dsyev), once: %.2f s%n", javaSeconds);
    System.out.printf("  ND4J PCA.pca_factor(A, 50, true) (sgesvd), median of %d: %.2f s%n",
        repeats, median(nd4j));
    System.out.printf("  ratio ND4J / ours: %.1fx%n", median(nd4j) / median(ours));
    double minCos = 1;
    int worst = -1;
    float[][] comps = pca.components();
    for (int i = 0; i < 50; i++) {
      double c = absCos(comps[i], nd4jFactor.getColumn(i).toDoubleVector());
      if (c < minCos) {
        minCos = c;
        worst = i;
      }
    }
    double maxJavaDiff = 0;
    for (int i = 0; i < 50; i++) {
      maxJavaDiff = Math.max(maxJavaDiff, 1 - absCos(javaCov.components()[i],
          toDouble(comps[i])));
    }
    System.out.printf("  agreement with ND4J, first 50 components: min |cos| %.6f (component %d)%n",
        minCos, worst);
    System.out.printf("  agreement of the two covariance paths: max 1-|cos| %.2e%n%n", maxJavaDiff);

    // The eigensolvers alone, on the 784 x 784 covariance.
    double[] mean = new double[d];
    float[] pcaMean = pca.mean();
    for (int j = 0; j < d; j++) {
      mean[j] = pcaMean[j];
    }
    double[] cov = Pca.covariance(train, n, d, mean, Pca.Engine.OPENBLAS);
    double[] dsyevd = new double[repeats];
    double[] dsyev = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long te = System.nanoTime();
      SymmetricEigen.of(cov, d, true);
      dsyevd[r] = seconds(te);
      te = System.nanoTime();
      SymmetricEigen.of(cov, d, false);
      dsyev[r] = seconds(te);
    }
    System.out.printf("Eigendecomposition of the 784 x 784 covariance, median of %d: OpenBLAS "
        + "dsyevd %.2f s, ND4J dsyev %.2f s (%.1fx)%n%n", repeats, median(dsyevd), median(dsyev),
        median(dsyev) / median(dsyevd));

    double[] ratio = pca.explainedVarianceRatio();
    System.out.printf("Explained variance: 50 components %.4f, 128 components %.4f; "
        + "0.95 needs %d components, 0.99 needs %d%n%n", sum(ratio, 50), sum(ratio, 128),
        Pca.fit(train, n, d, PcaOptions.varianceFraction(0.95)).outputDimension(),
        Pca.fit(train, n, d, PcaOptions.varianceFraction(0.99)).outputDimension());

    // --- PCA-50 then k=5 Euclidean distance-weighted kNN.
    long t2 = System.nanoTime();
    Pca pca50 = pca.withComponents(50);
    float[] train50 = pca50.reduceAll(train, n);
    float[] test50 = pca50.reduceAll(test, m);
    double reduceSeconds = seconds(t2);
    long t3 = System.nanoTime();
    int[] predicted = knnEuclideanWeighted(train50, trainLabels, n, test50, m, 50, 5);
    double knnSeconds = seconds(t3);
    System.out.printf("PCA-50 + kNN (k=5, Euclidean, distance-weighted): accuracy %.4f "
        + "(scikit-learn 0.8600); reduce %.2f s, kNN %.2f s%n", accuracy(predicted, testLabels),
        reduceSeconds, knnSeconds);

    // --- Binary codes, 128 bits: kNN by Hamming distance with majority votes.
    for (String which : new String[] {"PCA-128 + median thresholds", "SimHash 128 on PCA-128"}) {
      long t4 = System.nanoTime();
      BinaryEncoder enc;
      Pca pca128 = pca.withComponents(128);
      if (which.startsWith("PCA")) {
        float[][] rows = rows(train, n, d);
        enc = ThresholdBinarizer.fit(rows, ThresholdBinarizer.Threshold.MEDIAN, pca128);
      } else {
        enc = SimHash.create(128, 128, 1);
      }
      long[] trainCodes = which.startsWith("PCA") ? enc.encodeAll(train, n)
          : enc.encodeAll(pca128.reduceAll(train, n), n);
      long[] testCodes = which.startsWith("PCA") ? enc.encodeAll(test, m)
          : enc.encodeAll(pca128.reduceAll(test, m), m);
      double encodeSeconds = seconds(t4);
      long t5 = System.nanoTime();
      int[] pred = knnHamming(trainCodes, trainLabels, n, testCodes, m, enc.words(), 5);
      System.out.printf("%s: kNN (k=5, Hamming, majority) accuracy %.4f; encode %.2f s, "
          + "kNN %.2f s%n", which, accuracy(pred, testLabels), encodeSeconds, seconds(t5));
    }
    System.out.println();

    // --- k-means on PCA-128 of the training set.
    float[] train128 = pca.withComponents(128).reduceAll(train, n);
    float[][] rows128 = rows(train128, n, 128);
    int threads = Runtime.getRuntime().availableProcessors();
    for (int k : new int[] {10, 32, 100}) {
      float[][] init = Arrays.copyOf(rows128, k);
      int[] javaLabels = new int[n];
      int[] blasLabels = new int[n];
      double java = KMeansProbe.assignSeconds(rows128, init, false, threads, 5, javaLabels);
      double blas = KMeansProbe.assignSeconds(rows128, init, true, threads, 5, blasLabels);
      int differ = 0;
      for (int i = 0; i < n; i++) {
        differ += javaLabels[i] != blasLabels[i] ? 1 : 0;
      }
      System.out.printf("k-means assignment step, 60,000 x 128, k=%d, %d threads: Java %.1f ms, "
          + "ND4J gemm %.1f ms (ratio %.1fx; %d labels differ by rounding); default: %s%n", k,
          threads, java * 1e3, blas * 1e3, java / blas, differ,
          KMeansProbe.defaultStrategy(k, 128));
    }
    for (int k : new int[] {10, 100}) {
      for (boolean blas : new boolean[] {false, true}) {
        long t6 = System.nanoTime();
        KMeans km = KMeansProbe.fit(rows128, KMeansOptions.clusters(k).withSeed(0), blas);
        double s = seconds(t6);
        System.out.printf("k-means fit k=%d (%s assignment): %.2f s, %d iterations "
            + "(%.1f ms per iteration incl. seeding), converged %s, inertia %.6g%n", k,
            blas ? "gemm" : "Java", s, km.iterations(), 1e3 * s / km.iterations(),
            km.converged(), km.inertia());
      }
    }
  }

  /**
   * Brute-force k nearest neighbours by Euclidean distance with scikit-learn's distance
   * weighting (weight 1/d; exact matches, if any, take all the weight). Candidates come from
   * a matrix product; the best 2k are re-ranked with exact double-precision distances.
   */
  static int[] knnEuclideanWeighted(float[] train, int[] trainLabels, int n, float[] test, int m,
      int d, int k) {
    int classes = Arrays.stream(trainLabels).max().getAsInt() + 1;
    float[] trainNorms = norms(train, n, d);
    int[] out = new int[m];
    int block = 512;
    int candidates = 2 * k;
    try (INDArray t = Nd4j.create(train, new long[] {n, d}, 'c')) {
      INDArray tt = t.transpose();
      for (int start = 0; start < m; start += block) {
        int size = Math.min(block, m - start);
        float[] dots;
        try (INDArray q = Nd4j.create(Arrays.copyOfRange(test, start * d, (start + size) * d),
                new long[] {size, d}, 'c');
            INDArray prod = Nd4j.createUninitialized(DataType.FLOAT, new long[] {size, n}, 'c')) {
          q.mmul(tt, prod);
          dots = prod.data().asFloat();
        }
        int base = start;
        java.util.stream.IntStream.range(0, size).parallel().forEach(r -> {
          int[] idx = new int[candidates];
          float[] best = new float[candidates];
          Arrays.fill(best, Float.POSITIVE_INFINITY);
          for (int i = 0; i < n; i++) {
            float dist = trainNorms[i] - 2 * dots[r * n + i];
            if (dist < best[candidates - 1]) {
              int p = candidates - 1;
              while (p > 0 && best[p - 1] > dist) {
                best[p] = best[p - 1];
                idx[p] = idx[p - 1];
                p--;
              }
              best[p] = dist;
              idx[p] = i;
            }
          }
          int qi = base + r;
          double[] exact = new double[candidates];
          Integer[] order = new Integer[candidates];
          for (int c = 0; c < candidates; c++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
              double delta = (double) test[qi * d + j] - train[idx[c] * d + j];
              s += delta * delta;
            }
            exact[c] = Math.sqrt(s);
            order[c] = c;
          }
          Arrays.sort(order, (x, y) -> exact[x] != exact[y] ? Double.compare(exact[x], exact[y])
              : Integer.compare(idx[x], idx[y]));
          double[] votes = new double[classes];
          boolean exactMatch = exact[order[0]] == 0;
          for (int c = 0; c < k; c++) {
            double dist = exact[order[c]];
            if (exactMatch) {
              votes[trainLabels[idx[order[c]]]] += dist == 0 ? 1 : 0;
            } else {
              votes[trainLabels[idx[order[c]]]] += 1 / dist;
            }
          }
          out[qi] = argmax(votes);
        });
      }
    }
    return out;
  }

  /** Brute-force kNN by Hamming distance with majority votes (ties: nearest first). */
  static int[] knnHamming(long[] train, int[] trainLabels, int n, long[] test, int m, int words,
      int k) {
    int classes = Arrays.stream(trainLabels).max().getAsInt() + 1;
    int[] out = new int[m];
    java.util.stream.IntStream.range(0, m).parallel().forEach(q -> {
      int[] idx = new int[k];
      int[] best = new int[k];
      Arrays.fill(best, Integer.MAX_VALUE);
      for (int i = 0; i < n; i++) {
        int dist = 0;
        for (int w = 0; w < words; w++) {
          dist += Long.bitCount(train[i * words + w] ^ test[q * words + w]);
        }
        if (dist < best[k - 1]) {
          int p = k - 1;
          while (p > 0 && best[p - 1] > dist) {
            best[p] = best[p - 1];
            idx[p] = idx[p - 1];
            p--;
          }
          best[p] = dist;
          idx[p] = i;
        }
      }
      double[] votes = new double[classes];
      for (int c = 0; c < k; c++) {
        // A tiny preference for nearer neighbours breaks tied counts.
        votes[trainLabels[idx[c]]] += 1 + 1e-6 * (k - c);
      }
      out[q] = argmax(votes);
    });
    return out;
  }

  static int argmax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  static float[] norms(float[] x, int n, int d) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int j = 0; j < d; j++) {
        s += (double) x[i * d + j] * x[i * d + j];
      }
      out[i] = (float) s;
    }
    return out;
  }

  static double accuracy(int[] predicted, int[] truth) {
    int ok = 0;
    for (int i = 0; i < truth.length; i++) {
      ok += predicted[i] == truth[i] ? 1 : 0;
    }
    return (double) ok / truth.length;
  }

  static float[] flat(LabeledImages images) {
    int d = images.pixelCount();
    float[] out = new float[images.size() * d];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.vector(i), 0, out, i * d, d);
    }
    return out;
  }

  static float[][] rows(float[] flat, int n, int d) {
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
    }
    return out;
  }

  static double absCos(float[] a, double[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += b[i] * b[i];
    }
    return Math.abs(dot) / Math.sqrt(na * nb);
  }

  static double[] toDouble(float[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  static double sum(double[] v, int count) {
    double s = 0;
    for (int i = 0; i < count; i++) {
      s += v[i];
    }
    return s;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
