package io.github.embeddings4j.core.classify;

import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

/**
 * Tries settings of a {@link HeadTrainer} on one set of embeddings and keeps the best head, as
 * {@code core.train.HyperparameterSearch} does for networks: {@link #grid} tries every
 * combination of the listed values (a value listed twice is tried once), {@link #random} a seeded sample of them drawn without
 * repetition. Every trial uses the base trainer's seed, so all are scored on the same
 * stratified validation part; the score is the best epoch's validation accuracy (then the
 * lower validation loss). The embeddings are computed once by the caller (see {@link
 * EmbeddingCache}), so a trial costs only the head's training.
 *
 * <pre>{@code
 * HeadSearch.Result r = HeadSearch.grid(HeadTrainer.builder().head(Head.Kind.MLP).build())
 *     .learningRates(1e-3, 1e-2).batchSizes(32, 128)
 *     .optimizers(HeadTrainer.Optimizer.ADAM, HeadTrainer.Optimizer.SGD)
 *     .weightDecays(0, 1e-4).hiddenSizes(128, 512)
 *     .run(vectors, labels);
 * System.out.println(r.toMarkdown());
 * Head best = r.best().result().head();
 * }</pre>
 *
 * <p>Not thread-safe: configure it and call {@link #run} from one thread.
 */
public final class HeadSearch {

  private final HeadTrainer base;
  private final int trials;
  private final long seed;
  private List<Double> learningRates = List.of();
  private List<Integer> batchSizes = List.of();
  private List<HeadTrainer.Optimizer> optimizers = List.of();
  private List<Double> weightDecays = List.of();
  private List<Integer> hiddenSizes = List.of();
  private ProgressListener listener = ProgressListener.none();

  private HeadSearch(HeadTrainer base, int trials, long seed) {
    this.base = Objects.requireNonNull(base, "base");
    this.trials = trials;
    this.seed = seed;
  }

  /**
   * A search over every combination of the values set, on top of a base trainer.
   *
   * @param base the settings of everything not searched
   * @return the search
   */
  public static HeadSearch grid(HeadTrainer base) {
    return new HeadSearch(base, -1, 0);
  }

  /**
   * A search over a seeded sample of the combinations (all of them when there are no more than
   * {@code trials}).
   *
   * @param base the settings of everything not searched
   * @param trials how many to try, at least 1
   * @param seed the seed of the draw
   * @return the search
   * @throws IllegalArgumentException if {@code trials < 1}
   */
  public static HeadSearch random(HeadTrainer base, int trials, long seed) {
    if (trials < 1) {
      throw new IllegalArgumentException("trials must be >= 1: " + trials);
    }
    return new HeadSearch(base, trials, seed);
  }

  /**
   * Sets the learning rates to try.
   *
   * @param v the rates, each positive
   * @return this search
   */
  public HeadSearch learningRates(double... v) {
    learningRates = java.util.Arrays.stream(v).distinct().boxed().toList();
    return this;
  }

  /**
   * Sets the batch sizes to try.
   *
   * @param v the sizes, each at least 1
   * @return this search
   */
  public HeadSearch batchSizes(int... v) {
    batchSizes = java.util.Arrays.stream(v).distinct().boxed().toList();
    return this;
  }

  /**
   * Sets the optimisers to try.
   *
   * @param v the optimisers
   * @return this search
   */
  public HeadSearch optimizers(HeadTrainer.Optimizer... v) {
    optimizers = java.util.Arrays.stream(v).distinct().toList();
    return this;
  }

  /**
   * Sets the weight decays to try.
   *
   * @param v the decays, each at least 0
   * @return this search
   */
  public HeadSearch weightDecays(double... v) {
    weightDecays = java.util.Arrays.stream(v).distinct().boxed().toList();
    return this;
  }

  /**
   * Sets the hidden sizes to try (an MLP base only).
   *
   * @param v the sizes, each at least 1
   * @return this search
   * @throws IllegalArgumentException if the base trainer's head is linear
   */
  public HeadSearch hiddenSizes(int... v) {
    if (v.length > 0 && base.kind() != Head.Kind.MLP) {
      throw new IllegalArgumentException("hidden sizes are for MLP heads; the base trainer's"
          + " head is linear");
    }
    hiddenSizes = java.util.Arrays.stream(v).distinct().boxed().toList();
    return this;
  }

  /**
   * Sets who hears about progress: one report per finished trial, task {@code "search"}.
   *
   * @param v the listener
   * @return this search
   */
  public HeadSearch listener(ProgressListener v) {
    listener = Objects.requireNonNull(v, "listener");
    return this;
  }

