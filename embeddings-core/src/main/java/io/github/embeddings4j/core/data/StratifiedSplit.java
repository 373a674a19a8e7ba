package io.github.embeddings4j.core.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded, stratified splits of a labelled dataset: every class is shuffled on its own and cut in
 * the same proportions, so each part keeps the class balance of the whole. The same labels and
 * seed always give the same parts.
 *
 * <pre>{@code
 * int[][] parts = StratifiedSplit.split(labels, 42, 0.8, 0.1, 0.1);   // train, validation, test
 * }</pre>
 */
public final class StratifiedSplit {

  private StratifiedSplit() {}

  /**
   * Splits positions {@code 0..labels.length-1} into parts of the given proportions, class by
   * class. Each class's count is shared out by largest remainder, so the parts of a class add
   * up to the class exactly, and a part's size is within one image per class of its share.
   *
   * @param labels one label per item, each at least 0
   * @param seed the seed of the shuffle
   * @param fractions the share of each part, each in {@code [0, 1]}, summing to 1 (within
   *     {@code 1e-6})
   * @return one array of positions per part, each sorted ascending
   * @throws IllegalArgumentException if the fractions are missing, negative or do not sum to 1,
   *     or a label is negative; the message gives the values
   */
  public static int[][] split(int[] labels, long seed, double... fractions) {
    if (fractions.length == 0) {
      throw new IllegalArgumentException("at least one fraction is needed");
    }
    double sum = 0;
    for (double f : fractions) {
      if (!(f >= 0 && f <= 1)) {
        throw new IllegalArgumentException("fractions must be in [0, 1]: "
            + Arrays.toString(fractions));
      }
      sum += f;
    }
    if (Math.abs(sum - 1) > 1e-6) {
      throw new IllegalArgumentException("fractions must sum to 1, not " + sum + ": "
          + Arrays.toString(fractions));
    }
    List<int[]> byClass = shuffledByClass(labels, seed);
    List<List<Integer>> parts = new ArrayList<>();
    for (int p = 0; p < fractions.length; p++) {
      parts.add(new ArrayList<>());
    }
    for (int[] members : byClass) {
      int[] counts = apportion(members.length, fractions);
      int at = 0;
      for (int p = 0; p < fractions.length; p++) {
        for (int j = 0; j < counts[p]; j++) {
          parts.get(p).add(members[at++]);
        }
      }
    }
    int[][] out = new int[fractions.length][];
    for (int p = 0; p < out.length; p++) {
      out[p] = parts.get(p).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
    return out;
  }

  /**
   * A seeded draw of at most {@code perClass} positions of each class.
   *
   * @param labels one label per item, each at least 0
   * @param perClass how many to draw per class (all of a smaller class)
   * @param seed the seed of the draw
   * @return the positions drawn, sorted ascending
   * @throws IllegalArgumentException if a label is negative
   */
  public static int[] samplePerClass(int[] labels, int perClass, long seed) {
    List<Integer> out = new ArrayList<>();
    for (int[] members : shuffledByClass(labels, seed)) {
      for (int j = 0; j < Math.min(perClass, members.length); j++) {
        out.add(members[j]);
      }
    }
    return out.stream().mapToInt(Integer::intValue).sorted().toArray();
  }

  /** Each class's positions, shuffled; one generator for all classes, in label order. */
  private static List<int[]> shuffledByClass(int[] labels, long seed) {
    int classes = 0;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0) {
        throw new IllegalArgumentException("label at " + i + " is negative: " + labels[i]);
      }
      classes = Math.max(classes, labels[i] + 1);
    }
    int[] counts = new int[classes];
    for (int label : labels) {
      counts[label]++;
    }
    int[][] members = new int[classes][];
    for (int c = 0; c < classes; c++) {
      members[c] = new int[counts[c]];
    }
    int[] fill = new int[classes];
    for (int i = 0; i < labels.length; i++) {
      members[labels[i]][fill[labels[i]]++] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<int[]> out = new ArrayList<>();
    for (int[] m : members) {
      for (int i = m.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = m[i];
        m[i] = m[j];
        m[j] = t;
      }
      out.add(m);
    }
    return out;
  }

  /** Shares {@code n} items out in the given proportions by largest remainder (ties: first). */
  static int[] apportion(int n, double[] fractions) {
    int[] counts = new int[fractions.length];
    double[] remainder = new double[fractions.length];
    int given = 0;
    for (int p = 0; p < fractions.length; p++) {
      double exact = n * fractions[p];
      counts[p] = (int) Math.floor(exact + 1e-9);
      remainder[p] = exact - counts[p];
      given += counts[p];
    }
    while (given < n) {
      int best = 0;
      for (int p = 1; p < fractions.length; p++) {
        if (remainder[p] > remainder[best] + 1e-12) {
          best = p;
        }
      }
      counts[best]++;
      remainder[best] = -1;
      given++;
    }
    return counts;
  }
}
