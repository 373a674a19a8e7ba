package io.github.embeddings4j.core.cluster;

import io.github.embeddings4j.core.vector.VectorMath;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Silhouette coefficients (Rousseeuw, 1987) of clusterings of one set of points, in Euclidean
 * distance: for a point whose cluster holds other points, {@code a} is its mean distance to
 * them, {@code b} its mean distance to the points of the nearest other cluster, and its
 * coefficient {@code (b - a) / max(a, b)}, from -1 (it sits in the wrong cluster) to 1 (far
 * from every other cluster); a point alone in its cluster counts 0, as in scikit-learn's {@code
 * silhouette_score}. The mean over the points scores a clustering, and comparing the means of
 * clusterings with different numbers of clusters is the usual way to choose that number
 * ({@link KMeansSearch}).
 *
 * <p>The pairwise distances are computed once, when this object is made, and kept ({@code 4
 * n²} bytes: 64 MiB for 4,096 points), so that scoring any number of labellings costs {@code
 * n²} additions each; for a large set, score a seeded sample, as scikit-learn's {@code
 * sample_size} does. Immutable and safe to share; scores do not depend on the thread count.
 *
 * <pre>{@code
 * Silhouette s = Silhouette.of(points, n, d);           // row-major, n x d
 * double mean = s.score(km.assignments(), km.clusterCount());
 * double[] each = s.values(km.assignments(), km.clusterCount());
 * }</pre>
 */
public final class Silhouette {

  /** The most points one object keeps the distances of (1 GiB of them). */
  public static final int MAX_POINTS = 16_384;

  private final int n;
  private final float[] distances;

  private Silhouette(int n, float[] distances) {
    this.n = n;
    this.distances = distances;
  }

