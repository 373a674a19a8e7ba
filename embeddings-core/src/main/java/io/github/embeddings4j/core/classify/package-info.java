/**
 * Classification of embeddings: {@link io.github.embeddings4j.core.classify.KnnClassifier} on
 * any {@link io.github.embeddings4j.api.NeighborIndex}, with majority or distance-weighted votes;
 * and heads trained on frozen embeddings ({@link io.github.embeddings4j.core.classify.HeadTrainer},
 * {@link io.github.embeddings4j.core.classify.HeadSearch}), saved with their embedder as an
 * {@link io.github.embeddings4j.core.classify.ImageClassifier}, on vectors that an
 * {@link io.github.embeddings4j.core.classify.EmbeddingCache} computes once per dataset and
 * embedder.
 */
package io.github.embeddings4j.core.classify;
