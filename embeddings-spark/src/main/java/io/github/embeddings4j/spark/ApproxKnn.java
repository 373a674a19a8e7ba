package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.GraphIndex;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

/**
 * Approximate k-nearest neighbours over a partitioned DataFrame of embeddings: every partition
 * builds the core's {@link GraphIndex} (HNSW) over its rows, searches it for each query, and the
 * partitions' best {@code k} are merged into the global top-{@code k}, as {@link ExactKnn}
 * merges its scans.
 *
 * <pre>{@code
 * ApproxKnn knn = ApproxKnn.builder().metric(StandardMetric.COSINE).searchBeam(64).build();
 * try (PartitionedGraph graphs = knn.index(stored)) {   // built once, cached on the executors
 *   for (float[][] batch : queryBatches) {
 *     List<List<Neighbor>> hits = graphs.search(batch, 10);
 *   }
 * }
 * List<List<Neighbor>> once = knn.search(stored, queries, 10);   // build, search, drop
 * }</pre>
 *
 * <p>The graphs are built where the rows are, in parallel over the executors, and the driver
 * holds nothing but the queries and the results; but every query is searched in every
 * partition. {@link #index} builds the graphs once and keeps them cached ({@link
 * PartitionedGraph}) for any number of searches; {@link #search(Dataset, float[][], int)} builds
 * them, searches, and drops them. To build one graph of all rows on the driver instead, see
 * {@link EmbeddingStore#toGraphIndex(Dataset, java.util.function.IntFunction)}; docs/spark.md
 * compares the two.
 *
 * <p>Ids are the rows' own; rows whose vector is null are skipped; a row of another dimension,
 * or with a NaN or infinite component, fails the job naming its id. Results are nearest first,
 * ties by the smaller id; distances are those of {@link GraphIndex}. A partition's graph must
 * serialise to less than 2 GB when Spark writes it out (about 3 million 128-d rows).
 */
public final class ApproxKnn implements Serializable {

  private static final long serialVersionUID = 1L;

  private final DistanceMetric metric;
  private final int maxDegree;
  private final int beamWidth;
  private final int searchBeam;
  private final long seed;
  private final int threads;
  private final String idCol;
  private final String vectorCol;
  private final boolean checkEmbedder;

  private ApproxKnn(Builder b) {
    this.metric = b.metric;
    this.maxDegree = b.maxDegree;
    this.beamWidth = b.beamWidth;
    this.searchBeam = b.searchBeam;
    this.seed = b.seed;
    this.threads = b.threads;
    this.idCol = b.idCol;
    this.vectorCol = b.vectorCol;
    this.checkEmbedder = b.checkEmbedder;
  }

  /**
   * Starts a search with the defaults: Euclidean distance, {@link GraphIndex}'s defaults (M 16,
   * efConstruction 200, ef 64, seed 42), one thread per partition, columns {@code id} and {@code
   * vector} (those of {@link EmbeddingStore}).
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Options of an {@link ApproxKnn}; each graph option is the {@link GraphIndex.Builder}'s. */
  public static final class Builder {
    private DistanceMetric metric = StandardMetric.EUCLIDEAN;
    private int maxDegree = 16;
    private int beamWidth = 200;
    private int searchBeam = 64;
    private long seed = 42L;
    private int threads = 1;
    private String idCol = EmbeddingStore.ID;
    private String vectorCol = EmbeddingStore.VECTOR;
    private boolean checkEmbedder = true;

    private Builder() {}

    /**
     * The distance: Euclidean (default), squared Euclidean, cosine or dot product.
     *
     * @param metric the metric
     * @return this builder
     * @throws IllegalArgumentException for another metric, naming it (use {@link ExactKnn})
     */
    public Builder metric(DistanceMetric metric) {
      GraphIndex.builder(1).metric(Objects.requireNonNull(metric, "metric"));
      this.metric = metric;
      return this;
    }

