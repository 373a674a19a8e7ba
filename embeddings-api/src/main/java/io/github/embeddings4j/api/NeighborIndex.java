package io.github.embeddings4j.api;

import java.util.List;
import java.util.Optional;

/**
 * An index that answers k-nearest-neighbour queries; this is how embeddings are searched.
 * {@code embeddings-core} implements it exactly with {@code
 * io.github.embeddings4j.core.search.FlatIndex} over {@code float[]} vectors and {@code
 * BinaryIndex} over packed binary codes ({@code long[]}), and approximately (a graph, faster on
 * large collections, with a measurable recall) with {@code GraphIndex}; anything that ranks by
 * neighbours (the kNN classifier, recall measurements) works on any of them through this
 * interface.
 *
 * <pre>{@code
 * NeighborIndex<float[]> index = FlatIndex.builder(512).metric(StandardMetric.COSINE).build();
 * // ... index.add(id, vector) for each embedding ...
 * List<Neighbor> nearest = index.search(query, 10);   // nearest first
 * }</pre>
 *
 * <p>Results are deterministic: nearest first, equal distances by the smaller id, {@code NaN}
 * distances last (the order of {@link Neighbor}). Implementations are safe for concurrent
 * searches.
 *
 * @param <Q> the query type, {@code float[]} or {@code long[]}
 */
public interface NeighborIndex<Q> {

  /**
   * The number of entries.
   *
   * @return the count
   */
  int size();

  /**
   * The metric the index ranks by.
   *
   * @return the metric
   */
  DistanceMetric metric();

  /**
   * The {@code k} entries nearest to a query.
   *
   * @param query the query
   * @param k how many neighbours, at least 1; all entries when {@code k >= size()}
   * @return up to {@code k} neighbours, nearest first; empty for an empty index
   * @throws IllegalArgumentException if {@code k <= 0} or the query has the wrong dimension
   */
  List<Neighbor> search(Q query, int k);

  /**
   * The {@code k} nearest entries of each of many queries, in one pass over the index.
   *
   * @param queries the queries
   * @param k how many neighbours each, at least 1
   * @return one list per query, in the order of {@code queries}
   * @throws IllegalArgumentException if {@code k <= 0} or a query has the wrong dimension
   */
  List<List<Neighbor>> searchAll(Q[] queries, int k);

  /**
   * The string key an entry was added with, for indexes filled with string keys.
   *
   * @param id an id returned by a search
   * @return its key, or empty if the entry was added with a numeric id or the id is unknown
   */
  Optional<String> key(long id);
}
