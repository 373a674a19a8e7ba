package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.NeighborIndex;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.core.vector.VectorMath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntPredicate;
import java.util.function.LongPredicate;

/**
 * Approximate k-nearest-neighbour search over {@code float[]} vectors on a hierarchical
 * navigable small-world graph (HNSW, Malkov and Yashunin 2016): each vector is a node linked to
 * up to {@link Builder#maxDegree(int) M} near neighbours per layer ({@code 2M} on layer 0),
 * chosen with the usual diversity heuristic, and a search walks from a fixed entry point down
 * the sparse upper layers, then keeps a beam of the {@code ef} nearest nodes seen on layer 0.
 * A query costs a few hundred distance computations instead of one per stored vector; the
 * price is recall: a search may miss some true neighbours, fewer the wider the beam.
 *
 * <p><b>Parameters and what they trade.</b> {@link Builder#maxDegree(int) maxDegree} (M,
 * default 16): more links, better recall at a given beam, more memory ({@code (2M + 1) * 4}
 * bytes a node) and slower adds. {@link Builder#beamWidth(int) beamWidth} (efConstruction,
 * default 200): the beam of each insertion; wider builds a better graph, slower.
 * {@link Builder#searchBeam(int) searchBeam} (ef, default 64), or {@link #search(float[], int,
 * int)}'s {@code ef}: the beam of a search, at least {@code k}; wider finds more of the true
 * neighbours and takes longer. {@link #searchExact(float[], int)} scans every stored vector and
 * is exact, for recall checks.
 *
 * <p><b>Metrics.</b> Euclidean and squared Euclidean; cosine (vectors and queries are
 * normalised, the graph ranks by inner product); dot product, on which HNSW is a heuristic:
 * inner product is not a metric (a vector need not be its own nearest neighbour), so recall on
 * raw inner products can be lower than on the others and should be measured on your data.
 * Manhattan, Hamming and metrics of your own are refused: use {@link FlatIndex}.
 *
 * <p><b>Compression.</b> With {@link Compression#INT8} each component is stored as one byte
 * (per-component range learned from the first {@value #FIT_ROWS} vectors, or from the whole
 * first {@code addAll} when it is larger; later values outside it are clamped), and searches
 * compare the float query with the codes. The float vectors then live in a memory-mapped
 * temporary file, off the Java heap, and are read only to {@link Builder#rerank(int)
 * re-rank}: the {@code k * factor} best candidates by code distance are measured again exactly
 * (factor 1, the default: the k results get exact distances; 0: no float is read and distances
 * are the codes' estimates). {@link #memoryBytes()} reports the parts. Close a compressed index
 * when done with it.
 *
 * <p><b>Ids, keys, errors</b> as in {@link FlatIndex}: the caller's {@code long}s or string
 * keys whose ids are node numbers ({@code 0, 1, 2, ...} in the order added); a search with
 * {@code k >= size()} returns every entry (an exact scan); an empty index returns empty lists;
 * a dimension mismatch is an {@link IllegalArgumentException} naming both lengths. Unlike {@code FlatIndex}, a vector or query
 * with a {@code NaN} or infinite component is refused (it would break the graph's ordering),
 * naming the row and component. Results are nearest first, equal distances by the smaller id.
 *
 * <p><b>Subsets and removals.</b> {@link #search(float[], int, int, LongPredicate)} returns the
 * nearest entries a filter accepts, walking through the others; {@link #remove(long)} and
 * {@link #removeIf} take entries out of every search while their nodes stay in the graph as
 * waypoints.
 *
 * <p><b>Threads.</b> Searches run concurrently with each other and with adds; a search sees a
 * node once its insertion (or its whole {@code addAll}) is complete, never a half-linked one.
 * Adds are serialised; {@link #addAll} inserts on {@link Builder#threads(int)} threads with
 * per-node locks. Built with {@code threads(1)} and a {@link Builder#seed(long) seed}, the
 * graph, the saved file and every search result are the same on every run; on more threads
 * the graph depends on the scheduling (its quality does not).
 *
 * <pre>{@code
 * GraphIndex index = GraphIndex.builder(512).metric(StandardMetric.COSINE)
 *     .maxDegree(16).beamWidth(200).searchBeam(64).build();
 * index.addAll(0L, embeddings);                       // ids 0, 1, 2, ...
 * List<Neighbor> hits = index.search(query, 10);      // beam max(10, 64)
 * List<Neighbor> wider = index.search(query, 10, 256);
 * index.save(Path.of("photos.gidx"));
 * GraphIndex again = GraphIndex.load(Path.of("photos.gidx"));
 * }</pre>
 */
public final class GraphIndex implements NeighborIndex<float[]>, AutoCloseable {

  /** The kind and version of the saved file. */
  static final String KIND = "GIDX";
  static final int VERSION = 3;

  /** Vectors seen before the int8 ranges are fitted. */
  public static final int FIT_ROWS = 1024;

  private static final int MAX_LEVEL = 30;
  private static final int LOCK_STRIPES = 1 << 12;
  private static final long NO_ENTRY = -1L;

  private enum Route { EUCLIDEAN, SQUARED, DOT, COSINE }

  private final int dimension;
  private final DistanceMetric metric;
  private final Route route;
  private final int maxDegree;
  private final int beamWidth;
  private final int searchBeam;
  private final long seed;
  private final int threads;
  private final Compression compression;
  private final int rerank;
  private final EmbedderDescription embedder;
  private final double levelFactor;
  private final SplittableRandom levels;
  private final MappedRows mapped;
  private final Path vectorDirectory;

  /** Entries a filtered search samples to estimate the share its filter accepts. */
  static final int FILTER_SAMPLE = 1024;

  private final ReentrantLock addLock = new ReentrantLock();
  private final ReentrantReadWriteLock idLock = new ReentrantReadWriteLock();
  private final EntryIds entries = new EntryIds();
  private final Object[] linkLocks = new Object[LOCK_STRIPES];
  private final Object entryLock = new Object();
  private long buildEntry = NO_ENTRY;
  private volatile long visibleEntry = NO_ENTRY;
  private volatile int visible;
  /** Removed nodes, a bit each (nodes past its end are live); under the id lock. */
  private long[] removedNodes = new long[0];
  private volatile int removedCount;
  private volatile GraphStore store;
  private volatile boolean closed;
  private final ThreadLocal<GraphScratch> scratch;

  private GraphIndex(Builder b) {
    this.dimension = b.dimension;
    this.metric = b.metric;
    this.route = routeOf(b.metric);
    this.maxDegree = b.maxDegree;
    this.beamWidth = b.beamWidth;
    this.searchBeam = b.searchBeam;
    this.seed = b.seed;
    this.threads = b.threads;
    this.compression = b.compression;
    this.rerank = b.rerank;
    this.embedder = b.embedder;
    this.levelFactor = 1.0 / Math.log(Math.max(2, b.maxDegree));
    this.levels = new SplittableRandom(b.seed);
    int shift = b.segmentShift >= 0 ? b.segmentShift : GraphStore.shiftFor(dimension);
    this.store = GraphStore.empty(dimension, shift, maxDegree, true);
    this.vectorDirectory = b.vectorDirectory;
    this.mapped = compression == Compression.INT8
        ? new MappedRows(b.vectorDirectory, dimension, shift) : null;
    for (int i = 0; i < LOCK_STRIPES; i++) {
      linkLocks[i] = new Object();
    }
    this.scratch = ThreadLocal.withInitial(() -> new GraphScratch(dimension, 2 * maxDegree));
  }

