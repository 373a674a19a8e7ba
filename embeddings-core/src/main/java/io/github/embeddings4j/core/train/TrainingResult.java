package io.github.embeddings4j.core.train;

import java.util.List;
import java.util.Locale;

/**
 * The outcome of training or fine-tuning: the network (restored to its best epoch), its history
 * and how the run ended.
 *
 * @param embedder the trained network, with the weights of {@code bestEpoch}
 * @param history one record per epoch run, in order
 * @param bestEpoch the epoch whose weights were kept (from 1): the best validation accuracy, or
 *     the last epoch when there was no validation set
 * @param bestValidationAccuracy the validation accuracy of that epoch, the balanced accuracy
 *     with {@link ClassWeights#BALANCED} ({@code NaN} without validation)
 * @param stoppedEarly whether training stopped before its epoch limit for lack of progress
 * @param hyperparameters the settings of the run
 * @param seconds the wall time of the whole run
 */
public record TrainingResult(TrainedEmbedder embedder, List<EpochRecord> history, int bestEpoch,
    double bestValidationAccuracy, boolean stoppedEarly, Hyperparameters hyperparameters,
    double seconds) {

  /**
   * Copies the history.
   *
   * @param embedder the trained network
   * @param history one record per epoch
   * @param bestEpoch the epoch kept
   * @param bestValidationAccuracy its validation accuracy
   * @param stoppedEarly whether training stopped early
   * @param hyperparameters the settings
   * @param seconds the wall time
   */
  public TrainingResult {
    history = List.copyOf(history);
  }

  /**
   * The history as a markdown table.
   *
   * @return the table, one row per epoch
   */
  public String historyTable() {
    StringBuilder sb = new StringBuilder(
        "| epoch | train loss | " + hyperparameters.classWeights().scoreName()
            + " | learning rate | seconds |\n"
            + "|---:|---:|---:|---:|---:|\n");
    for (EpochRecord r : history) {
      sb.append(String.format(Locale.ROOT, "| %d%s | %.4f | %.4f | %.2g | %.1f |%n", r.epoch(),
          r.epoch() == bestEpoch ? " (kept)" : "", r.trainLoss(), r.validationAccuracy(),
          r.learningRate(), r.seconds()));
    }
    return sb.toString();
  }
}
