package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.NeighborIndex;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.MappedNpy;
import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.core.vector.VectorMath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongPredicate;

/**
 * Exact k-nearest-neighbour search over {@code float[]} vectors by brute force: every query is
 * compared with every stored vector. The vectors live row after row in large {@code float[]}
 * blocks (16 MiB each), so an index may hold more than 2<sup>31</sup> floats (a million 512-d
 * vectors is 512 million), and a scan streams through memory in order.
 *
 * <p>Any {@link DistanceMetric} works; the built-in {@link StandardMetric}s run on the SIMD
 * kernels of {@link VectorMath} without copying rows (Euclidean ranks by squared distance and
 * takes the square root of the k results only; cosine uses norms computed when vectors are
 * added). For many queries at once under dot product, cosine or (squared) Euclidean, {@link
 * NeighborIndex#searchAll searchAll} scores through ND4J matrix products when {@link
 * BatchScorer#prefersMatrixProduct(int, int)} says that is faster, then recomputes the exact
 * distances of twice k candidates per query with the kernels, so both routes return the same
 * distances.
 *
 * <p>Ids are the caller's {@code long}s ({@link #add(long, float[])}) or, for an index filled
 * with {@link #add(String, float[])}, {@code 0, 1, 2, ...} in the order added (the row numbers
 * until an entry is {@linkplain #remove(long) removed}; kept through removals and files), with
 * {@link #key(long)} giving the key back; one index holds one kind. Ids are not checked for
 * uniqueness. {@link #search(Object, int, java.util.function.LongPredicate)} searches within
 * the entries a filter accepts; {@link #remove(long)} and {@link #removeIf} take entries out.
 *
 * <p>Threads: searches may run concurrently with each other; an add waits for running searches
 * to finish and blocks new ones until it is done (a read-write lock), so a search sees the index
 * either before or after an add, never half of it. Each search uses up to {@link
 * Builder#threads(int)} threads: split by queries when there are many, else by rows, with one
 * bounded heap per thread merged at the end.
 *
 * <pre>{@code
 * FlatIndex index = FlatIndex.builder(512).metric(StandardMetric.COSINE).build();
 * index.add(42L, embedding);
 * List<Neighbor> hits = index.search(query, 10);
 * index.save(Path.of("photos.fidx"));
 * }</pre>
 */
public final class FlatIndex extends BaseIndex<float[]> {

  /** The kind and version of the saved file. */
  static final String KIND = "FIDX";
  static final int VERSION = 2;

  /** Floats per storage block (16 MiB): large enough to stream, small enough to allocate. */
  static final int BLOCK_FLOATS = 1 << 22;
  /** Rows scanned together against each query of a group so they stay in the L2 cache. */
  private static final int SCAN_TILE_BYTES = 128 * 1024;

  private enum Route { DOT, COSINE, SQUARED, EUCLIDEAN, MANHATTAN, SIGN_HAMMING, CUSTOM }

  /**
   * Whether ND4J is on the class path. Without it (a class path cut down to the search classes,
   * as the GPU check carries) searches of many queries take the kernels instead of ND4J's
   * matrix products.
   */
  private static final boolean ND4J_PRESENT = classPresent("org.nd4j.linalg.factory.Nd4j");

