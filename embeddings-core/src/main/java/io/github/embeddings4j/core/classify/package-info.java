/**
 * Classification by neighbours: {@link io.github.embeddings4j.core.classify.KnnClassifier} on
 * any {@link io.github.embeddings4j.api.NeighborIndex}, with majority or
 * distance-weighted votes.
 */
package io.github.embeddings4j.core.classify;
