package io.github.embeddings4j.core.eval;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.StandardMetric;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exact top-k search over {@code float[][]} for the evaluations of this package.
 *
 * <p>TO BE REPLACED ON MERGE by {@code core.search.FlatIndex}; kept package-private and small.
 * Cosine, (squared) Euclidean and dot product score blocks of queries with one matrix product;
 * other metrics call {@link DistanceMetric#distance(float[], float[])} pair by pair.
 */
final class NearestNeighbors {

  private static final int QUERY_BLOCK = 256;

  /**
   * The {@code k} nearest base vectors of each query, nearest first (ties: lower index first).
   *
   * @param ids {@code [queries][k]} base positions
   * @param distances {@code [queries][k]} their distances
   */
  record Result(int[][] ids, double[][] distances) {}

  private NearestNeighbors() {}

  static Result search(float[][] base, float[][] queries, int k, DistanceMetric metric) {
    if (base.length == 0) {
      throw new IllegalArgumentException("cannot search an empty set of vectors");
    }
    if (k < 1 || k > base.length) {
      throw new IllegalArgumentException("k must be in [1, " + base.length + "]: " + k);
    }
    int dim = base[0].length;
    for (float[] v : base) {
      DistanceMetric.requireSameDimension(base[0], v);
    }
    for (float[] q : queries) {
      if (q.length != dim) {
        throw new IllegalArgumentException("vector dimensions differ: " + q.length + " != "
            + dim);
      }
    }
    int[][] ids = new int[queries.length][];
    double[][] dists = new double[queries.length][];
    if (metric instanceof StandardMetric m && (m == StandardMetric.COSINE
        || m == StandardMetric.EUCLIDEAN || m == StandardMetric.SQUARED_EUCLIDEAN
        || m == StandardMetric.DOT_PRODUCT)) {
      byMatrixProduct(base, queries, k, m, ids, dists);
    } else {
      IntStream.range(0, queries.length).parallel().forEach(q -> {
        TopK top = new TopK(k);
        for (int i = 0; i < base.length; i++) {
          top.offer(i, metric.distance(queries[q], base[i]));
        }
        ids[q] = top.ids();
        dists[q] = top.distances();
      });
    }
    return new Result(ids, dists);
  }

  private static void byMatrixProduct(float[][] base, float[][] queries, int k,
      StandardMetric m, int[][] ids, double[][] dists) {
    boolean cosine = m == StandardMetric.COSINE;
    double[] baseNorm2 = norms2(base);
    INDArray b = Nd4j.create(cosine ? normalized(base, baseNorm2) : base).castTo(DataType.FLOAT);
    for (int from = 0; from < queries.length; from += QUERY_BLOCK) {
      int to = Math.min(queries.length, from + QUERY_BLOCK);
      float[][] block = java.util.Arrays.copyOfRange(queries, from, to);
      double[] qNorm2 = norms2(block);
      INDArray q = Nd4j.create(cosine ? normalized(block, qNorm2) : block)
          .castTo(DataType.FLOAT);
      float[] dots = q.mmul(b.transpose()).dup('c').data().asFloat();
      int n = base.length;
      final int start = from;
      IntStream.range(0, to - from).parallel().forEach(r -> {
        TopK top = new TopK(k);
        for (int i = 0; i < n; i++) {
          double dot = dots[r * n + i];
          double d = switch (m) {
            case COSINE -> 1 - Math.max(-1, Math.min(1, dot));
            case DOT_PRODUCT -> -dot;
            case SQUARED_EUCLIDEAN -> Math.max(0, qNorm2[r] + baseNorm2[i] - 2 * dot);
            default -> Math.sqrt(Math.max(0, qNorm2[r] + baseNorm2[i] - 2 * dot));
          };
          top.offer(i, d);
        }
        ids[start + r] = top.ids();
        dists[start + r] = top.distances();
      });
    }
  }

  private static double[] norms2(float[][] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      double s = 0;
      for (float x : v[i]) {
        s += (double) x * x;
      }
      out[i] = s;
    }
    return out;
  }

  /** Unit rows; a zero row stays zero, so its cosine distance to anything is 1. */
  private static float[][] normalized(float[][] v, double[] norm2) {
    float[][] out = new float[v.length][];
    for (int i = 0; i < v.length; i++) {
      double inv = norm2[i] > 0 ? 1 / Math.sqrt(norm2[i]) : 0;
      out[i] = new float[v[i].length];
      for (int j = 0; j < v[i].length; j++) {
        out[i][j] = (float) (v[i][j] * inv);
      }
    }
    return out;
  }

  /** The k smallest (distance, id) pairs seen, kept sorted; NaN ranks after every number. */
  static final class TopK {
    private final int[] ids;
    private final double[] dists;
    private int size;

    TopK(int k) {
      ids = new int[k];
      dists = new double[k];
    }

    void offer(int id, double d) {
      if (size == ids.length && !before(d, id, dists[size - 1], ids[size - 1])) {
        return;
      }
      int at = size < ids.length ? size++ : size - 1;
      while (at > 0 && before(d, id, dists[at - 1], ids[at - 1])) {
        ids[at] = ids[at - 1];
        dists[at] = dists[at - 1];
        at--;
      }
      ids[at] = id;
      dists[at] = d;
    }

    private static boolean before(double d, int id, double d2, int id2) {
      int c = Double.compare(d, d2); // orders NaN last
      return c < 0 || (c == 0 && id < id2);
    }

    int[] ids() {
      return java.util.Arrays.copyOf(ids, size);
    }

    double[] distances() {
      return java.util.Arrays.copyOf(dists, size);
    }
  }
}