  private static boolean classPresent(String name) {
    try {
      Class.forName(name, false, FlatIndex.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private final int dimension;
  private final DistanceMetric metric;
  private final Route route;
  private final int rowsPerBlock;
  private final int tileRows;
  private final Boolean matrixProduct;
  private final boolean groupQueries;
  private final EmbedderDescription embedder;
  private final List<float[]> blocks = new ArrayList<>();
  /** The rows of a mapped index (read from its file, not stored in blocks), or null. */
  private final MappedNpy mapped;
  /** Set once a mapped index has read its rows: it takes no adds or removals after that. */
  private boolean sealed;
  /** Where searches take their candidates from, or null to find them here. */
  private volatile CandidateSource candidateSource;

  /**
   * The off-heap buffers of the last matrix-product search, kept for the next one: fresh
   * buffers cost a page fault and the kernel's zeroing per 4 KiB page on their first write (48
   * MiB for 1,024 queries over 512-d rows), which made successive searches of one batch vary by
   * a third on the development machine. Concurrent searches take it in turn or allocate their
   * own; the memory is freed with the index.
   */
  private final AtomicReference<ProductBuffers> spareBuffers = new AtomicReference<>();

  /** A score buffer and a row buffer, with the sizes they hold. */
  private record ProductBuffers(BatchScorer.Scores scores, BatchScorer.Rows rows,
      long scoreCapacity, int rowCapacity) implements AutoCloseable {
    @Override
    public void close() {
      scores.close();
      rows.close();
    }
  }
  private float[] squareNorms = new float[16];
  // Rows whose squared norm left float's accurate range (huge, or tiny but not zero): the
  // matrix-product route's float sums cannot rank them, so searches then take the kernels.
  private int extremeRows;

  private FlatIndex(Builder b) {
    super(b.threads);
    this.dimension = b.dimension;
    this.metric = b.metric;
    this.route = routeOf(b.metric);
    this.rowsPerBlock = Math.max(1, b.blockFloats / dimension);
    this.tileRows = Math.max(1, SCAN_TILE_BYTES / (4 * dimension));
    this.matrixProduct = b.matrixProduct;
    this.groupQueries = b.groupQueries;
    this.candidateSource = b.candidateSource;
    this.embedder = b.embedder;
    this.mapped = b.mapped;
  }

  /**
   * An exact index over the rows of a float32 {@code .npy} matrix read in place: the file is
   * mapped into memory and scanned from the operating system's page cache, so a collection
   * larger than the Java heap (or than the memory, at the disk's speed) can be searched. The
   * heap holds 12 bytes a row (the id and the squared norm), not the vectors. Ids are the row
   * numbers. Searches, filters, {@link #searchAll} on all threads, {@link #vectorAt} and {@link
   * #save} work as on a loaded index and give the same answers; adds and removals are refused
   * (the file is the index). Opening reads the file once (the norms, and the checksum of a file
   * this SDK wrote).
   *
   * <pre>{@code
   * FlatIndex big = FlatIndex.map(Path.of("photos.npy"), StandardMetric.COSINE);
   * List<Neighbor> hits = big.search(query, 10);
   * }</pre>
   *
   * @param npy a C-ordered {@code (n, d)} float32 little-endian {@code .npy} file, as {@code
   *     embeddings4j embed} and NumPy write; it must not change while the index is in use
   * @param metric the metric
   * @return the index, searching on all processors
   * @throws IllegalArgumentException for another dtype, order or shape, naming the file and
   *     the fix
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated or its
   *     data do not match the checksum its header records
   * @throws IOException if the file cannot be read
   */
  public static FlatIndex map(Path npy, DistanceMetric metric) throws IOException {
    return map(npy, metric, SearchThreads.defaultParallelism(), MappedNpy.SEGMENT_BYTES);
  }

  /**
   * As {@link #map(Path, DistanceMetric)} with a number of search threads.
   *
   * @param npy the file
   * @param metric the metric
   * @param threads the most threads one search uses, at least 1
   * @return the index
   * @throws IOException as {@link #map(Path, DistanceMetric)}
   */
  public static FlatIndex map(Path npy, DistanceMetric metric, int threads) throws IOException {
    return map(npy, metric, threads, MappedNpy.SEGMENT_BYTES);
  }

  static FlatIndex map(Path npy, DistanceMetric metric, int threads, long segmentBytes)
      throws IOException {
    MappedNpy rows = MappedNpy.open(npy, segmentBytes);
    Builder b = builder(rows.dimension()).metric(metric).threads(threads);
    b.mapped = rows;
    FlatIndex index = b.build();
    int d = rows.dimension();
    int batch = Math.max(1, Math.min(rows.rows(), (1 << 20) / d));
    float[] flat = new float[batch * d];
    java.util.zip.CRC32C sum = rows.checksum();
    // One pass: each segment's checksum, then its rows' norms while its pages are still cached.
    for (int s = 0; s < rows.segments(); s++) {
      if (sum != null) {
        rows.add(sum, s);
      }
      for (int from = rows.firstRowOf(s); from < rows.firstRowOf(s + 1); from += batch) {
        int to = Math.min(rows.firstRowOf(s + 1), from + batch);
        rows.copy(from, to, flat, 0);
        for (int r = from; r < to; r++) {
          int off = (r - from) * d;
          index.add(r, Arrays.copyOfRange(flat, off, off + d));
        }
      }
    }
    rows.verify(sum);
    index.sealed = true;
    return index;
  }

  /** Whether this index reads its rows from a mapped file ({@link #map}). */
  boolean isMapped() {
    return mapped != null;
  }

  private UnsupportedOperationException readOnly() {
    return new UnsupportedOperationException("this index searches " + mapped.file()
        + " in place and takes no adds or removals; load the rows (FlatIndex.builder(...)"
        + ".addAll) for an index that changes");
  }

  /**
   * The storage of rows {@code [r0, r1)}, which lie in one block: the block itself, or for a
   * mapped index {@code tile}, filled with them. The rows start at {@link #tileBase}.
   */
  private float[] rowsOf(int r0, int r1, float[] tile) {
    if (mapped != null) {
      mapped.copy(r0, r1, tile, 0);
      return tile;
    }
    return blocks.get(r0 / rowsPerBlock);
  }

  /** Where row {@code r0} starts in what {@link #rowsOf} returned. */
  private int tileBase(int r0) {
    return mapped != null ? 0 : (r0 - (r0 / rowsPerBlock) * rowsPerBlock) * dimension;
  }

  private static Route routeOf(DistanceMetric m) {
    if (m instanceof StandardMetric s) {
      return switch (s) {
        case DOT_PRODUCT -> Route.DOT;
        case COSINE -> Route.COSINE;
        case SQUARED_EUCLIDEAN -> Route.SQUARED;
        case EUCLIDEAN -> Route.EUCLIDEAN;
        case MANHATTAN -> Route.MANHATTAN;
        case HAMMING -> Route.SIGN_HAMMING;
      };
    }
    return Route.CUSTOM;
  }

  /**
   * Starts building an index of vectors of the given dimension (Euclidean by default).
   *
   * @param dimension the vector length, at least 1
   * @return a builder
   * @throws IllegalArgumentException if {@code dimension < 1}
   */
  public static Builder builder(int dimension) {
    return new Builder(dimension);
  }

  /** Options of a {@link FlatIndex}. Not thread-safe; {@link #build()} copies what it needs. */
  public static final class Builder {
    private final int dimension;
    private DistanceMetric metric = StandardMetric.EUCLIDEAN;
    private int threads = SearchThreads.defaultParallelism();
    private int blockFloats = BLOCK_FLOATS;
    private Boolean matrixProduct;
    private boolean groupQueries = true;
    private CandidateSource candidateSource;
    private EmbedderDescription embedder;
    private MappedNpy mapped;

    private Builder(int dimension) {
      if (dimension < 1) {
        throw new IllegalArgumentException("dimension must be >= 1: " + dimension);
      }
      this.dimension = dimension;
    }

    /**
     * The metric to rank by (default Euclidean).
     *
     * @param metric the metric
     * @return this builder
     */
    public Builder metric(DistanceMetric metric) {
      this.metric = Objects.requireNonNull(metric, "metric");
      return this;
    }

    /**
     * The most threads one search uses (default: the number of processors).
     *
     * @param threads at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1: " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Forces the route of searches of many queries: true for matrix products whenever the
     * metric allows, false for the per-pair kernels, null (default) to let {@link
     * BatchScorer#prefersMatrixProduct} decide. For measuring the crossover.
     */
    Builder matrixProduct(Boolean matrixProduct) {
      this.matrixProduct = matrixProduct;
      return this;
    }

    /**
     * Takes the candidates of searches from an accelerator, which the index then measures
     * exactly (see {@link CandidateSource}); default none.
     *
     * @param source the source, or null for none
     * @return this builder
     */
    public Builder candidates(CandidateSource source) {
      this.candidateSource = source;
      return this;
    }

    /**
     * Records how the indexed vectors were made, so that whoever searches the index, or loads
     * it from its file, can check that the queries were made the same way ({@link
     * EmbedderDescription#differences}); default none.
     *
     * @param embedder the description of the indexed vectors' embedder, or null for none
     * @return this builder
     * @throws IllegalArgumentException if its dimension is not the index's
     */
    public Builder embedder(EmbedderDescription embedder) {
      this.embedder = IndexEmbedder.checked(embedder, dimension);
      return this;
    }

    /** Whether scans read each row once for four queries (default); off to measure the gain. */
    Builder groupQueries(boolean groupQueries) {
      this.groupQueries = groupQueries;
      return this;
    }

    /** Smaller storage blocks, so that tests cross block boundaries with few vectors. */
    Builder blockFloats(int floats) {
      this.blockFloats = floats;
      return this;
    }

    /**
     * Builds an empty index.
     *
     * @return the index
     */
    public FlatIndex build() {
      return new FlatIndex(this);
    }
  }

  /**
   * The vector length.
   *
   * @return the dimension
   */
  public int dimension() {
    return dimension;
  }

  @Override
  public DistanceMetric metric() {
    return metric;
  }

  /**
   * How the indexed vectors were made, as given to {@link Builder#embedder} or recorded in the
   * loaded file. Check a query embedder against it before searching: {@code
   * index.embedder().map(e -> e.differences(queryEmbedder.describe()))} is empty or names what
   * differs.
   *
   * @return the description, or empty when nobody recorded one
   */
  public Optional<EmbedderDescription> embedder() {
    return Optional.ofNullable(embedder);
  }

  /**
   * Takes the candidates of later searches from an accelerator, which the index then measures
   * exactly (see {@link CandidateSource}); searches already running keep the source they began
   * with.
   *
   * @param source the source, or null to find candidates here again
   */
  public void candidates(CandidateSource source) {
    this.candidateSource = source;
  }

  /**
   * Adds a vector under the caller's id.
   *
   * @param id the id searches return for it
   * @param vector the vector (copied)
   * @throws IllegalArgumentException if its length is not {@link #dimension()}
   * @throws IllegalStateException if this index holds string keys
   */
  public void add(long id, float[] vector) {
    addWithId(id, vector);
  }

  /**
   * Adds a vector under a string key; its id is the next in {@code 0, 1, 2, ...} (its row
   * number until an entry is removed).
   *
   * @param key the key, unique in this index
   * @param vector the vector (copied)
   * @return the id searches return for it
   * @throws IllegalArgumentException if the key is already present or the length is wrong
   * @throws IllegalStateException if this index holds numeric ids
   */
  public long add(String key, float[] vector) {
    return addWithKey(key, vector);
  }

  /**
   * Adds many vectors with the ids {@code firstId, firstId + 1, ...}.
   *
   * @param firstId the id of {@code vectors[0]}
   * @param vectors the vectors (copied)
   * @throws IllegalArgumentException if one has the wrong length (none is added then)
   */
  public void addAll(long firstId, float[][] vectors) {
    for (int i = 0; i < vectors.length; i++) {
      checkVector(Objects.requireNonNull(vectors[i], "vectors[" + i + "]"), "vectors[" + i + "]");
    }
    for (int i = 0; i < vectors.length; i++) {
      add(firstId + i, vectors[i]);
    }
  }

  @Override
  void checkVector(float[] vector, String what) {
    if (vector.length != dimension) {
      throw new IllegalArgumentException("vector dimensions differ: " + what + " has "
          + vector.length + " components, the index " + dimension);
    }
  }

  @Override
  int rowCost() {
    return dimension;
  }

  @Override
  void appendRow(int row, float[] vector) {
    if (sealed) {
      throw readOnly(); // before anything changes: the caller appends the id after this
    }
    if (mapped == null) {
      storeRow(row, vector);
    }
    if (row == squareNorms.length) {
      squareNorms = Arrays.copyOf(squareNorms, (int) Math.min(Integer.MAX_VALUE - 8, 2L * row));
    }
    squareNorms[row] = VectorMath.dotProduct(vector, vector);
    if (extreme(vector, squareNorms[row])) {
      extremeRows++;
    }
  }

  private void storeRow(int row, float[] vector) {
    int b = row / rowsPerBlock;
    int offset = (row - b * rowsPerBlock) * dimension;
    if (b == blocks.size()) {
      // Grow the last block by doubling so that small indexes stay small.
      blocks.add(new float[Math.min(rowsPerBlock, 16) * dimension]);
    }
    float[] block = blocks.get(b);
    if (offset + dimension > block.length) {
      block = Arrays.copyOf(block, (int) Math.min((long) rowsPerBlock * dimension,
          Math.max(2L * block.length, offset + dimension)));
      blocks.set(b, block);
    }
    System.arraycopy(vector, 0, block, offset, dimension);
  }

  @Override
  void compactRows(BitSet removed, int rows) {
    if (mapped != null) {
      throw readOnly();
    }
    int d = dimension;
    int w = 0;
    int extremes = 0;
    for (int r = 0; r < rows; r++) {
      if (removed.get(r)) {
        continue;
      }
      if (w != r) {
        float[] from = blocks.get(r / rowsPerBlock);
        float[] to = blocks.get(w / rowsPerBlock);
        System.arraycopy(from, (r % rowsPerBlock) * d, to, (w % rowsPerBlock) * d, d);
        squareNorms[w] = squareNorms[r];
      }
      w++;
    }
    // Blocks past the last row are dropped; the extremes are counted again.
    int keepBlocks = (w + rowsPerBlock - 1) / rowsPerBlock;
    while (blocks.size() > keepBlocks) {
      blocks.remove(blocks.size() - 1);
    }
    float[] row = new float[d];
    for (int r = 0; r < w; r++) {
      float sq = squareNorms[r];
      if (VectorMath.outsideFloatRange(sq) && !Float.isNaN(sq)) {
        System.arraycopy(blocks.get(r / rowsPerBlock), (r % rowsPerBlock) * d, row, 0, d);
        if (extreme(row, sq)) {
          extremes++;
        }
      }
    }
    extremeRows = extremes;
  }

  /** A vector whose squared norm is infinite or underflowed (a zero vector is not extreme). */
  private static boolean extreme(float[] vector, float squareNorm) {
    if (!VectorMath.outsideFloatRange(squareNorm) || Float.isNaN(squareNorm)) {
      return false;
    }
    if (squareNorm != 0f) {
      return true;
    }
    for (float x : vector) {
      if (x != 0f) {
        return true;
      }
    }
    return false;
  }

  /**
   * A copy of the vector stored in a row.
   *
   * @param row the row, in {@code [0, size())}, in the order vectors were added
   * @return the vector
   */
  public float[] vectorAt(int row) {
    lock.readLock().lock();
    try {
      Objects.checkIndex(row, rowCount());
      if (mapped != null) {
        float[] v = new float[dimension];
        mapped.copy(row, row + 1, v, 0);
        return v;
      }
      int b = row / rowsPerBlock;
      int offset = (row - b * rowsPerBlock) * dimension;
      return Arrays.copyOfRange(blocks.get(b), offset, offset + dimension);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  Object prepare(float[][] queries) {
    float[] norms = new float[queries.length];
    for (int q = 0; q < queries.length; q++) {
      norms[q] = VectorMath.dotProduct(queries[q], queries[q]);
    }
    return norms;
  }

  @Override
  void scan(float[][] queries, Object prepared, int qFrom, int qTo, int rowFrom, int rowTo,
      TopK[] heaps) {
    float[] queryNorms = (float[]) prepared;
    float[] scratch = route == Route.CUSTOM ? new float[dimension] : null;
    // Four queries share each row read for dot, cosine and L2 (see VectorMath.dotProduct4).
    // Not for Manhattan: a four-query L1 kernel measured 9x slower than four one-query calls
    // on JDK 17 (its absolute values did not stay in registers), so it was dropped.
    boolean grouped = groupQueries && (route == Route.DOT || route == Route.COSINE
        || route == Route.SQUARED || route == Route.EUCLIDEAN);
    float[] four = new float[4];
    float[] tile = mapped != null ? new float[tileRows * dimension] : null;
    int r0 = rowFrom;
    while (r0 < rowTo) {
      int b = r0 / rowsPerBlock;
      int blockEnd = Math.min(rowTo, (b + 1) * rowsPerBlock);
      int r1 = Math.min(blockEnd, r0 + tileRows);
      float[] block = rowsOf(r0, r1, tile);
      int base = tileBase(r0);
      int q = qFrom;
      if (grouped) {
        for (; q + 4 <= qTo; q += 4) {
          scanTile4(queries, queryNorms, q, block, base, r0, r1, heaps, four);
        }
      }
      for (; q < qTo; q++) {
        scanTile(queries[q], queryNorms[q], block, base, r0, r1, heaps[q], scratch);
      }
      r0 = r1;
    }
  }

  @Override
  void scanRows(float[][] queries, Object prepared, int qFrom, int qTo, int[] rows, int from,
      int to, TopK[] heaps) {
    float[] queryNorms = (float[]) prepared;
    float[] scratch = route == Route.CUSTOM ? new float[dimension] : null;
    float[] gathered = mapped != null ? new float[tileRows * dimension] : null;
    // Rows in groups that fit the cache while every query runs over them.
    for (int g0 = from; g0 < to; g0 += tileRows) {
      int g1 = Math.min(to, g0 + tileRows);
      if (mapped != null) {
        // The group's rows, read once from the file for every query.
        for (int i = g0; i < g1; i++) {
          mapped.copy(rows[i], rows[i] + 1, gathered, (i - g0) * dimension);
        }
        for (int q = qFrom; q < qTo; q++) {
          TopK heap = heaps[q];
          for (int i = g0; i < g1; i++) {
            double dist = rowDistance(queries[q], queryNorms[q], gathered, (i - g0) * dimension,
                rows[i], scratch);
            if (!(dist > heap.bound())) {
              heap.offer(dist, idOfRow(rows[i]));
            }
          }
        }
        continue;
      }
      for (int q = qFrom; q < qTo; q++) {
        float[] query = queries[q];
        TopK heap = heaps[q];
        for (int i = g0; i < g1; i++) {
          int row = rows[i];
          int b = row / rowsPerBlock;
          int off = (row - b * rowsPerBlock) * dimension;
          double dist = rowDistance(query, queryNorms[q], blocks.get(b), off, row, scratch);
          if (!(dist > heap.bound())) {
            heap.offer(dist, idOfRow(row));
          }
        }
      }
    }
  }

  /**
   * One query against rows {@code [r0, r1)} of one block, starting at {@code base}: one loop
   * per route so that the loop body is a single kernel call and a compare.
   */
  private void scanTile(float[] query, float queryNorm, float[] block, int base, int r0, int r1,
      TopK heap, float[] scratch) {
    int d = dimension;
    double bound = heap.bound();
    int off = base;
    // "not greater" lets NaN bounds (heap not yet full), NaN distances and ties through to
    // the exact comparison in TopK.offer.
    switch (route) {
      case DOT -> {
        for (int r = r0; r < r1; r++, off += d) {
          double dist = -(double) VectorMath.dotProduct(query, 0, block, off, d);
          if (!(dist > bound)) {
            heap.offer(dist, idOfRow(r));
            bound = heap.bound();
          }
        }
      }
      case SQUARED, EUCLIDEAN -> {
        for (int r = r0; r < r1; r++, off += d) {
          double dist = VectorMath.squareDistance(query, 0, block, off, d);
          if (!(dist > bound) || dist == Double.POSITIVE_INFINITY) {
            offerSquare(heap, dist, idOfRow(r), query, block, off);
            bound = heap.bound();
          }
        }
      }
      case MANHATTAN -> {
        for (int r = r0; r < r1; r++, off += d) {
          double dist = VectorMath.manhattan(query, 0, block, off, d);
          if (!(dist > bound)) {
            heap.offer(dist, idOfRow(r));
            bound = heap.bound();
          }
        }
      }
      default -> {
        for (int r = r0; r < r1; r++, off += d) {
          double dist = rowDistance(query, queryNorm, block, off, r, scratch);
          if (!(dist > bound)) {
            heap.offer(dist, idOfRow(r));
            bound = heap.bound();
          }
        }
      }
    }
  }

  /**
   * Queries {@code [q, q + 4)} against rows {@code [r0, r1)} of one block: each row is read
   * once for the four, and each distance has the bits of the one-query path.
   */
  private void scanTile4(float[][] queries, float[] queryNorms, int q, float[] block, int base,
      int r0, int r1, TopK[] heaps, float[] out) {
    int d = dimension;
    float[] q0 = queries[q];
    float[] q1 = queries[q + 1];
    float[] q2 = queries[q + 2];
    float[] q3 = queries[q + 3];
    int off = base;
    for (int r = r0; r < r1; r++, off += d) {
      switch (route) {
        case DOT, COSINE -> VectorMath.dotProduct4(block, off, q0, q1, q2, q3, d, out);
        default -> VectorMath.squareDistance4(block, off, q0, q1, q2, q3, d, out);
      }
      long id = idOfRow(r);
      for (int j = 0; j < 4; j++) {
        TopK heap = heaps[q + j];
        switch (route) {
          case DOT, COSINE -> {
            double dist = route == Route.DOT ? -(double) out[j]
                : cosineDistance(out[j], queryNorms[q + j], r, queries[q + j], block, off);
            if (!(dist > heap.bound())) {
              heap.offer(dist, id);
            }
          }
          default -> {
            double dist = out[j];
            if (!(dist > heap.bound()) || dist == Double.POSITIVE_INFINITY) {
              offerSquare(heap, dist, id, queries[q + j], block, off);
            }
          }
        }
      }
    }
  }

  /** The ranking distance of one row; the switch is on a final field, so the JIT hoists it. */
  private double rowDistance(float[] query, float queryNorm, float[] block, int off, int row,
      float[] scratch) {
    int d = dimension;
    switch (route) {
      case DOT:
        return -(double) VectorMath.dotProduct(query, 0, block, off, d);
      case COSINE:
        return cosineDistance(VectorMath.dotProduct(query, 0, block, off, d), queryNorm, row,
            query, block, off);
      case SQUARED:
      case EUCLIDEAN: {
        float s = VectorMath.squareDistance(query, 0, block, off, d);
        return VectorMath.outsideFloatRange(s)
            ? VectorMath.wideSquareDistance(query, 0, block, off, d) : s;
      }
      case MANHATTAN:
        return VectorMath.manhattan(query, 0, block, off, d);
      case SIGN_HAMMING:
        return VectorMath.signHamming(query, 0, block, off, d);
      default:
        System.arraycopy(block, off, scratch, 0, d);
        return metric.distance(query, scratch);
    }
  }

  /**
   * A squared distance that passed the heap's bound (or overflowed): a float sum outside
   * float's accurate range (0 included: underflow, or an exact duplicate) is recomputed in
   * double before it is offered, so tiny and huge vectors rank by their real distances.
   */
  private void offerSquare(TopK heap, double dist, long id, float[] query, float[] block,
      int off) {
    if (VectorMath.outsideFloatRange((float) dist)) {
      dist = VectorMath.wideSquareDistance(query, 0, block, off, dimension);
    }
    if (!(dist > heap.bound())) {
      heap.offer(dist, id);
    }
  }

  /**
   * One minus the cosine from the dot product and the stored squared norms, or from the
   * vectors when a norm is outside float's accurate range (zero, tiny, huge, NaN).
   */
  private double cosineDistance(float dot, float queryNorm, int row, float[] query,
      float[] block, int off) {
    float rowNorm = squareNorms[row];
    if (VectorMath.outsideFloatRange(queryNorm) || VectorMath.outsideFloatRange(rowNorm)) {
      return 1.0 - (double) VectorMath.cosine(query, 0, block, off, dimension);
    }
    return 1.0 - (double) VectorMath.cosineFromSums(dot, queryNorm, rowNorm);
  }

  @Override
  double finish(double rankingDistance) {
    return route == Route.EUCLIDEAN ? Math.sqrt(rankingDistance) : rankingDistance;
  }

  @Override
  TopK[] searchBatched(float[][] queries, Object prepared, int k, LongPredicate rowFilter) {
    int n = rowCount();
    if (!(route == Route.DOT || route == Route.COSINE || route == Route.SQUARED
        || route == Route.EUCLIDEAN)) {
      return null;
    }
    // Extremes first: neither a matrix product nor an accelerator can rank them, and the
    // check must not touch ND4J (an accelerator's class path may lack it).
    float[] queryNorms = (float[]) prepared;
    if (extremeRows > 0) {
      return null;
    }
    for (int q = 0; q < queries.length; q++) {
      if (extreme(queries[q], queryNorms[q])) {
        return null;
      }
    }
    CandidateSource source = candidateSource;
    // An accelerator ranks every row: it cannot honour a filter.
    if (source != null && rowFilter == null) {
      int[][] rows = source.candidates(queries, k, storedRows());
      if (rows != null) {
        return measure(queries, queryNorms, k, rows);
      }
    }
    if (!ND4J_PRESENT || !(matrixProduct != null ? matrixProduct
        : BatchScorer.prefersMatrixProduct(queries.length, n))) {
      return null;
    }
    int nq = queries.length;
    // Twice k candidates by the matrix-product scores (rounded differently, and squared
    // Euclidean through |q|^2 + |x|^2 - 2 q.x loses precision), then exact distances.
    int candidates = (int) Math.min(n, 2L * k);
    TopK[] approx = newHeaps(nq, candidates, rowFilter);
    int queryBatch = Math.max(1, Math.min(nq, BatchScorer.QUERY_BATCH));
    float[] rowTerms = route == Route.COSINE ? inverseNorms(n)
        : route == Route.DOT ? null : negativeHalfNorms(n);
    BatchScorer.Queries[] queryBlocks =
        new BatchScorer.Queries[(nq + queryBatch - 1) / queryBatch];
    int blockRows = Math.min(n, rowsPerBlock);
    long scoreCapacity = (long) queryBatch * blockRows;
    ProductBuffers buffers = spareBuffers.getAndSet(null);
    if (buffers == null || buffers.scoreCapacity() < scoreCapacity
        || buffers.rowCapacity() < blockRows) {
      if (buffers != null) {
        buffers.close();
      }
      buffers = new ProductBuffers(BatchScorer.Scores.allocate(scoreCapacity),
          BatchScorer.rowBuffer(blockRows, dimension), scoreCapacity, blockRows);
    }
    BatchScorer.Scores scores = buffers.scores();
    BatchScorer.Rows rowMatrix = buffers.rows();
    try {
      for (int qb = 0; qb < queryBlocks.length; qb++) {
        int from = qb * queryBatch;
        int to = Math.min(nq, from + queryBatch);
        float[] flat = new float[(to - from) * dimension];
        for (int q = from; q < to; q++) {
          System.arraycopy(queries[q], 0, flat, (q - from) * dimension, dimension);
        }
        queryBlocks[qb] = BatchScorer.queries(flat, to - from, dimension);
      }
      float[] mappedBlock = mapped != null ? new float[blockRows * dimension] : null;
      for (int b = 0; b * (long) rowsPerBlock < n; b++) {
        int rowStart = b * rowsPerBlock;
        int rows = Math.min(rowsPerBlock, n - rowStart);
        if (rows <= 0) {
          break;
        }
        loadBlock(rowMatrix, rowsOf(rowStart, rowStart + rows, mappedBlock), rows);
        for (int qb = 0; qb < queryBlocks.length; qb++) {
          rowMatrix.dotProducts(queryBlocks[qb], scores);
          selectApproximate(scores, qb * queryBatch, queryBlocks[qb].count(), rowStart,
              queryNorms, rowTerms, approx);
        }
      }
    } finally {
      for (BatchScorer.Queries q : queryBlocks) {
        if (q != null) {
          q.close();
        }
      }
      ProductBuffers previous = spareBuffers.getAndSet(buffers);
      if (previous != null) {
        previous.close();
      }
    }
    // Exact distances of the candidates, ranked again; the heaps carried row numbers.
    int[][] rows = new int[nq][];
    for (int q = 0; q < nq; q++) {
      TopK a = approx[q];
      rows[q] = new int[a.size()];
      for (int i = 0; i < a.size(); i++) {
        rows[q][i] = (int) a.idAt(i);
      }
    }
    return measure(queries, queryNorms, k, rows);
  }

  /**
   * The k nearest of each query's candidate rows by their exact distances, queries split among
   * the threads.
   */
  private TopK[] measure(float[][] queries, float[] queryNorms, int k, int[][] rows) {
    int nq = queries.length;
    int n = rowCount();
    if (rows.length != nq) {
      throw new IllegalStateException("the candidate source answered " + rows.length
          + " lists for " + nq + " queries");
    }
    TopK[] heaps = newHeaps(nq, k);
    List<Runnable> tasks = new ArrayList<>();
    int parts = Math.max(1, Math.min(threads, nq));
    for (int p = 0; p < parts; p++) {
      int from = (int) ((long) nq * p / parts);
      int to = (int) ((long) nq * (p + 1) / parts);
      tasks.add(() -> {
        float[] one = mapped != null ? new float[dimension] : null;
        for (int q = from; q < to; q++) {
          for (int row : rows[q]) {
            if (row < 0 || row >= n) {
              throw new IllegalStateException("the candidate source named row " + row
                  + " of an index of " + n + " rows");
            }
            heaps[q].offer(rowDistance(queries[q], queryNorms[q], rowsOf(row, row + 1, one),
                tileBase(row), row, null), idOfRow(row));
          }
        }
      });
    }
    SearchThreads.runAll(tasks);
    return heaps;
  }

  /** The rows as a {@link CandidateSource} reads them; valid under the caller's read lock. */
  private CandidateSource.Rows storedRows() {
    int n = rowCount();
    return new CandidateSource.Rows() {
      @Override
      public int count() {
        return n;
      }

      @Override
      public int dimension() {
        return dimension;
      }

      @Override
      public DistanceMetric metric() {
        return metric;
      }

      @Override
      public void copy(int fromRow, int toRow, float[] dest, int destOffset) {
        Objects.checkFromToIndex(fromRow, toRow, n);
        Objects.checkFromIndexSize(destOffset, (long) (toRow - fromRow) * dimension,
            dest.length);
        if (mapped != null) {
          mapped.copy(fromRow, toRow, dest, destOffset);
          return;
        }
        int r = fromRow;
        int at = destOffset;
        while (r < toRow) {
          int b = r / rowsPerBlock;
          int end = Math.min(toRow, (b + 1) * rowsPerBlock);
          int floats = (end - r) * dimension;
          System.arraycopy(blocks.get(b), (r - b * rowsPerBlock) * dimension, dest, at, floats);
          at += floats;
          r = end;
        }
      }

      @Override
      public float squareNorm(int row) {
        Objects.checkIndex(row, n);
        return squareNorms[row];
      }

      @Override
      public long generation() {
        return FlatIndex.this.generation();
      }
    };
  }

  /** Copies a storage block into ND4J's buffer, split among the search threads. */
  private void loadBlock(BatchScorer.Rows rowMatrix, float[] block, int rows) {
    rowMatrix.resize(rows);
    int parts = Math.min(threads, Math.max(1, rows / 1024));
    List<Runnable> tasks = new ArrayList<>(parts);
    for (int p = 0; p < parts; p++) {
      int from = (int) ((long) rows * p / parts);
      int to = (int) ((long) rows * (p + 1) / parts);
      tasks.add(() -> rowMatrix.copyRows(block, from, to));
    }
    SearchThreads.runAll(tasks);
  }

  /** {@code 1 / |x|} of the first n rows, 0 for a zero row (whose cosine is taken as 0). */
  private float[] inverseNorms(int n) {
    float[] inverse = new float[n];
    for (int r = 0; r < n; r++) {
      float sq = squareNorms[r];
      inverse[r] = sq == 0f ? 0f : (float) (1.0 / Math.sqrt(sq));
    }
    return inverse;
  }

  /** {@code -|x|^2 / 2} of the first n rows (exact: halving a float is). */
  private float[] negativeHalfNorms(int n) {
    float[] terms = new float[n];
    for (int r = 0; r < n; r++) {
      terms[r] = -0.5f * squareNorms[r];
    }
    return terms;
  }

  /**
   * Turns a block of scores into approximate distances and offers them, queries in parallel;
   * {@code rowTerms} are the rows' {@link #inverseNorms} for cosine, {@link #negativeHalfNorms}
   * for Euclidean.
   * Each thread copies one query's scores at a time into an array of its own (32 KB for 8,192
   * rows, so it stays in the cache) and runs a loop of one metric with no branch but the
   * comparison with the heap's bound, which rejects almost every row.
   */
  private void selectApproximate(BatchScorer.Scores scores, int qFrom, int count, int rowStart,
      float[] queryNorms, float[] rowTerms, TopK[] approx) {
    int parts = Math.min(threads, count);
    int rows = scores.rows();
    List<Runnable> tasks = new ArrayList<>(parts);
    for (int p = 0; p < parts; p++) {
      int from = (int) ((long) count * p / parts);
      int to = (int) ((long) count * (p + 1) / parts);
      tasks.add(() -> {
        float[] row = new float[rows];
        for (int j = from; j < to; j++) {
          scores.copyQuery(j, row);
          int q = qFrom + j;
          TopK heap = approx[q];
          switch (route) {
            case DOT -> offerDot(row, rows, rowStart, heap);
            case COSINE -> offerCosine(row, rows, rowStart, queryNorms[q], rowTerms, heap);
            default -> offerSquared(row, rows, rowStart, queryNorms[q], squareNorms, rowTerms,
                heap);
          }
        }
      });
    }
    SearchThreads.runAll(tasks);
  }

  // Each loop offers a row when its approximate distance is not above the heap's bound, as a
  // plain loop would, but finds the next such row with a SIMD filter over float values that
  // can only let more rows through (its threshold is lowered past the rounding of the float
  // arithmetic); the exact double test then decides. A heap that is not yet full takes every
  // row, one at a time.

  private static void offerDot(float[] scores, int rows, int rowStart, TopK heap) {
    int r = 0;
    while (r < rows) {
      double bound = heap.bound();
      if (!Double.isNaN(bound)) {
        r = VectorMath.firstAtLeast(scores, r, rows, floatAtMost(-bound));
        if (r == rows) {
          return;
        }
      }
      double dist = -(double) scores[r];
      if (!(dist > bound)) {
        heap.offer(dist, rowStart + r);
      }
      r++;
    }
  }

  private static void offerCosine(float[] scores, int rows, int rowStart, float queryNorm,
      float[] inverseNorms, TopK heap) {
    // Unclamped 1 - cos: only the ranking matters here, the candidates are measured again.
    double inverseQuery = queryNorm == 0f ? 0.0 : 1.0 / Math.sqrt(queryNorm);
    int r = 0;
    while (r < rows) {
      double bound = heap.bound();
      if (!Double.isNaN(bound) && inverseQuery > 0.0) {
        // 1 - s w q <= bound  <=>  s w >= (1 - bound) / q
        r = VectorMath.firstScaledAtLeast(scores, inverseNorms, rowStart, r, rows,
            loosened((1.0 - bound) / inverseQuery));
        if (r == rows) {
          return;
        }
      }
      double dist = 1.0 - scores[r] * inverseQuery * inverseNorms[rowStart + r];
      if (!(dist > bound)) {
        heap.offer(dist, rowStart + r);
      }
      r++;
    }
  }

  private static void offerSquared(float[] scores, int rows, int rowStart, float queryNorm,
      float[] squareNorms, float[] negativeHalfNorms, TopK heap) {
    int r = 0;
    while (r < rows) {
      double bound = heap.bound();
      if (!Double.isNaN(bound)) {
        // |q|^2 + |x|^2 - 2 s <= bound  <=>  s - |x|^2 / 2 >= (|q|^2 - bound) / 2
        r = VectorMath.firstShiftedAtLeast(scores, negativeHalfNorms, rowStart, r, rows,
            loosened(((double) queryNorm - bound) / 2.0));
        if (r == rows) {
          return;
        }
      }
      double dist = (double) queryNorm + squareNorms[rowStart + r] - 2.0 * scores[r];
      if (!(dist > bound)) {
        heap.offer(Math.max(0.0, dist), rowStart + r);
      }
      r++;
    }
  }

  /** The largest float not above x. */
  private static float floatAtMost(double x) {
    float f = (float) x;
    return f > x ? Math.nextDown(f) : f;
  }

  /**
   * A float threshold below x by more than the rounding of one float product or sum whose
   * exact value is x (relative 2^-24): a filter value that reaches x in exact arithmetic
   * reaches this in float.
   */
  private static float loosened(double x) {
    return floatAtMost(x - Math.abs(x) * 0x1p-20 - Float.MIN_NORMAL);
  }

  /**
   * Saves the index atomically in the checksummed container ({@code FIDX}, version 2): the
   * dimension, the metric, the {@linkplain #embedder() embedder's description}, the ids or keys
   * and the vectors. The metric is saved by name; an index with a metric of your own is loaded
   * with {@link #load(Path, DistanceMetric)}.
   *
   * @param file the file
   * @throws IOException if writing fails; an existing file is then left as it was
   */
  public void save(Path file) throws IOException {
    lock.readLock().lock();
    try {
      int n = rowCount();
      SdkFile.write(file, KIND, VERSION, out -> {
        out.writeInt(dimension);
        out.writeString(metric.metricName());
        out.writeDescription(embedder);
        out.writeInt(n);
        out.writeInt(hasStringKeys() ? 1 : 0);
        for (int r = 0; r < n; r++) {
          out.writeLong(idOfRow(r));
        }
        if (hasStringKeys()) {
          for (int r = 0; r < n; r++) {
            out.writeString(keyOfRow(r));
          }
        }
        float[] tile = mapped != null ? new float[Math.min(n, rowsPerBlock) * dimension] : null;
        for (int r = 0; r < n; r += rowsPerBlock) {
          int rows = Math.min(rowsPerBlock, n - r);
          out.writeFloats(rowsOf(r, r + rows, tile), 0, rows * dimension);
        }
      });
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Loads an index saved with a built-in metric (by this version, or by an older one whose
   * files record no embedder).
   *
   * @param file the file
   * @return the index, with the default thread count
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
   *     altered or not an index, or names a metric that is not built in, naming the file
   * @throws IOException if the file cannot be read
   */
  public static FlatIndex load(Path file) throws IOException {
    return load(file, null);
  }

  /**
   * Loads an index, with the given metric instead of the saved one (whose name must match).
   *
   * @param file the file
   * @param metric the metric, or null for the built-in one of the saved name
   * @return the index
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
   *     altered or not an index, naming the file
   *     (also when {@code metric}'s name is not the saved one)
   * @throws IOException if the file cannot be read
   */
  public static FlatIndex load(Path file, DistanceMetric metric) throws IOException {
    return SdkFile.read(file, KIND, VERSION, (in, version) -> {
      int dim = in.readInt();
      if (dim < 1) {
        throw in.damaged("dimension " + dim + " is not positive");
      }
      String name = in.readString();
      DistanceMetric m;
      if (metric == null) {
        try {
          m = StandardMetric.fromName(name);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("the index was saved with metric '" + name
              + "', which is not built in; load it with load(file, metric)");
        }
      } else if (!metric.metricName().equals(name)) {
        throw new IllegalArgumentException("the index was saved with metric '" + name
            + "', not '" + metric.metricName() + "'");
      } else {
        m = metric;
      }
      EmbedderDescription described = IndexEmbedder.read(in, version, dim);
      int n = in.readInt();
      boolean keyed = in.readInt() == 1;
      in.require(n, (int) Math.min(Integer.MAX_VALUE, 8 + 4L * dim), "entries");
      long[] ids = new long[n];
      in.readLongs(ids, 0, n);
      String[] keys = null;
      if (keyed) {
        keys = new String[n];
        for (int r = 0; r < n; r++) {
          keys[r] = in.readString();
        }
      }
      FlatIndex index = builder(dim).metric(m).embedder(described).build();
      // Sized only once a row is known to be in the file: a crafted empty index declaring a
      // dimension of two billion would otherwise allocate 8 GB here.
      float[] row = new float[n == 0 ? 0 : dim];
      for (int r = 0; r < n; r++) {
        in.readFloats(row, 0, dim);
        if (keyed) {
          try {
            index.addWithKey(keys[r], ids[r], row);
          } catch (IllegalArgumentException e) {
            throw in.damaged("entry " + r + ": " + e.getMessage());
          }
        } else {
          index.add(ids[r], row);
        }
      }
      return index;
    });
  }
}
