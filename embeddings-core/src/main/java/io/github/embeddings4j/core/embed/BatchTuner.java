package io.github.embeddings4j.core.embed;

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
    return next(Integer.MAX_VALUE);
  }

  /**
   * The batch size for the next forward pass when passes may hold at most {@code limit} images
   * (an embedder sharing a call's images among network copies run side by side). Sizes above
   * the limit are not tried; once every size up to it has been measured, the fastest of those
   * is used, and the choice stays open until calls large enough for the other sizes come.
   *
   * @param limit the most images a pass may hold, at least 1
   * @return a size of at most {@code limit}: the chosen one, the next to measure, or the best
   *     measured so far
   */
  synchronized int next(int limit) {
    if (chosen >= 0) {
      return Math.min(candidates[chosen], limit);
    }
    for (int i = 0; i < candidates.length && candidates[i] <= limit; i++) {
      if (runs[i] < RUNS) {
        return candidates[i];
      }
    }
    int best = best(limit);
    return best < 0 ? Math.min(limit, candidates[0]) : candidates[best];
  }

  /**
   * The size with the lowest median time per image among the measured sizes up to {@code
   * limit}.
   *
   * @return its index, or -1 if none is measured yet
   */
  private int best(int limit) {
    int best = -1;
    double bestMedian = Double.POSITIVE_INFINITY;
    for (int k = 0; k < candidates.length && candidates[k] <= limit; k++) {
      if (runs[k] >= RUNS) {
        double median = median(perImage[k]);
        if (median < bestMedian) {
          bestMedian = median;
          best = k;
        }
      }
    }
    return best;
  }

  /**
   * The size in use: the chosen one, or while the choice is open the best measured so far.
   *
   * @return the size, or -1 before any size is measured
   */
  synchronized int current() {
    int k = chosen >= 0 ? chosen : best(Integer.MAX_VALUE);
    return k < 0 ? -1 : candidates[k];
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
    StringJoiner rates = new StringJoiner(", ");
    for (int k = 0; k < candidates.length; k++) {
      rates.add(String.format(Locale.ROOT, "%d: %.2f img/s", candidates[k],
          1e9 / median(perImage[k])));
    }
    chosen = best(Integer.MAX_VALUE);
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
