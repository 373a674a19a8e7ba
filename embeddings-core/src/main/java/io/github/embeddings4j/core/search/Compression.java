package io.github.embeddings4j.core.search;

/**
 * How a {@link GraphIndex} stores the vectors its searches walk over.
 */
public enum Compression {
  /** Floats on the Java heap: 4 bytes a component, exact distances everywhere. */
  NONE,
  /**
   * Scalar quantisation to one signed byte a component (a quarter of the floats): each
   * component's range, learned from the first vectors added (see {@link GraphIndex}), is cut
   * into 256 steps. Searches walk the graph on the codes (the query stays in float); the floats
   * are kept off the heap, in a memory-mapped file, for exact distances and the re-rank.
   */
  INT8
}
