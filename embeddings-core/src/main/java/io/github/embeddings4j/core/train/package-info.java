/**
 * Training embedding networks: {@link io.github.embeddings4j.core.train.EmbeddingTrainer} trains
 * one from scratch on labelled images ({@link io.github.embeddings4j.core.train.Architecture},
 * {@link io.github.embeddings4j.core.train.Hyperparameters}), {@link
 * io.github.embeddings4j.core.train.FineTuner} adapts a trained or saved one to new classes
 * (freeze up to a layer, new head), and {@link
 * io.github.embeddings4j.core.train.HyperparameterSearch} tries settings on a validation split.
 * Every run ends in a {@link io.github.embeddings4j.core.train.TrainingResult} whose {@link
 * io.github.embeddings4j.core.train.TrainedEmbedder} gives embeddings and saves the model.
 *
 * <p>{@link io.github.embeddings4j.core.train.ZooFineTuner} fine-tunes a CNN of the model zoo on
 * folders of labelled photos in colour (new head, freezing, a slower backbone, seeded
 * augmentation, images streamed from disk, checkpoints that resume, early stopping), with {@link
 * io.github.embeddings4j.core.train.ZooFineTuneSearch} over its settings; its {@link
 * io.github.embeddings4j.core.train.FineTuneResult} saves a file that {@code
 * ZooEmbedder.fineTuned} embeds with.
 */
package io.github.embeddings4j.core.train;
