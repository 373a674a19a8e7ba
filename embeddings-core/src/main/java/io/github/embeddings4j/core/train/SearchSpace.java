package io.github.embeddings4j.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The values a {@link HyperparameterSearch} tries: a list per setting; settings left unset keep
 * the base value. Immutable.
 *
 * <pre>{@code
 * SearchSpace space = SearchSpace.builder()
 *     .learningRates(1e-3, 3e-3).batchSizes(32, 128)
 *     .updaters(Updater.ADAM, Updater.NESTEROVS, Updater.RMSPROP).build();
 * }</pre>
 */
public final class SearchSpace {

  private final List<Double> learningRates;
  private final List<Integer> batchSizes;
  private final List<Updater> updaters;
  private final List<Double> l2s;
  private final List<Double> dropouts;
  private final List<LearningRateSchedule> schedules;

  private SearchSpace(Builder b) {
    learningRates = List.copyOf(b.learningRates);
    batchSizes = List.copyOf(b.batchSizes);
    updaters = List.copyOf(b.updaters);
    l2s = List.copyOf(b.l2s);
    dropouts = List.copyOf(b.dropouts);
    schedules = List.copyOf(b.schedules);
  }

  /**
   * An empty space (only the base settings).
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Every combination of the listed values applied to a base, in a fixed order (learning rate
   * slowest, then batch size, updater, L2, dropout, schedule).
   *
   * @param base the settings for everything not listed
   * @return the configurations, at least one; each is checked
   */
  public List<Hyperparameters> grid(Hyperparameters base) {
    List<Hyperparameters> out = new ArrayList<>();
    for (double lr : or(learningRates, base.learningRate())) {
      for (int bs : or(batchSizes, base.batchSize())) {
        for (Updater u : or(updaters, base.updater())) {
          for (double l2 : or(l2s, base.l2())) {
            for (double d : or(dropouts, base.dropout())) {
              for (LearningRateSchedule s : or(schedules, base.schedule())) {
                out.add(base.toBuilder().learningRate(lr).batchSize(bs).updater(u).l2(l2)
                    .dropout(d).schedule(s).build());
              }
            }
          }
        }
      }
    }
    return out;
  }

  private static <T> List<T> or(List<T> values, T base) {
    return values.isEmpty() ? List.of(base) : values;
  }

  /** Collects the values of a space. */
  public static final class Builder {
    private List<Double> learningRates = List.of();
    private List<Integer> batchSizes = List.of();
    private List<Updater> updaters = List.of();
    private List<Double> l2s = List.of();
    private List<Double> dropouts = List.of();
    private List<LearningRateSchedule> schedules = List.of();

    private Builder() {}

    /**
     * Sets the learning rates to try.
     *
     * @param v the rates
     * @return this builder
     */
    public Builder learningRates(double... v) {
      learningRates = java.util.Arrays.stream(v).boxed().toList();
      return this;
    }

    /**
     * Sets the batch sizes to try.
     *
     * @param v the sizes
     * @return this builder
     */
    public Builder batchSizes(int... v) {
      batchSizes = java.util.Arrays.stream(v).boxed().toList();
      return this;
    }

    /**
     * Sets the updaters to try.
     *
     * @param v the updaters
     * @return this builder
     */
    public Builder updaters(Updater... v) {
      updaters = List.of(v);
      return this;
    }

    /**
     * Sets the L2 penalties to try.
     *
     * @param v the penalties
     * @return this builder
     */
    public Builder l2s(double... v) {
      l2s = java.util.Arrays.stream(v).boxed().toList();
      return this;
    }

    /**
     * Sets the dropout probabilities to try.
     *
     * @param v the probabilities
     * @return this builder
     */
    public Builder dropouts(double... v) {
      dropouts = java.util.Arrays.stream(v).boxed().toList();
      return this;
    }

    /**
     * Sets the learning-rate schedules to try.
     *
     * @param v the schedules
     * @return this builder
     */
    public Builder schedules(LearningRateSchedule... v) {
      schedules = List.of(v);
      for (LearningRateSchedule s : schedules) {
        Objects.requireNonNull(s, "schedule");
      }
      return this;
    }

    /**
     * Makes the space.
     *
     * @return the space
     */
    public SearchSpace build() {
      return new SearchSpace(this);
    }
  }
}
