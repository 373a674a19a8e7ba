package io.github.embeddings4j.core.train;

import io.github.embeddings4j.core.data.LabeledImages;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * How much each class counts when a classifier is trained and its epochs are compared: the
 * setting of the heads on frozen embeddings ({@code HeadTrainer}), of {@link ZooFineTuner} and
 * of {@link FineTuner}. Photo folders are rarely even (2,000 of the cat, 60 of the owl); with
 * plain cross-entropy a rare class that resembles a common one is hardly ever predicted.
 *
 * <pre>{@code
 * double[] w = ClassWeights.BALANCED.weights(new int[] {2000, 60});   // {0.515, 17.17}
 * double score = ClassWeights.BALANCED.score(new int[] {1900, 30}, new int[] {2000, 60});
 * }</pre>
 */
public enum ClassWeights {
  /** Every example counts the same: the selection score is the validation accuracy. */
  NONE,
  /**
   * Each class counts as much as every other, however many examples it has: an example of class
   * {@code c} weighs {@code n / (C n_c)} over the training part (scikit-learn's {@code
   * class_weight='balanced'}), and the selection score is the balanced accuracy, the mean of
   * the classes' recalls on the validation part, so that a rare class is not traded away for a
   * point of overall accuracy.
   */
  BALANCED;

  /**
   * Reads a setting by name: {@code none} or {@code balanced} (any case).
   *
   * @param name the name
   * @return the setting
   * @throws IllegalArgumentException naming the valid names
   */
  public static ClassWeights parse(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    return switch (n) {
      case "none" -> NONE;
      case "balanced" -> BALANCED;
      default -> throw new IllegalArgumentException("unknown class weights '" + name
          + "'; valid: none, balanced");
    };
  }

  /**
   * The name {@link #parse} reads.
   *
   * @return the lower-case name
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The weight of an example of each class in the loss.
   *
   * @param counts the training examples of each class
   * @return for {@link #NONE} 1 for every class; for {@link #BALANCED} {@code n / (C n_c)} with
   *     {@code n} the examples and {@code C} the classes that have any, 0 for a class without
   *     examples (it cannot contribute to the loss)
   * @throws IllegalArgumentException if a count is negative or no class has an example
   */
  public double[] weights(int[] counts) {
    long n = 0;
    int present = 0;
    for (int c = 0; c < counts.length; c++) {
      if (counts[c] < 0) {
        throw new IllegalArgumentException("class " + c + " has a negative count: " + counts[c]);
      }
      n += counts[c];
      present += counts[c] > 0 ? 1 : 0;
    }
    if (n == 0) {
      throw new IllegalArgumentException("no class has a training example");
    }
    double[] w = new double[counts.length];
    for (int c = 0; c < counts.length; c++) {
      w[c] = this == NONE ? 1 : counts[c] == 0 ? 0 : (double) n / ((double) present * counts[c]);
    }
    return w;
  }

  /**
   * The selection score of an epoch from its validation counts.
   *
   * @param right the validation examples of each class predicted as that class
   * @param total the validation examples of each class
   * @return for {@link #NONE} the accuracy, for {@link #BALANCED} the mean recall over the
   *     classes that have validation examples; {@code NaN} without any
   * @throws IllegalArgumentException if the arrays differ in length or a class has more right
   *     than it has examples
   */
  public double score(int[] right, int[] total) {
    if (right.length != total.length) {
      throw new IllegalArgumentException("counts of " + right.length + " and " + total.length
          + " classes");
    }
    long correct = 0;
    long all = 0;
    double recall = 0;
    int present = 0;
    for (int c = 0; c < total.length; c++) {
      if (right[c] < 0 || right[c] > total[c]) {
        throw new IllegalArgumentException("class " + c + ": " + right[c] + " right of "
            + total[c]);
      }
      correct += right[c];
      all += total[c];
      if (total[c] > 0) {
        recall += (double) right[c] / total[c];
        present++;
      }
    }
    if (all == 0) {
      return Double.NaN;
    }
    return this == NONE ? (double) correct / all : recall / present;
  }

  /** How tables name the score epochs and trials are compared by. */
  String scoreName() {
    return this == BALANCED ? "validation balanced accuracy" : "validation accuracy";
  }

  /** The weights for a labelled set's classes ({@code classes} of them, some maybe absent). */
  double[] weights(LabeledImages train, int classes) {
    int[] counts = new int[classes];
    for (int i = 0; i < train.size(); i++) {
      counts[train.label(i)]++;
    }
    return weights(counts);
  }

  /**
   * The cross-entropy of a softmax classifier with these per-class weights: DL4J's plain {@code
   * MCXENT} when every weight is 1 (the same network, bit for bit, as without weights).
   */
  static ILossFunction crossEntropy(double[] weights) {
    for (double w : weights) {
      if (w != 1) {
        return new LossMCXENT(Nd4j.create(weights, new long[] {1, weights.length},
            DataType.FLOAT));
      }
    }
    return new LossMCXENT();
  }
}
