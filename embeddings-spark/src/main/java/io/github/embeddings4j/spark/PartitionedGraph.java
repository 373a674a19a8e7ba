package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongPredicate;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

/**
 * One {@code GraphIndex} per partition of a DataFrame, built once by {@link
 * ApproxKnn#index(Dataset)} and cached on the executors, so that any number of searches reuse
 * them: a search broadcasts its queries, searches every partition's graph and merges the
 * partitions' best {@code k}. Close it to free the executors' memory.
 *
 * <p>Safe to search from several driver threads at once (each search is its own Spark job).
 */
public final class PartitionedGraph implements AutoCloseable {

  private final ApproxKnn settings;
  private final JavaSparkContext sc;
  private final JavaRDD<PartitionGraph> graphs;
  private final int dimension;
  private final long size;
  private final LongAccumulator builds;
  private final EmbedderDescription description;
  private final String vectorCol;
  private volatile boolean closed;

  PartitionedGraph(ApproxKnn settings, JavaSparkContext sc, JavaRDD<PartitionGraph> graphs,
      int dimension, long size, LongAccumulator builds, EmbedderDescription description,
      String vectorCol) {
    this.settings = settings;
    this.sc = sc;
    this.graphs = graphs;
    this.dimension = dimension;
    this.size = size;
    this.builds = builds;
    this.description = description;
    this.vectorCol = vectorCol;
  }

  /**
   * How the indexed vectors were made: the description their column carried, if any. A search
   * with a DataFrame of queries checks the queries' column against it.
   *
   * @return the description, or empty when the column had none
   */
  public Optional<EmbedderDescription> description() {
    return Optional.ofNullable(description);
  }

  /**
   * The vector length.
   *
   * @return the dimension
   */
  public int dimension() {
    return dimension;
  }

  /**
   * The rows indexed (those with a vector).
   *
   * @return the count
   */
  public long size() {
    return size;
  }

  /**
   * The partitions, one graph each.
   *
   * @return the count
   */
  public int partitions() {
    return graphs.getNumPartitions();
  }

  /**
   * How many partition graphs have been built so far: {@link #partitions()} after {@code index};
   * more means Spark rebuilt some (a graph evicted from a {@code MEMORY_ONLY} cache, a lost
   * executor) — then give the executors more memory or choose {@code MEMORY_AND_DISK}.
   *
   * @return the builds
   */
  public long partitionBuilds() {
    return builds.value();
  }

  /**
   * The {@code k} approximate nearest rows of each query, with the settings' search beam.
   *
   * @param queries the query vectors, of {@link #dimension()}, finite
   * @param k at least 1
   * @return per query, up to {@code k} neighbours (id, distance), nearest first
   * @throws IllegalArgumentException for bad {@code k} or queries, naming them
   * @throws IllegalStateException if closed
   */
  public List<List<Neighbor>> search(float[][] queries, int k) {
    return search(queries, k, settings.searchBeam());
  }

  /**
   * The {@code k} approximate nearest rows of each query, with a beam of {@code max(k, ef)} in
   * every partition.
   *
   * @param queries the query vectors, of {@link #dimension()}, finite
   * @param k at least 1
   * @param ef the beam, at least 1: wider is slower and finds more true neighbours
   * @return per query, up to {@code k} neighbours (id, distance), nearest first
   * @throws IllegalArgumentException for bad {@code k}, {@code ef} or queries, naming them
   * @throws IllegalStateException if closed
   */
  public List<List<Neighbor>> search(float[][] queries, int k, int ef) {
    return search(queries, k, ef, null);
  }

  /**
   * A filter over row ids that Spark can send to the executors: a lambda that captures only
   * serializable values (for a large set of ids, a {@code Broadcast} of it).
   */
  @FunctionalInterface
  public interface IdFilter extends LongPredicate, Serializable {}

  /**
   * The {@code k} approximate nearest rows of each query among those whose id passes the
   * filter, as {@code GraphIndex.search(query, k, ef, filter)} finds them in each partition's
   * graph (it walks through the other rows, and scans the accepted ones exactly when they are
   * too few for the walk): the graphs are built once, over every row, and each call may filter
   * differently.
   *
   * @param queries the query vectors, of {@link #dimension()}, finite
   * @param k at least 1
   * @param ef the beam, at least 1
   * @param filter accepts the ids a search may return; null for every row
   * @return per query, up to {@code k} accepted neighbours, nearest first
   * @throws IllegalArgumentException for bad {@code k}, {@code ef} or queries, naming them
   * @throws IllegalStateException if closed
   */
  public List<List<Neighbor>> search(float[][] queries, int k, int ef, IdFilter filter) {
    if (closed) {
      throw new IllegalStateException("this PartitionedGraph is closed");
    }
    KnnQueries.requireK(k);
    if (ef < 1) {
      throw new IllegalArgumentException("ef must be at least 1: " + ef);
    }
    int d = KnnQueries.dimension(queries, true);
    if (queries.length == 0) {
      return List.of();
    }
    if (d != dimension) {
      throw new IllegalArgumentException("vector dimensions differ: the queries have " + d
          + " components, the index " + dimension);
    }
    Broadcast<float[][]> shared = sc.broadcast(queries);
    try {
      return graphs.mapPartitions(new Search(shared, k, ef, filter))
          .treeAggregate(new TopLists(queries.length, k), TopLists::merge, TopLists::merge)
          .toLists(false);
    } finally {
      shared.destroy();
    }
  }

  /**
   * As {@link #search(float[][], int)} for a DataFrame of queries (collected to the driver),
   * giving rows {@code query_id}, {@code rank} (0 for the nearest), {@code id}, {@code distance}.
   * When the queries' column and the indexed one both carry a description of their embedder,
   * they must match (see {@link ApproxKnn.Builder#checkEmbedder}).
   *
   * @param queries rows with a {@code long} or {@code int} id column and a vector column
   * @param queryIdCol the queries' id column
   * @param queryVectorCol the queries' vector column; rows with a null vector are skipped
   * @param k at least 1
   * @return one row per (query, neighbour)
   * @throws IllegalArgumentException as {@link #search(float[][], int)}, and when the queries
   *     are described as another embedder's vectors than the indexed ones
   */
  public Dataset<Row> search(Dataset<Row> queries, String queryIdCol, String queryVectorCol,
      int k) {
    KnnQueries.Collected q = KnnQueries.collect(queries, queryIdCol, queryVectorCol,
        description, vectorCol, settings.checkEmbedder());
    return KnnQueries.table(queries.sparkSession(), q.ids(), search(q.vectors(), k));
  }

  /** The settings the graphs were built with (their columns, metric, beam). */
  ApproxKnn settings() {
    return settings;
  }

  /** The cached graphs, one per partition; refused once closed. */
  JavaRDD<PartitionGraph> graphs() {
    if (closed) {
      throw new IllegalStateException("this PartitionedGraph is closed");
    }
    return graphs;
  }

  /** Drops the cached graphs (without waiting); searches then fail. Idempotent. */
  @Override
  public void close() {
    closed = true;
    graphs.unpersist(false);
  }

  /** One partition's graph searched for every query. */
  private record Search(Broadcast<float[][]> shared, int k, int ef, IdFilter filter)
      implements FlatMapFunction<Iterator<PartitionGraph>, TopLists> {

    @Override
    public Iterator<TopLists> call(Iterator<PartitionGraph> graphs) {
      float[][] queries = shared.value();
      TopLists top = new TopLists(queries.length, k);
      while (graphs.hasNext()) {
        top.merge(graphs.next().search(queries, k, ef, filter));
      }
      return List.of(top).iterator();
    }
  }
}