    /**
     * M, the links per node and layer ({@link GraphIndex.Builder#maxDegree(int)}); default 16.
     *
     * @param m between 2 and 512
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxDegree(int m) {
      GraphIndex.builder(1).maxDegree(m);
      this.maxDegree = m;
      return this;
    }

    /**
     * efConstruction, the beam of each insertion ({@link GraphIndex.Builder#beamWidth(int)});
     * default 200.
     *
     * @param width at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder beamWidth(int width) {
      GraphIndex.builder(1).beamWidth(width);
      this.beamWidth = width;
      return this;
    }

    /**
     * ef, the beam of a search in each partition ({@link GraphIndex.Builder#searchBeam(int)});
     * default 64. {@link PartitionedGraph#search(float[][], int, int)} takes another per call.
     *
     * @param ef at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder searchBeam(int ef) {
      GraphIndex.builder(1).searchBeam(ef);
      this.searchBeam = ef;
      return this;
    }

    /**
     * The seed of each partition graph's random layers; default 42. With one thread per
     * partition and the same rows in the same partitions, the graphs and results repeat.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Threads each partition's task uses to build and search its graph; default 1, since Spark
     * already runs one task per executor core. More suits few large partitions on idle cores.
     *
     * @param threads at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder threads(int threads) {
      GraphIndex.builder(1).threads(threads);
      this.threads = threads;
      return this;
    }

    /**
     * The id column ({@code long} or {@code int}). Default {@code id}.
     *
     * @param column the column
     * @return this builder
     */
    public Builder idCol(String column) {
      this.idCol = Objects.requireNonNull(column, "column");
      return this;
    }

    /**
     * The vector column. Default {@code vector}.
     *
     * @param column the column
     * @return this builder
     */
    public Builder vectorCol(String column) {
      this.vectorCol = Objects.requireNonNull(column, "column");
      return this;
    }

    /**
     * Whether a search with a DataFrame of queries (here or on the {@link PartitionedGraph}) refuses query vectors whose column is
     * described as made by another embedder than the data's (the description {@link
     * ImageEmbedder} and {@link EmbeddingStore} keep in a column's metadata). Default {@code
     * true}; a column without a description is never refused.
     *
     * @param check {@code false} to search such queries anyway
     * @return this builder
     */
    public Builder checkEmbedder(boolean check) {
      this.checkEmbedder = check;
      return this;
    }

    /**
     * Builds the search.
     *
     * @return the search
     */
    public ApproxKnn build() {
      return new ApproxKnn(this);
    }
  }

  /** A graph builder with these settings. */
  GraphIndex.Builder graphBuilder(int dimension) {
    return GraphIndex.builder(dimension).metric(metric).maxDegree(maxDegree)
        .beamWidth(beamWidth).searchBeam(searchBeam).seed(seed).threads(threads);
  }

  int threads() {
    return threads;
  }

  int searchBeam() {
    return searchBeam;
  }

  boolean checkEmbedder() {
    return checkEmbedder;
  }

  String idCol() {
    return idCol;
  }

  String vectorCol() {
    return vectorCol;
  }

  /**
   * The metric.
   *
   * @return the metric
   */
  public DistanceMetric metric() {
    return metric;
  }

  /**
   * The {@code k} approximate nearest rows of each query, building each partition's graph for
   * this call only (use {@link #index} to search more than once).
   *
   * @param data rows with an id and a vector column
   * @param queries the query vectors, all of the data's dimension, finite
   * @param k at least 1
   * @return per query, up to {@code k} neighbours (id, distance), nearest first
   * @throws IllegalArgumentException for bad {@code k}, queries of different dimensions or with
   *     a NaN or infinite component, missing columns; a bad row fails the job naming its id
   */
  public List<List<Neighbor>> search(Dataset<Row> data, float[][] queries, int k) {
    Objects.requireNonNull(data, "data");
    KnnQueries.requireK(k);
    int dimension = KnnQueries.dimension(queries, true);
    if (queries.length == 0) {
      return List.of();
    }
    KnnQueries.requireColumns(data.schema(), idCol, vectorCol);
    Broadcast<float[][]> shared = JavaSparkContext.fromSparkContext(
        data.sparkSession().sparkContext()).broadcast(queries);
    try {
      return data.select(idCol, vectorCol).toJavaRDD()
          .mapPartitions(new BuildAndSearch(this, shared, dimension, k))
          .treeAggregate(new TopLists(queries.length, k), TopLists::merge, TopLists::merge)
          .toLists(false);
    } finally {
      shared.destroy();
    }
  }

