package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.FlatIndex;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Exact k-nearest neighbours of a set of queries over a partitioned DataFrame of embeddings:
 * every partition scans its rows with the core's kernels ({@link FlatIndex}, in chunks of {@link
 * Builder#chunkRows(int)} rows so memory stays bounded), keeps the best {@code k} of each query,
 * and the partial results are merged ({@code treeReduce}) into the global top-{@code k}.
 *
 * <pre>{@code
 * ExactKnn knn = ExactKnn.builder().metric(StandardMetric.COSINE).build();
 * List<List<Neighbor>> hits = knn.search(EmbeddingStore.read(spark, "embeddings.parquet"),
 *     queries, 10);
 * }</pre>
 *
 * <p>Results equal those of a {@code FlatIndex} holding the same rows: the same distances, bit
 * for bit (the same kernels on the same vectors), and ties broken by the smaller id, as in the
 * core. Rows whose vector is null (failed images) are skipped. The queries travel to every
 * executor (broadcast) and all of them are scanned in one pass over the data.
 */
public final class ExactKnn implements Serializable {

  private static final long serialVersionUID = 1L;

  private final DistanceMetric metric;
  private final String idCol;
  private final String vectorCol;
  private final int chunkRows;
  private final boolean checkEmbedder;

  private ExactKnn(Builder b) {
    this.metric = b.metric;
    this.idCol = b.idCol;
    this.vectorCol = b.vectorCol;
    this.chunkRows = b.chunkRows;
    this.checkEmbedder = b.checkEmbedder;
  }

  /**
   * Starts a search with the defaults: Euclidean distance, columns {@code id} and {@code vector}
   * (those of {@link EmbeddingStore}).
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Options of an {@link ExactKnn}. */
  public static final class Builder {
    private DistanceMetric metric = StandardMetric.EUCLIDEAN;
    private String idCol = EmbeddingStore.ID;
    private String vectorCol = EmbeddingStore.VECTOR;
    private int chunkRows = 65_536;
    private boolean checkEmbedder = true;

    private Builder() {}

    /**
     * The distance. Default {@link StandardMetric#EUCLIDEAN}. A custom metric must be {@link
     * Serializable}: it runs on the executors.
     *
     * @param metric the metric
     * @return this builder
     */
    public Builder metric(DistanceMetric metric) {
      Objects.requireNonNull(metric, "metric");
      if (!(metric instanceof Serializable)) {
        throw new IllegalArgumentException("metric " + metric.metricName() + " ("
            + metric.getClass().getName() + ") must be Serializable to run on executors");
      }
      this.metric = metric;
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
     * Rows scanned per chunk within a partition (each chunk is copied into one contiguous
     * index). Default 65,536.
     *
     * @param rows at least 1
     * @return this builder
     */
    public Builder chunkRows(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("chunkRows must be at least 1: " + rows);
      }
      this.chunkRows = rows;
      return this;
    }

    /**
     * Whether a search with a DataFrame of queries refuses query vectors whose column is
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
    public ExactKnn build() {
      return new ExactKnn(this);
    }
  }

  /**
   * The {@code k} nearest rows of each query.
   *
   * @param data rows with an id and a vector column
   * @param queries the query vectors, all of the data's dimension
   * @param k at least 1
   * @return per query, up to {@code k} neighbours (id, distance), nearest first
   * @throws IllegalArgumentException for bad {@code k}, queries of different dimensions, missing
   *     columns; a row whose vector differs in dimension fails the job naming its id
   */
  public List<List<Neighbor>> search(Dataset<Row> data, float[][] queries, int k) {
    Objects.requireNonNull(data, "data");
    KnnQueries.requireK(k);
    int dimension = KnnQueries.dimension(queries, false);
    if (queries.length == 0) {
      return List.of();
    }
    KnnQueries.requireColumns(data.schema(), idCol, vectorCol);
    // Euclidean ranks by the squared distance (as FlatIndex does) and takes the root at the end.
    boolean root = metric == StandardMetric.EUCLIDEAN;
    DistanceMetric scan = root ? StandardMetric.SQUARED_EUCLIDEAN : metric;
    Broadcast<float[][]> shared = JavaSparkContext.fromSparkContext(
        data.sparkSession().sparkContext()).broadcast(queries);
    try {
      TopLists merged = data.select(idCol, vectorCol).toJavaRDD()
          .mapPartitions(new PartitionTopK(shared, scan, k, dimension, chunkRows))
          .treeAggregate(new TopLists(queries.length, k), TopLists::merge, TopLists::merge);
      return merged.toLists(root);
    } finally {
      shared.destroy();
    }
  }

  /**
   * The {@code k} nearest rows of each query row, as a DataFrame: {@code query_id}, {@code rank}
   * (0 for the nearest), {@code id}, {@code distance}. The queries are collected to the driver.
   * When both vector columns carry a description of their embedder, they must match (see
   * {@link Builder#checkEmbedder}).
   *
   * @param data rows with an id and a vector column
   * @param queries rows with a {@code long} or {@code int} id column and a vector column
   * @param queryIdCol the queries' id column
   * @param queryVectorCol the queries' vector column; rows with a null vector are skipped
   * @param k at least 1
   * @return one row per (query, neighbour)
   * @throws IllegalArgumentException as {@link #search(Dataset, float[][], int)}, and when the
   *     queries are described as another embedder's vectors than the data
   */
  public Dataset<Row> search(Dataset<Row> data, Dataset<Row> queries, String queryIdCol,
      String queryVectorCol, int k) {
    Objects.requireNonNull(data, "data");
    KnnQueries.requireColumns(data.schema(), idCol, vectorCol);
    KnnQueries.Collected q = KnnQueries.collect(queries, queryIdCol, queryVectorCol,
        KnnQueries.description(data.schema(), vectorCol), vectorCol, checkEmbedder);
    return KnnQueries.table(data.sparkSession(), q.ids(), search(data, q.vectors(), k));
  }

  /** One partition: chunks of rows into a FlatIndex each, every query searched per chunk. */
  private record PartitionTopK(Broadcast<float[][]> shared, DistanceMetric metric, int k,
      int dimension, int chunkRows) implements FlatMapFunction<Iterator<Row>, TopLists> {

    @Override
    public Iterator<TopLists> call(Iterator<Row> rows) {
      float[][] queries = shared.value();
      TopLists top = new TopLists(queries.length, k);
      while (rows.hasNext()) {
        // One thread per task: Spark already runs a task per core.
        FlatIndex chunk = FlatIndex.builder(dimension).metric(metric).threads(1).build();
        while (chunk.size() < chunkRows && rows.hasNext()) {
          Row r = rows.next();
          float[] v = Vectors.get(r, 1);
          if (v == null) {
            continue;
          }
          if (r.isNullAt(0)) {
            throw new IllegalArgumentException("a row has a vector but a null id");
          }
          long id = ((Number) r.get(0)).longValue();
          if (v.length != dimension) {
            throw new IllegalArgumentException("vector dimensions differ: row id " + id
                + " has " + v.length + " components, the queries " + dimension);
          }
          chunk.add(id, v);
        }
        if (chunk.size() > 0) {
          List<List<Neighbor>> found = chunk.searchAll(queries, k);
          for (int q = 0; q < queries.length; q++) {
            top.merge(q, found.get(q));
          }
        }
      }
      return List.of(top).iterator();
    }
  }
}
