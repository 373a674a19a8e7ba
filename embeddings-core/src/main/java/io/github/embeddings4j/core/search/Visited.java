package io.github.embeddings4j.core.search;

/**
 * The nodes one search has visited: one int stamp per node, and a search is a new generation,
 * so starting a search costs nothing (no clearing) until the stamps wrap around after 2^31
 * searches. One per thread; grows with the index.
 */
final class Visited {

  private int[] stamps = new int[0];
  private int generation;

  /** Starts a search over nodes {@code [0, nodes)}. */
  void reset(int nodes) {
    if (stamps.length < nodes) {
      stamps = new int[Math.max(nodes, stamps.length + (stamps.length >>> 1))];
      generation = 0;
    }
    generation++;
    if (generation == Integer.MAX_VALUE) {
      java.util.Arrays.fill(stamps, 0);
      generation = 1;
    }
  }

  /** Marks a node; returns false if it was already marked in this search. */
  boolean visit(int node) {
    if (stamps[node] == generation) {
      return false;
    }
    stamps[node] = generation;
    return true;
  }
}