  /**
   * Computes the pairwise Euclidean distances of some points.
   *
   * @param data the points, row-major {@code n x d}; not kept
   * @param n the points, 2 to {@link #MAX_POINTS}
   * @param d the dimension, at least 1
   * @return the distances, ready to score labellings
   * @throws IllegalArgumentException if {@code n} or {@code d} is out of range, the array is
   *     shorter than {@code n x d}, or a value is not finite (naming the row)
   */
  public static Silhouette of(float[] data, int n, int d) {
    Objects.requireNonNull(data, "data");
    if (n < 2 || n > MAX_POINTS) {
      throw new IllegalArgumentException("silhouettes need 2 to " + MAX_POINTS + " points, not "
          + n + "; score a sample of a larger set");
    }
    if (d < 1 || data.length < (long) n * d) {
      throw new IllegalArgumentException("data of length " + data.length + " does not hold "
          + n + " rows of dimension " + d);
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        if (!Float.isFinite(data[i * d + j])) {
          throw new IllegalArgumentException("row " + i + " has a value that is not finite at"
              + " column " + j + ": " + data[i * d + j]);
        }
      }
    }
    float[] dist = new float[n * n];
    // Each row fills its own upper part; the lower part is mirrored afterwards.
    IntStream.range(0, n).parallel().forEach(i -> {
      for (int j = i + 1; j < n; j++) {
        float s2 = VectorMath.squareDistance(data, i * d, data, j * d, d);
        dist[i * n + j] = (float) Math.sqrt(VectorMath.outsideFloatRange(s2)
            ? VectorMath.wideSquareDistance(data, i * d, data, j * d, d) : s2);
      }
    });
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        dist[i * n + j] = dist[j * n + i];
      }
    }
    return new Silhouette(n, dist);
  }

  /**
   * Computes the pairwise distances of rows.
   *
   * @param rows the points, all of one length
   * @return the distances
   * @throws IllegalArgumentException as {@link #of(float[], int, int)}, or if lengths differ
   */
  public static Silhouette of(float[][] rows) {
    int d = VectorMath.requireSameDimension(rows, "rows");
    float[] flat = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * d, d);
    }
    return of(flat, rows.length, d);
  }

  /**
   * The number of points.
   *
   * @return the points whose distances are kept
   */
  public int size() {
    return n;
  }

  /**
   * The Euclidean distance between two points.
   *
   * @param i a point
   * @param j another
   * @return their distance, 0 for {@code i == j}
   */
  public float distance(int i, int j) {
    return distances[Math.addExact(Math.multiplyExact(i, n), j)];
  }

  /**
   * The mean silhouette coefficient of a labelling.
   *
   * @param labels the cluster of each point, in {@code [0, clusters)}
   * @param clusters the number of clusters labels may name
   * @return the mean coefficient, in {@code [-1, 1]}
   * @throws IllegalArgumentException if there is not one label per point, a label is out of
   *     range, or fewer than 2 clusters (or as many as the points) hold points
   */
  public double score(int[] labels, int clusters) {
    double[] v = values(labels, clusters);
    double sum = 0;
    for (double x : v) {
      sum += x;
    }
    return sum / v.length;
  }

  /**
   * Each cluster's mean silhouette coefficient under a labelling: a cluster well below the
   * others mixes groups.
   *
   * @param labels the cluster of each point, in {@code [0, clusters)}
   * @param clusters the number of clusters labels may name
   * @return one mean per cluster, {@code NaN} for a cluster that holds no point
   * @throws IllegalArgumentException as {@link #score}
   */
  public double[] clusterMeans(int[] labels, int clusters) {
    double[] v = values(labels, clusters);
    double[] sum = new double[clusters];
    int[] count = new int[clusters];
    for (int i = 0; i < v.length; i++) {
      sum[labels[i]] += v[i];
      count[labels[i]]++;
    }
    double[] out = new double[clusters];
    for (int c = 0; c < clusters; c++) {
      out[c] = count[c] == 0 ? Double.NaN : sum[c] / count[c];
    }
    return out;
  }

  /**
   * The silhouette coefficient of each point under a labelling: low values mark the points
   * that sit between clusters.
   *
   * @param labels the cluster of each point, in {@code [0, clusters)}
   * @param clusters the number of clusters labels may name
   * @return one coefficient per point, in {@code [-1, 1]}; 0 for a point alone in its cluster
   * @throws IllegalArgumentException as {@link #score}
   */
  public double[] values(int[] labels, int clusters) {
    Objects.requireNonNull(labels, "labels");
    if (labels.length != n) {
      throw new IllegalArgumentException(labels.length + " labels for " + n + " points");
    }
    if (clusters < 1) {
      throw new IllegalArgumentException("clusters must be at least 1, not " + clusters);
    }
    int[] size = new int[clusters];
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= clusters) {
        throw new IllegalArgumentException("point " + i + " has label " + labels[i]
            + ", outside [0, " + clusters + ")");
      }
      size[labels[i]]++;
    }
    int used = 0;
    for (int s : size) {
      used += s > 0 ? 1 : 0;
    }
    if (used < 2 || used >= n) {
      throw new IllegalArgumentException("silhouettes need 2 to " + (n - 1) + " clusters that"
          + " hold points; these labels fill " + used);
    }
    double[] out = new double[n];
    IntStream.range(0, n).parallel().forEach(i -> {
      int own = labels[i];
      if (size[own] == 1) {
        return; // 0, as scikit-learn counts a point alone in its cluster
      }
      double[] sum = new double[clusters];
      int row = i * n;
      for (int j = 0; j < n; j++) {
        sum[labels[j]] += distances[row + j];
      }
      double a = sum[own] / (size[own] - 1);
      double b = Double.POSITIVE_INFINITY;
      for (int c = 0; c < clusters; c++) {
        if (c != own && size[c] > 0) {
          b = Math.min(b, sum[c] / size[c]);
        }
      }
      double m = Math.max(a, b);
      out[i] = m == 0 ? 0 : (b - a) / m;
    });
    return out;
  }
}
