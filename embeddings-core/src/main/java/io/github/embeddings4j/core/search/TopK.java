package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.Neighbor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The {@code k} best (distance, id) pairs seen so far, in primitive arrays. The order is {@link
 * Neighbor}'s: distance by {@link Double#compare} (so {@code NaN} is worst), then id.
 *
 * <p>Two ways of keeping them, with the same answers. For small {@code k} a bounded max-heap
 * whose root is the worst pair kept, so most candidates are rejected by one comparison. From
 * {@value #BUFFERED_FROM} on, a buffer of {@code 2k} pairs: a candidate that beats the bound is
 * appended, and a full buffer is cut to its best {@code k} by a selection (quickselect), whose
 * {@code k}-th pair becomes the bound. A heap pays about {@code log2 k} moves for each
 * candidate that gets in, the buffer about two; with a large {@code k} many get in. Measured
 * (embeddings-benchmarks/results/topk/): HDBSCAN's placing, which keeps 400 candidates a row,
 * 1.2 times faster; {@code searchAll} with {@code k = 400} 1.1 to 1.2 times; below 128 kept
 * pairs the batched scans' SIMD filter leaves the heap little to do, and the buffer gained
 * nothing there.
 */
final class TopK {

  /** The smallest {@code k} kept in a buffer rather than a heap. */
  static final int BUFFERED_FROM = 128;

  private final int k;
  private final boolean buffered;
  private final double[] dist;
  private final long[] ids;
  private final LongPredicate accept;
  private int size;
  /** Buffered: the k-th pair of the last selection, which a candidate must beat; none yet. */
  private double boundDist = Double.NaN;
  private long boundId;
  private boolean bounded;

  TopK(int k) {
    this(k, null);
  }

  /**
   * Pairs that {@code accept} passes; it is asked only about a pair that would otherwise get
   * in, so a filter costs one call per candidate that beats the bound.
   */
  TopK(int k, LongPredicate accept) {
    this(k, accept, k >= BUFFERED_FROM);
  }

  /** As {@link #TopK(int, LongPredicate)} with the way of keeping chosen (for tests). */
  TopK(int k, LongPredicate accept, boolean buffered) {
    this.k = k;
    this.buffered = buffered && k > 0;
    int capacity = this.buffered ? 2 * k : k;
    this.dist = new double[capacity];
    this.ids = new long[capacity];
    this.accept = accept;
  }

  /** The number of pairs kept, at most {@code k}. */
  int size() {
    settle();
    return size;
  }

  /** Whether (d, id) ranks after (d2, id2). */
  private static boolean worse(double d, long id, double d2, long id2) {
    int c = Double.compare(d, d2);
    return c > 0 || (c == 0 && id > id2);
  }

  /**
   * A distance a candidate must reach (or tie with a smaller id) to get in; {@code NaN} while
   * anything goes in. Candidates above it can be skipped without an offer; one at or below it
   * is still only a candidate ({@link #offer} decides).
   */
  double bound() {
    if (buffered) {
      return bounded ? boundDist : Double.NaN;
    }
    return size < k ? Double.NaN : dist[0];
  }

  void offer(double d, long id) {
    // -0.0 and 0.0 must tie (Double.compare tells them apart); adding 0.0 turns -0.0 into 0.0.
    d += 0.0;
    if (buffered) {
      if (bounded && !worse(boundDist, boundId, d, id)
          || accept != null && !accept.test(id)) {
        return;
      }
      if (size == dist.length) {
        select();
        if (!worse(boundDist, boundId, d, id)) {
          return;
        }
      }
      dist[size] = d;
      ids[size] = id;
      size++;
      return;
    }
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

  /** Buffered: cuts the buffer to its best k when it holds more. */
  private void settle() {
    if (buffered && size > k) {
      select();
    }
  }

  /**
   * Buffered: moves the best k pairs of the buffer to its front (in no particular order), drops
   * the rest and makes the k-th the bound. Quickselect with the middle of three as the pivot;
   * the pairs are distinct (an id is offered once), so the order is total.
   */
  private void select() {
    int lo = 0;
    int hi = size - 1;
    int target = k - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      // Order lo, mid, hi; the middle one is the pivot, parked at hi - 1.
      if (worse(dist[lo], ids[lo], dist[mid], ids[mid])) {
        swap(lo, mid);
      }
      if (worse(dist[mid], ids[mid], dist[hi], ids[hi])) {
        swap(mid, hi);
        if (worse(dist[lo], ids[lo], dist[mid], ids[mid])) {
          swap(lo, mid);
        }
      }
      if (hi - lo < 3) {
        break; // three or fewer: now in order
      }
      swap(mid, hi - 1);
      double pd = dist[hi - 1];
      long pi = ids[hi - 1];
      int i = lo;
      int j = hi - 1;
      while (true) {
        do {
          i++;
        } while (worse(pd, pi, dist[i], ids[i]));
        do {
          j--;
        } while (worse(dist[j], ids[j], pd, pi));
        if (i >= j) {
          break;
        }
        swap(i, j);
      }
      swap(i, hi - 1);
      if (i == target) {
        break;
      } else if (i < target) {
        lo = i + 1;
      } else {
        hi = i - 1;
      }
    }
    size = k;
    boundDist = dist[target];
    boundId = ids[target];
    bounded = true;
  }

  private void swap(int a, int b) {
    double d = dist[a];
    dist[a] = dist[b];
    dist[b] = d;
    long id = ids[a];
    ids[a] = ids[b];
    ids[b] = id;
  }

  void addAll(TopK other) {
    other.settle();
    for (int i = 0; i < other.size; i++) {
      offer(other.dist[i], other.ids[i]);
    }
  }

  /** The distance of the i-th pair kept (in no particular order), i below {@link #size()}. */
  double distanceAt(int i) {
    settle();
    return dist[i];
  }

  /** The id of the i-th pair kept (in no particular order), i below {@link #size()}. */
  long idAt(int i) {
    settle();
    return ids[i];
  }

  /** The pairs kept, nearest first. */
  List<Neighbor> toList() {
    settle();
    List<Neighbor> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(new Neighbor(ids[i], dist[i]));
    }
    out.sort(null);
    return out;
  }
}
