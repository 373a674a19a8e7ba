package io.github.embeddings4j.core.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Counts of (true class, predicted class) pairs, with per-class precision and recall.
 * Immutable: the arrays are copied in and out.
 *
 * @param counts {@code counts[actual][predicted]}, square
 * @param classNames one name per class
 */
public record ConfusionMatrix(int[][] counts, List<String> classNames) {

  /**
   * Checks the shape and copies the values.
   *
   * @param counts {@code counts[actual][predicted]}, square
   * @param classNames one name per class
   * @throws IllegalArgumentException if the matrix is not square or the names do not match it
   */
  public ConfusionMatrix {
    int n = counts.length;
    int[][] copy = new int[n][];
    for (int i = 0; i < n; i++) {
      if (counts[i].length != n) {
        throw new IllegalArgumentException("confusion matrix must be square: row " + i + " has "
            + counts[i].length + " columns, expected " + n);
      }
      copy[i] = counts[i].clone();
    }
    counts = copy;
    classNames = List.copyOf(classNames);
    if (classNames.size() != n) {
      throw new IllegalArgumentException(classNames.size() + " class names for " + n
          + " classes");
    }
  }

  /**
   * Tallies predictions against labels; classes are named by number.
   *
   * @param actual the true classes
   * @param predicted the predicted classes
   * @param classes the number of classes
   * @return the matrix
   * @throws IllegalArgumentException if lengths differ or a class is outside {@code [0,
   *     classes)}
   */
  public static ConfusionMatrix of(int[] actual, int[] predicted, int classes) {
    List<String> names = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      names.add(String.valueOf(c));
    }
    return of(actual, predicted, names);
  }

  /**
   * Tallies predictions against labels.
   *
   * @param actual the true classes
   * @param predicted the predicted classes
   * @param classNames the name of each class
   * @return the matrix
   * @throws IllegalArgumentException if lengths differ or a class is out of range
   */
  public static ConfusionMatrix of(int[] actual, int[] predicted, List<String> classNames) {
    Checks.sameLength("labels", actual.length, "predictions", predicted.length);
    int n = classNames.size();
    int[][] counts = new int[n][n];
    for (int i = 0; i < actual.length; i++) {
      if (actual[i] < 0 || actual[i] >= n || predicted[i] < 0 || predicted[i] >= n) {
        throw new IllegalArgumentException("pair " + i + " (actual " + actual[i]
            + ", predicted " + predicted[i] + ") is outside the " + n + " classes");
      }
      counts[actual[i]][predicted[i]]++;
    }
    return new ConfusionMatrix(counts, classNames);
  }

  /**
   * The counts.
   *
   * @return a copy of {@code counts[actual][predicted]}
   */
  @Override
  public int[][] counts() {
    int[][] copy = new int[counts.length][];
    for (int i = 0; i < counts.length; i++) {
      copy[i] = counts[i].clone();
    }
    return copy;
  }

  /**
   * The number of classes.
   *
   * @return the side of the matrix
   */
  public int classCount() {
    return counts.length;
  }

  /**
   * The number of pairs counted.
   *
   * @return the sum of all cells
   */
  public int total() {
    int t = 0;
    for (int[] row : counts) {
      for (int v : row) {
        t += v;
      }
    }
    return t;
  }

  /**
   * The share of pairs on the diagonal.
   *
   * @return the accuracy ({@code NaN} when empty)
   */
  public double accuracy() {
    int right = 0;
    for (int c = 0; c < counts.length; c++) {
      right += counts[c][c];
    }
    int t = total();
    return t == 0 ? Double.NaN : (double) right / t;
  }

  /**
   * Of the items predicted as a class, the share that belong to it.
   *
   * @param c the class
   * @return the precision ({@code NaN} when nothing was predicted as {@code c})
   */
  public double precision(int c) {
    int predicted = 0;
    for (int[] row : counts) {
      predicted += row[c];
    }
    return predicted == 0 ? Double.NaN : (double) counts[c][c] / predicted;
  }

  /**
   * Of the items of a class, the share predicted as it.
   *
   * @param c the class
   * @return the recall ({@code NaN} when the class has no items)
   */
  public double recall(int c) {
    int actual = 0;
    for (int v : counts[c]) {
      actual += v;
    }
    return actual == 0 ? Double.NaN : (double) counts[c][c] / actual;
  }

  /**
   * The matrix as a markdown table (rows: true class; columns: predicted class) followed by a
   * table of per-class precision and recall.
   *
   * @return the markdown text
   */
  public String toMarkdown() {
    StringBuilder sb = new StringBuilder("| true \\ predicted |");
    for (int c = 0; c < counts.length; c++) {
      sb.append(' ').append(c).append(" |");
    }
    sb.append("\n|---|");
    sb.append("---:|".repeat(counts.length)).append('\n');
    for (int r = 0; r < counts.length; r++) {
      sb.append("| ").append(r).append(' ').append(classNames.get(r)).append(" |");
      for (int c = 0; c < counts.length; c++) {
        sb.append(' ').append(counts[r][c]).append(" |");
      }
      sb.append('\n');
    }
    sb.append("\n| class | precision | recall |\n|---|---:|---:|\n");
    for (int c = 0; c < counts.length; c++) {
      sb.append(String.format(Locale.ROOT, "| %d %s | %.4f | %.4f |%n", c, classNames.get(c),
          precision(c), recall(c)));
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfusionMatrix m && java.util.Arrays.deepEquals(counts, m.counts)
        && classNames.equals(m.classNames);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.deepHashCode(counts) + classNames.hashCode();
  }

  @Override
  public String toString() {
    return "ConfusionMatrix[" + counts.length + " classes, " + total() + " items, accuracy "
        + accuracy() + "]";
  }
}
