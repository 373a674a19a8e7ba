package io.github.embeddings4j.core.zoo;

import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the network batch size that embeds the most images per second on this machine, from the
 * embedder's own work: on CPUs the rate is not monotonic in the batch size (ResNet50 on 2 cores
 * measured 1.8, 2.8, 3.2 and 1.6 img/s at 1, 4, 8 and 16), and where the peak lies depends on
 * the model, the cores and the native build.
 *
 * <p>The first forward passes try the sizes 1, 2, 4, ... up to the maximum, each {@value
 * #RUNS} times; the first run of each size is a warm-up (oneDNN builds its kernels per shape) and
 * is not counted. Then the size with the lowest median time per image is used from there on.
 * Nothing is wasted: the trial passes embed real images. Thread-safe.
 */
final class BatchTuner {

  private static final Logger LOG = LoggerFactory.getLogger(BatchTuner.class);

  /** Runs per candidate size, the first of them a warm-up. */
  static final int RUNS = 4;

  private final String owner;
  private final int[] candidates;
  private final double[][] perImage;
  private final int[] runs;
  private int chosen = -1;

  /**
   * A tuner over 1, 2, 4, ... and {@code max} itself.
   *
   * @param owner named in the log line that reports the choice
   * @param max the largest batch size allowed, at least 1
   */
  BatchTuner(String owner, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("maximum batch size must be positive: " + max);
    }
    this.owner = owner;
    int count = 0;
    for (int s = 1; s < max; s *= 2) {
      count++;
    }
    candidates = new int[count + 1];
    for (int i = 0, s = 1; i < count; i++, s *= 2) {
      candidates[i] = s;
    }
    candidates[count] = max;
    perImage = new double[candidates.length][RUNS - 1];
    runs = new int[candidates.length];
  }

  /**
   * The batch size for the next forward pass.
   *
   * @return the chosen size, or during the trials the next size still to measure
   */
  synchronized int next() {
    if (chosen >= 0) {
      return candidates[chosen];
    }
    for (int i = 0; i < candidates.length; i++) {
      if (runs[i] < RUNS) {
        return candidates[i];
      }
    }
    return candidates[candidates.length - 1];
  }

  /**
   * Records a forward pass. Passes of a size that is not a candidate (a short last batch) and
   * passes after the choice are ignored.
   *
   * @param size the images in the pass
   * @param nanos how long the pass took
   */
  synchronized void record(int size, long nanos) {
    if (chosen >= 0) {
      return;
    }
    int i = Arrays.binarySearch(candidates, size);
    if (i < 0 || runs[i] >= RUNS) {
      return;
    }
    if (runs[i] > 0) {
      perImage[i][runs[i] - 1] = nanos / (double) size;
    }
    runs[i]++;
    for (int r : runs) {
      if (r < RUNS) {
        return;
      }
    }
    double best = Double.POSITIVE_INFINITY;
    StringJoiner rates = new StringJoiner(", ");
    for (int k = 0; k < candidates.length; k++) {
      double median = median(perImage[k]);
      rates.add(String.format(Locale.ROOT, "%d: %.2f img/s", candidates[k], 1e9 / median));
      if (median < best) {
        best = median;
        chosen = k;
      }
    }
    LOG.info("{}: network batch size {} chosen ({})", owner, candidates[chosen], rates);
  }

  /**
   * The chosen size, once the trials are over.
   *
   * @return the size, or -1 while still measuring
   */
  synchronized int chosen() {
    return chosen < 0 ? -1 : candidates[chosen];
  }

  /** The sizes tried, in order. */
  int[] candidates() {
    return candidates.clone();
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