  /**
   * The trainers this search will run, in order: every combination (learning rate slowest,
   * then batch size, optimiser, weight decay, hidden size), or the seeded sample of them.
   *
   * @return the trainers
   * @throws IllegalArgumentException if a value is out of range
   */
  public List<HeadTrainer> configurations() {
    List<HeadTrainer> all = new ArrayList<>();
    for (double lr : or(learningRates, base.learningRate())) {
      for (int bs : or(batchSizes, base.batchSize())) {
        for (HeadTrainer.Optimizer o : or(optimizers, base.optimizer())) {
          for (double wd : or(weightDecays, base.weightDecay())) {
            for (int h : or(hiddenSizes, base.hiddenSize())) {
              all.add(base.toBuilder().learningRate(lr).batchSize(bs).optimizer(o)
                  .weightDecay(wd).hiddenSize(h).build());
            }
          }
        }
      }
    }
    if (trials < 0 || trials >= all.size()) {
      return all;
    }
    List<HeadTrainer> shuffled = new ArrayList<>(all);
    Collections.shuffle(shuffled, new Random(seed));
    return List.copyOf(shuffled.subList(0, trials));
  }

  private static <T> List<T> or(List<T> values, T base) {
    return values.isEmpty() ? List.of(base) : values;
  }

  /**
   * Trains and scores every configuration.
   *
   * @param vectors the embeddings
   * @param labels their classes
   * @return every trial and the best
   * @throws IllegalArgumentException as {@link HeadTrainer#fit}, or if the base trainer holds
   *     out no validation part (nothing to score trials by)
   */
  public Result run(float[][] vectors, int[] labels) {
    return run(vectors, labels, 0);
  }

  /**
   * Trains and scores every configuration, for a given number of classes (see {@link
   * HeadTrainer#fit(float[][], int[], int)}).
   *
   * @param vectors the embeddings
   * @param labels their classes
   * @param classCount the number of classes, or 0 for the largest label plus one
   * @return every trial and the best
   * @throws IllegalArgumentException as {@link #run(float[][], int[])}
   */
  public Result run(float[][] vectors, int[] labels, int classCount) {
    if (base.validation() == 0) {
      throw new IllegalArgumentException("a search scores trials on a validation part;"
          + " the base trainer holds out none (validation 0)");
    }
    List<HeadTrainer> configs = configurations();
    List<Trial> done = new ArrayList<>();
    for (HeadTrainer t : configs) {
      done.add(new Trial(t.fit(vectors, labels, classCount)));
      Progress p = new Progress("search", done.size(), configs.size(), 0);
      try {
        listener.onProgress(p);
      } catch (RuntimeException e) {
        // A listener never stops the work.
      }
    }
    return new Result(done);
  }

  /**
   * One configuration tried.
   *
   * @param result its training result (settings in {@link HeadTrainer.Result#trainer()})
   */
  public record Trial(HeadTrainer.Result result) {

    /**
     * The settings tried.
     *
     * @return the trainer
     */
    public HeadTrainer trainer() {
      return result.trainer();
    }

    /**
     * The best epoch's validation accuracy.
     *
     * @return the accuracy
     */
    public double validationAccuracy() {
      return result.validationAccuracy();
    }

    /** The best epoch's validation loss. */
    double validationLoss() {
      int at = result.bestEpoch() - 1;
      return at >= 0 && at < result.history().size()
          ? result.history().get(at).validationLoss() : Double.NaN;
    }
  }

  /**
   * Every trial of a search, in the order run.
   *
   * @param trials the trials, at least one
   */
  public record Result(List<Trial> trials) {

    /**
     * Copies the trials.
     *
     * @param trials the trials
     * @throws IllegalArgumentException if there are none
     */
    public Result {
      trials = List.copyOf(trials);
      if (trials.isEmpty()) {
        throw new IllegalArgumentException("a search result needs at least one trial");
      }
    }

    private static final Comparator<Trial> BETTER_FIRST = Comparator
        .comparingDouble((Trial t) -> -t.validationAccuracy())
        .thenComparingDouble(Trial::validationLoss);

    /**
     * The trial with the highest validation accuracy; among equals the lower validation loss,
     * then the earliest.
     *
     * @return the best trial
     */
    public Trial best() {
      Trial best = trials.get(0);
      for (Trial t : trials) {
        if (BETTER_FIRST.compare(t, best) < 0) {
          best = t;
        }
      }
      return best;
    }

    /**
     * The trials as a markdown table, best first, the best marked.
     *
     * @return the table
     */
    public String toMarkdown() {
      Trial best = best();
      List<Trial> sorted = new ArrayList<>(trials);
      sorted.sort(BETTER_FIRST);
      StringBuilder sb = new StringBuilder("| head | optimizer | learning rate | batch |"
          + " weight decay | validation accuracy | validation loss | best epoch | epochs run"
          + " | seconds |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (Trial t : sorted) {
        HeadTrainer h = t.trainer();
        HeadTrainer.Result r = t.result();
        sb.append(String.format(Locale.ROOT,
            "| %s | %s | %s | %d | %s | %.4f%s | %.4f | %d | %d | %.2f |%n",
            h.kind() == Head.Kind.MLP ? "mlp(" + h.hiddenSize() + ")" : "linear",
            h.optimizer().label(), h.learningRate(), h.batchSize(), h.weightDecay(),
            t.validationAccuracy(), t == best ? " (best)" : "", t.validationLoss(),
            r.bestEpoch(), r.epochsRun(), r.seconds()));
      }
      return sb.toString();
    }
  }
}
