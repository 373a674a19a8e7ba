/**
 * Exact k-nearest-neighbour search by brute force: {@link
 * io.github.embeddings4j.core.search.FlatIndex} over {@code float[]} vectors with any metric and
 * {@link io.github.embeddings4j.core.search.BinaryIndex} over packed binary codes with Hamming
 * distance, both multi-threaded, deterministic (ties by id) and saved in the checksummed
 * container. DL4J 1.0.0-M2.1 has no nearest-neighbour code of its own.
 */
package io.github.embeddings4j.core.search;
