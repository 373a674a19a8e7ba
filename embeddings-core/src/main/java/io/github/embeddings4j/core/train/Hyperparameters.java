package io.github.embeddings4j.core.train;

import java.util.Objects;

/**
 * The settings of one training run. Immutable; make one with {@link #builder()} and vary it with
 * {@link #toBuilder()}.
 *
 * <pre>{@code
 * Hyperparameters h = Hyperparameters.builder()
 *     .updater(Updater.NESTEROVS).learningRate(0.01).schedule(LearningRateSchedule.cosine(0.01))
 *     .batchSize(128).epochs(12).patience(3).seed(7).build();
 * }</pre>
 *
 * @param updater the optimiser
 * @param learningRate the base learning rate, positive
 * @param schedule how the rate changes by epoch
 * @param batchSize images per step, at least 1
 * @param epochs the most passes over the training set, at least 1
 * @param l2 the L2 weight penalty, at least 0
 * @param dropout the probability of dropping an input of the classifier head, in {@code [0, 1)}
 * @param patience epochs without a better validation accuracy before training stops, at least 1
 * @param seed the seed of weight initialisation, shuffling and dropout
 * @param classWeights how much each class's images count in the loss, and whether epochs are
 *     compared by accuracy or balanced accuracy
 */
public record Hyperparameters(Updater updater, double learningRate,
    LearningRateSchedule schedule, int batchSize, int epochs, double l2, double dropout,
    int patience, long seed, ClassWeights classWeights) {

  /**
   * Checks every value.
   *
   * @param updater the optimiser
   * @param learningRate the base learning rate
   * @param schedule how the rate changes by epoch
   * @param batchSize images per step
   * @param epochs the most passes over the training set
   * @param l2 the L2 weight penalty
   * @param dropout the probability of dropping an input of the head
   * @param patience epochs without improvement before stopping
   * @param seed the seed
   * @param classWeights the class weights
   * @throws IllegalArgumentException if a value is out of range; the message names it and
   *     gives the value
   */
  public Hyperparameters {
    Objects.requireNonNull(updater, "updater");
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(classWeights, "classWeights");
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be positive: " + learningRate);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1: " + batchSize);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1: " + epochs);
    }
    if (!(l2 >= 0) || Double.isInfinite(l2)) {
      throw new IllegalArgumentException("l2 must be >= 0: " + l2);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1): " + dropout);
    }
    if (patience < 1) {
      throw new IllegalArgumentException("patience must be >= 1 epoch: " + patience);
    }
  }

  /**
   * A builder starting from the defaults: Adam, rate 0.001, constant, batch 64, 10 epochs, L2
   * 0.0001, dropout 0.5, patience 3, seed 42, no class weights.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The defaults of {@link #builder()}.
   *
   * @return the default settings
   */
  public static Hyperparameters defaults() {
    return builder().build();
  }

  /**
   * A builder holding these settings.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.updater = updater;
    b.learningRate = learningRate;
    b.schedule = schedule;
    b.batchSize = batchSize;
    b.epochs = epochs;
    b.l2 = l2;
    b.dropout = dropout;
    b.patience = patience;
    b.seed = seed;
    b.classWeights = classWeights;
    return b;
  }

  /** Collects settings; {@link #build()} checks them. */
  public static final class Builder {
    private Updater updater = Updater.ADAM;
    private double learningRate = 1e-3;
    private LearningRateSchedule schedule = LearningRateSchedule.constant();
    private int batchSize = 64;
    private int epochs = 10;
    private double l2 = 1e-4;
    private double dropout = 0.5;
    private int patience = 3;
    private long seed = 42;
    private ClassWeights classWeights = ClassWeights.NONE;

    private Builder() {}

    /**
     * Sets the optimiser.
     *
     * @param v the updater
     * @return this builder
     */
    public Builder updater(Updater v) {
      updater = v;
      return this;
    }

    /**
     * Sets the base learning rate.
     *
     * @param v the rate
     * @return this builder
     */
    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    /**
     * Sets the learning-rate schedule.
     *
     * @param v the schedule
     * @return this builder
     */
    public Builder schedule(LearningRateSchedule v) {
      schedule = v;
      return this;
    }

    /**
     * Sets the batch size.
     *
     * @param v images per step
     * @return this builder
     */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /**
     * Sets the most epochs.
     *
     * @param v the epoch limit
     * @return this builder
     */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /**
     * Sets the L2 penalty.
     *
     * @param v the penalty
     * @return this builder
     */
    public Builder l2(double v) {
      l2 = v;
      return this;
    }

    /**
     * Sets the dropout probability of the head's input.
     *
     * @param v the probability of dropping
     * @return this builder
     */
    public Builder dropout(double v) {
      dropout = v;
      return this;
    }

    /**
     * Sets the early-stopping patience.
     *
     * @param v epochs without improvement before stopping
     * @return this builder
     */
    public Builder patience(int v) {
      patience = v;
      return this;
    }

    /**
     * Sets the seed.
     *
     * @param v the seed
     * @return this builder
     */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /**
     * Sets how much each class's images count: {@link ClassWeights#BALANCED} for data with far
     * more images of some classes than of others (each image of class {@code c} weighs {@code
     * n / (C n_c)} in the classifier's cross-entropy, and epochs are compared by their balanced
     * validation accuracy, the mean of the classes' recalls). Default {@link ClassWeights#NONE}.
     *
     * @param v the setting
     * @return this builder
     */
    public Builder classWeights(ClassWeights v) {
      classWeights = v;
      return this;
    }

    /**
     * Checks the settings and makes the value.
     *
     * @return the settings
     * @throws IllegalArgumentException if a value is out of range
     */
    public Hyperparameters build() {
      return new Hyperparameters(updater, learningRate, schedule, batchSize, epochs, l2,
          dropout, patience, seed, classWeights);
    }
  }

  /**
   * A short one-line form for tables: {@code adam lr=0.001 bs=64 ...}; class weights are named
   * only when balanced (so that the summaries of earlier runs, which checkpoints compare, stay
   * the same).
   *
   * @return the summary
   */
  public String summary() {
    return updater.name().toLowerCase(java.util.Locale.ROOT) + " lr=" + learningRate + " "
        + schedule + " bs=" + batchSize + " l2=" + l2 + " dropout=" + dropout
        + (classWeights == ClassWeights.NONE ? "" : " weights=" + classWeights.label());
  }
}
