package io.github.embeddings4j.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongPredicate;

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
 * <p>A search can be restricted to the entries whose ids pass a filter ({@link #search(Object,
 * int, LongPredicate)}): the {@code k} nearest among them, not the nearest {@code k} with the
 * others removed afterwards.
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
   * The {@code k} entries nearest to a query among those whose ids {@code filter} accepts, for
   * searches within a subset (one user's photos, one category, the entries not deleted): the
   * answer is the {@code k} nearest accepted entries, as a search of an index holding only them
   * would give, not the unfiltered answer with the rejected entries taken out.
   *
   * <p>The filter may be called any number of times for any id, from several threads at once,
   * and must answer the same for an id throughout the search; keep it cheap (a set lookup, a
   * bit test). This default asks for every entry and filters them, exact but as slow as a full
   * sort; the indexes of {@code embeddings-core} override it: {@code FlatIndex} scores only the
   * accepted rows when they are few, {@code GraphIndex} walks its graph and falls back to an
   * exact scan of the accepted entries when that is cheaper.
   *
   * @param query the query
   * @param k how many neighbours, at least 1
   * @param filter which ids may be returned
   * @return up to {@code k} accepted neighbours, nearest first; fewer when fewer are accepted
   * @throws IllegalArgumentException if {@code k <= 0} or the query has the wrong dimension
   */
  default List<Neighbor> search(Q query, int k, LongPredicate filter) {
    Objects.requireNonNull(filter, "filter");
    if (k <= 0) {
      throw new IllegalArgumentException("k must be at least 1: " + k);
    }
    List<Neighbor> out = new ArrayList<>(Math.min(k, 64));
    for (Neighbor n : search(query, Math.max(1, size()))) {
      if (filter.test(n.id())) {
        out.add(n);
        if (out.size() == k) {
          break;
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * {@link #search(Object, int, LongPredicate)} for many queries with one filter.
   *
   * @param queries the queries
   * @param k how many neighbours each, at least 1
   * @param filter which ids may be returned
   * @return one list per query, in the order of {@code queries}
   * @throws IllegalArgumentException if {@code k <= 0} or a query has the wrong dimension
   */
  default List<List<Neighbor>> searchAll(Q[] queries, int k, LongPredicate filter) {
    Objects.requireNonNull(queries, "queries");
    List<List<Neighbor>> out = new ArrayList<>(queries.length);
    for (Q query : queries) {
      out.add(search(query, k, filter));
    }
    return List.copyOf(out);
  }

  /**
   * The string key an entry was added with, for indexes filled with string keys.
   *
   * @param id an id returned by a search
   * @return its key, or empty if the entry was added with a numeric id or the id is unknown
   */
  Optional<String> key(long id);
}
