/**
 * Exact k-nearest-neighbour search by brute force, the implementations of {@link
 * io.github.embeddings4j.api.NeighborIndex}: {@link io.github.embeddings4j.core.search.FlatIndex}
 * over {@code float[]} vectors with any metric and {@link
 * io.github.embeddings4j.core.search.BinaryIndex} over packed binary codes with Hamming
 * distance, both multi-threaded, deterministic (ties by id) and saved in the checksummed
 * container; and the scoring of many queries against many vectors at once through ND4J matrix
 * products ({@link io.github.embeddings4j.core.search.BatchScorer}), which {@code FlatIndex}
 * takes where that is faster; and approximate search on a graph ({@link
 * io.github.embeddings4j.core.search.GraphIndex}, HNSW, optionally on int8 codes). DL4J
 * 1.0.0-M2.1 has no nearest-neighbour code of its own.
 */
package io.github.embeddings4j.core.search;
