package io.github.embeddings4j.core.vector;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.backend.NativeFlavour;
import java.nio.FloatBuffer;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scores many queries against many vectors at once through ND4J's single-precision matrix
 * product ({@code sgemm}): dot products directly, cosine from the dot products and the norms,
 * squared Euclidean as {@code |q|^2 + |x|^2 - 2 q.x}. A matrix product reuses each vector from
 * the caches for many queries, which the per-pair kernels of {@link VectorMath} cannot; it pays
 * a copy of the data into ND4J's off-heap memory and a native call per block, so it can win
 * only from some number of queries on, and against kernels that read each row once for four
 * queries it did not win at all on the reference machine; {@code FlatIndex} therefore uses it
 * only from {@link #MIN_QUERIES} queries (512 with ND4J's oneDNN build, never with the others;
 * see {@code docs/vector-math.md}).
 *
 * <p>The Euclidean form loses precision when two vectors are much closer than they are long
 * (cancellation); {@link io.github.embeddings4j.core.search.FlatIndex} therefore recomputes the
 * exact distances of its candidates with the kernels.
 *
 * <pre>{@code
 * float[][] d = BatchScorer.distances(StandardMetric.COSINE, queries, vectors);
 * }</pre>
 */
public final class BatchScorer {

  /**
   * The system property that sets {@link #MIN_QUERIES}, e.g. {@code
   * -Dembeddings4j.matrixProduct.minQueries=2048}.
   */
  public static final String MIN_QUERIES_PROPERTY = "embeddings4j.matrixProduct.minQueries";

  /**
   * The number of queries from which {@code FlatIndex.searchAll} goes through matrix products:
   * {@value #ONEDNN_MIN_QUERIES} when ND4J's oneDNN build is loaded (its matrix product runs at
   * about 220 GFLOP/s on the reference machine's 2 cores, and overtook the SIMD kernels between
   * 256 and 384 queries over 100,000 x 512 rows: 1.35x at 384 and 512, 1.5-1.8x at 1,024; see
   * {@code docs/vector-math.md}), else never (with the other builds' matrix product the kernels
   * won at every batch size tried, up to 4,096 queries). {@value #MIN_QUERIES_PROPERTY} sets
   * it; run {@code BatchCrossover} on your machine to choose. Both routes return the same
   * neighbours.
   */
  public static final int MIN_QUERIES = Integer.getInteger(MIN_QUERIES_PROPERTY,
      NativeFlavour.isOneDnn() ? BatchScorer.ONEDNN_MIN_QUERIES : Integer.MAX_VALUE);

  /** The default of {@link #MIN_QUERIES} with the oneDNN build. */
  public static final int ONEDNN_MIN_QUERIES = 512;

  /** Below this many stored vectors the per-pair kernels always win (the copy dominates). */
  public static final int MIN_ROWS = 1024;

  /** Queries per matrix product: bounds the score block at QUERY_BATCH x rows floats. */
  public static final int QUERY_BATCH = 1024;

  private BatchScorer() {}

  /**
   * Whether a search of {@code queries} queries over {@code rows} vectors is faster through
   * matrix products than through the per-pair kernels.
   *
   * @param queries the number of queries
   * @param rows the number of stored vectors
   * @return true from {@link #MIN_QUERIES} queries and {@link #MIN_ROWS} rows on
   */
  public static boolean prefersMatrixProduct(int queries, int rows) {
    return queries >= MIN_QUERIES && rows >= MIN_ROWS;
  }

  /**
   * Whether a metric can be scored through matrix products.
   *
   * @param metric the metric
   * @return true for dot product, cosine, Euclidean and squared Euclidean
   */
  public static boolean supports(StandardMetric metric) {
    return switch (metric) {
      case DOT_PRODUCT, COSINE, EUCLIDEAN, SQUARED_EUCLIDEAN -> true;
      default -> false;
    };
  }

