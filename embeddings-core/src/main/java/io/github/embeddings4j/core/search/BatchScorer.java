package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.vector.VectorMath;
import java.nio.FloatBuffer;
import java.util.Objects;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scores many queries against many vectors at once through ND4J's single-precision matrix
 * product ({@code sgemm}): dot products directly, cosine from the dot products and the norms,
 * squared Euclidean as {@code |q|^2 + |x|^2 - 2 q.x}. A matrix product reuses each vector from
 * the caches for many queries, which the per-pair kernels of {@link VectorMath} cannot; it pays
 * a copy of the data into ND4J's off-heap memory per search, so it wins only from some number of
 * queries on; {@code FlatIndex} uses it from {@link #MIN_QUERIES} queries (64 with ND4J's oneDNN
 * build, never with the others; see {@code docs/vector-math.md}). For many blocks of rows, keep
 * the queries ({@link #queries}), one row buffer ({@link #rowBuffer}) and one score buffer
 * ({@link Scores#allocate}) for the whole search, as {@code FlatIndex} does.
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
   * {@value #ONEDNN_MIN_QUERIES} when ND4J's oneDNN build is loaded, else never. Over 100,000 x
   * 512 rows on the reference machine's 2 cores (session 4, {@code BatchCrossover}, Euclidean)
   * the SIMD kernels took 0.26x the route's time at 4 queries, 0.75x at 16, 1.09x at 32, 1.86x
   * at 64 and 4.1x at 1,024: the route pays a fixed copy of the rows into ND4J's memory per
   * search. The other builds are not measured with the current OpenBLAS set-up (with their
   * earlier one the kernels won at every batch size). {@value
   * #MIN_QUERIES_PROPERTY} sets it; run {@code BatchCrossover} on your machine to choose. Both
   * routes return the same neighbours.
   */
  public static final int MIN_QUERIES = Integer.getInteger(MIN_QUERIES_PROPERTY,
      NativeFlavour.isOneDnn() ? BatchScorer.ONEDNN_MIN_QUERIES : Integer.MAX_VALUE);

  /** The default of {@link #MIN_QUERIES} with the oneDNN build. */
  public static final int ONEDNN_MIN_QUERIES = 64;

  /** Below this many stored vectors the per-pair kernels always win (the copy dominates). */
  static final int MIN_ROWS = 1024;

  /** Queries per matrix product: bounds the score block at QUERY_BATCH x rows floats. */
  static final int QUERY_BATCH = 1024;

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
        if (metric != StandardMetric.DOT_PRODUCT && (VectorMath.outsideFloatRange(qn[q])
            || VectorMath.outsideFloatRange(vn[i]))) {
          // Zero, NaN, huge or tiny norms: the sums from the product are not accurate.
          out[q][i] = (float) metric.distance(queries[q], vectors[i]);
          continue;
        }
        out[q][i] = switch (metric) {
          case DOT_PRODUCT -> -s;
          case COSINE -> 1f - VectorMath.cosineFromSums(s, qn[q], vn[i]);
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
  static Rows rows(float[] data, int rows, int dimension) {
    Rows block = new Rows(rows, dimension);
    block.load(data, rows);
    return block;
  }

  /**
   * An empty buffer for blocks of up to {@code capacity} vectors, to be filled with {@link
   * Rows#load} block after block: one allocation for a whole search. A fresh 16 MB native
   * allocation per block cost its page faults on every copy (0.12 s of a 1,000-query search
   * over 100,000 x 512 rows, against 0.03 s reused).
   *
   * @param capacity the most vectors one block will hold
   * @param dimension their length
   * @return the buffer; close it to free its off-heap memory
   */
  static Rows rowBuffer(int capacity, int dimension) {
    return new Rows(capacity, dimension);
  }

  /** A block of vectors held in ND4J memory; not thread-safe. */
  static final class Rows implements AutoCloseable {
    private final FloatPointer memory;
    private final DataBuffer buffer;
    private final FloatBuffer view;
    private final int capacity;
    private final int dimension;
    private INDArray matrix;
    private int rows;

    private Rows(int capacity, int dimension) {
      if (capacity < 1 || dimension < 1 || (long) capacity * dimension > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("a row block needs 1.." + Integer.MAX_VALUE
            + " floats, got " + capacity + " x " + dimension);
      }
      this.memory = new FloatPointer((long) capacity * dimension);
      this.buffer = wrap(memory);
      this.view = (FloatBuffer) buffer.asNioFloat();
      this.capacity = capacity;
      this.dimension = dimension;
    }

    /**
     * Replaces the block's vectors.
     *
     * @param data the vectors, row after row (only the first {@code rows * dimension} are used)
     * @param rows the number of vectors, at most the capacity
     * @throws IndexOutOfBoundsException if {@code data} is shorter than {@code rows} vectors
     * @throws IllegalArgumentException if {@code rows} is not in {@code 1..capacity}
     */
    void load(float[] data, int rows) {
      resize(rows);
      copyRows(data, 0, rows);
    }

    /**
     * Sets the number of vectors the next products use, leaving their values to {@link
     * #copyRows}.
     *
     * @param rows the number of vectors, at most the capacity
     * @throws IllegalArgumentException if {@code rows} is not in {@code 1..capacity}
     */
    void resize(int rows) {
      if (rows < 1 || rows > capacity) {
        throw new IllegalArgumentException("a block of " + rows + " rows does not fit a buffer of "
            + capacity);
      }
      this.rows = rows;
      this.matrix = Nd4j.create(buffer, new long[] {rows, dimension}, new long[] {dimension, 1},
          0, 'c', DataType.FLOAT);
    }

    /**
     * Copies rows {@code [fromRow, toRow)} of {@code data} into the same rows of this block. Calls
     * for disjoint ranges may run on several threads at once (one thread's copy reached about
     * half of the machine's bandwidth on the reference machine).
     *
     * @param data the vectors, row after row
     * @param fromRow the first row copied
     * @param toRow one past the last, at most the size set by {@link #resize}
     * @throws IndexOutOfBoundsException if the range is not inside the block or {@code data}
     */
    void copyRows(float[] data, int fromRow, int toRow) {
      Objects.checkFromToIndex(fromRow, toRow, rows);
      int from = fromRow * dimension;
      int floats = (toRow - fromRow) * dimension;
      Objects.checkFromIndexSize(from, floats, data.length);
      // A bulk copy into the off-heap buffer: Nd4j.create(float[]) moved 205 MB of rows at
      // about 0.7 GB/s (0.28 s of a 1,000-query search over 100,000 x 512).
      view.put(from, data, from, floats);
    }

    /**
     * The dot products of queries with every row of this block.
     *
     * @param queries {@code count} queries, row after row
     * @param count the number of queries
     * @return {@code count x rows} scores, row-major: {@code [q * rows + i]}
     */
    float[] dotProducts(float[] queries, int count) {
      try (Queries q = BatchScorer.queries(queries, count, dimension);
          Scores out = Scores.allocate((long) count * rows)) {
        dotProducts(q, out);
        float[] scores = new float[count * rows];
        // A bulk copy out: DataBuffer.asFloat() took about as long as the product itself.
        out.view.get(0, scores);
        return scores;
      }
    }

    /**
     * The dot products of queries already in ND4J memory with every row of this block, into a
     * reused score buffer: the way to score many blocks without allocating or copying out
     * {@code queries x rows} floats per block (at 1,000 x 8,192 that was 32 MB each time).
     *
     * @param queries the queries, of this block's dimension
     * @param into where the {@code queries.count() x rows} scores go; they replace its previous
     *     contents
     * @throws IllegalArgumentException if the dimensions differ or {@code into} is too small
     */
    void dotProducts(Queries queries, Scores into) {
      if (queries.dimension != dimension) {
        throw new IllegalArgumentException("queries have " + queries.dimension
            + " components, the rows " + dimension);
      }
      into.shape(queries.count, rows);
      // A view of the shared buffer, not closed here: closing it would free the buffer.
      Nd4j.gemm(queries.matrix, matrix, into.matrix(), false, true, 1.0, 0.0);
    }

    @Override
    public void close() {
      memory.close();
    }
  }

  /**
   * Copies queries, row after row, into ND4J memory once for products with many blocks.
   *
   * @param data the queries, row after row (only the first {@code count * dimension} are used)
   * @param count the number of queries
   * @param dimension their length
   * @return the queries; close them to free their off-heap memory
   */
  static Queries queries(float[] data, int count, int dimension) {
    return new Queries(data, count, dimension);
  }

  /** Queries held in ND4J memory; may be used by one product at a time. */
  static final class Queries implements AutoCloseable {
    private final FloatPointer memory;
    private final INDArray matrix;
    private final int count;
    private final int dimension;

    private Queries(float[] data, int count, int dimension) {
      if (count < 1 || dimension < 1) {
        throw new IllegalArgumentException("need at least one query of at least one component, got "
            + count + " x " + dimension);
      }
      long floats = (long) count * dimension;
      if (floats > data.length) {
        throw new IllegalArgumentException(count + " queries of " + dimension
            + " components need " + floats + " floats, got " + data.length);
      }
      // Like the rows and the scores: JavaCPP's allocation, which does not touch the pages
      // (ND4J's took 1-2 ms for 1,000 x 512 floats, once per search).
      this.memory = new FloatPointer(floats);
      DataBuffer buffer = wrap(memory);
      ((FloatBuffer) buffer.asNioFloat()).put(data, 0, (int) floats);
      this.matrix = Nd4j.create(buffer, new long[] {count, dimension}, new long[] {dimension, 1},
          0, 'c', DataType.FLOAT);
      this.count = count;
      this.dimension = dimension;
    }

    /**
     * The number of queries.
     *
     * @return the count
     */
    int count() {
      return count;
    }

    @Override
    public void close() {
      memory.close();
    }
  }

  /**
   * An off-heap buffer that receives the scores of one product of queries with a block of rows,
   * reused from block to block; its rows are read out one query at a time, which several threads
   * may do at once.
   */
  static final class Scores implements AutoCloseable {
    private final FloatPointer memory;
    private final DataBuffer buffer;
    private final FloatBuffer view;
    private int queries;
    private int rows;

    private Scores(long capacity) {
      this.memory = new FloatPointer(capacity);
      this.buffer = wrap(memory);
      this.view = (FloatBuffer) buffer.asNioFloat();
    }

    /**
     * A buffer for up to {@code capacity} scores.
     *
     * @param capacity the largest {@code queries x rows} it will receive
     * @return the buffer; close it to free its off-heap memory
     */
    static Scores allocate(long capacity) {
      if (capacity < 1 || capacity > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("score buffer capacity must be 1.."
            + Integer.MAX_VALUE + ", got " + capacity);
      }
      return new Scores(capacity);
    }

    private void shape(int queries, int rows) {
      long need = (long) queries * rows;
      if (need > buffer.length()) {
        throw new IllegalArgumentException(queries + " x " + rows + " scores do not fit a buffer of "
            + buffer.length());
      }
      this.queries = queries;
      this.rows = rows;
    }

    private INDArray matrix() {
      return Nd4j.create(buffer, new long[] {queries, rows}, new long[] {rows, 1}, 0, 'c',
          DataType.FLOAT);
    }

    /**
     * The number of stored rows scored by the last product.
     *
     * @return the row count
     */
    int rows() {
      return rows;
    }

    /**
     * Copies one query's scores from the last product.
     *
     * @param query the query's position in the product, {@code 0 <= query < queries}
     * @param into receives {@link #rows()} scores from its start
     */
    void copyQuery(int query, float[] into) {
      Objects.checkIndex(query, queries);
      view.get(query * rows, into, 0, rows);
    }

    @Override
    public void close() {
      memory.close();
    }
  }

  /**
   * An ND4J buffer over memory allocated by JavaCPP: ND4J's own allocation of a 32 MB buffer
   * took about 20 ms (it touches every page), JavaCPP's plain allocation microseconds, the pages
   * then being mapped by the first product that writes them. The buffer does not own the memory;
   * the caller frees the pointer.
   */
  private static DataBuffer wrap(FloatPointer memory) {
    return Nd4j.getDataBufferFactory().create(memory, memory.capacity());
  }
}
