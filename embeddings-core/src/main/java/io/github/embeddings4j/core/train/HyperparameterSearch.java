package io.github.embeddings4j.core.train;

import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.data.LabeledImages;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

/**
 * Tries hyperparameter settings and keeps the best: each configuration trains a fresh network
 * with {@link EmbeddingTrainer} (early stopping included) and is scored by its best validation
 * accuracy. {@link #grid} tries every combination of a {@link SearchSpace}; {@link #random}
 * tries a seeded sample of them.
 *
 * <pre>{@code
 * SearchResult r = HyperparameterSearch.grid(space)
 *     .trainer(EmbeddingTrainer.builder().hyperparameters(base).build())
 *     .run(parts.train(), parts.validation());
 * System.out.println(r.toMarkdown());
 * Hyperparameters best = r.best().hyperparameters();
 * }</pre>
 *
 * <p>Not thread-safe: configure it and call {@link #run} from one thread (the trainings it runs
 * are sequential anyway).
 */
public final class HyperparameterSearch {

  private final SearchSpace space;
  private final int trials;
  private final long seed;
  private EmbeddingTrainer trainer = EmbeddingTrainer.builder().build();
  private ProgressListener listener = ProgressListener.none();

  private HyperparameterSearch(SearchSpace space, int trials, long seed) {
    this.space = Objects.requireNonNull(space, "space");
    this.trials = trials;
    this.seed = seed;
  }

  /**
   * A search over every combination.
   *
   * @param space the values to combine
   * @return the search
   */
  public static HyperparameterSearch grid(SearchSpace space) {
    return new HyperparameterSearch(space, -1, 0);
  }

  /**
   * A search over a seeded sample of the combinations, drawn without repetition (all of them
   * when there are no more than {@code trials}).
   *
   * @param space the values to combine
   * @param trials how many configurations to try, at least 1
   * @param seed the seed of the draw
   * @return the search
   * @throws IllegalArgumentException if {@code trials < 1}
   */
  public static HyperparameterSearch random(SearchSpace space, int trials, long seed) {
    if (trials < 1) {
      throw new IllegalArgumentException("trials must be >= 1: " + trials);
    }
    return new HyperparameterSearch(space, trials, seed);
  }

  /**
   * Sets the trainer whose architecture and hyperparameters are the base of every trial
   * (default: {@link EmbeddingTrainer#builder()} defaults).
   *
   * @param v the base trainer
   * @return this search
   */
  public HyperparameterSearch trainer(EmbeddingTrainer v) {
    trainer = Objects.requireNonNull(v, "trainer");
    return this;
  }

  /**
   * Sets who hears about progress: one report per finished trial, {@code "search"}.
   *
   * @param v the listener
   * @return this search
   */
  public HyperparameterSearch listener(ProgressListener v) {
    listener = Objects.requireNonNull(v, "listener");
    return this;
  }

  /**
   * The configurations this search will try, in order.
   *
   * @return the configurations
   */
  public List<Hyperparameters> configurations() {
    List<Hyperparameters> all = space.grid(trainer.hyperparameters());
    if (trials < 0 || trials >= all.size()) {
      return all;
    }
    List<Hyperparameters> shuffled = new ArrayList<>(all);
    Collections.shuffle(shuffled, new Random(seed));
    return List.copyOf(shuffled.subList(0, trials));
  }

  /**
   * Trains and scores every configuration. Each training reports to the trainer's listener with
   * its trial in front of the task ({@code "trial 2/4: epoch 1/6"}); this search's listener hears
   * one {@code "search"} report per finished trial.
   *
   * @param train the training images
   * @param validation the images that score each configuration
   * @return every trial and the best one
   * @throws IllegalArgumentException if the images do not fit together
   */
  public SearchResult run(LabeledImages train, LabeledImages validation) {
    Objects.requireNonNull(validation, "a search needs a validation set");
    List<Hyperparameters> configs = configurations();
    List<Trial> done = new ArrayList<>();
    for (Hyperparameters h : configs) {
      TrainingResult r = trainer.toBuilder().hyperparameters(h)
          .listener(underTrial(trainer.listener(), done.size() + 1, configs.size())).build()
          .train(train, validation);
      done.add(new Trial(h, r.bestValidationAccuracy(), r.bestEpoch(), r.history().size(),
          r.seconds()));
      try {
        listener.onProgress(new Progress("search", done.size(), configs.size(), 0));
      } catch (RuntimeException e) {
        // A listener never stops the work.
      }
    }
    return new SearchResult(done);
  }

  /**
   * A listener that passes reports on with the trial in front of their task.
   *
   * @param listener the listener
   * @param trial the trial, from 1
   * @param trials how many trials there are
   * @return the listener for that trial's training
   */
  static ProgressListener underTrial(ProgressListener listener, int trial, int trials) {
    String prefix = "trial " + trial + "/" + trials + ": ";
    return p -> listener.onProgress(new Progress(prefix + p.task(), p.completed(), p.total(),
        p.failed()));
  }

  /**
   * One configuration tried.
   *
   * @param hyperparameters the settings
   * @param validationAccuracy the best validation accuracy it reached
   * @param bestEpoch the epoch of that accuracy
   * @param epochsRun the epochs it ran before stopping
   * @param seconds its wall time
   */
  public record Trial(Hyperparameters hyperparameters, double validationAccuracy, int bestEpoch,
      int epochsRun, double seconds) {}

  /**
   * Every trial of a search, in the order run.
   *
   * @param trials the trials, at least one
   */
  public record SearchResult(List<Trial> trials) {

    /**
     * Copies the trials.
     *
     * @param trials the trials, at least one
     * @throws IllegalArgumentException if there are none
     */
    public SearchResult {
      trials = List.copyOf(trials);
      if (trials.isEmpty()) {
        throw new IllegalArgumentException("a search result needs at least one trial");
      }
    }

    /**
     * The trial with the highest validation accuracy (the earliest of equals).
     *
     * @return the best trial
     */
    public Trial best() {
      Trial best = trials.get(0);
      for (Trial t : trials) {
        if (t.validationAccuracy() > best.validationAccuracy()) {
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
      sorted.sort(Comparator.comparingDouble(Trial::validationAccuracy).reversed());
      StringBuilder sb = new StringBuilder("| updater | learning rate | batch | L2 | dropout "
          + "| schedule | " + best.hyperparameters().classWeights().scoreName()
          + " | best epoch | epochs run | seconds |\n"
          + "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|\n");
      for (Trial t : sorted) {
        Hyperparameters h = t.hyperparameters();
        sb.append(String.format(Locale.ROOT,
            "| %s | %s | %d | %s | %s | %s | %.4f%s | %d | %d | %.0f |%n",
            h.updater().name().toLowerCase(Locale.ROOT), h.learningRate(), h.batchSize(),
            h.l2(), h.dropout(), h.schedule(), t.validationAccuracy(),
            t == best ? " (best)" : "", t.bestEpoch(), t.epochsRun(), t.seconds()));
      }
      return sb.toString();
    }
  }
}