  /**
   * As {@link #search(Dataset, float[][], int)} for a DataFrame of queries (collected to the
   * driver), giving rows {@code query_id}, {@code rank} (0 for the nearest), {@code id}, {@code
   * distance}.
   *
   * @param data rows with an id and a vector column
   * @param queries rows with a {@code long} or {@code int} id column and a vector column
   * @param queryIdCol the queries' id column
   * @param queryVectorCol the queries' vector column; rows with a null vector are skipped
   * @param k at least 1
   * @return one row per (query, neighbour)
   * @throws IllegalArgumentException as {@link #search(Dataset, float[][], int)}, and when the
   *     queries are described as another embedder's vectors than the data (see {@link
   *     Builder#checkEmbedder})
   */
  public Dataset<Row> search(Dataset<Row> data, Dataset<Row> queries, String queryIdCol,
      String queryVectorCol, int k) {
    Objects.requireNonNull(data, "data");
    KnnQueries.requireColumns(data.schema(), idCol, vectorCol);
    KnnQueries.Collected q = KnnQueries.collect(queries, queryIdCol, queryVectorCol,
        KnnQueries.description(data.schema(), vectorCol), vectorCol, checkEmbedder);
    return KnnQueries.table(data.sparkSession(), q.ids(), search(data, q.vectors(), k));
  }

  /**
   * Builds every partition's graph now and keeps the graphs cached on the executors at {@link
   * StorageLevel#MEMORY_AND_DISK()}: searches reuse them until {@link PartitionedGraph#close()}.
   *
   * @param data rows with an id and a vector column; the dimension is that of its first
   *     non-null vector
   * @return the cached graphs
   * @throws IllegalArgumentException if columns are missing or every vector is null; a bad row
   *     fails the build naming its id
   */
  public PartitionedGraph index(Dataset<Row> data) {
    return index(data, StorageLevel.MEMORY_AND_DISK());
  }

  /**
   * As {@link #index(Dataset)} with a storage level of your choice: {@code MEMORY_AND_DISK}
   * keeps the live graphs in memory and writes those that do not fit to disk (as the core's
   * file, read back without a rebuild); a {@code _SER} level keeps only the file's bytes, which
   * costs memory less and every search a parse; {@code MEMORY_ONLY} rebuilds a graph that was
   * evicted.
   *
   * @param data rows with an id and a vector column
   * @param level where Spark keeps the graphs
   * @return the cached graphs
   * @throws IllegalArgumentException as {@link #index(Dataset)}
   */
  public PartitionedGraph index(Dataset<Row> data, StorageLevel level) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(level, "level");
    KnnQueries.requireColumns(data.schema(), idCol, vectorCol);
    Dataset<Row> rows = data.select(idCol, vectorCol);
    List<Row> first = rows.where(functions.col(vectorCol).isNotNull()).select(vectorCol)
        .takeAsList(1);
    if (first.isEmpty()) {
      throw new IllegalArgumentException("no vectors to index (every vector is null)");
    }
    int dimension = Vectors.get(first.get(0), 0).length;
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
    LongAccumulator builds = sc.sc().longAccumulator("embeddings4j partition graph builds");
    JavaRDD<PartitionGraph> graphs = rows.toJavaRDD()
        .mapPartitions(new Build(this, dimension, builds)).persist(level);
    try {
      long size = graphs.map(g -> (long) g.size()).fold(0L, Long::sum);
      return new PartitionedGraph(this, sc, graphs, dimension, size, builds,
          KnnQueries.description(data.schema(), vectorCol), vectorCol);
    } catch (RuntimeException e) {
      graphs.unpersist(false);
      throw e;
    }
  }

  /** One partition, cached: its graph. */
  private record Build(ApproxKnn settings, int dimension, LongAccumulator builds)
      implements FlatMapFunction<Iterator<Row>, PartitionGraph> {

    @Override
    public Iterator<PartitionGraph> call(Iterator<Row> rows) {
      PartitionGraph g = PartitionGraph.build(rows, settings, dimension,
          "the first stored vector");
      builds.add(1);
      return List.of(g).iterator();
    }
  }

  /** One partition, once: its graph built, searched and dropped. */
  private record BuildAndSearch(ApproxKnn settings, Broadcast<float[][]> shared, int dimension,
      int k) implements FlatMapFunction<Iterator<Row>, TopLists> {

    @Override
    public Iterator<TopLists> call(Iterator<Row> rows) {
      PartitionGraph g = PartitionGraph.build(rows, settings, dimension, "the queries");
      return List.of(g.search(shared.value(), k, settings.searchBeam())).iterator();
    }
  }
}
