package io.github.embeddings4j.core.train;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.data.ImageFolder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

/**
 * A hyperparameter search for {@link ZooFineTuner}: every combination ({@link #grid}) or a
 * seeded sample ({@link #random}) of a {@link SearchSpace} (learning rate, batch size,
 * optimiser, weight decay, ...) crossed with frozen depths (layer names to freeze up to; {@code
 * null} for nothing frozen). Each trial fine-tunes from the same starting weights, with early
 * stopping, and is scored by its best validation accuracy; the best trial's network is kept.
 *
 * <pre>{@code
 * ZooFineTuneSearch.Result r = ZooFineTuneSearch.grid(
 *         SearchSpace.builder().learningRates(1e-3, 3e-4).build(),
 *         Arrays.asList(null, "fire5"))
 *     .run(ZooFineTuner.builder(ZooModel.SQUEEZENET).inputSize(64, 64), train, validation);
 * System.out.println(r.toMarkdown());
 * r.bestResult().save(Path.of("best.zip"));
 * }</pre>
 */
public final class ZooFineTuneSearch {

  private final SearchSpace space;
  private final List<String> freezeLayers;
  private final int trials;
  private final long seed;

  private ZooFineTuneSearch(SearchSpace space, List<String> freezeLayers, int trials,
      long seed) {
    this.space = Objects.requireNonNull(space, "space");
    this.freezeLayers = freezeLayers.isEmpty() ? Collections.singletonList(null)
        : Collections.unmodifiableList(new ArrayList<>(freezeLayers));
    this.trials = trials;
    this.seed = seed;
  }

  /**
   * Every combination.
   *
   * @param space the hyperparameter values
   * @param freezeLayers the frozen depths to try ({@code null} entries: nothing frozen); empty
   *     for the builder's own
   * @return the search
   */
  public static ZooFineTuneSearch grid(SearchSpace space, List<String> freezeLayers) {
    return new ZooFineTuneSearch(space, freezeLayers, -1, 0);
  }

  /**
   * A seeded sample of the combinations, without repetition.
   *
   * @param space the hyperparameter values
   * @param freezeLayers the frozen depths to try
   * @param trials how many, at least 1
   * @param seed the seed of the draw
   * @return the search
   */
  public static ZooFineTuneSearch random(SearchSpace space, List<String> freezeLayers,
      int trials, long seed) {
    if (trials < 1) {
      throw new IllegalArgumentException("trials must be >= 1: " + trials);
    }
    return new ZooFineTuneSearch(space, freezeLayers, trials, seed);
  }

  /**
   * One configuration: hyperparameters and frozen depth.
   *
   * @param hyperparameters the settings
   * @param freezeUpTo the layer frozen up to, or null
   */
  public record Configuration(Hyperparameters hyperparameters, String freezeUpTo) {}

  /**
   * The configurations a search over a base fine-tuner tries, in order.
   *
   * @param base the fine-tuner whose other settings every trial shares
   * @return the configurations
   */
  public List<Configuration> configurations(ZooFineTuner.Builder base) {
    List<Configuration> all = new ArrayList<>();
    for (Hyperparameters h : space.grid(base.hyperparameters())) {
      for (String f : freezeLayers) {
        all.add(new Configuration(h, f));
      }
    }
    if (trials < 0 || trials >= all.size()) {
      return all;
    }
    Collections.shuffle(all, new Random(seed));
    return List.copyOf(all.subList(0, trials));
  }

  /**
   * Runs every trial (without checkpoints). Progress goes to the base fine-tuner's listener:
   * each trial's reports with the trial in front of their task ({@code "trial 2/4: epoch
   * 1/6"}), and after each trial one report of task {@code "search"} counting the trials done.
   *
   * @param base the fine-tuner whose model, weights, input size and other settings the trials
   *     share (not changed)
   * @param train training images
   * @param validation images that score the trials
   * @return the trials and the best trial's network
   * @throws EmbeddingException if the weights cannot be had
   * @throws IOException if an image folder cannot be read
   */
  public Result run(ZooFineTuner.Builder base, ImageFolder train, ImageFolder validation)
      throws EmbeddingException, IOException {
    Objects.requireNonNull(validation, "a search needs a validation set");
    List<Trial> done = new ArrayList<>();
    FineTuneResult best = null;
    List<Configuration> configs = configurations(base);
    ProgressListener listener = base.listener();
    for (Configuration c : configs) {
      FineTuneResult r = base.copy().hyperparameters(c.hyperparameters())
          .freezeUpTo(c.freezeUpTo()).checkpoint(null).resume(false)
          .listener(HyperparameterSearch.underTrial(listener, done.size() + 1, configs.size()))
          .build().fit(train, validation);
      done.add(new Trial(c, r.bestValidationAccuracy(), r.bestEpoch(), r.history().size(),
          r.seconds()));
      if (best == null || r.bestValidationAccuracy() > best.bestValidationAccuracy()) {
        best = r;
      }
      try {
        listener.onProgress(new Progress("search", done.size(), configs.size(), 0));
      } catch (RuntimeException e) {
        // A listener never stops the work.
      }
    }
    return new Result(done, best);
  }

  /**
   * One trial.
   *
   * @param configuration what was tried
   * @param validationAccuracy its best validation accuracy
   * @param bestEpoch the epoch of that accuracy
   * @param epochsRun the epochs it ran
   * @param seconds its wall time
   */
  public record Trial(Configuration configuration, double validationAccuracy, int bestEpoch,
      int epochsRun, double seconds) {}

  /**
   * Every trial, in the order run, and the best one's fine-tuned network.
   *
   * @param trials the trials
   * @param bestResult the result of the trial with the highest validation accuracy (the
   *     earliest of equals)
   */
  public record Result(List<Trial> trials, FineTuneResult bestResult) {

    /**
     * Copies the trials.
     *
     * @param trials at least one
     * @param bestResult the best trial's result
     */
    public Result {
      trials = List.copyOf(trials);
      if (trials.isEmpty()) {
        throw new IllegalArgumentException("a search result needs at least one trial");
      }
      Objects.requireNonNull(bestResult, "bestResult");
    }

    /**
     * The best trial (the earliest of equals).
     *
     * @return the trial
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
     * The trials as a Markdown table, best first and marked.
     *
     * @return the table
     */
    public String toMarkdown() {
      Trial best = best();
      List<Trial> sorted = new ArrayList<>(trials);
      sorted.sort(Comparator.comparingDouble(Trial::validationAccuracy).reversed());
      StringBuilder sb = new StringBuilder("| optimizer | learning rate | batch | weight decay "
          + "| frozen up to | " + best.configuration().hyperparameters().classWeights()
          .scoreName() + " | best epoch | epochs run | seconds |\n"
          + "|---|---:|---:|---:|---|---:|---:|---:|---:|\n");
      for (Trial t : sorted) {
        Hyperparameters h = t.configuration().hyperparameters();
        String f = t.configuration().freezeUpTo();
        sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %.4f%s | %d | %d | %.0f"
            + " |%n", h.updater().name().toLowerCase(Locale.ROOT), h.learningRate(),
            h.batchSize(), h.l2(), f == null ? "(none)" : f, t.validationAccuracy(),
            t == best ? " (best)" : "", t.bestEpoch(), t.epochsRun(), t.seconds()));
      }
      return sb.toString();
    }
  }
}
