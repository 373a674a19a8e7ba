/**
 * The public vocabulary of embeddings4j: what an embedding is, how one is made and how two are
 * compared. This package depends on nothing beyond the JDK, so libraries can code against it
 * without pulling in a deep-learning runtime.
 *
 * <ul>
 *   <li>{@link io.github.embeddings4j.api.Embedder} turns images ({@link
 *       io.github.embeddings4j.api.ImageSource}) into {@code float[]} vectors;</li>
 *   <li>{@link io.github.embeddings4j.api.DistanceMetric} compares two vectors (lower is closer,
 *       always); {@link io.github.embeddings4j.api.StandardMetric} names the built-ins;</li>
 *   <li>{@link io.github.embeddings4j.api.Reducer} is a fitted projection to fewer dimensions;</li>
 *   <li>{@link io.github.embeddings4j.api.NeighborIndex} searches many vectors for the nearest
 *       ones to a query;</li>
 *   <li>{@link io.github.embeddings4j.api.Neighbor},
 *       {@link io.github.embeddings4j.api.EmbeddingResult} and {@link
 *       io.github.embeddings4j.api.Progress} are immutable values;</li>
 *   <li>{@link io.github.embeddings4j.api.EmbeddingException} is the one checked exception, for
 *       failures caused by the outside world (unreadable or corrupt input); misuse is reported
 *       with {@link java.lang.IllegalArgumentException} carrying the offending values.</li>
 * </ul>
 *
 * <p>Implementations live in {@code embeddings-core} (CPU) and {@code embeddings-nd4j-cuda}
 * (GPU).
 */
package io.github.embeddings4j.api;
