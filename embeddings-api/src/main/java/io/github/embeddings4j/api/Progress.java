package io.github.embeddings4j.api;

import java.util.Objects;

/**
 * How far a long piece of work has come: embedding a folder, fitting, training.
 *
 * @param task what is being done, e.g. {@code "embed"} or {@code "epoch 3/10"}
 * @param completed items finished so far, successful or not
 * @param total items in all, or {@code -1} when unknown (a stream)
 * @param failed how many of the completed items failed
 */
public record Progress(String task, long completed, long total, long failed) {

  /**
   * Checks the counts.
   *
   * @param task what is being done, not null
   * @param completed items finished, at least 0
   * @param total items in all ({@code -1} when unknown), otherwise at least {@code completed}
   * @param failed failed items, between 0 and {@code completed}
   * @throws IllegalArgumentException if the counts are inconsistent; the message gives them
   */
  public Progress {
    Objects.requireNonNull(task, "task");
    if (completed < 0 || failed < 0 || failed > completed || total < -1
        || (total >= 0 && completed > total)) {
      throw new IllegalArgumentException("inconsistent progress for '" + task + "': completed="
          + completed + ", total=" + total + ", failed=" + failed);
    }
  }

  /**
   * Whether the total is known.
   *
   * @return {@code total >= 0}
   */
  public boolean isTotalKnown() {
    return total >= 0;
  }

  /**
   * The fraction done.
   *
   * @return {@code completed / total} in {@code [0, 1]} ({@code 1} for an empty task), or {@code
   *     NaN} when the total is unknown
   */
  public double fraction() {
    if (total < 0) {
      return Double.NaN;
    }
    return total == 0 ? 1.0 : (double) completed / total;
  }
}
