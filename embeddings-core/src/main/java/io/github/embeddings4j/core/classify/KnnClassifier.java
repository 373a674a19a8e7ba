package io.github.embeddings4j.core.classify;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.NeighborIndex;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.FlatIndex;
import java.util.List;
import java.util.Objects;
import java.util.function.LongToIntFunction;

/**
 * A k-nearest-neighbour classifier on any {@link NeighborIndex}: a query gets the class that its
 * {@code k} nearest entries vote for. Immutable and safe to share between threads (as far as the
 * index is; see its documentation about adding while searching).
 *
 * <p>Votes, as scikit-learn's {@code KNeighborsClassifier} counts them:
 * <ul>
 *   <li>{@link Vote#MAJORITY}: one vote per neighbour;</li>
 *   <li>{@link Vote#DISTANCE}: a neighbour at distance {@code d} votes {@code 1/d}; if any
 *       neighbour is at distance exactly 0, only the neighbours at distance 0 vote, one vote
 *       each (an exact match decides, and no weight is infinite). Neighbours at a {@code NaN}
 *       distance vote 0; if no neighbour has a positive weight, the vote is by majority.
 *       Distances must not be negative, so the dot-product metric is refused.</li>
 * </ul>
 * A tie between classes goes to the smallest label, so predictions are deterministic (the
 * neighbours themselves are ordered by distance, then id).
 *
 * <pre>{@code
 * KnnClassifier<float[]> knn = KnnClassifier.fit(trainVectors, trainLabels,
 *     StandardMetric.MANHATTAN, 5, KnnClassifier.Vote.DISTANCE);
 * int[] predicted = knn.predictAll(testVectors);
 * }</pre>
 *
 * @param <Q> the query type of the index
 */
public final class KnnClassifier<Q> {

  /** How neighbours vote. */
  public enum Vote {
    /** One vote per neighbour (scikit-learn's {@code weights='uniform'}). */
    MAJORITY,
    /** A vote of {@code 1/distance} per neighbour (scikit-learn's {@code weights='distance'}). */
    DISTANCE
  }

  private final NeighborIndex<Q> index;
  private final LongToIntFunction labelOfId;
  private final int k;
  private final Vote vote;

