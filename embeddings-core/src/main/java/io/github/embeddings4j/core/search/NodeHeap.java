package io.github.embeddings4j.core.search;

/**
 * A binary heap of (distance, node) pairs in two primitive arrays, for the graph search's hot
 * loop: no boxing, no allocation once grown. A min-heap pops the nearest first (the frontier
 * of a beam search); a max-heap keeps the worst at the root, so that a bounded set of the best
 * rejects most candidates with one comparison. Equal distances order by the smaller node
 * number, so a search is deterministic.
 */
final class NodeHeap {

  private final boolean max;
  private float[] dist;
  private int[] node;
  private int size;

  NodeHeap(int capacity, boolean max) {
    this.max = max;
    this.dist = new float[Math.max(4, capacity)];
    this.node = new int[dist.length];
  }

  static NodeHeap nearestFirst(int capacity) {
    return new NodeHeap(capacity, false);
  }

  static NodeHeap worstFirst(int capacity) {
    return new NodeHeap(capacity, true);
  }

  int size() {
    return size;
  }

  void clear() {
    size = 0;
  }

  /** Whether (d, n) comes out of this heap before (d2, n2). */
  private boolean before(float d, int n, float d2, int n2) {
    if (max) {
      return d > d2 || (d == d2 && n > n2);
    }
    return d < d2 || (d == d2 && n < n2);
  }

  float topDistance() {
    return dist[0];
  }

  int topNode() {
    return node[0];
  }

  void push(float d, int n) {
    if (size == dist.length) {
      dist = java.util.Arrays.copyOf(dist, 2 * size);
      node = java.util.Arrays.copyOf(node, 2 * size);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(d, n, dist[parent], node[parent])) {
        break;
      }
      dist[i] = dist[parent];
      node[i] = node[parent];
      i = parent;
    }
    dist[i] = d;
    node[i] = n;
  }

  /** Removes the root; read it first with {@link #topDistance()} and {@link #topNode()}. */
  void pop() {
    int last = --size;
    if (last > 0) {
      siftDown(dist[last], node[last]);
    }
  }

  /** Replaces the root by (d, n), cheaper than pop and push. */
  void replaceTop(float d, int n) {
    siftDown(d, n);
  }

  private void siftDown(float d, int n) {
    int i = 0;
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && before(dist[right], node[right], dist[child], node[child])) {
        child = right;
      }
      if (!before(dist[child], node[child], d, n)) {
        break;
      }
      dist[i] = dist[child];
      node[i] = node[child];
      i = child;
    }
    dist[i] = d;
    node[i] = n;
  }

  /**
   * Whether (d, n) would enter a worst-first heap that is full at {@code bound} entries, i.e.
   * ranks before its root.
   */
  boolean admits(float d, int n, int bound) {
    return size < bound || d < dist[0] || (d == dist[0] && n < node[0]);
  }

  /** Empties the heap into the arrays, nearest first; returns the count. */
  int drainNearestFirst(float[] dOut, int[] nOut) {
    int count = size;
    if (max) {
      for (int i = count - 1; i >= 0; i--) {
        dOut[i] = dist[0];
        nOut[i] = node[0];
        pop();
      }
    } else {
      for (int i = 0; i < count; i++) {
        dOut[i] = dist[0];
        nOut[i] = node[0];
        pop();
      }
    }
    return count;
  }
}
