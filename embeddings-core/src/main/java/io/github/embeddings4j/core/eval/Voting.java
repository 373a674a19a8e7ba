package io.github.embeddings4j.core.eval;

/** How the k nearest neighbours of a query vote for its class. */
public enum Voting {
  /** Each neighbour has one vote. */
  UNIFORM,
  /**
   * Each neighbour votes with weight {@code 1 / (distance + 1e-9)}, so closer neighbours count
   * more; needs a metric whose distances are not negative (not the dot product).
   */
  DISTANCE
}