  private KnnClassifier(NeighborIndex<Q> index, LongToIntFunction labelOfId, int k, Vote vote) {
    this.index = Objects.requireNonNull(index, "index");
    this.labelOfId = Objects.requireNonNull(labelOfId, "labelOfId");
    this.vote = Objects.requireNonNull(vote, "vote");
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1: " + k);
    }
    if (vote == Vote.DISTANCE && index.metric() == StandardMetric.DOT_PRODUCT) {
      throw new IllegalArgumentException("distance-weighted votes need non-negative distances;"
          + " metric 'dot' gives negative ones (use cosine, or majority votes)");
    }
    this.k = k;
  }

  /**
   * A classifier on an index whose entries' labels come from their ids.
   *
   * @param <Q> the query type
   * @param index the labelled entries
   * @param labelOfId the class of an entry by its id, a non-negative int
   * @param k the number of neighbours that vote, at least 1
   * @param vote how they vote
   * @return the classifier
   * @throws IllegalArgumentException if {@code k < 1}, or distance votes with the dot product
   */
  public static <Q> KnnClassifier<Q> on(NeighborIndex<Q> index, LongToIntFunction labelOfId,
      int k, Vote vote) {
    return new KnnClassifier<>(index, labelOfId, k, vote);
  }

  /**
   * Builds a {@link FlatIndex} of labelled vectors (ids 0, 1, 2, ...) and a classifier on it.
   *
   * @param vectors the training vectors, all of one length (copied into the index)
   * @param labels their classes, non-negative, one per vector
   * @param metric the metric
   * @param k the number of neighbours that vote
   * @param vote how they vote
   * @return the classifier
   * @throws IllegalArgumentException if the counts differ, a label is negative, the vectors
   *     differ in length, or as {@link #on}
   */
  public static KnnClassifier<float[]> fit(float[][] vectors, int[] labels,
      DistanceMetric metric, int k, Vote vote) {
    if (vectors.length != labels.length) {
      throw new IllegalArgumentException("vectors and labels differ in number: "
          + vectors.length + " != " + labels.length);
    }
    if (vectors.length == 0) {
      throw new IllegalArgumentException("no training vectors");
    }
    int[] copy = labels.clone();
    for (int i = 0; i < copy.length; i++) {
      if (copy[i] < 0) {
        throw new IllegalArgumentException("labels must be >= 0: labels[" + i + "] = "
            + copy[i]);
      }
    }
    FlatIndex index = FlatIndex.builder(vectors[0].length).metric(metric).build();
    index.addAll(0, vectors);
    return on(index, id -> copy[(int) id], k, vote);
  }

  /**
   * The number of neighbours that vote.
   *
   * @return k
   */
  public int k() {
    return k;
  }

  /**
   * How neighbours vote.
   *
   * @return the vote
   */
  public Vote vote() {
    return vote;
  }

  /**
   * The class of one query.
   *
   * @param query the query
   * @return the predicted label
   * @throws IllegalArgumentException if the query does not fit the index
   * @throws IllegalStateException if the index is empty
   */
  public int predict(Q query) {
    return decide(index.search(query, k));
  }

  /**
   * The classes of many queries, in one pass over the index (threads, matrix products).
   *
   * @param queries the queries
   * @return one predicted label per query
   * @throws IllegalArgumentException if a query does not fit the index
   * @throws IllegalStateException if the index is empty
   */
  public int[] predictAll(Q[] queries) {
    List<List<Neighbor>> hits = index.searchAll(queries, k);
    int[] out = new int[queries.length];
    for (int q = 0; q < out.length; q++) {
      out[q] = decide(hits.get(q));
    }
    return out;
  }

  /**
   * The class that a list of neighbours votes for, by this classifier's rule.
   *
   * @param neighbors the neighbours, nearest first
   * @return the winning label
   * @throws IllegalStateException if the list is empty or a distance is negative under
   *     distance votes
   */
  int decide(List<Neighbor> neighbors) {
    int n = neighbors.size();
    if (n == 0) {
      throw new IllegalStateException("the index is empty: nothing to vote");
    }
    int[] labels = new int[n];
    double[] weights = new double[n];
    boolean exact = false;
    for (int i = 0; i < n; i++) {
      Neighbor nb = neighbors.get(i);
      int label = labelOfId.applyAsInt(nb.id());
      if (label < 0) {
        throw new IllegalStateException("labels must be >= 0: id " + nb.id() + " has " + label);
      }
      labels[i] = label;
      if (vote == Vote.DISTANCE && nb.distance() == 0.0) {
        exact = true;
      }
    }
    double total = 0;
    for (int i = 0; i < n; i++) {
      double d = neighbors.get(i).distance();
      double w;
      if (vote == Vote.MAJORITY) {
        w = 1.0;
      } else if (d < 0) {
        throw new IllegalStateException("distance-weighted votes need non-negative distances: "
            + "id " + neighbors.get(i).id() + " is at " + d);
      } else if (exact) {
        w = d == 0.0 ? 1.0 : 0.0;
      } else {
        w = Double.isNaN(d) ? 0.0 : 1.0 / d;
      }
      weights[i] = w;
      total += w;
    }
    if (!(total > 0)) {
      java.util.Arrays.fill(weights, 1.0);
    }
    // k is small: add up each distinct label's weight and keep the best, smaller label on ties.
    int best = -1;
    double bestWeight = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      int label = labels[i];
      boolean seen = false;
      for (int j = 0; j < i; j++) {
        if (labels[j] == label) {
          seen = true;
          break;
        }
      }
      if (seen) {
        continue;
      }
      double sum = 0;
      for (int j = i; j < n; j++) {
        if (labels[j] == label) {
          sum += weights[j];
        }
      }
      if (sum > bestWeight || (sum == bestWeight && label < best)) {
        best = label;
        bestWeight = sum;
      }
    }
    return best;
  }
}
