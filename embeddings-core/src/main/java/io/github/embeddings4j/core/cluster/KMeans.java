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
 * whatever the thread count. Seeding is greedy k-means++ (the best of {@code 2 + floor(ln k)}
 * candidates per centre, as scikit-learn does); each Lloyd iteration is one multi-threaded pass
 * over the data on the SIMD kernels that both assigns the points and sums them per cluster. A
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

  /** The {@link io.github.embeddings4j.core.io.SdkFile} kind of a saved model. */
  public static final String KIND = "KMNS";
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
    int d = rows.length > 0 ? rows[0].length : 0;
    float[] data = new float[Math.multiplyExact(rows.length, Math.max(d, 1))];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != d) {
        throw new IllegalArgumentException(
            "row " + i + ": vector dimensions differ: " + rows[i].length + " != " + d);
      }
      System.arraycopy(rows[i], 0, data, i * d, d);
    }
    return fit(data, rows.length, d, options, defaultStrategy(options.clusterCount(), d));
  }

  /**
   * Clusters a contiguous row-major matrix, read in place (no copy is made unless the values
   * are so large or small that they must be rescaled).
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
    return fit(data, n, d, options, defaultStrategy(options.clusterCount(), d));
  }

  /**
   * The assignment strategy for this shape. The SIMD assignment reads each point once for all
   * centroids and adds it into its cluster's sum in the same pass; it beat the matrix product at
   * every shape measured (k from 10 to 256 at d = 128, 10 to 100 at d = 784; {@code KMeansProbe}),
   * so the matrix product is never the default and stays for comparison.
   */
  static Assigner.Strategy defaultStrategy(int k, int d) {
    return (long) k * d >= BLAS_MIN_CENTROID_VALUES ? Assigner.Strategy.BLAS
        : Assigner.Strategy.JAVA;
  }

  /** Centroid values (k times d) from which the BLAS assignment is used: none measured. */
  static final long BLAS_MIN_CENTROID_VALUES = Long.MAX_VALUE;

  /** Fits rows given as arrays (a copy is made), with a chosen assignment strategy. */
  static KMeans fit(float[][] rows, int d, KMeansOptions options, Assigner.Strategy strategy) {
    float[] data = new float[Math.multiplyExact(rows.length, d)];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, data, i * d, d);
    }
    return fit(data, rows.length, d, options, strategy);
  }

  /** Fits with a chosen assignment strategy; {@code data} is read, never written. */
  static KMeans fit(float[] data, int n, int d, KMeansOptions options,
      Assigner.Strategy strategy) {
    Objects.requireNonNull(options, "options");
    int k = options.clusterCount();
    if (k > n) {
      throw new IllegalArgumentException(
          "k-means asked for " + k + " clusters but there are only " + n + " points");
    }
    if (d < 1) {
      throw new IllegalArgumentException("k-means needs a dimension of at least 1, got " + d);
    }
    try (Assigner pool = new Assigner(data, n, d, options.threads(), strategy)) {
      Summary summary = summarise(data, n, d, pool);
      // Data far from 1 in magnitude (beyond 2^40 or below 2^-20) is clustered scaled by a power
      // of two, which is exact, so that squared distances summed in float neither overflow nor
      // underflow; the centroids and inertia are scaled back at the end.
      int exponent = scaleExponent(summary.maxAbs());
      if (exponent == 0) {
        return lloyd(data, n, d, options, summary.meanVariance(), 0, pool);
      }
      float[] scaled = new float[data.length];
      for (int i = 0; i < data.length; i++) {
        scaled[i] = Math.scalb(data[i], -exponent);
      }
      KMeansOptions scaledOptions = options.initialCentroids() == null ? options
          : options.withInitialCentroids(scaled(options.initialCentroids(), -exponent));
      try (Assigner scaledPool = new Assigner(scaled, n, d, options.threads(), strategy)) {
        return lloyd(scaled, n, d, scaledOptions,
            Math.scalb(summary.meanVariance(), -2 * exponent), exponent, scaledPool);
      }
    }
  }

  private static KMeans lloyd(float[] data, int n, int d, KMeansOptions options,
      double meanVariance, int exponent, Assigner assigner) {
    int k = options.clusterCount();
    double tolerance = options.tolerance() * meanVariance;
    float[][] centroids = options.initialCentroids() != null
        ? initialCentroids(options.initialCentroids(), d)
        : plusPlus(data, n, d, k, new SplittableRandom(options.seed()), assigner);
    int[] labels = new int[n];
    int[] previous = null;
    float[] distances = new float[n];
    double[] sums = new double[k * d];
    int[] counts = new int[k];
    int iteration = 0;
    boolean converged = false;
    boolean labelsCurrent = false;
    while (iteration < options.maxIterations()) {
      iteration++;
      assigner.assign(centroids, labels, distances, sums, counts);
      if (previous != null && Arrays.equals(previous, labels)) {
        // Nothing moved: the centroids are already the means of these assignments.
        converged = true;
        labelsCurrent = true;
        break;
      }
      if (repairEmpty(labels, distances, k)) {
        assigner.sums(labels, k, sums, counts);
      }
      float[][] next = means(sums, counts, k, d);
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
      assigner.assign(centroids, labels, distances, null, null);
    }
    double inertia = inertia(data, d, labels, centroids, assigner);
    if (exponent != 0) {
      centroids = scaled(centroids, exponent);
      inertia = Math.scalb(inertia, 2 * exponent);
    }
    return new KMeans(centroids, labels, inertia, iteration, converged);
  }

  /** 0 for data within [2^-20, 2^40] in magnitude (or all zero), else the largest's exponent. */
  static int scaleExponent(float max) {
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

  /** The largest magnitude and the mean per-dimension variance of the data. */
  record Summary(float maxAbs, double meanVariance) {}

  /**
   * One pass over the data, in parts: every value checked finite, the largest magnitude, and
   * each dimension's sum and sum of squares about the first point (which keeps the variance
   * formula clear of cancellation when the data sit far from the origin). Runs of {@value
   * #SUMMARY_ROWS} rows are summed in float (which vectorises) and added into double; a run
   * holding a value beyond 2^40 in magnitude, or not finite, is summed in double instead.
   */
  static Summary summarise(float[] data, int n, int d, Assigner pool) {
    int parts = pool.partCount(2L * d);
    double[][] partSums = new double[parts][];
    double[][] partSquares = new double[parts][];
    float[] partMax = new float[parts];
    long[] firstBad = new long[parts];
    pool.parts(parts, (part, from, to) -> {
      double[] s = new double[d];
      double[] q = new double[d];
      float[] fs = new float[d];
      float[] fq = new float[d];
      float max = 0f;
      long bad = -1;
      for (int b = from; b < to && bad < 0; b += SUMMARY_ROWS) {
        int start = b * d;
        int end = Math.min(to, b + SUMMARY_ROWS) * d;
        float runMax = 0f;
        for (int i = start; i < end; i++) {
          runMax = Math.max(runMax, Math.abs(data[i]));
        }
        if (runMax <= 0x1p40f) {
          for (int offset = start; offset < end; offset += d) {
            for (int t = 0; t < d; t++) {
              float c = data[offset + t] - data[t];
              fs[t] += c;
              fq[t] += c * c;
            }
          }
          for (int t = 0; t < d; t++) {
            s[t] += fs[t];
            q[t] += fq[t];
            fs[t] = 0f;
            fq[t] = 0f;
          }
        } else {
          for (int i = start; i < end && bad < 0; i++) {
            float v = data[i];
            if (!Float.isFinite(v)) {
              bad = i;
              break;
            }
            double c = (double) v - data[i % d];
            s[i % d] += c;
            q[i % d] += c * c;
          }
        }
        max = Math.max(max, runMax);
      }
      partSums[part] = s;
      partSquares[part] = q;
      partMax[part] = max;
      firstBad[part] = bad;
    });
    float max = 0f;
    for (int p = 0; p < parts; p++) {
      if (firstBad[p] >= 0) {
        long at = firstBad[p];
        throw new IllegalArgumentException("k-means data has a non-finite value " + data[(int) at]
            + " at row " + at / d + ", column " + at % d);
      }
      max = Math.max(max, partMax[p]);
    }
    double total = 0;
    for (int t = 0; t < d; t++) {
      double s = 0;
      double q = 0;
      for (int p = 0; p < parts; p++) {
        s += partSums[p][t];
        q += partSquares[p][t];
      }
      double mean = s / n;
      total += Math.max(0, q / n - mean * mean);
    }
    return new Summary(max, total / d);
  }

  /** Rows per float run of {@link #summarise}. */
  static final int SUMMARY_ROWS = 64;

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
   * Greedy k-means++, as scikit-learn seeds: the first centre uniformly at random; for each next
   * one, {@code 2 + floor(ln k)} candidates drawn with probability proportional to their squared
   * distance from the nearest centre so far (Arthur and Vassilvitskii 2007), of which the one
   * that leaves the smallest total squared distance is kept. The candidates are scored together,
   * four per pass of the SIMD kernels, and their distances kept, so a centre costs one pass
   * over the data per four candidates.
   */
  static float[][] plusPlus(float[] data, int n, int d, int k, SplittableRandom random,
      Assigner assigner) {
    int trials = 2 + (int) Math.log(k);
    float[][] centres = new float[k][];
    boolean[] chosen = new boolean[n];
    int first = random.nextInt(n);
    centres[0] = Arrays.copyOfRange(data, first * d, (first + 1) * d);
    chosen[first] = true;
    double[] nearest = new double[n];
    assigner.parallel(n, (from, to) -> {
      for (int i = from; i < to; i++) {
        nearest[i] = VectorMath.squareDistance(data, i * d, centres[0], 0, d);
      }
    });
    int parts = assigner.partCount(trials);
    // Each candidate's squared distance to every point, kept so that the chosen one's update of
    // the nearest distances needs no second pass over the data.
    float[][] candidateDistances = new float[(trials + 3) & ~3][n];
    for (int c = 1; c < k; c++) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        total += nearest[i];
      }
      int[] picks;
      if (total > 0) {
        double[] targets = new double[trials];
        for (int u = 0; u < trials; u++) {
          targets[u] = random.nextDouble() * total;
        }
        picks = sample(nearest, targets);
      } else {
        // Every point coincides with a centre already: take the next unused point.
        int pick = 0;
        while (chosen[pick]) {
          pick++;
        }
        picks = new int[] {pick};
      }
      int best = picks[0];
      int bestCandidate = -1;
      if (picks.length > 1) {
        float[][] candidates = new float[(picks.length + 3) & ~3][];
        for (int u = 0; u < candidates.length; u++) {
          int p = picks[Math.min(u, picks.length - 1)];
          candidates[u] = Arrays.copyOfRange(data, p * d, (p + 1) * d);
        }
        double[][] partPotentials = new double[parts][];
        assigner.parts(parts, (part, from, to) -> {
          double[] potential = new double[candidates.length];
          float[] four = new float[4];
          for (int i = from; i < to; i++) {
            for (int u = 0; u < candidates.length; u += 4) {
              VectorMath.squareDistance4(data, i * d, candidates[u], candidates[u + 1],
                  candidates[u + 2], candidates[u + 3], d, four);
              for (int v = 0; v < 4; v++) {
                candidateDistances[u + v][i] = four[v];
                potential[u + v] += Math.min(nearest[i], four[v]);
              }
            }
          }
          partPotentials[part] = potential;
        });
        double bestPotential = Double.POSITIVE_INFINITY;
        for (int u = 0; u < picks.length; u++) {
          double potential = 0;
          for (double[] part : partPotentials) {
            potential += part[u];
          }
          if (potential < bestPotential) {
            bestPotential = potential;
            best = picks[u];
            bestCandidate = u;
          }
        }
      }
      chosen[best] = true;
      float[] centre = Arrays.copyOfRange(data, best * d, (best + 1) * d);
      centres[c] = centre;
      float[] known = bestCandidate >= 0 ? candidateDistances[bestCandidate] : null;
      assigner.parallel(n, (from, to) -> {
        for (int i = from; i < to; i++) {
          double dist = known != null ? known[i]
              : VectorMath.squareDistance(data, i * d, centre, 0, d);
          if (dist < nearest[i]) {
            nearest[i] = dist;
          }
        }
      });
    }
    return centres;
  }

  /**
   * For each target in {@code [0, sum of weights)}, the point where the running sum of the
   * weights first passes it (a point of weight 0 is never drawn; rounding that leaves a target
   * past the sum takes the last point with weight), in one pass.
   */
  static int[] sample(double[] weights, double[] targets) {
    Integer[] order = new Integer[targets.length];
    for (int u = 0; u < order.length; u++) {
      order[u] = u;
    }
    Arrays.sort(order, (a, b) -> Double.compare(targets[a], targets[b]));
    int[] picks = new int[targets.length];
    Arrays.fill(picks, -1);
    int next = 0;
    double running = 0;
    int lastWeighted = -1;
    for (int i = 0; i < weights.length && next < order.length; i++) {
      if (weights[i] <= 0) {
        continue;
      }
      lastWeighted = i;
      running += weights[i];
      while (next < order.length && running > targets[order[next]]) {
        picks[order[next++]] = i;
      }
    }
    while (next < order.length) {
      picks[order[next++]] = lastWeighted;
    }
    return picks;
  }

  /**
   * Gives each empty cluster the point farthest from its own centroid (among clusters that
   * keep at least one point), in cluster order, so the repair is deterministic.
   *
   * @return whether a label changed
   */
  static boolean repairEmpty(int[] labels, float[] distances, int k) {
    int[] counts = new int[k];
    for (int label : labels) {
      counts[label]++;
    }
    boolean changed = false;
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
      changed = true;
    }
    return changed;
  }

  /** Each cluster's mean from its sum and count (every count is positive after a repair). */
  private static float[][] means(double[] sums, int[] counts, int k, int d) {
    float[][] out = new float[k][d];
    for (int j = 0; j < k; j++) {
      for (int t = 0; t < d; t++) {
        out[j][t] = (float) (sums[j * d + t] / counts[j]);
      }
    }
    return out;
  }

  /** The sum of squared distances to the assigned centroids, in double, summed in point order. */
  private static double inertia(float[] data, int d, int[] labels, float[][] centroids,
      Assigner assigner) {
    double[] perPoint = new double[labels.length];
    assigner.parallel(labels.length, (from, to) -> {
      for (int i = from; i < to; i++) {
        int offset = i * d;
        float[] c = centroids[labels[i]];
        double s = 0;
        for (int t = 0; t < d; t++) {
          double delta = data[offset + t] - c[t];
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
