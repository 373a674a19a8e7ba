/**
 * How good embeddings are: {@link io.github.embeddings4j.core.eval.KnnAccuracy} (kNN
 * classification under any metric, uniform or distance-weighted votes), {@link
 * io.github.embeddings4j.core.eval.Retrieval} (recall@k and mAP@k, defined there), {@link
 * io.github.embeddings4j.core.eval.LinearProbe} (softmax regression on frozen embeddings) and
 * {@link io.github.embeddings4j.core.eval.ConfusionMatrix}; {@link
 * io.github.embeddings4j.core.eval.EmbeddingEvaluator} runs them together into an {@link
 * io.github.embeddings4j.core.eval.EvaluationReport}.
 */
package io.github.embeddings4j.core.eval;
