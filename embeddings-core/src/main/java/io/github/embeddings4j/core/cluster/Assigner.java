package io.github.embeddings4j.core.cluster;

import io.github.embeddings4j.core.vector.VectorMath;
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
 * The assignment step of k-means (nearest centroid of every point) and the worker threads it
 * runs on. Two strategies: {@link Strategy#JAVA} computes each squared distance directly with
 * the vector kernels in use ({@link VectorMath}), split over threads; {@link Strategy#BLAS} expands
 * {@code |x|^2 + |c|^2 - 2 x.c} and gets every {@code x.c} from one ND4J matrix product per block
 * of points. Every point's answer depends only on that point, so the thread count never changes
 * the result.
 */
final class Assigner implements AutoCloseable {

  /** How the distances are computed. */
  enum Strategy {
    /** Direct squared distances in Java, multi-threaded. */
    JAVA,
    /** A matrix product through ND4J's BLAS, then an argmin in Java. */
    BLAS
  }

  /** Points per ND4J product, which bounds the off-heap result to BLOCK * k floats. */
  private static final int BLOCK = 8192;

  private final float[][] rows;
  private final int n;
  private final int d;
  private final Strategy strategy;
  private final ExecutorService pool;
  private final int threads;
  private INDArray matrix;
  private float[] squaredNorms;

  Assigner(float[][] rows, int d, int threads, Strategy strategy) {
    this.rows = rows;
    this.n = rows.length;
    this.d = d;
    this.strategy = strategy;
    this.threads = threads;
    this.pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "embeddings4j-kmeans");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  /** A body that handles the points {@code [from, to)}. */
  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }

  /** Runs {@code body} over {@code [0, count)} in contiguous chunks on the worker threads. */
  void parallel(int count, RangeBody body) {
    if (pool == null || count < 512) {
      body.run(0, count);
      return;
    }
    int chunks = Math.min(threads * 4, Math.max(1, count / 256));
    List<Future<?>> futures = new ArrayList<>(chunks);
    for (int c = 0; c < chunks; c++) {
      int from = (int) ((long) count * c / chunks);
      int to = (int) ((long) count * (c + 1) / chunks);
      futures.add(pool.submit(() -> body.run(from, to)));
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
   * and {@code distances[i]} to its squared distance.
   */
  void assign(float[][] centroids, int[] labels, float[] distances) {
    if (strategy == Strategy.BLAS) {
      assignBlas(centroids, labels, distances);
      return;
    }
    parallel(n, (from, to) -> {
      for (int i = from; i < to; i++) {
        float[] x = rows[i];
        int best = 0;
        float bestDistance = VectorMath.squareDistance(x, centroids[0]);
        for (int j = 1; j < centroids.length; j++) {
          float dist = VectorMath.squareDistance(x, centroids[j]);
          if (dist < bestDistance) {
            bestDistance = dist;
            best = j;
          }
        }
        labels[i] = best;
        distances[i] = bestDistance;
      }
    });
  }

  private void assignBlas(float[][] centroids, int[] labels, float[] distances) {
    if (matrix == null) {
      float[] flat = new float[Math.multiplyExact(n, d)];
      squaredNorms = new float[n];
      for (int i = 0; i < n; i++) {
        System.arraycopy(rows[i], 0, flat, i * d, d);
        squaredNorms[i] = VectorMath.dotProduct(rows[i], rows[i]);
      }
      matrix = Nd4j.create(flat, new long[] {n, d}, 'c');
    }
    int k = centroids.length;
    float[] flatCentroids = new float[k * d];
    float[] centroidNorms = new float[k];
    for (int j = 0; j < k; j++) {
      System.arraycopy(centroids[j], 0, flatCentroids, j * d, d);
      centroidNorms[j] = VectorMath.dotProduct(centroids[j], centroids[j]);
    }
    try (INDArray c = Nd4j.create(flatCentroids, new long[] {k, d}, 'c')) {
      INDArray ct = c.transpose();
      for (int start = 0; start < n; start += BLOCK) {
        int end = Math.min(n, start + BLOCK);
        int size = end - start;
        float[] dots;
        try (INDArray out = Nd4j.createUninitialized(DataType.FLOAT, new long[] {size, k}, 'c')) {
          matrix.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).mmul(ct, out);
          dots = out.data().asFloat();
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
