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
 * <p>The first forward passes try the sizes 1, 2, 4, ... up to the maximum in rounds (1, 2, 4,
 * ..., 1, 2, 4, ...), so that a machine whose speed drifts while the trials run (another process
 * starting, the JIT finishing, the CPU's clock) slows every size alike rather than the ones tried
 * last. Each size runs {@value #RUNS} times, and its first run is a warm-up (oneDNN builds its
 * kernels per shape) that is not counted. The sizes whose median time per image is within
 * {@value #NEAR_PERCENT}% of the fastest then run {@value #FINAL_RUNS} more times each, again in
 * rounds: a pass's time varies by 5-10% on a shared machine, and three runs cannot tell sizes 5%
 * apart. Then the size with the lowest median time per image over all its counted runs is used
 * from there on, except that a larger size within {@value #TIE_PERCENT}% of it wins: a
 * difference that small is within the trials' noise, and larger batches are the steadier choice
 * (fewer calls, fewer per-pass costs). Nothing is wasted: the trial passes embed real images.
 * Engines whose rate rises with the batch (ONNX Runtime, {@link ForwardPass#tunesBatchSize()})
 * skip the trials and use the maximum. Thread-safe.
 */
final class BatchTuner {

  private static final Logger LOG = LoggerFactory.getLogger(BatchTuner.class);

  /** Runs per candidate size, the first of them a warm-up. */
  static final int RUNS = 4;

  /** Sizes within this many percent of the fastest after the first runs go to the final. */
  static final int NEAR_PERCENT = 10;

  /** Further runs per size in the final. */
  static final int FINAL_RUNS = 5;

  /** Medians within this many percent of the fastest count as a tie, won by the larger size. */
  static final int TIE_PERCENT = 3;

  private final String owner;
  private final int[] candidates;
  private final double[][] perImage;
  private final int[] runs;
  /** Runs each size is to have: {@link #RUNS}, or more for the final's contenders. */
  private final int[] target;
  private boolean inFinal;
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
    perImage = new double[candidates.length][RUNS - 1 + FINAL_RUNS];
    runs = new int[candidates.length];
    target = new int[candidates.length];
    Arrays.fill(target, RUNS);
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
    // Round by round: the allowed size with the fewest runs so far, the smaller on a tie.
    int least = -1;
    for (int i = 0; i < candidates.length && candidates[i] <= limit; i++) {
      if (runs[i] < target[i] && (least < 0 || runs[i] < runs[least])) {
        least = i;
      }
    }
    if (least >= 0) {
      return candidates[least];
    }
    int best = best(limit);
    return best < 0 ? Math.min(limit, candidates[0]) : candidates[best];
  }

  /**
   * The size with the lowest median time per image among the measured sizes up to {@code
   * limit}, or the largest size within {@link #TIE_PERCENT} of it.
   *
   * @return its index, or -1 if none is measured yet
   */
  private int best(int limit) {
    double fastest = fastest(limit);
    int best = -1;
    for (int k = 0; k < candidates.length && candidates[k] <= limit; k++) {
      if (runs[k] >= RUNS && median(k) <= fastest * (1 + TIE_PERCENT / 100.0)) {
        best = k;
      }
    }
    return best;
  }

  /** The lowest median time per image among the measured sizes up to {@code limit}. */
  private double fastest(int limit) {
    double fastest = Double.POSITIVE_INFINITY;
    for (int k = 0; k < candidates.length && candidates[k] <= limit; k++) {
      if (runs[k] >= RUNS) {
        fastest = Math.min(fastest, median(k));
      }
    }
    return fastest;
  }

  /** The median time per image of size {@code k}'s counted runs. */
  private double median(int k) {
    return median(Arrays.copyOf(perImage[k], runs[k] - 1));
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
    if (i < 0 || runs[i] >= target[i]) {
      return;
    }
    if (runs[i] > 0) {
      perImage[i][runs[i] - 1] = nanos / (double) size;
    }
    runs[i]++;
    for (int k = 0; k < runs.length; k++) {
      if (runs[k] < target[k]) {
        return;
      }
    }
    if (!inFinal) {
      // The first runs are over: the sizes near the fastest go to the final, if more than one.
      inFinal = true;
      double fastest = fastest(Integer.MAX_VALUE);
      int contenders = 0;
      for (int k = 0; k < candidates.length; k++) {
        if (median(k) <= fastest * (1 + NEAR_PERCENT / 100.0)) {
          target[k] = RUNS + FINAL_RUNS;
          contenders++;
        }
      }
      if (contenders > 1) {
        return;
      }
    }
    StringJoiner rates = new StringJoiner(", ");
    for (int k = 0; k < candidates.length; k++) {
      rates.add(String.format(Locale.ROOT, "%d: %.2f img/s (%d runs)", candidates[k],
          1e9 / median(k), runs[k] - 1));
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
