package io.github.embeddings4j.gpu;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.NeighborIndex;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.FlatIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact k-nearest-neighbour search on an NVIDIA GPU: the same answers as {@link FlatIndex} (the
 * same ids, the same distances, ties by the smaller id), found with cuBLAS matrix products and
 * a selection kernel on the GPU.
 *
 * <p>A search scores every stored vector against a batch of queries on the GPU, keeps each
 * query's {@code rerank x k} nearest rows by those scores, and measures them exactly in float32
 * on the CPU with {@link FlatIndex}'s own kernels. The vectors live in a {@link FlatIndex} in
 * host memory (which {@link #save} writes, in its format) and, copied once in the chosen {@link
 * Storage}, in GPU memory; a collection larger than the GPU's memory is streamed through it
 * ({@link Residency}). Dot product, cosine, Euclidean and squared Euclidean are served.
 *
 * <p>The selection kernel sorts only the rows at or below a threshold taken from a sample of
 * each block of 32,768 rows or more, and scans every row where too few or too many pass; so
 * the candidates never depend on the sample. {@code -Dembeddings4j.gpu.filter=false} always
 * scans every row (for comparing the two).
 *
 * <pre>{@code
 * try (GpuFlatIndex index = GpuFlatIndex.create(512, StandardMetric.COSINE,
 *     GpuOptions.defaults().storage(Storage.FLOAT16))) {
 *   index.add(42L, embedding);                        // ... one per vector
 *   List<List<Neighbor>> hits = index.searchAll(queries, 10);
 *   index.save(Path.of("photos.fidx"));               // a FlatIndex file
 * }
 * }</pre>
 *
 * <p>Without a usable GPU, creating one throws {@link GpuUnavailableException} with the reason,
 * or, with {@link GpuOptions#fallbackToCpu(boolean)}, searches on the CPU as a {@link
 * FlatIndex} and says why in {@link #cpuReason()}. Queries and vectors that a matrix product
 * cannot rank (norms beyond float's range, and for float16 storage queries beyond +-65504) and
 * searches asking for more than 1,024 candidates per query are answered on the CPU.
 *
 * <p>Threads: searches may run concurrently (their GPU parts take turns); adds wait for running
 * searches, as in {@link FlatIndex}. Close the index to free its GPU memory.
 */
public final class GpuFlatIndex implements NeighborIndex<float[]>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GpuFlatIndex.class);
  /** The property that turns the overlapping chunks of {@link #searchAll} off ("false"). */
  static final String PIPELINE_PROPERTY = "embeddings4j.gpu.pipeline";
  /**
   * The property that turns the selection kernel's sampled threshold off ("false"): every row
   * then goes through the threads' lists. The answers are the same either way.
   */
  static final String FILTER_PROPERTY = "embeddings4j.gpu.filter";

  private final FlatIndex host;
  private final GpuScorer gpu;
  private final GpuOptions options;
  private final String cpuReason;

  private GpuFlatIndex(FlatIndex host, GpuOptions options) {
    this.host = host;
    this.options = Objects.requireNonNull(options, "options");
    StandardMetric metric = supported(host.metric());
    GpuScorer scorer = null;
    String reason = "";
    try {
      scorer = new GpuScorer(options, metric);
    } catch (GpuUnavailableException e) {
      if (!options.fallbackToCpu()) {
        throw e;
      }
      reason = e.getMessage();
      LOG.warn("searching on the CPU: {}", reason);
    }
    this.gpu = scorer;
    this.cpuReason = reason;
    if (scorer != null) {
      host.candidates(scorer);
      LOG.info("searching on {} ({} storage, {} candidates per neighbour)", scorer.device(),
          options.storage().name().toLowerCase(Locale.ROOT), options.effectiveRerank());
    }
  }

  private static StandardMetric supported(DistanceMetric metric) {
    if (metric instanceof StandardMetric s) {
      switch (s) {
        case DOT_PRODUCT, COSINE, EUCLIDEAN, SQUARED_EUCLIDEAN -> {
          return s;
        }
        default -> { }
      }
    }
    throw new IllegalArgumentException("metric '" + metric.metricName() + "' cannot be searched"
        + " on the GPU: it serves dot, cosine, euclidean and sqeuclidean (matrix products);"
        + " use FlatIndex for this one");
  }

  /**
   * An empty index.
   *
   * @param dimension the vector length, at least 1
   * @param metric dot product, cosine, Euclidean or squared Euclidean
   * @param options how to use the GPU
   * @return the index
   * @throws IllegalArgumentException if the metric is not one of those, or the dimension is
   *     below 1
   * @throws GpuUnavailableException if no GPU can be used and the options do not fall back
   */
  public static GpuFlatIndex create(int dimension, DistanceMetric metric, GpuOptions options) {
    supported(metric);
    return new GpuFlatIndex(FlatIndex.builder(dimension).metric(metric).build(), options);
  }

  /**
   * Loads an index saved by {@link #save} or by {@link FlatIndex#save} (the same format).
   *
   * @param file the file
   * @param options how to use the GPU
   * @return the index
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
   *     altered or not an index, naming the file
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it was saved with a metric the GPU does not serve
   * @throws GpuUnavailableException if no GPU can be used and the options do not fall back
   */
  public static GpuFlatIndex load(Path file, GpuOptions options) throws IOException {
    return new GpuFlatIndex(FlatIndex.load(file), options);
  }

  /**
   * Puts an existing {@link FlatIndex} on the GPU: its searches, through this object or the
   * index itself, take their candidates from the GPU until this is closed. The vectors are not
   * copied on the host.
   *
   * @param index the index
   * @param options how to use the GPU
   * @return the GPU index over it
   * @throws IllegalArgumentException if its metric is not one the GPU serves
   * @throws GpuUnavailableException if no GPU can be used and the options do not fall back
   */
  public static GpuFlatIndex on(FlatIndex index, GpuOptions options) {
    return new GpuFlatIndex(Objects.requireNonNull(index, "index"), options);
  }

  /**
   * Adds a vector under the caller's id.
   *
   * @param id the id searches return for it
   * @param vector the vector (copied)
   * @throws IllegalArgumentException if its length is wrong, or with float16 storage a
   *     component is beyond +-65504
   * @throws IllegalStateException if this index holds string keys
   */
  public void add(long id, float[] vector) {
    checkRange(vector, "the vector of id " + id);
    host.add(id, vector);
  }

  /**
   * Adds a vector under a string key; its id is the next key id (its row number until an
   * entry is removed).
   *
   * @param key the key, unique in this index
   * @param vector the vector (copied)
   * @return the id searches return for it
   * @throws IllegalArgumentException if the key is present, the length wrong, or with float16
   *     storage a component is beyond +-65504
   * @throws IllegalStateException if this index holds numeric ids
   */
  public long add(String key, float[] vector) {
    checkRange(vector, "the vector of key '" + key + "'");
    return host.add(key, vector);
  }

  /**
   * Adds many vectors with the ids {@code firstId, firstId + 1, ...}.
   *
   * @param firstId the id of {@code vectors[0]}
   * @param vectors the vectors (copied)
   * @throws IllegalArgumentException if one is refused (none is added then)
   */
  public void addAll(long firstId, float[][] vectors) {
    for (int i = 0; i < vectors.length; i++) {
      checkRange(Objects.requireNonNull(vectors[i], "vectors[" + i + "]"), "vectors[" + i + "]");
    }
    host.addAll(firstId, vectors);
  }

  /**
   * Removes the entry with this id (every entry with it), as {@link FlatIndex#remove(long)}
   * does; the GPU's copy of the vectors is made again at the next search.
   *
   * @param id the id
   * @return whether an entry was removed
   */
  public boolean remove(long id) {
    return host.remove(id);
  }

  /**
   * Removes the entry with this key, as {@link FlatIndex#remove(String)} does.
   *
   * @param key the key
   * @return whether an entry was removed
   */
  public boolean remove(String key) {
    return host.remove(key);
  }

  /**
   * Removes every entry whose id {@code ids} accepts, as {@link FlatIndex#removeIf} does.
   *
   * @param ids which ids to remove
   * @return how many entries were removed
   */
  public int removeIf(LongPredicate ids) {
    return host.removeIf(ids);
  }

  /**
   * The {@code k} nearest entries among those {@code filter} accepts: answered on the CPU by
   * the host {@link FlatIndex} (the GPU's selection ranks every row), exactly.
   *
   * @param query the query
   * @param k how many, at least 1
   * @param filter which ids may be returned
   * @return up to {@code k} accepted neighbours, nearest first
   */
  @Override
  public List<Neighbor> search(float[] query, int k, LongPredicate filter) {
    return host.search(query, k, filter);
  }

  /**
   * {@link #search(float[], int, LongPredicate)} for many queries, on the CPU.
   *
   * @param queries the queries
   * @param k how many each, at least 1
   * @param filter which ids may be returned
   * @return one list per query, in order
   */
  @Override
  public List<List<Neighbor>> searchAll(float[][] queries, int k, LongPredicate filter) {
    return host.searchAll(queries, k, filter);
  }

  private void checkRange(float[] vector, String what) {
    if (options.storage() == Storage.FLOAT16) {
      int i = GpuScorer.beyondFloat16(vector);
      if (i >= 0) {
        throw new IllegalArgumentException("component " + i + " of " + what + " is " + vector[i]
            + ", beyond float16's range (+-65504): use Storage.BFLOAT16 or FLOAT32");
      }
    }
  }

  @Override
  public int size() {
    return host.size();
  }

  /**
   * The vector length.
   *
   * @return the dimension
   */
  public int dimension() {
    return host.dimension();
  }

  @Override
  public DistanceMetric metric() {
    return host.metric();
  }

  /**
   * How the indexed vectors were made: the description the host index holds ({@link
   * FlatIndex#embedder()}), saved and loaded with it.
   *
   * @return the description, or empty when nobody recorded one
   */
  public Optional<EmbedderDescription> embedder() {
    return host.embedder();
  }

  @Override
  public List<Neighbor> search(float[] query, int k) {
    return host.search(query, k);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Many queries (at least eight query batches) are searched in chunks of four batches, two
   * at a time, so that the exact measuring of one chunk on the CPU overlaps the GPU's work on
   * the next. {@code -Dembeddings4j.gpu.pipeline=false} searches them in one piece.
   */
  @Override
  public List<List<Neighbor>> searchAll(float[][] queries, int k) {
    int chunk = 4 * options.queryBatch();
    if (gpu == null || "false".equals(System.getProperty(PIPELINE_PROPERTY)) || queries == null
        || queries.length < 2 * chunk) {
      return host.searchAll(queries, k);
    }
    if (k <= 0) {
      throw new IllegalArgumentException("k must be at least 1: " + k);
    }
    for (int q = 0; q < queries.length; q++) {
      float[] query = Objects.requireNonNull(queries[q], "queries[" + q + "]");
      if (query.length != dimension()) {
        throw new IllegalArgumentException("vector dimensions differ: queries[" + q + "] has "
            + query.length + " components, the index " + dimension());
      }
    }
    ExecutorService pipeline = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "embeddings4j-gpu-pipeline");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<List<List<Neighbor>>>> parts = new ArrayList<>();
      for (int from = 0; from < queries.length; from += chunk) {
        float[][] part = Arrays.copyOfRange(queries, from, Math.min(queries.length,
            from + chunk));
        parts.add(pipeline.submit(() -> host.searchAll(part, k)));
      }
      List<List<Neighbor>> out = new ArrayList<>(queries.length);
      for (Future<List<List<Neighbor>>> part : parts) {
        out.addAll(part.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while searching", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pipeline.shutdownNow();
    }
  }

  @Override
  public Optional<String> key(long id) {
    return host.key(id);
  }

  /**
   * The id of the entry at a row.
   *
   * @param row a row, in the order entries were added
   * @return its id
   * @throws IndexOutOfBoundsException if there is no such row
   */
  public long idAt(int row) {
    return host.idAt(row);
  }

  /**
   * A copy of the vector at a row.
   *
   * @param row a row, in the order entries were added
   * @return the vector
   * @throws IndexOutOfBoundsException if there is no such row
   */
  public float[] vectorAt(int row) {
    return host.vectorAt(row);
  }

  /**
   * Saves the index atomically in {@link FlatIndex}'s format, which {@link FlatIndex#load} and
   * {@link #load} both read.
   *
   * @param file the file
   * @throws IOException if writing fails; an existing file is then left as it was
   */
  public void save(Path file) throws IOException {
    host.save(file);
  }

  /**
   * Whether searches run on the GPU.
   *
   * @return false when the index fell back to the CPU
   */
  public boolean onGpu() {
    return gpu != null;
  }

  /**
   * The GPU searches run on.
   *
   * @return the GPU, or empty on the CPU fallback
   */
  public Optional<GpuDevice> device() {
    return gpu == null ? Optional.empty() : Optional.of(gpu.device());
  }

  /**
   * Why searches run on the CPU.
   *
   * @return the reason no GPU could be used, or an empty string on a GPU
   */
  public String cpuReason() {
    return cpuReason;
  }

  /**
   * The options this index was opened with.
   *
   * @return the options
   */
  public GpuOptions options() {
    return options;
  }

  /** Nanoseconds the GPU parts (scoring and selection) of all searches took so far, or -1. */
  long gpuNanos() {
    return gpu == null ? -1 : gpu.candidateNanos.get();
  }

  /**
   * Frees the GPU memory; the host index stays searchable, on the CPU.
   */
  @Override
  public void close() {
    if (gpu != null) {
      host.candidates(null);
      gpu.close();
    }
  }
}
