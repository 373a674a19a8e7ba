package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.Neighbor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * A bounded max-heap of the {@code k} best (distance, id) pairs seen so far, in primitive arrays.
 * The order is {@link Neighbor}'s: distance by {@link Double#compare} (so {@code NaN} is worst),
 * then id; the root is the worst pair kept, so most candidates are rejected by one comparison.
 */
final class TopK {

  private final int k;
  private final double[] dist;
  private final long[] ids;
  private final LongPredicate accept;
  private int size;

  TopK(int k) {
    this(k, null);
  }

  /**
   * A heap that keeps only ids {@code accept} passes; it is asked only about a pair that would
   * otherwise get in, so a filter costs one call per candidate that beats the bound.
   */
  TopK(int k, LongPredicate accept) {
    this.k = k;
    this.dist = new double[k];
    this.ids = new long[k];
    this.accept = accept;
  }

  int size() {
    return size;
  }

  /** Whether (d, id) ranks after (d2, id2). */
  private static boolean worse(double d, long id, double d2, long id2) {
    int c = Double.compare(d, d2);
    return c > 0 || (c == 0 && id > id2);
  }

  /**
   * The distance a candidate must beat (or tie with a smaller id) to get in; {@code NaN} when
   * the heap is not yet full, which callers treat as "anything goes in".
   */
  double bound() {
    return size < k ? Double.NaN : dist[0];
  }

  void offer(double d, long id) {
    // -0.0 and 0.0 must tie (Double.compare tells them apart); adding 0.0 turns -0.0 into 0.0.
    d += 0.0;
    if (size < k) {
      if (accept != null && !accept.test(id)) {
        return;
      }
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (!worse(d, id, dist[parent], ids[parent])) {
          break;
        }
        dist[i] = dist[parent];
        ids[i] = ids[parent];
        i = parent;
      }
      dist[i] = d;
      ids[i] = id;
      return;
    }
    if (!worse(dist[0], ids[0], d, id) || (accept != null && !accept.test(id))) {
      return;
    }
    siftDown(d, id);
  }

  private void siftDown(double d, long id) {
    int i = 0;
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && worse(dist[right], ids[right], dist[child], ids[child])) {
        child = right;
      }
      if (!worse(dist[child], ids[child], d, id)) {
        break;
      }
      dist[i] = dist[child];
      ids[i] = ids[child];
      i = child;
    }
    dist[i] = d;
    ids[i] = id;
  }

  void addAll(TopK other) {
    for (int i = 0; i < other.size; i++) {
      offer(other.dist[i], other.ids[i]);
    }
  }

  double distanceAt(int i) {
    return dist[i];
  }

  long idAt(int i) {
    return ids[i];
  }

  /** The pairs kept, nearest first. */
  List<Neighbor> toList() {
    List<Neighbor> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(new Neighbor(ids[i], dist[i]));
    }
    out.sort(null);
    return out;
  }
}
