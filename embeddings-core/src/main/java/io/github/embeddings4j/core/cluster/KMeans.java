package io.github.embeddings4j.core.cluster;

import io.github.embeddings4j.core.vector.VectorMath;
import io.github.embeddings4j.core.io.SdkFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A k-means clustering: {@code k} centroids learnt from data by Lloyd's algorithm from
 * k-means++ seeds, with the training data's assignments, inertia and iteration count. Immutable
 * and safe to share between threads; {@link #predict(float[])} assigns new vectors.
 *
 * <p>Fitting is seeded and repeatable: the same data, options and seed give the same centroids,
 * whatever the thread count. The assignment step runs on several threads (or through an ND4J
 * matrix product; docs/reduce-and-cluster.md has the measurements that chose between them). A
 * cluster left empty by an assignment is re-seeded with the point farthest from its own
 * centroid, so every cluster has at least one point when fitting ends on an update.
 *
 * <pre>{@code
 * KMeans km = KMeans.fit(vectors, KMeansOptions.clusters(10).withSeed(42));
 * int cluster = km.predict(vector);
 * double inertia = km.inertia();
 * }</pre>
 */
public final class KMeans {

  static final String KIND = "KMNS";
  static final int VERSION = 1;

  private final float[][] centroids;
  private final int[] assignments;
  private final double inertia;
  private final int iterations;
  private final boolean converged;

  private KMeans(float[][] centroids, int[] assignments, double inertia, int iterations,
      boolean converged) {
    this.centroids = centroids;
    this.assignments = assignments;
    this.inertia = inertia;
    this.iterations = iterations;
    this.converged = converged;
  }

  /**
   * Clusters vectors given as rows.
   *
   * @param rows the points, all of the same length, at least as many as clusters; not modified
   * @param options the cluster count and settings
   * @return the fitted clustering
   * @throws IllegalArgumentException if there are fewer points than clusters, lengths differ, a
   *     value is not finite, or the initial centroids do not fit the data
   */
  public static KMeans fit(float[][] rows, KMeansOptions options) {
    Objects.requireNonNull(rows, "rows");
    float[][] copy = new float[rows.length][];
    int d = rows.length > 0 ? rows[0].length : 0;
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != d) {
        throw new IllegalArgumentException(
            "row " + i + ": vector dimensions differ: " + rows[i].length + " != " + d);
      }
      copy[i] = rows[i].clone();
    }
    return fit(copy, d, options, defaultStrategy(options.clusterCount(), d));
  }

  /**
   * Clusters a contiguous row-major matrix.
   *
   * @param data {@code n * d} values, point {@code i} at {@code [i * d, (i + 1) * d)}; not
   *     modified
   * @param n the number of points, at least the cluster count
   * @param d the dimension, at least 1
   * @param options the cluster count and settings
   * @return the fitted clustering
   * @throws IllegalArgumentException if the sizes do not fit the array, there are fewer points
   *     than clusters, a value is not finite, or the initial centroids do not fit the data
   */
  public static KMeans fit(float[] data, int n, int d, KMeansOptions options) {
    Objects.requireNonNull(data, "data");
    if (n < 0 || d < 1 || (long) n * d != data.length) {
      throw new IllegalArgumentException(n + " points of dimension " + d + " need "
          + (long) n * d + " values, but the array holds " + data.length);
    }
    float[][] rows = new float[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = Arrays.copyOfRange(data, i * d, (i + 1) * d);
    }
    return fit(rows, d, options, defaultStrategy(options.clusterCount(), d));
  }

  /**
   * The assignment strategy measured faster for this shape (docs/reduce-and-cluster.md): the
   * matrix product pays once there are enough centroids to multiply.
   */
  static Assigner.Strategy defaultStrategy(int k, int d) {
    return (long) k * d >= BLAS_MIN_CENTROID_VALUES ? Assigner.Strategy.BLAS
        : Assigner.Strategy.JAVA;
  }

  /** Centroid values (k times d) from which the BLAS assignment is used. */
  static final long BLAS_MIN_CENTROID_VALUES = 4096;

  /** Fits with a chosen assignment strategy; {@code rows} are owned by the caller of this. */
  static KMeans fit(float[][] rows, int d, KMeansOptions options, Assigner.Strategy strategy) {
    Objects.requireNonNull(options, "options");
    int n = rows.length;
    int k = options.clusterCount();
    if (k > n) {
      throw new IllegalArgumentException(
          "k-means asked for " + k + " clusters but there are only " + n + " points");
    }
    if (d < 1) {
      throw new IllegalArgumentException("k-means needs a dimension of at least 1, got " + d);
    }
    checkAndMeanVariance(rows, d);
    // Data far from 1 in magnitude (beyond 2^40 or below 2^-20) is clustered scaled by a power
    // of two, which is exact, so that squared distances summed in float neither overflow nor
    // underflow; the centroids and inertia are scaled back at the end.
    int exponent = scaleExponent(rows);
    if (exponent != 0) {
      rows = scaled(rows, -exponent);
      options = options.initialCentroids() == null ? options
          : options.withInitialCentroids(scaled(options.initialCentroids(), -exponent));
    }
    double meanVariance = checkAndMeanVariance(rows, d);
    double tolerance = options.tolerance() * meanVariance;
    try (Assigner assigner = new Assigner(rows, d, options.threads(), strategy)) {
      float[][] centroids = options.initialCentroids() != null
          ? initialCentroids(options.initialCentroids(), d)
          : plusPlus(rows, k, new SplittableRandom(options.seed()), assigner);
      int[] labels = new int[n];
      int[] previous = null;
      float[] distances = new float[n];
      int iteration = 0;
      boolean converged = false;
      boolean labelsCurrent = false;
      while (iteration < options.maxIterations()) {
        iteration++;
        assigner.assign(centroids, labels, distances);
        if (previous != null && Arrays.equals(previous, labels)) {
          // Nothing moved: the centroids are already the means of these assignments.
          converged = true;
          labelsCurrent = true;
          break;
        }
        repairEmpty(labels, distances, k);
        float[][] next = means(rows, labels, k, d, centroids);
        double shift = 0;
        for (int j = 0; j < k; j++) {
          for (int t = 0; t < d; t++) {
            double delta = next[j][t] - centroids[j][t];
            shift += delta * delta;
          }
        }
        centroids = next;
        previous = previous == null ? labels.clone() : copyInto(labels, previous);
        if (shift <= tolerance) {
          converged = true;
          break;
        }
      }
      if (!labelsCurrent) {
        // Make the reported assignments those of the final centroids.
        assigner.assign(centroids, labels, distances);
      }
      double inertia = inertia(rows, labels, centroids, assigner);
      if (exponent != 0) {
        centroids = scaled(centroids, exponent);
        inertia = Math.scalb(inertia, 2 * exponent);
      }
      return new KMeans(centroids, labels, inertia, iteration, converged);
    }
  }

  /** 0 for data within [2^-20, 2^40] in magnitude (or all zero), else the largest's exponent. */
  static int scaleExponent(float[][] rows) {
    float max = 0f;
    for (float[] x : rows) {
      for (float v : x) {
        max = Math.max(max, Math.abs(v));
      }
    }
    if (max == 0f || (max >= 0x1p-20f && max <= 0x1p40f)) {
      return 0;
    }
    return Math.getExponent(max);
  }

  private static float[][] scaled(float[][] rows, int exponent) {
    float[][] out = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      out[i] = new float[rows[i].length];
      for (int t = 0; t < out[i].length; t++) {
        out[i][t] = Math.scalb(rows[i][t], exponent);
      }
    }
    return out;
  }

  private static int[] copyInto(int[] src, int[] dst) {
    System.arraycopy(src, 0, dst, 0, src.length);
    return dst;
  }

  private static double checkAndMeanVariance(float[][] rows, int d) {
    int n = rows.length;
    double[] mean = new double[d];
    double[] sq = new double[d];
    for (int i = 0; i < n; i++) {
      float[] x = rows[i];
      for (int t = 0; t < d; t++) {
        float v = x[t];
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException(
              "k-means data has a non-finite value " + v + " at row " + i + ", column " + t);
        }
        mean[t] += v;
      }
    }
    for (int t = 0; t < d; t++) {
      mean[t] /= n;
    }
    for (float[] x : rows) {
      for (int t = 0; t < d; t++) {
        double c = x[t] - mean[t];
        sq[t] += c * c;
      }
    }
    double total = 0;
    for (int t = 0; t < d; t++) {
      total += sq[t] / n;
    }
    return total / d;
  }

  private static float[][] initialCentroids(float[][] given, int d) {
    float[][] out = new float[given.length][];
    for (int j = 0; j < given.length; j++) {
      if (given[j].length != d) {
        throw new IllegalArgumentException("initial centroid " + j
            + ": vector dimensions differ: " + given[j].length + " != " + d);
      }
      for (float v : given[j]) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("initial centroid " + j + " has a non-finite value");
        }
      }
      out[j] = given[j].clone();
    }
    return out;
  }

  /**
   * k-means++ (Arthur and Vassilvitskii 2007): the first centre uniformly at random, each next
   * one with probability proportional to its squared distance from the nearest centre so far.
   */
  static float[][] plusPlus(float[][] rows, int k, SplittableRandom random, Assigner assigner) {
    int n = rows.length;
    float[][] centres = new float[k][];
    boolean[] chosen = new boolean[n];
    int first = random.nextInt(n);
    centres[0] = rows[first].clone();
    chosen[first] = true;
    double[] nearest = new double[n];
    assigner.parallel(n, (from, to) -> {
      for (int i = from; i < to; i++) {
        nearest[i] = VectorMath.squareDistance(rows[i], centres[0]);
      }
    });
    for (int c = 1; c < k; c++) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        total += nearest[i];
      }
      int pick = -1;
      if (total > 0) {
        double target = random.nextDouble() * total;
        double running = 0;
        for (int i = 0; i < n; i++) {
          running += nearest[i];
          if (running > target && nearest[i] > 0) {
            pick = i;
            break;
          }
        }
        if (pick < 0) {
          // Rounding left the target past the running sum: take the last point with weight.
          for (int i = n - 1; i >= 0; i--) {
            if (nearest[i] > 0) {
              pick = i;
              break;
            }
          }
        }
      } else {
        // Every point coincides with a centre already: take the next unused point.
        for (int i = 0; i < n; i++) {
          if (!chosen[i]) {
            pick = i;
            break;
          }
        }
      }
      chosen[pick] = true;
      float[] centre = rows[pick].clone();
      centres[c] = centre;
      assigner.parallel(n, (from, to) -> {
        for (int i = from; i < to; i++) {
          double dist = VectorMath.squareDistance(rows[i], centre);
          if (dist < nearest[i]) {
            nearest[i] = dist;
          }
        }
      });
    }
    return centres;
  }

  /**
   * Gives each empty cluster the point farthest from its own centroid (among clusters that
   * keep at least one point), in cluster order, so the repair is deterministic.
   */
  static void repairEmpty(int[] labels, float[] distances, int k) {
    int[] counts = new int[k];
    for (int label : labels) {
      counts[label]++;
    }
    for (int j = 0; j < k; j++) {
      if (counts[j] > 0) {
        continue;
      }
      int far = -1;
      for (int i = 0; i < labels.length; i++) {
        if (counts[labels[i]] > 1 && (far < 0 || distances[i] > distances[far])) {
          far = i;
        }
      }
      counts[labels[far]]--;
      labels[far] = j;
      counts[j] = 1;
      distances[far] = 0f;
    }
  }

  /** The mean of each cluster's points, summed in double in point order (deterministic). */
  private static float[][] means(float[][] rows, int[] labels, int k, int d, float[][] old) {
    double[][] sums = new double[k][d];
    int[] counts = new int[k];
    for (int i = 0; i < rows.length; i++) {
      double[] s = sums[labels[i]];
      float[] x = rows[i];
      for (int t = 0; t < d; t++) {
        s[t] += x[t];
      }
      counts[labels[i]]++;
    }
    float[][] out = new float[k][d];
    for (int j = 0; j < k; j++) {
      if (counts[j] == 0) {
        out[j] = old[j].clone(); // cannot happen after repairEmpty; kept for safety
        continue;
      }
      for (int t = 0; t < d; t++) {
        out[j][t] = (float) (sums[j][t] / counts[j]);
      }
    }
    return out;
  }

  private static double inertia(float[][] rows, int[] labels, float[][] centroids,
      Assigner assigner) {
    double[] perPoint = new double[rows.length];
    assigner.parallel(rows.length, (from, to) -> {
      for (int i = from; i < to; i++) {
        float[] x = rows[i];
        float[] c = centroids[labels[i]];
        double s = 0;
        for (int t = 0; t < x.length; t++) {
          double delta = x[t] - c[t];
          s += delta * delta;
        }
        perPoint[i] = s;
      }
    });
    double total = 0;
    for (double v : perPoint) {
      total += v;
    }
    return total;
  }

  /**
   * The number of clusters.
   *
   * @return k
   */
  public int clusterCount() {
    return centroids.length;
  }

  /**
   * The dimension of the points.
   *
   * @return the centroids' length
   */
  public int dimension() {
    return centroids[0].length;
  }

  /**
   * The centroids.
   *
   * @return a copy, {@link #clusterCount()} rows of length {@link #dimension()}
   */
  public float[][] centroids() {
    float[][] out = new float[centroids.length][];
    for (int j = 0; j < out.length; j++) {
      out[j] = centroids[j].clone();
    }
    return out;
  }

  /**
   * One centroid.
   *
   * @param cluster in {@code [0, clusterCount())}
   * @return a copy of its centroid
   */
  public float[] centroid(int cluster) {
    return centroids[Objects.checkIndex(cluster, centroids.length)].clone();
  }

  /**
   * The cluster of each training point, as of the final centroids.
   *
   * @return a copy, one label in {@code [0, clusterCount())} per training point, in order
   */
  public int[] assignments() {
    return assignments.clone();
  }

  /**
   * The number of training points in each cluster.
   *
   * @return a new array of {@link #clusterCount()} counts
   */
  public int[] clusterSizes() {
    int[] sizes = new int[centroids.length];
    for (int label : assignments) {
      sizes[label]++;
    }
    return sizes;
  }

  /**
   * The sum of squared distances from each training point to its centroid.
   *
   * @return the inertia
   */
  public double inertia() {
    return inertia;
  }

  /**
   * The Lloyd iterations run (each an assignment and, unless nothing changed, an update).
   *
   * @return at least 1
   */
  public int iterations() {
    return iterations;
  }

  /**
   * Whether fitting stopped on the tolerance or a stable assignment rather than the iteration
   * limit.
   *
   * @return {@code true} if converged
   */
  public boolean converged() {
    return converged;
  }

  /**
   * The cluster whose centroid is nearest (squared Euclidean distance; the lowest index on
   * ties).
   *
   * @param vector a vector of length {@link #dimension()}
   * @return the cluster
   * @throws IllegalArgumentException if the length is wrong, with both lengths in the message
   */
  public int predict(float[] vector) {
    if (vector.length != dimension()) {
      throw new IllegalArgumentException(
          "vector dimensions differ: " + vector.length + " != " + dimension());
    }
    int best = 0;
    double bestDistance = squareDistance(vector, centroids[0]);
    for (int j = 1; j < centroids.length; j++) {
      double dist = squareDistance(vector, centroids[j]);
      if (dist < bestDistance) {
        bestDistance = dist;
        best = j;
      }
    }
    return best;
  }

  /** In float, or in double where the float sum left its range (huge or tiny vectors). */
  private static double squareDistance(float[] a, float[] b) {
    float s = VectorMath.squareDistance(a, b);
    return VectorMath.outsideFloatRange(s) ? VectorMath.wideSquareDistance(a, 0, b, 0, a.length)
        : s;
  }

  /**
   * Predicts the cluster of each vector.
   *
   * @param vectors rows of length {@link #dimension()}
   * @return one cluster per row
   * @throws IllegalArgumentException if a row's length is wrong; the message gives its index
   */
  public int[] predictAll(float[][] vectors) {
    int[] out = new int[vectors.length];
    for (int i = 0; i < vectors.length; i++) {
      if (vectors[i].length != dimension()) {
        throw new IllegalArgumentException("row " + i + ": vector dimensions differ: "
            + vectors[i].length + " != " + dimension());
      }
      out[i] = predict(vectors[i]);
    }
    return out;
  }

  /**
   * Saves the clustering (centroids, training assignments, inertia, iterations) in an {@link
   * SdkFile} container (kind {@value #KIND}), atomically.
   *
   * @param file the target; replaced only when the new file is complete
   * @throws IOException if writing fails
   */
  public void save(Path file) throws IOException {
    SdkFile.write(file, KIND, VERSION, out -> {
      out.writeInt(centroids.length);
      out.writeInt(dimension());
      out.writeInt(assignments.length);
      out.writeInt(iterations);
      out.writeInt(converged ? 1 : 0);
      out.writeDouble(inertia);
      for (float[] c : centroids) {
        out.writeFloats(c, 0, c.length);
      }
      for (int a : assignments) {
        out.writeInt(a);
      }
    });
  }

  /**
   * Loads a clustering written by {@link #save(Path)}.
   *
   * @param file the file
   * @return the clustering
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
   *     altered, not a k-means file or inconsistent; the message names the file
   * @throws IOException if the file cannot be read
   */
  public static KMeans load(Path file) throws IOException {
    return SdkFile.read(file, KIND, VERSION, (in, version) -> {
      int k = in.readInt();
      int d = in.readInt();
      int n = in.readInt();
      int iterations = in.readInt();
      int converged = in.readInt();
      double inertia = in.readDouble();
      if (k < 1 || d < 1 || n < k || iterations < 1 || (converged & ~1) != 0) {
        throw in.damaged("bad k-means header: k " + k + ", dimension " + d + ", points " + n
            + ", iterations " + iterations + ", converged " + converged);
      }
      in.require((long) k * d + n, 4, "k-means values");
      float[][] centroids = new float[k][d];
      for (float[] c : centroids) {
        in.readFloats(c, 0, d);
      }
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = in.readInt();
        if (labels[i] < 0 || labels[i] >= k) {
          throw in.damaged("assignment " + labels[i] + " of point " + i + " is not a cluster");
        }
      }
      return new KMeans(centroids, labels, inertia, iterations, converged == 1);
    });
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "KMeans[k=%d, dimension %d, %d points, inertia %.6g, "
        + "%d iterations%s]", centroids.length, dimension(), assignments.length, inertia,
        iterations, converged ? ", converged" : "");
  }
}
