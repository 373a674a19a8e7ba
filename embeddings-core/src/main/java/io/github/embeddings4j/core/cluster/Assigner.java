package io.github.embeddings4j.core.cluster;

import io.github.embeddings4j.core.vector.VectorMath;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The assignment step of k-means (nearest centroid of every point), the per-cluster sums that
 * the update step needs, and the worker threads they run on. The points are one row-major array
 * ({@code n * d} floats), read in place.
 *
 * <p>Two strategies: {@link Strategy#JAVA} computes the squared distances from each point to
 * four centroids at a time with the SIMD kernels ({@link VectorMath#squareDistance4}), and adds
 * the point into its cluster's running sum while the point is still in the cache, so one pass
 * over the data serves both steps; {@link Strategy#BLAS} expands {@code |x|^2 + |c|^2 - 2 x.c}
 * and gets every {@code x.c} from one ND4J matrix product per block of points, the sums then
 * taken in a second pass.
 *
 * <p>Work is split into {@linkplain #partCount parts} that depend on the data's shape only, each
 * part's sums are kept apart and added in part order: the thread count never changes a result.
 */
final class Assigner implements AutoCloseable {

  /** How the distances are computed. */
  enum Strategy {
    /** Direct squared distances on the SIMD kernels, multi-threaded, fused with the sums. */
    JAVA,
    /** A matrix product through ND4J's BLAS, then an argmin in Java. */
    BLAS
  }

  /** Points per ND4J product, which bounds the off-heap result to BLOCK * k floats. */
  private static final int BLOCK = 8192;

  /** The most parts the points are split into. */
  private static final int MAX_PARTS = 64;

  /** The fewest points per part. */
  private static final int MIN_PART_POINTS = 1024;

  /** The most memory all parts' sums may take together. */
  private static final long MAX_PARTIAL_BYTES = 64L << 20;

  private final float[] data;
  private final int n;
  private final int d;
  private final Strategy strategy;
  private final ExecutorService pool;
  private final int threads;
  private INDArray matrix;
  private float[] squaredNorms;

  Assigner(float[] data, int n, int d, int threads, Strategy strategy) {
    this.data = data;
    this.n = n;
    this.d = d;
    this.strategy = strategy;
    this.threads = threads;
    this.pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "embeddings4j-kmeans");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  Strategy strategy() {
    return strategy;
  }

  /** A body that handles the items {@code [from, to)}. */
  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }

  /** A body that handles part {@code part}, the items {@code [from, to)}. */
  @FunctionalInterface
  interface PartBody {
    void run(int part, int from, int to);
  }

  /** Runs {@code body} over {@code [0, count)} in contiguous chunks on the worker threads. */
  void parallel(int count, RangeBody body) {
    if (pool == null || count < 512) {
      body.run(0, count);
      return;
    }
    int chunks = Math.min(threads * 4, Math.max(1, count / 256));
    run(chunks, c -> body.run((int) ((long) count * c / chunks),
        (int) ((long) count * (c + 1) / chunks)));
  }

  /**
   * The number of parts the points are split into when each part keeps {@code perPartFloats}
   * values of its own (a function of the shape only, so results do not depend on the threads).
   */
  int partCount(long perPartFloats) {
    // Each value kept is a double and a float.
    long byMemory = Math.max(1, MAX_PARTIAL_BYTES / Math.max(1, perPartFloats * 12));
    long byPoints = Math.max(1, n / MIN_PART_POINTS);
    return (int) Math.min(MAX_PARTS, Math.min(byMemory, byPoints));
  }

  /** Runs {@code body} for each of {@code parts} equal contiguous parts of the points. */
  void parts(int parts, PartBody body) {
    if (pool == null || parts == 1) {
      for (int p = 0; p < parts; p++) {
        body.run(p, partStart(p, parts), partStart(p + 1, parts));
      }
      return;
    }
    run(parts, p -> body.run(p, partStart(p, parts), partStart(p + 1, parts)));
  }

  private int partStart(int p, int parts) {
    return (int) ((long) n * p / parts);
  }

  private interface Task {
    void run(int index);
  }

  private void run(int tasks, Task task) {
    List<Future<?>> futures = new ArrayList<>(tasks);
    for (int c = 0; c < tasks; c++) {
      int index = c;
      futures.add(pool.submit(() -> task.run(index)));
    }
    try {
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      futures.forEach(f -> f.cancel(true));
      throw new IllegalStateException("k-means interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }

  /**
   * Sets {@code labels[i]} to the nearest centroid of point {@code i} (the lowest index on ties)
   * and {@code distances[i]} to its squared distance; with {@code sums} (k rows of d, overwritten)
   * and {@code counts} (k) also the sum and count of each cluster's points.
   *
   * @param sums receives the per-cluster sums, or null when not wanted
   * @param counts receives the per-cluster counts, with {@code sums}
   */
  void assign(float[][] centroids, int[] labels, float[] distances, double[] sums,
      int[] counts) {
    if (strategy == Strategy.BLAS) {
      assignBlas(centroids, labels, distances);
      if (sums != null) {
        sums(labels, centroids.length, sums, counts);
      }
      return;
    }
    int k = centroids.length;
    int parts = sums == null ? 1 : partCount((long) k * d);
    double[][] partSums = sums == null ? null : new double[parts][];
    int[][] partCounts = sums == null ? null : new int[parts][];
    // Centroids padded to a multiple of four with copies of the last, whose results are ignored.
    float[][] padded = new float[(k + 3) & ~3][];
    for (int j = 0; j < padded.length; j++) {
      padded[j] = centroids[Math.min(j, k - 1)];
    }
    int block = sumBlock(k);
    PartBody body = (part, from, to) -> {
      float[] four = new float[4];
      double[] s = sums == null ? null : new double[k * d];
      float[] f = sums == null ? null : new float[k * d];
      int[] c = sums == null ? null : new int[k];
      for (int i = from; i < to; i++) {
        if (f != null && (i - from) % block == 0 && i > from) {
          flush(f, s);
        }
        int offset = i * d;
        int best = 0;
        float bestDistance = Float.POSITIVE_INFINITY;
        for (int j = 0; j < k; j += 4) {
          VectorMath.squareDistance4(data, offset, padded[j], padded[j + 1], padded[j + 2],
              padded[j + 3], d, four);
          int last = Math.min(4, k - j);
          for (int u = 0; u < last; u++) {
            if (four[u] < bestDistance) {
              bestDistance = four[u];
              best = j + u;
            }
          }
        }
        labels[i] = best;
        distances[i] = bestDistance;
        if (f != null) {
          c[best]++;
          VectorMath.addInto(data, offset, f, best * d, d);
        }
      }
      if (s != null) {
        flush(f, s);
        partSums[part] = s;
        partCounts[part] = c;
      }
    };
    if (sums == null) {
      parallel(n, (from, to) -> body.run(0, from, to));
      return;
    }
    parts(parts, body);
    combine(partSums, partCounts, sums, counts);
  }

  /** The per-cluster sums and counts of the points under {@code labels}, in parts. */
  void sums(int[] labels, int k, double[] sums, int[] counts) {
    int parts = partCount((long) k * d);
    double[][] partSums = new double[parts][];
    int[][] partCounts = new int[parts][];
    int block = sumBlock(k);
    parts(parts, (part, from, to) -> {
      double[] s = new double[k * d];
      float[] f = new float[k * d];
      int[] c = new int[k];
      for (int i = from; i < to; i++) {
        if ((i - from) % block == 0 && i > from) {
          flush(f, s);
        }
        c[labels[i]]++;
        VectorMath.addInto(data, i * d, f, labels[i] * d, d);
      }
      flush(f, s);
      partSums[part] = s;
      partCounts[part] = c;
    });
    combine(partSums, partCounts, sums, counts);
  }

  /**
   * Points summed in float before their sums are added into the part's double sums: short
   * float runs vectorise and keep the rounding below that of summing every point in float (as
   * scikit-learn and FAISS do for float data); the flush costs at most a quarter of a point.
   */
  private static int sumBlock(int k) {
    return Math.max(256, 4 * k);
  }

  /** Adds the float run into the double sums and clears it. */
  private static void flush(float[] f, double[] s) {
    for (int i = 0; i < f.length; i++) {
      s[i] += f[i];
      f[i] = 0f;
    }
  }

  private static void combine(double[][] partSums, int[][] partCounts, double[] sums,
      int[] counts) {
    System.arraycopy(partSums[0], 0, sums, 0, sums.length);
    System.arraycopy(partCounts[0], 0, counts, 0, counts.length);
    for (int p = 1; p < partSums.length; p++) {
      double[] s = partSums[p];
      for (int i = 0; i < sums.length; i++) {
        sums[i] += s[i];
      }
      int[] c = partCounts[p];
      for (int j = 0; j < counts.length; j++) {
        counts[j] += c[j];
      }
    }
  }

  private void assignBlas(float[][] centroids, int[] labels, float[] distances) {
    if (matrix == null) {
      squaredNorms = new float[n];
      parallel(n, (from, to) -> {
        for (int i = from; i < to; i++) {
          squaredNorms[i] = VectorMath.dotProduct(data, i * d, data, i * d, d);
        }
      });
      // One bulk copy into ND4J's memory (creating from the array would fill it value by value).
      matrix = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, d}, 'c');
      ((FloatBuffer) matrix.data().asNioFloat()).put(data, 0, Math.multiplyExact(n, d));
    }
    int k = centroids.length;
    INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {k, d}, 'c');
    FloatBuffer cBuffer = (FloatBuffer) c.data().asNioFloat();
    float[] centroidNorms = new float[k];
    for (int j = 0; j < k; j++) {
      cBuffer.put(centroids[j], 0, d);
      centroidNorms[j] = VectorMath.dotProduct(centroids[j], centroids[j]);
    }
    try (c) {
      INDArray ct = c.transpose();
      float[] dots = new float[Math.min(n, BLOCK) * k];
      for (int start = 0; start < n; start += BLOCK) {
        int end = Math.min(n, start + BLOCK);
        int size = end - start;
        try (INDArray out = Nd4j.createUninitialized(DataType.FLOAT, new long[] {size, k}, 'c')) {
          matrix.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).mmul(ct, out);
          ((FloatBuffer) out.data().asNioFloat()).get(dots, 0, size * k);
        }
        int base = start;
        parallel(size, (from, to) -> {
          for (int r = from; r < to; r++) {
            int i = base + r;
            int best = 0;
            float bestDistance = Float.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
              float dist = centroidNorms[j] - 2 * dots[r * k + j];
              if (dist < bestDistance) {
                bestDistance = dist;
                best = j;
              }
            }
            labels[i] = best;
            // The expansion can dip below zero by rounding; a distance cannot.
            distances[i] = Math.max(0f, bestDistance + squaredNorms[i]);
          }
        });
      }
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
    if (matrix != null) {
      matrix.close();
      matrix = null;
    }
  }
}
