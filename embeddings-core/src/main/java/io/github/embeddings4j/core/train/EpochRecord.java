package io.github.embeddings4j.core.train;

/**
 * What one training epoch did.
 *
 * @param epoch the epoch, from 1
 * @param trainLoss the mean mini-batch loss over the epoch, L2 penalty included
 * @param validationAccuracy the accuracy on the validation images after the epoch (the balanced
 *     accuracy when the run weighs classes: {@link ClassWeights#BALANCED}), or {@code
 *     NaN} when training had no validation set
 * @param learningRate the base learning rate in this epoch (after the schedule)
 * @param seconds the wall time of the epoch, validation included
 */
public record EpochRecord(int epoch, double trainLoss, double validationAccuracy,
    double learningRate, double seconds) {}