  /**
   * Every query's distance to every vector, through one matrix product.
   *
   * @param metric dot product, cosine, Euclidean or squared Euclidean
   * @param queries the queries, all of one length
   * @param vectors the vectors, of the same length
   * @return {@code distances[q][i]} = {@code metric.distance(queries[q], vectors[i])} up to
   *     rounding
   * @throws IllegalArgumentException if the metric is not supported or the lengths differ
   */
  public static float[][] distances(StandardMetric metric, float[][] queries, float[][] vectors) {
    Objects.requireNonNull(metric, "metric");
    if (!supports(metric)) {
      throw new IllegalArgumentException("metric '" + metric
          + "' has no matrix-product form; use dot, cosine, euclidean or sqeuclidean");
    }
    int dq = VectorMath.requireSameDimension(queries, "queries");
    int dv = VectorMath.requireSameDimension(vectors, "vectors");
    if (queries.length > 0 && vectors.length > 0 && dq != dv) {
      throw new IllegalArgumentException("vector dimensions differ: queries have " + dq
          + " components, vectors " + dv);
    }
    float[][] out = new float[queries.length][vectors.length];
    if (queries.length == 0 || vectors.length == 0) {
      return out;
    }
    int d = dq;
    float[] flatQueries = flatten(queries, d);
    float[] flatVectors = flatten(vectors, d);
    float[] scores;
    try (Rows rows = rows(flatVectors, vectors.length, d)) {
      scores = rows.dotProducts(flatQueries, queries.length);
    }
    float[] qn = new float[queries.length];
    float[] vn = new float[vectors.length];
    for (int q = 0; q < qn.length; q++) {
      qn[q] = VectorMath.squareNorm(queries[q]);
    }
    for (int i = 0; i < vn.length; i++) {
      vn[i] = VectorMath.squareNorm(vectors[i]);
    }
    for (int q = 0; q < queries.length; q++) {
      for (int i = 0; i < vectors.length; i++) {
        float s = scores[q * vectors.length + i];
        out[q][i] = switch (metric) {
          case DOT_PRODUCT -> -s;
          case COSINE -> 1f - io.github.embeddings4j.api.spi.ScalarVectorKernels
              .cosineFromSums(s, qn[q], vn[i]);
          case SQUARED_EUCLIDEAN -> Math.max(0f, qn[q] + vn[i] - 2f * s);
          default -> (float) Math.sqrt(Math.max(0f, qn[q] + vn[i] - 2f * s));
        };
      }
    }
    return out;
  }

  private static float[] flatten(float[][] rows, int d) {
    float[] flat = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * d, d);
    }
    return flat;
  }

  /**
   * Copies a block of row-major vectors into ND4J for repeated matrix products.
   *
   * @param data the vectors, row after row (only the first {@code rows * dimension} are used)
   * @param rows the number of vectors
   * @param dimension their length
   * @return the block; close it to free its off-heap memory
   */
  public static Rows rows(float[] data, int rows, int dimension) {
    return new Rows(data, rows, dimension);
  }

  /** A block of vectors held in ND4J memory; not thread-safe. */
  public static final class Rows implements AutoCloseable {
    private final INDArray matrix;
    private final int rows;
    private final int dimension;

    private Rows(float[] data, int rows, int dimension) {
      long floats = (long) rows * dimension;
      Objects.checkFromIndexSize(0, (int) Math.min(Integer.MAX_VALUE, floats), data.length);
      // One bulk copy into the off-heap buffer: Nd4j.create(float[]) moved 205 MB of rows at
      // about 0.7 GB/s (0.28 s of a 1,000-query search over 100,000 x 512).
      this.matrix = Nd4j.createUninitialized(DataType.FLOAT, rows, dimension);
      ((FloatBuffer) matrix.data().asNioFloat()).put(data, 0, (int) floats);
      this.rows = rows;
      this.dimension = dimension;
    }

    /**
     * The dot products of queries with every row of this block.
     *
     * @param queries {@code count} queries, row after row
     * @param count the number of queries
     * @return {@code count x rows} scores, row-major: {@code [q * rows + i]}
     */
    public float[] dotProducts(float[] queries, int count) {
      if ((long) count * dimension > queries.length) {
        throw new IllegalArgumentException(count + " queries of " + dimension
            + " components need " + (long) count * dimension + " floats, got " + queries.length);
      }
      try (INDArray q = Nd4j.createUninitialized(DataType.FLOAT, count, dimension);
          INDArray out = Nd4j.createUninitialized(DataType.FLOAT, count, rows)) {
        ((FloatBuffer) q.data().asNioFloat()).put(queries, 0, count * dimension);
        Nd4j.gemm(q, matrix, out, false, true, 1.0, 0.0);
        // A bulk copy out: DataBuffer.asFloat() took about as long as the product itself.
        float[] scores = new float[count * rows];
        ((FloatBuffer) out.data().asNioFloat()).get(scores);
        return scores;
      }
    }

    @Override
    public void close() {
      matrix.close();
    }
  }
}
