package io.github.embeddings4j.core.train;

/**
 * The early-stopping rule of the SDK's trainers ({@link EmbeddingTrainer}, {@link FineTuner},
 * {@link ZooFineTuner} and the classification heads' {@code HeadTrainer}), for a training loop
 * of your own too. After every epoch, {@link #offer} its validation score: an epoch is the best
 * so far when its accuracy is higher than the best one's or, where losses are compared, when its
 * accuracy is the same and its loss lower by at least a minimum gain. Training stops once
 * {@code patience} epochs in a row were not the best ({@link #exhausted()}); the best epoch's
 * weights are the result.
 *
 * <pre>{@code
 * EarlyStopping stopping = EarlyStopping.onAccuracy(10);
 * for (int epoch = 1; epoch <= 200 && !stopping.exhausted(); epoch++) {
 *   double accuracy = trainOneEpochAndValidate();
 *   if (stopping.offer(epoch, accuracy, Double.NaN)) {
 *     bestWeights = currentWeights.clone();
 *   }
 * }
 * }</pre>
 *
 * <p>Without a validation set, offer {@code NaN}: every epoch is then the best so far, so the
 * last one is kept, and training never stops early.
 *
 * <p>Not thread-safe: one per training run.
 */
public final class EarlyStopping {

  private final int patience;
  private final double minLossGain;
  private int bestEpoch;
  private double bestAccuracy;
  private double bestLoss = Double.POSITIVE_INFINITY;
  private int sinceBest;

  private EarlyStopping(int patience, double minLossGain, int bestEpoch, double bestAccuracy,
      int sinceBest) {
    if (patience < 1) {
      throw new IllegalArgumentException("patience must be >= 1 epoch: " + patience);
    }
    this.patience = patience;
    this.minLossGain = minLossGain;
    this.bestEpoch = bestEpoch;
    this.bestAccuracy = bestAccuracy;
    this.sinceBest = sinceBest;
  }

  /**
   * A rule on validation accuracy alone: an epoch of the same accuracy as the best is not
   * better.
   *
   * @param patience the epochs in a row without a better one after which training stops, at
   *     least 1
   * @return a rule that has seen no epoch
   * @throws IllegalArgumentException if {@code patience < 1}
   */
  public static EarlyStopping onAccuracy(int patience) {
    return new EarlyStopping(patience, Double.NaN, 0, Double.NEGATIVE_INFINITY, 0);
  }

  /**
   * A rule on validation accuracy, with ties broken by validation loss: at the best accuracy, a
   * loss lower than the best epoch's by at least {@code minLossGain} is better too. A model that
   * is already always right still improves its margins, but ever smaller gains on a separable
   * set must not keep it training forever.
   *
   * @param patience the epochs in a row without a better one after which training stops, at
   *     least 1
   * @param minLossGain the least loss decrease that counts, at least 0
   * @return a rule that has seen no epoch
   * @throws IllegalArgumentException if {@code patience < 1} or {@code minLossGain} is negative
   *     or not a number
   */
  public static EarlyStopping onAccuracyThenLoss(int patience, double minLossGain) {
    if (!(minLossGain >= 0)) {
      throw new IllegalArgumentException("minLossGain must be >= 0: " + minLossGain);
    }
    return new EarlyStopping(patience, minLossGain, 0, Double.NEGATIVE_INFINITY, 0);
  }

  /**
   * The accuracy rule as a checkpoint left it, for resuming a run.
   *
   * @param patience the patience
   * @param bestEpoch the best epoch so far (0 for none)
   * @param bestAccuracy its accuracy
   * @param sinceBest the epochs since it
   * @return the rule in that state
   */
  static EarlyStopping resumeOnAccuracy(int patience, int bestEpoch, double bestAccuracy,
      int sinceBest) {
    return new EarlyStopping(patience, Double.NaN, bestEpoch, bestAccuracy, sinceBest);
  }

  /**
   * Takes an epoch's validation score.
   *
   * @param epoch the epoch, counted from 1
   * @param accuracy its validation accuracy, or {@code NaN} without validation
   * @param loss its validation loss; only compared by {@link #onAccuracyThenLoss}
   * @return whether it is the best epoch so far (keep its weights)
   */
  public boolean offer(int epoch, double accuracy, double loss) {
    boolean better = Double.isNaN(accuracy) || accuracy > bestAccuracy
        || (!Double.isNaN(minLossGain) && accuracy == bestAccuracy
            && loss < bestLoss - minLossGain);
    if (better) {
      bestEpoch = epoch;
      bestAccuracy = accuracy;
      bestLoss = loss;
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    return better;
  }

  /**
   * Whether {@code patience} epochs in a row were not the best: time to stop.
   *
   * @return true to stop
   */
  public boolean exhausted() {
    return sinceBest >= patience;
  }

  /**
   * The best epoch so far.
   *
   * @return the epoch, counted from 1; 0 before the first
   */
  public int bestEpoch() {
    return bestEpoch;
  }

  /**
   * The best epoch's validation accuracy.
   *
   * @return the accuracy; {@code NaN} without validation, negative infinity before the first
   *     epoch
   */
  public double bestAccuracy() {
    return bestAccuracy;
  }

  /**
   * The epochs since the best one.
   *
   * @return the count, 0 right after a best epoch
   */
  public int epochsSinceBest() {
    return sinceBest;
  }

  /**
   * The patience.
   *
   * @return the epochs in a row without a better one after which training stops
   */
  public int patience() {
    return patience;
  }

  @Override
  public String toString() {
    return "EarlyStopping[patience " + patience
        + (Double.isNaN(minLossGain) ? "" : ", ties by loss -" + minLossGain)
        + ", best epoch " + bestEpoch + " (" + bestAccuracy + "), " + sinceBest + " since]";
  }
}