  private static Route routeOf(DistanceMetric m) {
    if (m instanceof StandardMetric s) {
      switch (s) {
        case EUCLIDEAN:
          return Route.EUCLIDEAN;
        case SQUARED_EUCLIDEAN:
          return Route.SQUARED;
        case DOT_PRODUCT:
          return Route.DOT;
        case COSINE:
          return Route.COSINE;
        default:
          break;
      }
    }
    throw new IllegalArgumentException("GraphIndex serves the Euclidean, squared Euclidean,"
        + " cosine and dot product metrics, not '" + m.metricName() + "'; use FlatIndex for it");
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

  /** Options of a {@link GraphIndex}. Not thread-safe; {@link #build()} copies what it needs. */
  public static final class Builder {
    private final int dimension;
    private DistanceMetric metric = StandardMetric.EUCLIDEAN;
    private int maxDegree = 16;
    private int beamWidth = 200;
    private int searchBeam = 64;
    private long seed = 42L;
    private int threads = SearchThreads.defaultParallelism();
    private Compression compression = Compression.NONE;
    private int rerank = 1;
    private Path vectorDirectory;
    private int segmentShift = -1;
    private EmbedderDescription embedder;

    private Builder(int dimension) {
      if (dimension < 1) {
        throw new IllegalArgumentException("dimension must be >= 1: " + dimension);
      }
      this.dimension = dimension;
    }

    /**
     * The metric (default Euclidean): Euclidean, squared Euclidean, cosine or dot product.
     *
     * @param metric the metric
     * @return this builder
     * @throws IllegalArgumentException for any other metric, naming it
     */
    public Builder metric(DistanceMetric metric) {
      routeOf(Objects.requireNonNull(metric, "metric"));
      this.metric = metric;
      return this;
    }

    /**
     * M, the most links a node keeps per upper layer ({@code 2M} on layer 0); default 16.
     *
     * @param m between 2 and 512
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxDegree(int m) {
      this.maxDegree = check("maxDegree", m, 2, 512);
      return this;
    }

    /**
     * efConstruction, the beam of each insertion; default 200.
     *
     * @param width at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder beamWidth(int width) {
      this.beamWidth = check("beamWidth", width, 1, 1 << 20);
      return this;
    }

    /**
     * ef, the default beam of a search (a search uses {@code max(k, ef)}); default 64.
     *
     * @param ef at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder searchBeam(int ef) {
      this.searchBeam = check("searchBeam", ef, 1, 1 << 20);
      return this;
    }

    /**
     * The seed of the nodes' random layers (default 42); with {@code threads(1)} it fixes the
     * graph.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * The threads of {@code addAll} and {@code searchAll} (default: the processors).
     *
     * @param threads at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder threads(int threads) {
      this.threads = check("threads", threads, 1, 1 << 16);
      return this;
    }

    /**
     * How the vectors are stored (default {@link Compression#NONE}).
     *
     * @param compression the compression
     * @return this builder
     */
    public Builder compression(Compression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /**
     * For {@link Compression#INT8}: re-rank the {@code k * factor} best candidates by their
     * exact float distances (default 1: the k results' distances are exact; 0: none, the
     * distances are the codes' estimates). No effect without compression.
     *
     * @param factor 0 or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder rerank(int factor) {
      this.rerank = check("rerank", factor, 0, 1 << 10);
      return this;
    }

    /**
     * Where a compressed index keeps its float vectors' temporary file (default: {@code
     * java.io.tmpdir}).
     *
     * @param directory the folder
     * @return this builder
     */
    public Builder vectorDirectory(Path directory) {
      this.vectorDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Records how the indexed vectors were made, as {@link FlatIndex.Builder#embedder} does;
     * default none.
     *
     * @param embedder the description of the indexed vectors' embedder, or null for none
     * @return this builder
     * @throws IllegalArgumentException if its dimension is not the index's
     */
    public Builder embedder(EmbedderDescription embedder) {
      this.embedder = IndexEmbedder.checked(embedder, dimension);
      return this;
    }

    /** Segments of {@code 2^shift} rows, so that tests cross segment boundaries with few rows. */
    Builder segmentShift(int shift) {
      this.segmentShift = check("segmentShift", shift, 0, 24);
      return this;
    }

    private static int check(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "]: "
            + value);
      }
      return value;
    }

    /**
     * Builds an empty index.
     *
     * @return the index
     * @throws java.io.UncheckedIOException if a compressed index cannot create its vector file
     */
    public GraphIndex build() {
      return new GraphIndex(this);
    }
  }

  /**
   * What the index's memory holds, in bytes.
   *
   * @param vectors float vectors on the Java heap (none once compressed)
   * @param codes int8 codes on the heap
   * @param graph the neighbour lists of every layer
   * @param ids the ids (and, for string keys, a rough count of the keys)
   * @param mappedVectors float vectors in the memory-mapped file, off the heap (page cache)
   */
  public record Memory(long vectors, long codes, long graph, long ids, long mappedVectors) {
    /**
     * What lives on the Java heap: vectors, codes, graph and ids.
     *
     * @return the bytes
     */
    public long heap() {
      return vectors + codes + graph + ids;
    }
  }

  // ---- accessors ----

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
   * loaded file; check a query embedder against it before searching.
   *
   * @return the description, or empty when nobody recorded one
   */
  public Optional<EmbedderDescription> embedder() {
    return Optional.ofNullable(embedder);
  }

  /**
   * M, the links per node and upper layer.
   *
   * @return the maximum degree
   */
  public int maxDegree() {
    return maxDegree;
  }

  /**
   * efConstruction.
   *
   * @return the insertion beam
   */
  public int beamWidth() {
    return beamWidth;
  }

  /**
   * The default search beam.
   *
   * @return ef
   */
  public int searchBeam() {
    return searchBeam;
  }

  /**
   * How vectors are stored.
   *
   * @return the compression
   */
  public Compression compression() {
    return compression;
  }

  /**
   * The re-rank factor of a compressed index.
   *
   * @return the factor
   */
  public int rerank() {
    return rerank;
  }

  /** The entries a search sees: those whose insertion is complete, less those removed. */
  @Override
  public int size() {
    idLock.readLock().lock();
    try {
      return visible - removedCount;
    } finally {
      idLock.readLock().unlock();
    }
  }

  @Override
  public Optional<String> key(long id) {
    idLock.readLock().lock();
    try {
      Optional<String> key = entries.key(id, visible);
      return key.isPresent() && removed((int) id) ? Optional.empty() : key;
    } finally {
      idLock.readLock().unlock();
    }
  }

  /**
   * Whether the entries were added with string keys (their ids are then node numbers, 0, 1,
   * 2, ... in the order added) rather than numeric ids.
   *
   * @return whether the index holds string keys
   */
  public boolean keyed() {
    idLock.readLock().lock();
    try {
      return entries.hasStringKeys();
    } finally {
      idLock.readLock().unlock();
    }
  }

  /** Whether a node was removed; under the id lock. */
  private boolean removed(int node) {
    int w = node >>> 6;
    return w < removedNodes.length && (removedNodes[w] & (1L << node)) != 0;
  }

  /** Marks a node removed and forgets its key; under the id lock's write side. */
  private void markRemoved(int node) {
    int w = node >>> 6;
    if (w >= removedNodes.length) {
      removedNodes = Arrays.copyOf(removedNodes, Math.max(w + 1, 2 * removedNodes.length));
    }
    removedNodes[w] |= 1L << node;
    removedCount++;
    if (entries.hasStringKeys()) {
      entries.forget(entries.keyOf(node));
    }
  }

  /**
   * Removes the entry with this id (every entry with it, if it was added more than once), so
   * that no search returns it and {@link #size()} no longer counts it. Its node stays in the
   * graph as a waypoint for searches, as in hnswlib's {@code mark_deleted}: memory is not
   * given back, and a graph of which a large share was removed is best replaced by its {@link
   * #rebuilt()} copy. Saved indexes keep the removals. The id may be added again, as a new entry.
   * Searches that run meanwhile see the removal or not; none sees it half done.
   *
   * <p>For an index of numeric ids this scans every id (use {@link #removeIf} for many); for
   * an index of string keys, where ids are node numbers, it takes constant time.
   *
   * @param id the id
   * @return whether an entry was removed
   * @throws IllegalStateException if the index is closed
   */
  public boolean remove(long id) {
    if (entries.hasStringKeys()) {
      return removeKeyedNode(id);
    }
    return removeIf(x -> x == id) > 0;
  }

  /**
   * Removes the entry with this key, as {@link #remove(long)} does; the key may then be added
   * again, as a new entry with a new id.
   *
   * @param key the key
   * @return whether an entry was removed
   * @throws IllegalStateException if the index is closed
   */
  public boolean remove(String key) {
    Objects.requireNonNull(key, "key");
    return removeNode(visibleNodes -> entries.id(key, visibleNodes).orElse(-1L));
  }

  /** Removes the node whose id is {@code id} in a keyed index (ids are node numbers). */
  private boolean removeKeyedNode(long id) {
    return removeNode(visibleNodes -> id);
  }

  /** Removes the node {@code choose} names among the visible ones (-1: none). */
  private boolean removeNode(java.util.function.IntToLongFunction choose) {
    addLock.lock();
    try {
      ensureOpen();
      idLock.writeLock().lock();
      try {
        long node = choose.applyAsLong(visible);
        if (node < 0 || node >= visible || removed((int) node)) {
          return false;
        }
        markRemoved((int) node);
        return true;
      } finally {
        idLock.writeLock().unlock();
      }
    } finally {
      addLock.unlock();
    }
  }

  /**
   * Removes every entry whose id {@code ids} accepts, in one pass (see {@link #remove(long)}).
   * The predicate is asked about each live entry once, while adds and other removals wait.
   *
   * @param ids which ids to remove
   * @return how many entries were removed
   * @throws IllegalStateException if the index is closed
   */
  public int removeIf(LongPredicate ids) {
    Objects.requireNonNull(ids, "ids");
    addLock.lock();
    try {
      ensureOpen();
      int n = visible;
      idLock.writeLock().lock();
      try {
        int count = 0;
        for (int node = 0; node < n; node++) {
          if (!removed(node) && ids.test(entries.idOf(node))) {
            markRemoved(node);
            count++;
          }
        }
        return count;
      } finally {
        idLock.writeLock().unlock();
      }
    } finally {
      addLock.unlock();
    }
  }

  /**
   * A new index of the entries not removed, built again with this index's parameters (beam,
   * degree, seed, threads, compression, embedder description): for giving back the memory of
   * removed entries, and the recall that many removals cost a graph. Numeric ids are kept;
   * string keys are kept with new ids ({@code 0, 1, 2, ...} in the order of the remaining
   * entries). The stored vectors are used (for cosine, the normalised copies). It takes as
   * long as adding the entries to a new index, on {@link Builder#threads(int)} threads, in
   * batches of 10,000; adds and removals on this index wait meanwhile, searches do not. This
   * index is left as it is: close it, or keep it until the new one is saved.
   *
   * @return the new index
   * @throws IllegalStateException if this index is closed
   */
  public GraphIndex rebuilt() {
    addLock.lock();
    try {
      ensureOpen();
      Live live = live();
      GraphStore st = store;
      Builder b = builder(dimension).metric(metric).maxDegree(maxDegree).beamWidth(beamWidth)
          .searchBeam(searchBeam).seed(seed).threads(threads).compression(compression)
          .rerank(rerank).embedder(embedder);
      if (vectorDirectory != null) {
        b.vectorDirectory(vectorDirectory);
      }
      GraphIndex out = b.build();
      try {
        GraphScratch s = scratch.get();
        int batch = 10_000;
        for (int from = 0; from < live.nodes().length; from += batch) {
          int to = Math.min(live.nodes().length, from + batch);
          float[][] rows = new float[to - from][];
          for (int i = from; i < to; i++) {
            rows[i - from] = storedVector(st, live.nodes()[i], s);
          }
          if (live.keys() != null) {
            out.addAll(live.keys().subList(from, to), rows);
          } else {
            out.addAll(Arrays.copyOfRange(live.ids(), from, to), rows);
          }
        }
        return out;
      } catch (RuntimeException e) {
        out.close();
        throw e;
      }
    } finally {
      addLock.unlock();
    }
  }

  /** Receives the entries of an index, one at a time: see {@link #forEachEntry}. */
  @FunctionalInterface
  public interface EntryVisitor {
    /**
     * One entry.
     *
     * @param id its id
     * @param key its key, or null in an index of numeric ids
     * @param vector a copy of its stored vector (for cosine, normalised)
     */
    void accept(long id, String key, float[] vector);
  }

  /**
   * Calls {@code visitor} for every entry not removed, in the order they were added, with its
   * id, key and stored vector: for exporting an index, or comparing it with the vectors it was
   * built from. Adds and removals wait meanwhile; searches do not.
   *
   * @param visitor what to do with each entry
   * @throws IllegalStateException if the index is closed
   */
  public void forEachEntry(EntryVisitor visitor) {
    Objects.requireNonNull(visitor, "visitor");
    addLock.lock();
    try {
      ensureOpen();
      Live live = live();
      GraphStore st = store;
      GraphScratch s = scratch.get();
      for (int i = 0; i < live.nodes().length; i++) {
        visitor.accept(live.ids()[i], live.keys() == null ? null : live.keys().get(i),
            storedVector(st, live.nodes()[i], s));
      }
    } finally {
      addLock.unlock();
    }
  }

  /**
   * The nodes kept as waypoints for removed entries: memory that {@link #rebuilt()} gives back.
   *
   * @return the count
   */
  public int removedCount() {
    idLock.readLock().lock();
    try {
      return removedCount;
    } finally {
      idLock.readLock().unlock();
    }
  }

  /** The live nodes, with their ids and (in a keyed index) keys. */
  private record Live(int[] nodes, long[] ids, List<String> keys) {}

  /** A snapshot of the live nodes; under the add lock. */
  private Live live() {
    int n = visible;
    idLock.readLock().lock();
    try {
      int[] nodes = new int[n - removedCount];
      int count = 0;
      for (int node = 0; node < n; node++) {
        if (!removed(node)) {
          nodes[count++] = node;
        }
      }
      nodes = Arrays.copyOf(nodes, count);
      long[] ids = new long[count];
      List<String> keys = entries.hasStringKeys() ? new ArrayList<>(count) : null;
      for (int i = 0; i < count; i++) {
        ids[i] = entries.idOf(nodes[i]);
        if (keys != null) {
          keys.add(entries.keyOf(nodes[i]));
        }
      }
      return new Live(nodes, ids, keys);
    } finally {
      idLock.readLock().unlock();
    }
  }

  /** A copy of a node's float vector, from the heap or the mapped file. */
  private float[] storedVector(GraphStore st, int node, GraphScratch s) {
    float[] v = new float[dimension];
    if (st.vectors != null) {
      System.arraycopy(st.vectors[node >>> st.shift], (node & st.mask) * dimension, v, 0,
          dimension);
    } else {
      mapped.read(node, s.row);
      System.arraycopy(s.row, 0, v, 0, dimension);
    }
    return v;
  }

  /**
   * The nodes a search may return: live ones that pass the filter, when one is given; null for
   * every node. Under the id lock.
   */
  private IntPredicate acceptedNodes(LongPredicate filter) {
    if (removedCount == 0) {
      return filter == null ? null : node -> filter.test(entries.idOf(node));
    }
    long[] gone = removedNodes;
    if (filter == null) {
      return node -> (node >>> 6) >= gone.length || (gone[node >>> 6] & (1L << node)) == 0;
    }
    return node -> ((node >>> 6) >= gone.length || (gone[node >>> 6] & (1L << node)) == 0)
        && filter.test(entries.idOf(node));
  }

  /**
   * The id of a string key.
   *
   * @param key the key
   * @return its id, or empty if no entry has it
   */
  public Optional<Long> id(String key) {
    idLock.readLock().lock();
    try {
      return entries.id(key, visible);
    } finally {
      idLock.readLock().unlock();
    }
  }

  /**
   * The bytes each part takes.
   *
   * @return the parts
   */
  public Memory memoryBytes() {
    addLock.lock();
    try {
      GraphStore st = store;
      int n = visible;
      long vec = st.vectors == null ? 0 : 4L * dimension * st.capacity;
      long codes = st.codes == null ? 0 : (long) dimension * st.capacity;
      long ids = 8L * n + (entries.hasStringKeys() ? 64L * n : 0);
      return new Memory(vec, codes, st.graphBytes(n) + 4L * st.stride0 * (st.capacity - n), ids,
          mapped == null ? 0 : mapped.bytes());
    } finally {
      addLock.unlock();
    }
  }

  // ---- adds ----

  /**
   * Adds a vector under the caller's id.
   *
   * @param id the id searches return for it
   * @param vector the vector (copied)
   * @throws IllegalArgumentException if its length is not {@link #dimension()} or a component
   *     is NaN or infinite
   * @throws IllegalStateException if this index holds string keys
   */
  public void add(long id, float[] vector) {
    addRows(new float[][] {Objects.requireNonNull(vector, "vector")}, id, null, null, "vector");
  }

  /**
   * Adds a vector under a string key; its id is its row number.
   *
   * @param key the key, unique in this index
   * @param vector the vector (copied)
   * @return the id searches return for it
   * @throws IllegalArgumentException if the key is present, or the vector is wrong
   * @throws IllegalStateException if this index holds numeric ids
   */
  public long add(String key, float[] vector) {
    Objects.requireNonNull(key, "key");
    return addRows(new float[][] {Objects.requireNonNull(vector, "vector")}, 0, null,
        List.of(key), "vector");
  }

  /**
   * Adds many vectors with the ids {@code firstId, firstId + 1, ...}, inserting on {@link
   * Builder#threads(int)} threads. All are checked first; none is added if one is wrong.
   *
   * @param firstId the id of {@code vectors[0]}
   * @param vectors the vectors (copied)
   * @throws IllegalArgumentException if one has the wrong length or a NaN or infinite
   *     component, naming its row
   */
  public void addAll(long firstId, float[][] vectors) {
    Objects.requireNonNull(vectors, "vectors");
    addRows(vectors, firstId, null, null, "vectors");
  }

  /**
   * Adds many vectors under the caller's ids, any {@code long}s (say the ids of a table's rows,
   * with gaps), inserting on {@link Builder#threads(int)} threads. All are checked first; none
   * is added if one is wrong.
   *
   * @param ids one id per vector
   * @param vectors the vectors (copied)
   * @throws IllegalArgumentException if the counts differ, or a vector has the wrong length or
   *     a NaN or infinite component, naming its row and id
   */
  public void addAll(long[] ids, float[][] vectors) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(vectors, "vectors");
    if (ids.length != vectors.length) {
      throw new IllegalArgumentException("ids and vectors differ in count: " + ids.length
          + " ids, " + vectors.length + " vectors");
    }
    addRows(vectors, ids.length == 0 ? 0 : ids[0], ids, null, "vectors");
  }

  /**
   * Adds many vectors under string keys (ids are the row numbers), inserting in parallel.
   *
   * @param keys one unique key per vector
   * @param vectors the vectors (copied)
   * @throws IllegalArgumentException if the counts differ, a key is duplicated or present, or
   *     a vector is wrong (none is added then)
   */
  public void addAll(List<String> keys, float[][] vectors) {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(vectors, "vectors");
    if (keys.size() != vectors.length) {
      throw new IllegalArgumentException("keys and vectors differ in count: " + keys.size()
          + " keys, " + vectors.length + " vectors");
    }
    addRows(vectors, 0, null, keys, "vectors");
  }

  private void checkVector(float[] v, String what) {
    if (v.length != dimension) {
      throw new IllegalArgumentException("vector dimensions differ: " + what + " has "
          + v.length + " components, the index " + dimension);
    }
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException(what + " has " + (Float.isNaN(v[i]) ? "a NaN"
            : "an infinite") + " component at " + i + "; a graph index needs finite vectors"
            + " (drop or repair the row, or use FlatIndex, which ranks NaN distances last)");
      }
    }
  }

  /** Adds rows with ids {@code ids[i]} if given, else keys if given, else {@code firstId + i}. */
  private long addRows(float[][] vectors, long firstId, long[] ids, List<String> keys,
      String what) {
    int count = vectors.length;
    for (int i = 0; i < count; i++) {
      String name = count == 1 && what.equals("vector") ? "vector"
          : what + "[" + i + "]" + (keys != null ? " (key '" + keys.get(i) + "')"
              : ids != null ? " (id " + ids[i] + ")" : "");
      checkVector(Objects.requireNonNull(vectors[i], name), name);
    }
    if (keys != null) {
      Set<String> seen = new HashSet<>();
      for (String k : keys) {
        if (!seen.add(Objects.requireNonNull(k, "key"))) {
          throw new IllegalArgumentException("duplicate key '" + k + "' among the keys added");
        }
      }
    }
    addLock.lock();
    try {
      ensureOpen();
      idLock.writeLock().lock();
      try {
        if (keys == null) {
          entries.checkNumeric(firstId, count);
        } else {
          for (String k : keys) {
            entries.checkKey(k);
          }
        }
      } finally {
        idLock.writeLock().unlock();
      }
      if (count == 0) {
        return -1;
      }
      int first = visible;
      float[][] rows = vectors;
      if (route == Route.COSINE) {
        rows = new float[count][];
        for (int i = 0; i < count; i++) {
          rows[i] = VectorMath.normalized(vectors[i]);
        }
      }
      GraphStore st = store.grow(first + count);
      st = storeVectors(st, first, rows);
      for (int i = 0; i < count; i++) {
        st.setLevel(first + i, drawLevel());
      }
      store = st;
      long lastId;
      idLock.writeLock().lock();
      try {
        lastId = -1;
        for (int i = 0; i < count; i++) {
          if (ids != null) {
            entries.appendNumeric(ids[i]);
          } else if (keys == null) {
            entries.appendNumeric(firstId + i);
          } else {
            lastId = entries.appendKey(keys.get(i));
          }
        }
      } finally {
        idLock.writeLock().unlock();
      }
      insertAll(st, first, rows);
      long entry;
      synchronized (entryLock) {
        entry = buildEntry;
      }
      visible = first + count;
      visibleEntry = entry;
      return lastId;
    } finally {
      addLock.unlock();
    }
  }

  private int drawLevel() {
    double u = 1.0 - levels.nextDouble();
    return (int) Math.min(MAX_LEVEL, Math.floor(-Math.log(u) * levelFactor));
  }

  /** Writes new rows' vectors (floats, codes, mapped file); may fit the quantiser. */
  private GraphStore storeVectors(GraphStore st, int first, float[][] rows) {
    int count = rows.length;
    if (mapped != null) {
      for (int i = 0; i < count; i++) {
        mapped.write(first + i, rows[i]);
      }
      if (st.codes == null && first + count >= FIT_ROWS) {
        List<float[]> sample = new ArrayList<>(first + count);
        float[] buf;
        for (int r = 0; r < first; r++) {
          buf = new float[dimension];
          System.arraycopy(st.vectors[r >>> st.shift], (r & st.mask) * dimension, buf, 0,
              dimension);
          sample.add(buf);
        }
        sample.addAll(Arrays.asList(rows));
        ScalarQuantizer q = ScalarQuantizer.fit(dimension, sample);
        byte[][] codes = st.newCodeSegments();
        for (int r = 0; r < first + count; r++) {
          q.encode(sample.get(r), codes[r >>> st.shift], (r & st.mask) * dimension);
        }
        return st.withCodes(q, codes);
      }
      if (st.codes != null) {
        for (int i = 0; i < count; i++) {
          int r = first + i;
          st.quantizer.encode(rows[i], st.codes[r >>> st.shift], (r & st.mask) * dimension);
        }
        return st;
      }
    }
    for (int i = 0; i < count; i++) {
      int r = first + i;
      System.arraycopy(rows[i], 0, st.vectors[r >>> st.shift], (r & st.mask) * dimension,
          dimension);
    }
    return st;
  }

  private void insertAll(GraphStore st, int first, float[][] rows) {
    int count = rows.length;
    int limit = first + count;
    int parts = Math.min(threads, count / 64 + 1);
    if (parts <= 1) {
      GraphScratch s = scratch.get();
      for (int i = 0; i < count; i++) {
        insert(st, first + i, rows[i], limit, s);
      }
      return;
    }
    // The first nodes alone, so that the graph has a few layers before threads fan out.
    int head = Math.min(count, first == 0 ? 64 : 0);
    GraphScratch s0 = scratch.get();
    for (int i = 0; i < head; i++) {
      insert(st, first + i, rows[i], limit, s0);
    }
    AtomicInteger next = new AtomicInteger(head);
    List<Runnable> tasks = new ArrayList<>(parts);
    for (int p = 0; p < parts; p++) {
      tasks.add(() -> {
        GraphScratch s = scratch.get();
        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
          insert(st, first + i, rows[i], limit, s);
        }
      });
    }
    SearchThreads.runAll(tasks);
  }

  // ---- the graph ----

  private static int nodeOf(long entry) {
    return (int) entry;
  }

  private static int levelOf(long entry) {
    return (int) (entry >>> 32);
  }

  private static long entry(int node, int level) {
    return ((long) level << 32) | (node & 0xffffffffL);
  }

  private Object lockOf(int node) {
    return linkLocks[node & (LOCK_STRIPES - 1)];
  }

  /** Inserts node x (its vector stored, its level set) into the graph. */
  private void insert(GraphStore st, int x, float[] v, int limit, GraphScratch s) {
    int level = st.level(x);
    long e;
    synchronized (entryLock) {
      e = buildEntry;
      if (e == NO_ENTRY) {
        buildEntry = entry(x, level);
        return;
      }
    }
    int ep = nodeOf(e);
    int top = levelOf(e);
    s.ensureCandidates(beamWidth + 1);
    NodeScorer sc = queryScorer(st, v, s);
    float epd = sc.distance(ep);
    for (int l = top; l > level; l--) {
      long best = GraphWalk.greedy(st, sc, ep, epd, l, limit);
      ep = (int) best;
      epd = Float.intBitsToFloat((int) (best >>> 32));
    }
    for (int l = Math.min(level, top); l >= 0; l--) {
      GraphWalk.searchLayer(st, sc, ep, epd, beamWidth, l, limit, s);
      int count = s.results.drainNearestFirst(s.candDist, s.candNode);
      ep = s.candNode[0];
      epd = s.candDist[0];
      int chosen = select(st, s.candDist, s.candNode, count, maxDegree, s, s.chosen);
      link(st, x, l, s.chosen, chosen, s);
      for (int i = 0; i < chosen; i++) {
        s.one[0] = x;
        link(st, s.chosen[i], l, s.one, 1, s);
      }
    }
    if (level > top) {
      synchronized (entryLock) {
        if (level > levelOf(buildEntry)) {
          buildEntry = entry(x, level);
        }
      }
    }
  }

  /**
   * The neighbour-selection heuristic: walking the candidates nearest first, keep one only if
   * it is nearer to the base node than to every one kept so far, up to {@code max}.
   */
  private int select(GraphStore st, float[] dist, int[] nodes, int count, int max, GraphScratch s,
      int[] out) {
    if (count <= max) {
      System.arraycopy(nodes, 0, out, 0, count);
      return count;
    }
    int chosen = 0;
    for (int i = 0; i < count && chosen < max; i++) {
      int e = nodes[i];
      float de = dist[i];
      NodeScorer pe = nodeScorer(st, e, s);
      boolean keep = true;
      for (int j = 0; j < chosen; j++) {
        if (pe.distance(out[j]) < de) {
          keep = false;
          break;
        }
      }
      if (keep) {
        out[chosen++] = e;
      }
    }
    return chosen;
  }

  /** Adds links from node y at a layer, shrinking its list with the heuristic when full. */
  private void link(GraphStore st, int y, int level, int[] add, int addCount, GraphScratch s) {
    synchronized (lockOf(y)) {
      int[] arr;
      int base;
      int max;
      if (level == 0) {
        arr = st.links0[y >>> st.shift];
        base = (y & st.mask) * st.stride0;
        max = st.stride0 - 1;
      } else {
        arr = st.upper[y >>> st.shift][y & st.mask];
        base = (level - 1) * st.strideUp;
        max = st.strideUp - 1;
      }
      int count = arr[base];
      int[] merged = s.mergeNode;
      int total = 0;
      for (int i = 1; i <= count; i++) {
        merged[total++] = arr[base + i];
      }
      for (int i = 0; i < addCount; i++) {
        int n = add[i];
        boolean present = n == y;
        for (int j = 0; j < total && !present; j++) {
          present = merged[j] == n;
        }
        if (!present) {
          merged[total++] = n;
        }
      }
      if (total <= max) {
        for (int i = count; i < total; i++) {
          arr[base + 1 + i] = merged[i];
        }
        arr[base] = total;
        return;
      }
      NodeScorer py = nodeScorer(st, y, s);
      float[] md = s.mergeDist;
      for (int i = 0; i < total; i++) {
        md[i] = py.distance(merged[i]);
      }
      GraphWalk.sortByDistance(md, merged, total);
      int kept = select(st, md, merged, total, max, s, s.kept);
      for (int i = 0; i < kept; i++) {
        arr[base + 1 + i] = s.kept[i];
      }
      arr[base] = kept;
    }
  }

  private boolean squared() {
    return route == Route.EUCLIDEAN || route == Route.SQUARED;
  }

  /** A scorer of a (prepared: normalised for cosine) query vector. */
  private NodeScorer queryScorer(GraphStore st, float[] q, GraphScratch s) {
    if (st.codes != null) {
      return squared() ? new NodeScorer.CodeSquare(st, q, s.queryPrep)
          : new NodeScorer.CodeDot(st, q, s.queryPrep);
    }
    return squared() ? new NodeScorer.FloatSquare(st, q, 0) : new NodeScorer.FloatDot(st, q, 0);
  }

  /** A scorer with a stored node as the query (its row in place, or its decoded codes). */
  private NodeScorer nodeScorer(GraphStore st, int node, GraphScratch s) {
    if (st.codes != null) {
      st.quantizer.decode(st.codes[node >>> st.shift], (node & st.mask) * dimension, s.nodeVec);
      return squared() ? new NodeScorer.CodeSquare(st, s.nodeVec, s.nodePrep)
          : new NodeScorer.CodeDot(st, s.nodeVec, s.nodePrep);
    }
    float[] seg = st.vectors[node >>> st.shift];
    int off = (node & st.mask) * dimension;
    return squared() ? new NodeScorer.FloatSquare(st, seg, off)
        : new NodeScorer.FloatDot(st, seg, off);
  }

  // ---- searches ----

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("this GraphIndex is closed");
    }
  }

  private void checkQuery(float[] q, String what) {
    Objects.requireNonNull(q, what);
    checkVector(q, what);
  }

  private static void checkK(int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be at least 1: " + k);
    }
  }

  /**
   * The {@code k} approximate nearest entries, with the beam {@code max(k, searchBeam())}.
   *
   * @param query the query
   * @param k how many, at least 1; every entry (exactly) when {@code k >= size()}
   * @return up to {@code k} neighbours, nearest first; empty for an empty index
   * @throws IllegalArgumentException if {@code k <= 0}, or the query has the wrong dimension
   *     or a NaN or infinite component
   */
  @Override
  public List<Neighbor> search(float[] query, int k) {
    return search(query, k, searchBeam);
  }

  /**
   * The {@code k} approximate nearest entries with a beam of {@code max(k, ef)}.
   *
   * @param query the query
   * @param k how many, at least 1
   * @param ef the beam, at least 1: wider is slower and finds more true neighbours
   * @return up to {@code k} neighbours, nearest first
   * @throws IllegalArgumentException as {@link #search(float[], int)}, or if {@code ef < 1}
   */
  public List<Neighbor> search(float[] query, int k, int ef) {
    checkQuery(query, "query");
    checkK(k);
    if (ef < 1) {
      throw new IllegalArgumentException("ef must be at least 1: " + ef);
    }
    return searchOne(query, k, ef, null);
  }

  /**
   * The {@code k} approximate nearest entries among those whose ids {@code filter} accepts,
   * with the beam {@code max(k, searchBeam())}: see {@link #search(float[], int, int,
   * LongPredicate)}.
   *
   * @param query the query
   * @param k how many, at least 1
   * @param filter which ids may be returned
   * @return up to {@code k} accepted neighbours, nearest first
   * @throws IllegalArgumentException as {@link #search(float[], int)}
   */
  @Override
  public List<Neighbor> search(float[] query, int k, LongPredicate filter) {
    return search(query, k, searchBeam, filter);
  }

  /**
   * The {@code k} approximate nearest entries among those whose ids {@code filter} accepts (one
   * user's photos, one category, the entries not deleted), with a beam of {@code max(k, ef)}.
   * The walk goes through rejected entries as through any other, and the beam keeps the
   * {@code ef} nearest accepted ones, so recall at a given beam stays close to an unfiltered
   * search's while a good share of the entries passes. When few pass, or the accepted ones
   * lie far from the query, the walk would have to visit much of the graph to find them, and
   * an exact scan of the accepted entries is cheaper: the search asks the filter about {@value
   * #FILTER_SAMPLE} entries drawn at random (the same ones for every query) to estimate the
   * share it passes, and scans at once when the walk could not be expected to fill its beam
   * (about {@code 2.5 ef / share} nodes) in half as many distances as the scan would compute
   * (the scan's are about twice as cheap);
   * a walk that passes that budget, or whose share of accepted nodes met says it will, gives
   * way to the scan. The scan also answers when the walk finds fewer than {@code k} accepted
   * entries. Results therefore have full recall whenever the scan answers.
   *
   * <p>The filter is asked about the sampled entries and each entry the walk meets (once
   * each), or about every entry when it scans; it may be called from several threads at once
   * and must answer the same for an id throughout a search.
   *
   * @param query the query
   * @param k how many, at least 1
   * @param ef the beam, at least 1
   * @param filter which ids may be returned
   * @return up to {@code k} accepted neighbours, nearest first; fewer when fewer are accepted
   * @throws IllegalArgumentException as {@link #search(float[], int, int)}
   */
  public List<Neighbor> search(float[] query, int k, int ef, LongPredicate filter) {
    checkQuery(query, "query");
    checkK(k);
    if (ef < 1) {
      throw new IllegalArgumentException("ef must be at least 1: " + ef);
    }
    return searchOne(query, k, ef, Objects.requireNonNull(filter, "filter"));
  }

  private List<Neighbor> searchOne(float[] query, int k, int ef, LongPredicate filter) {
    ensureOpen();
    long e = visibleEntry;
    int n = visible;
    GraphStore st = store;
    if (n == 0 || e == NO_ENTRY) {
      return List.of();
    }
    if (filter != null || removedCount > 0) {
      idLock.readLock().lock();
      try {
        IntPredicate accept = acceptedNodes(filter);
        if (k >= n - removedCount) {
          return exactNodes(query, k, n, st, accept);
        }
        return searchFiltered(query, k, ef, accept, e, n, st);
      } finally {
        idLock.readLock().unlock();
      }
    }
    if (k >= n) {
      return exact(query, k, n, st, null);
    }
    Walk w = startWalk(query, k, ef, e, n, st);
    GraphWalk.searchLayer(st, w.scorer(), w.entry(), w.entryDistance(), w.beam(), 0, n,
        w.scratch());
    idLock.readLock().lock();
    try {
      return beamResults(w, k, st);
    } finally {
      idLock.readLock().unlock();
    }
  }

  /**
   * A search's start on layer 0: the prepared query, its scorer, the node the descent through
   * the upper layers ended on and its distance, how many candidates the beam must yield (k, or
   * k x rerank for a compressed index) and the beam, in this thread's scratch.
   */
  private record Walk(float[] query, NodeScorer scorer, int entry, float entryDistance,
      boolean reranked, int want, int beam, GraphScratch scratch) {}

  private Walk startWalk(float[] query, int k, int ef, long e, int n, GraphStore st) {
    GraphScratch s = scratch.get();
    float[] q = prepared(query, s);
    NodeScorer sc = queryScorer(st, q, s);
    long bottom = descend(st, sc, e, n);
    boolean reranked = st.codes != null && rerank > 0;
    int want = reranked ? (int) Math.min(n, (long) k * rerank) : k;
    return new Walk(q, sc, (int) bottom, Float.intBitsToFloat((int) (bottom >>> 32)), reranked,
        want, Math.max(ef, want), s);
  }

  /**
   * The k nearest of the beam the walk left in {@code s.results}, re-ranked on the floats when
   * the index is compressed; under the id lock.
   */
  private List<Neighbor> beamResults(Walk w, int k, GraphStore st) {
    GraphScratch s = w.scratch();
    s.ensureCandidates(w.beam() + 1);
    int count = s.results.drainNearestFirst(s.candDist, s.candNode);
    if (w.reranked()) {
      count = Math.min(count, w.want());
      for (int i = 0; i < count; i++) {
        s.candDist[i] = exactRanking(w.query(), s.candNode[i], st, s);
      }
      GraphWalk.sortByDistance(s.candDist, s.candNode, count);
    }
    // The k nearest, and any further candidates tied with the k-th (ids break those ties).
    int take = Math.min(k, count);
    while (take < count && s.candDist[take] == s.candDist[take - 1]) {
      take++;
    }
    List<Neighbor> out = new ArrayList<>(take);
    for (int i = 0; i < take; i++) {
      out.add(new Neighbor(entries.idOf(s.candNode[i]), finish(s.candDist[i])));
    }
    out.sort(null);
    return List.copyOf(out.size() > k ? out.subList(0, k) : out);
  }

  /**
   * {@link #searchOne} returning only the nodes {@code accept} passes; the caller holds the id
   * lock's read side.
   */
  private List<Neighbor> searchFiltered(float[] query, int k, int ef, IntPredicate accept,
      long e, int n, GraphStore st) {
    Walk w = startWalk(query, k, ef, e, n, st);
    int beam = w.beam();
    // The share of accepted entries, from a fixed sample: a scan of them computes share x n
    // distances (in order, about twice as fast each as the walk's), and the walk meets about
    // 2.5 to 3.5 x beam / share nodes before its beam holds the nearest accepted ones
    // (Fashion-MNIST: walks of beam 128 at share 0.1 passed a budget of 3,000 a third of the
    // time). The sample's error (7% of the share at 0.5, 14% at 0.05) decides borderline
    // cases; the walk's own check below catches the walks that go wrong.
    int sampled = Math.min(n, FILTER_SAMPLE);
    SplittableRandom pick = new SplittableRandom(n);
    int hits = 0;
    for (int i = 0; i < sampled; i++) {
      if (accept.test(sampled == n ? i : pick.nextInt(n))) {
        hits++;
      }
    }
    double share = (hits + 0.5) / (sampled + 1);
    long budget = (long) (share * n / 2);
    if (hits == 0 || budget < 2.5 * beam / share
        || !GraphWalk.searchLayerFiltered(st, w.scorer(), w.entry(), w.entryDistance(), beam,
            n, w.scratch(), accept, budget)
        || w.scratch().results.size() < k) {
      return exactNodes(query, k, n, st, accept);
    }
    return beamResults(w, k, st);
  }

  /**
   * The greedy descent of a search through the upper layers, from the entry point {@code e} to
   * layer 0: (distance bits << 32 | node), as {@link GraphWalk#greedy} gives it.
   */
  private long descend(GraphStore st, NodeScorer sc, long e, int n) {
    int ep = nodeOf(e);
    float epd = sc.distance(ep);
    for (int l = levelOf(e); l > 0; l--) {
      long best = GraphWalk.greedy(st, sc, ep, epd, l, n);
      ep = (int) best;
      epd = Float.intBitsToFloat((int) (best >>> 32));
    }
    return ((long) Float.floatToRawIntBits(epd) << 32) | (ep & 0xffffffffL);
  }

  /** The query as the graph ranks it: normalised (a copy) for cosine. */
  private float[] prepared(float[] query, GraphScratch s) {
    if (route != Route.COSINE) {
      return query;
    }
    System.arraycopy(query, 0, s.query, 0, dimension);
    VectorMath.normalize(s.query);
    return s.query;
  }

  /** The exact ranking distance of a prepared query to a node, from the full floats. */
  private float exactRanking(float[] q, int node, GraphStore st, GraphScratch s) {
    float[] arr;
    int off;
    if (st.vectors != null) {
      arr = st.vectors[node >>> st.shift];
      off = (node & st.mask) * dimension;
    } else {
      mapped.read(node, s.row);
      arr = s.row;
      off = 0;
    }
    return squared() ? VectorMath.squareDistance(q, 0, arr, off, dimension)
        : -VectorMath.dotProduct(q, 0, arr, off, dimension);
  }

  private double finish(float ranking) {
    switch (route) {
      case EUCLIDEAN:
        return Math.sqrt(ranking);
      case COSINE:
        return Math.max(0.0, Math.min(2.0, 1.0 + (double) ranking));
      default:
        return ranking;
    }
  }

  /**
   * The {@code k} nearest entries by a scan of every stored float vector: exact, for checking
   * the graph's recall ({@code searchExact} on a compressed index reads the mapped floats).
   *
   * @param query the query
   * @param k how many, at least 1
   * @return up to {@code k} neighbours, nearest first
   * @throws IllegalArgumentException as {@link #search(float[], int)}
   */
  public List<Neighbor> searchExact(float[] query, int k) {
    return scanned(query, k, null);
  }

  /**
   * The {@code k} nearest entries whose ids {@code filter} accepts, by a scan of the accepted
   * entries' float vectors: exact, for checking a filtered search's recall.
   *
   * @param query the query
   * @param k how many, at least 1
   * @param filter which ids may be returned
   * @return up to {@code k} accepted neighbours, nearest first
   * @throws IllegalArgumentException as {@link #search(float[], int)}
   */
  public List<Neighbor> searchExact(float[] query, int k, LongPredicate filter) {
    return scanned(query, k, Objects.requireNonNull(filter, "filter"));
  }

  /** {@link #searchExact}: the checks, then the scan of the entries the filter (if any) takes. */
  private List<Neighbor> scanned(float[] query, int k, LongPredicate filter) {
    checkQuery(query, "query");
    checkK(k);
    ensureOpen();
    int n = visible;
    GraphStore st = store;
    if (n == 0) {
      return List.of();
    }
    return exact(query, k, n, st, filter);
  }

  private List<Neighbor> exact(float[] query, int k, int n, GraphStore st,
      LongPredicate filter) {
    idLock.readLock().lock();
    try {
      return exactNodes(query, k, n, st, acceptedNodes(filter));
    } finally {
      idLock.readLock().unlock();
    }
  }

  /** The exact scan of the nodes {@code accept} passes (all when null); under the id lock. */
  private List<Neighbor> exactNodes(float[] query, int k, int n, GraphStore st,
      IntPredicate accept) {
    GraphScratch s = scratch.get();
    float[] q = prepared(query, s);
    TopK heap = new TopK(Math.min(k, n));
    if (accept == null) {
      for (int r = 0; r < n; r++) {
        offerExact(heap, q, r, st, s);
      }
      return List.copyOf(heap.toList());
    }
    // The filter in a loop of its own first: beside the distance kernel it ran 2.5 times
    // slower (measured: 195 against 80 us a query over 60,000 rows).
    int[] rows = s.rows(n);
    int count = 0;
    for (int r = 0; r < n; r++) {
      if (accept.test(r)) {
        rows[count++] = r;
      }
    }
    for (int i = 0; i < count; i++) {
      offerExact(heap, q, rows[i], st, s);
    }
    return List.copyOf(heap.toList());
  }

  private void offerExact(TopK heap, float[] q, int node, GraphStore st, GraphScratch s) {
    double d = finish(exactRanking(q, node, st, s));
    if (!(d > heap.bound())) {
      heap.offer(d, entries.idOf(node));
    }
  }

  @Override
  public List<List<Neighbor>> searchAll(float[][] queries, int k) {
    return searchAll(queries, k, searchBeam);
  }

  /**
   * {@link #search(float[], int, LongPredicate)} for many queries, split among {@link
   * Builder#threads(int)} threads.
   *
   * @param queries the queries
   * @param k how many neighbours each, at least 1
   * @param filter which ids may be returned
   * @return one list per query, in order
   * @throws IllegalArgumentException if a query or {@code k} is wrong, naming it
   */
  @Override
  public List<List<Neighbor>> searchAll(float[][] queries, int k, LongPredicate filter) {
    return searchAll(queries, k, searchBeam, filter);
  }

  /**
   * {@link #search(float[], int, int, LongPredicate)} for many queries, split among {@link
   * Builder#threads(int)} threads.
   *
   * @param queries the queries
   * @param k how many neighbours each, at least 1
   * @param ef the beam
   * @param filter which ids may be returned
   * @return one list per query, in order
   * @throws IllegalArgumentException if a query, {@code k} or {@code ef} is wrong, naming it
   */
  public List<List<Neighbor>> searchAll(float[][] queries, int k, int ef,
      LongPredicate filter) {
    return searchMany(queries, k, ef, Objects.requireNonNull(filter, "filter"));
  }

  /**
   * As {@link #search(float[], int, int)} for many queries, split among {@link
   * Builder#threads(int)} threads.
   *
   * @param queries the queries
   * @param k how many neighbours each, at least 1
   * @param ef the beam
   * @return one list per query, in order
   * @throws IllegalArgumentException if a query, {@code k} or {@code ef} is wrong, naming it
   */
  public List<List<Neighbor>> searchAll(float[][] queries, int k, int ef) {
    return searchMany(queries, k, ef, null);
  }

  private List<List<Neighbor>> searchMany(float[][] queries, int k, int ef,
      LongPredicate filter) {
    Objects.requireNonNull(queries, "queries");
    checkK(k);
    if (ef < 1) {
      throw new IllegalArgumentException("ef must be at least 1: " + ef);
    }
    for (int i = 0; i < queries.length; i++) {
      checkQuery(queries[i], queries.length == 1 ? "query" : "queries[" + i + "]");
    }
    List<List<Neighbor>> out = new ArrayList<>(java.util.Collections.nCopies(queries.length,
        List.<Neighbor>of()));
    int parts = Math.max(1, Math.min(threads, queries.length / 16));
    AtomicInteger next = new AtomicInteger();
    List<Runnable> tasks = new ArrayList<>(parts);
    for (int p = 0; p < parts; p++) {
      tasks.add(() -> {
        for (int i = next.getAndIncrement(); i < queries.length; i = next.getAndIncrement()) {
          List<Neighbor> hits = searchOne(queries[i], k, ef, filter);
          synchronized (out) {
            out.set(i, hits);
          }
        }
      });
    }
    SearchThreads.runAll(tasks);
    return List.copyOf(out);
  }

  // ---- files ----

  /**
   * Saves the index atomically in the checksummed container ({@code GIDX}): the parameters, the
   * {@linkplain #embedder() embedder's description}, ids, the {@linkplain #remove(long) removed}
   * entries, keys, the graph, the float vectors and, compressed, the codes and their ranges.
   * Version 3 when entries were removed, else version 2, which releases before removals could
   * be made read. Adds and removals wait while it runs; searches do not.
   *
   * @param file the file
   * @throws IOException if writing fails; an existing file is then left as it was
   */
  public void save(Path file) throws IOException {
    addLock.lock();
    try {
      ensureOpen();
      GraphStore st = store;
      int n = visible;
      long e = visibleEntry;
      GraphScratch s = scratch.get();
      // Version 3 only when something was removed, so that files without removals still load
      // in releases that read version 2.
      int[] gone = removedList(n);
      SdkFile.write(file, KIND, gone.length == 0 ? 2 : VERSION, out -> {
        out.writeInt(dimension);
        out.writeString(metric.metricName());
        out.writeInt(maxDegree);
        out.writeInt(beamWidth);
        out.writeInt(searchBeam);
        out.writeLong(seed);
        out.writeString(compression.name());
        out.writeInt(rerank);
        out.writeDescription(embedder);
        out.writeInt(n);
        boolean keyed = entries.hasStringKeys();
        out.writeInt(keyed ? 1 : 0);
        for (int r = 0; r < n; r++) {
          out.writeLong(entries.idOf(r));
        }
        if (gone.length > 0) {
          out.writeInt(gone.length);
          for (int node : gone) {
            out.writeInt(node);
          }
        }
        if (keyed) {
          for (int r = 0; r < n; r++) {
            out.writeString(entries.keyOf(r));
          }
        }
        out.writeInt(n == 0 ? -1 : nodeOf(e));
        out.writeInt(n == 0 ? -1 : levelOf(e));
        for (int r = 0; r < n; r++) {
          int level = st.level(r);
          out.writeInt(level);
          int[] arr = st.links0[r >>> st.shift];
          int base = (r & st.mask) * st.stride0;
          writeList(out, arr, base);
          int[] up = st.upper[r >>> st.shift][r & st.mask];
          for (int l = 1; l <= level; l++) {
            writeList(out, up, (l - 1) * st.strideUp);
          }
        }
        for (int r = 0; r < n; r++) {
          if (st.vectors != null) {
            out.writeFloats(st.vectors[r >>> st.shift], (r & st.mask) * dimension, dimension);
          } else {
            mapped.read(r, s.row);
            out.writeFloats(s.row, 0, dimension);
          }
        }
        out.writeInt(st.codes != null ? 1 : 0);
        if (st.codes != null) {
          out.writeFloats(st.quantizer.offset, 0, dimension);
          out.writeFloats(st.quantizer.step, 0, dimension);
          for (int r = 0; r < n; r++) {
            out.writeBytes(st.codes[r >>> st.shift], (r & st.mask) * dimension, dimension);
          }
        }
      });
    } finally {
      addLock.unlock();
    }
  }

  /** The removed nodes below {@code n}, in order. */
  private int[] removedList(int n) {
    idLock.readLock().lock();
    try {
      int[] out = new int[removedCount];
      int i = 0;
      for (int w = 0; w < removedNodes.length; w++) {
        for (long bits = removedNodes[w]; bits != 0; bits &= bits - 1) {
          int node = (w << 6) + Long.numberOfTrailingZeros(bits);
          if (node < n) {
            out[i++] = node;
          }
        }
      }
      return i == out.length ? out : Arrays.copyOf(out, i);
    } finally {
      idLock.readLock().unlock();
    }
  }

  private static void writeList(SdkFile.Output out, int[] arr, int base) throws IOException {
    int count = arr[base];
    out.writeInt(count);
    for (int i = 1; i <= count; i++) {
      out.writeInt(arr[base + i]);
    }
  }

  /**
   * Loads an index, with the default thread count and, if compressed, its float vectors in a
   * temporary file under {@code java.io.tmpdir}. Files of older versions, which record no
   * embedder, load too.
   *
   * @param file the file
   * @return the index
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
   *     altered, not a graph index or inconsistent, naming the file
   * @throws IOException if the file cannot be read
   */
  public static GraphIndex load(Path file) throws IOException {
    return load(file, SearchThreads.defaultParallelism());
  }

  /**
   * Loads an index whose {@code addAll} and {@code searchAll} use the given threads.
   *
   * @param file the file
   * @param threads at least 1
   * @return the index
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is damaged, naming
   *     it
   * @throws IOException if the file cannot be read
   */
  public static GraphIndex load(Path file, int threads) throws IOException {
    return SdkFile.read(file, KIND, VERSION, (in, version) -> {
      int dim = in.readInt();
      if (dim < 1) {
        throw in.damaged("dimension " + dim + " is not positive");
      }
      String metricName = in.readString();
      DistanceMetric m;
      try {
        m = StandardMetric.fromName(metricName);
      } catch (IllegalArgumentException ex) {
        throw in.damaged("metric '" + metricName + "' is not built in");
      }
      int maxDegree = in.readInt();
      int efc = in.readInt();
      int ef = in.readInt();
      long seed = in.readLong();
      String comp = in.readString();
      int rerank = in.readInt();
      EmbedderDescription described = IndexEmbedder.read(in, version, dim);
      Compression compression;
      try {
        compression = Compression.valueOf(comp);
      } catch (IllegalArgumentException ex) {
        throw in.damaged("compression '" + comp + "' is unknown");
      }
      GraphIndex index;
      try {
        index = builder(dim).metric(m).maxDegree(maxDegree).beamWidth(efc).searchBeam(ef)
            .seed(seed).compression(compression).rerank(rerank).threads(threads)
            .embedder(described).build();
      } catch (IllegalArgumentException ex) {
        throw in.damaged("parameters out of range: " + ex.getMessage());
      }
      try {
        index.readGraph(in, dim, version);
      } catch (IOException | RuntimeException ex) {
        index.close();
        throw ex;
      }
      return index;
    });
  }

  private void readGraph(SdkFile.Input in, int dim, int version) throws IOException {
    int n = in.readInt();
    boolean keyed = in.readInt() == 1;
    in.require(n, (int) Math.min(Integer.MAX_VALUE, 12 + 4L * dim), "entries");
    long[] ids = new long[n];
    in.readLongs(ids, 0, n);
    long[] gone = new long[(n + 63) >>> 6];
    int goneCount = 0;
    if (version >= 3) {
      goneCount = in.readInt();
      if (goneCount < 0 || goneCount > n) {
        throw in.damaged(goneCount + " removed entries in an index of " + n);
      }
      int previous = -1;
      for (int i = 0; i < goneCount; i++) {
        int node = in.readInt();
        if (node <= previous || node >= n) {
          throw in.damaged("removed entry " + node + " is not a node of " + n
              + " listed in order");
        }
        gone[node >>> 6] |= 1L << node;
        previous = node;
      }
    }
    for (int r = 0; r < n; r++) {
      boolean isGone = (gone[r >>> 6] & (1L << r)) != 0;
      if (keyed) {
        String key = in.readString();
        if (isGone) {
          entries.appendForgottenKey(key);
        } else {
          try {
            entries.checkKey(key);
          } catch (IllegalArgumentException ex) {
            throw in.damaged(ex.getMessage());
          }
          entries.appendKey(key);
        }
      } else {
        entries.appendNumeric(ids[r]);
      }
    }
    removedNodes = gone;
    removedCount = goneCount;
    int entryNode = in.readInt();
    int entryLevel = in.readInt();
    if (n > 0 && (entryNode < 0 || entryNode >= n || entryLevel < 0
        || entryLevel > MAX_LEVEL)) {
      throw in.damaged("entry point " + entryNode + " at level " + entryLevel
          + " is not a node of " + n);
    }
    // A compressed index of FIT_ROWS or more vectors has codes (the fit happens when an add
    // reaches that size), so its floats go to the mapped file only, never through the heap.
    boolean expectCodes = mapped != null && n >= FIT_ROWS;
    GraphStore st = (expectCodes
        ? GraphStore.empty(dim, store.shift, maxDegree, false) : store).grow(n);
    for (int r = 0; r < n; r++) {
      int level = in.readInt();
      if (level < 0 || level > entryLevel) {
        throw in.damaged("node " + r + " has level " + level + ", above the entry's "
            + entryLevel);
      }
      st.setLevel(r, level);
      readList(in, st.links0[r >>> st.shift], (r & st.mask) * st.stride0, st.stride0 - 1, n, r);
      int[] up = st.upper[r >>> st.shift][r & st.mask];
      for (int l = 1; l <= level; l++) {
        readList(in, up, (l - 1) * st.strideUp, st.strideUp - 1, n, r);
      }
    }
    if (n > 0 && st.level(entryNode) != entryLevel) {
      throw in.damaged("entry point " + entryNode + " is not at level " + entryLevel);
    }
    float[] row = new float[n == 0 ? 0 : dim];
    for (int r = 0; r < n; r++) {
      in.readFloats(row, 0, dim);
      for (int i = 0; i < dim; i++) {
        if (!Float.isFinite(row[i])) {
          throw in.damaged("vector " + r + " has a non-finite component at " + i);
        }
      }
      if (mapped != null) {
        mapped.write(r, row);
      }
      if (st.vectors != null) {
        System.arraycopy(row, 0, st.vectors[r >>> st.shift], (r & st.mask) * dim, dim);
      }
    }
    boolean coded = in.readInt() == 1;
    if (coded != expectCodes) {
      throw in.damaged((coded ? "codes in" : "no codes in") + " an index of " + n + " vectors"
          + (mapped == null ? " without compression" : " compressed to int8"));
    }
    if (coded) {
      float[] offset = new float[dim];
      float[] step = new float[dim];
      in.readFloats(offset, 0, dim);
      in.readFloats(step, 0, dim);
      byte[][] codes = st.newCodeSegments();
      for (int r = 0; r < n; r++) {
        in.readBytes(codes[r >>> st.shift], (r & st.mask) * dim, dim);
      }
      st = st.withCodes(new ScalarQuantizer(offset, step), codes);
    }
    // Later adds draw their levels from where a fresh build would be: past the n loaded.
    for (int r = 0; r < n; r++) {
      drawLevel();
    }
    store = st;
    buildEntry = n == 0 ? NO_ENTRY : entry(entryNode, entryLevel);
    visibleEntry = buildEntry;
    visible = n;
  }

  private static void readList(SdkFile.Input in, int[] arr, int base, int max, int n, int node)
      throws IOException {
    int count = in.readInt();
    if (count < 0 || count > max) {
      throw in.damaged("node " + node + " has " + count + " links (at most " + max + ")");
    }
    for (int i = 1; i <= count; i++) {
      int t = in.readInt();
      if (t < 0 || t >= n) {
        throw in.damaged("node " + node + " links to " + t + ", not a node of " + n);
      }
      arr[base + i] = t;
    }
    arr[base] = count;
  }

  /**
   * Releases a compressed index's vector file (its mapping goes with the last reference);
   * searches and adds then fail. Nothing to release without compression; idempotent.
   */
  @Override
  public void close() {
    closed = true;
    if (mapped != null) {
      mapped.close();
    }
  }
}
