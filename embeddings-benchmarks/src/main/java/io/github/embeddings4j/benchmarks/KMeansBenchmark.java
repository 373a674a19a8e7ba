package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.reduce.Pca;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lloyd iterations of {@link KMeans} on 60,000 x 128 points: Fashion-MNIST's training images
 * projected on their first 128 principal components. Each call runs exactly {@code iterations}
 * iterations from the same seeded initial centroids (tolerance 0; the setup fails if the run
 * converged earlier), so time per iteration is the score divided by {@code iterations}. A call
 * also makes one final assignment and the inertia, so it holds {@code iterations + 1}
 * assignment passes of {@code 2 * n * k * d} FLOPs each, set beside the matrix-multiply rate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g"})
public class KMeansBenchmark {

  static {
    Facts.nativeBuild();
  }

  /** Clusters. */
  @Param({"10", "100"})
  public int k;

  /** Lloyd iterations per call. */
  @Param({"10"})
  public int iterations;

  /** Point dimension (principal components kept). */
  @Param({"128"})
  public int dimension;

  private float[] points;
  private int n;
  private float[][] initial;

  /** Projects the data, picks the initial centroids, and checks one run against Lloyd in double. */
  @Setup(Level.Trial)
  public void setUp() {
    float[] pixels = Datasets.fashionMnistTrain();
    n = Datasets.ROWS;
    Pca pca = Pca.fit(pixels, n, Datasets.PIXELS, Pca.keep(dimension));
    points = pca.reduceAll(pixels, n);
    initial = initialCentroids(points, n, dimension, k, 51);
    KMeans fit = fit();
    if (fit.iterations() != iterations || fit.converged()) {
      throw new IllegalStateException("k-means converged after " + fit.iterations()
          + " of " + iterations + " iterations; time per iteration would be wrong");
    }
    double expected = referenceInertia(points, n, dimension, initial, iterations);
    ResultCheck.requireClose("k-means inertia, k=" + k, expected, fit.inertia(), 1e-3);
  }

  /** {@code k} distinct seeded rows. */
  static float[][] initialCentroids(float[] data, int n, int d, int k, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] c = new float[k][];
    java.util.Set<Integer> used = new java.util.HashSet<>();
    for (int j = 0; j < k; j++) {
      int i;
      do {
        i = r.nextInt(n);
      } while (!used.add(i));
      c[j] = java.util.Arrays.copyOfRange(data, i * d, (i + 1) * d);
    }
    return c;
  }

  /**
   * Plain Lloyd in double precision from the same centroids: assign, move each centroid to its
   * points' mean (an empty cluster keeps its centroid), {@code iterations} times; then the
   * inertia of the final assignment.
   */
  static double referenceInertia(float[] data, int n, int d, float[][] init, int iterations) {
    int k = init.length;
    double[][] c = new double[k][d];
    for (int j = 0; j < k; j++) {
      for (int t = 0; t < d; t++) {
        c[j][t] = init[j][t];
      }
    }
    int[] label = new int[n];
    for (int it = 0; it <= iterations; it++) {
      double inertia = 0;
      for (int i = 0; i < n; i++) {
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < k; j++) {
          double s = squareDistance(data, i * d, c[j], d);
          if (s < best) {
            best = s;
            label[i] = j;
          }
        }
        inertia += best;
      }
      if (it == iterations) {
        return inertia;
      }
      double[][] sum = new double[k][d];
      int[] count = new int[k];
      for (int i = 0; i < n; i++) {
        count[label[i]]++;
        for (int t = 0; t < d; t++) {
          sum[label[i]][t] += data[i * d + t];
        }
      }
      for (int j = 0; j < k; j++) {
        if (count[j] > 0) {
          for (int t = 0; t < d; t++) {
            c[j][t] = sum[j][t] / count[j];
          }
        }
      }
    }
    throw new AssertionError("unreachable");
  }

  /** Four independent sums, so that a k = 100 reference takes seconds rather than a minute. */
  private static double squareDistance(float[] data, int off, double[] c, int d) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int t = 0;
    for (; t + 4 <= d; t += 4) {
      double e0 = data[off + t] - c[t];
      double e1 = data[off + t + 1] - c[t + 1];
      double e2 = data[off + t + 2] - c[t + 2];
      double e3 = data[off + t + 3] - c[t + 3];
      s0 += e0 * e0;
      s1 += e1 * e1;
      s2 += e2 * e2;
      s3 += e3 * e3;
    }
    for (; t < d; t++) {
      double e = data[off + t] - c[t];
      s0 += e * e;
    }
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * One k-means run of exactly {@code iterations} iterations.
   *
   * @return the clustering
   */
  @Benchmark
  public KMeans fit() {
    return KMeans.fit(points, n, dimension, KMeansOptions.clusters(k)
        .withInitialCentroids(initial).withMaxIterations(iterations).withTolerance(0));
  }
}
