package io.github.embeddings4j.core.train;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * How the learning rate changes from epoch to epoch, as a multiple of the base rate. Immutable;
 * turned into a DL4J {@link ISchedule} (counted in epochs) when a network is built, so it is
 * saved with the model.
 *
 * <pre>{@code
 * LearningRateSchedule.step(0.5, 3);     // halve every 3 epochs
 * LearningRateSchedule.exponential(0.9); // times 0.9 each epoch
 * LearningRateSchedule.cosine(0.01);     // cosine from 1 down to 0.01 over the run
 * }</pre>
 */
public final class LearningRateSchedule {

  private enum Kind { CONSTANT, STEP, EXPONENTIAL, COSINE }

  private static final LearningRateSchedule CONSTANT =
      new LearningRateSchedule(Kind.CONSTANT, 1, 1);

  private final Kind kind;
  private final double factor;
  private final int every;

  private LearningRateSchedule(Kind kind, double factor, int every) {
    this.kind = kind;
    this.factor = factor;
    this.every = every;
  }

  /**
   * The base rate throughout.
   *
   * @return the constant schedule
   */
  public static LearningRateSchedule constant() {
    return CONSTANT;
  }

  /**
   * Multiplies the rate by {@code factor} every {@code everyEpochs} epochs.
   *
   * @param factor the multiplier, in {@code (0, 1]}
   * @param everyEpochs epochs between steps, at least 1
   * @return the schedule
   * @throws IllegalArgumentException if a value is out of range
   */
  public static LearningRateSchedule step(double factor, int everyEpochs) {
    checkFactor(factor);
    if (everyEpochs < 1) {
      throw new IllegalArgumentException("step must be at least 1 epoch: " + everyEpochs);
    }
    return new LearningRateSchedule(Kind.STEP, factor, everyEpochs);
  }

  /**
   * Multiplies the rate by {@code gamma} after each epoch.
   *
   * @param gamma the multiplier, in {@code (0, 1]}
   * @return the schedule
   * @throws IllegalArgumentException if {@code gamma} is out of range
   */
  public static LearningRateSchedule exponential(double gamma) {
    checkFactor(gamma);
    return new LearningRateSchedule(Kind.EXPONENTIAL, gamma, 1);
  }

  /**
   * Cosine annealing over the planned epochs, from the base rate down to {@code minFraction}
   * of it in the last epoch.
   *
   * @param minFraction the final multiplier, in {@code [0, 1]}
   * @return the schedule
   * @throws IllegalArgumentException if {@code minFraction} is out of range
   */
  public static LearningRateSchedule cosine(double minFraction) {
    if (!(minFraction >= 0 && minFraction <= 1)) {
      throw new IllegalArgumentException("cosine minimum fraction must be in [0, 1]: "
          + minFraction);
    }
    return new LearningRateSchedule(Kind.COSINE, minFraction, 1);
  }

  private static void checkFactor(double f) {
    if (!(f > 0 && f <= 1)) {
      throw new IllegalArgumentException("decay factor must be in (0, 1]: " + f);
    }
  }

  /**
   * A schedule by name, with the settings the command-line tool and the experiments use:
   * {@code constant}; {@code cosine} (down to 1% of the base rate in the last epoch); {@code
   * step} (halved every 2 epochs); {@code exponential} (times 0.9 per epoch).
   *
   * @param name one of the names above, case-insensitive
   * @return the schedule
   * @throws IllegalArgumentException if the name is none of these
   */
  public static LearningRateSchedule named(String name) {
    return switch (name.toLowerCase(java.util.Locale.ROOT)) {
      case "constant" -> constant();
      case "cosine" -> cosine(0.01);
      case "step" -> step(0.5, 2);
      case "exponential" -> exponential(0.9);
      default -> throw new IllegalArgumentException(
          "schedule must be constant, cosine, step or exponential, not '" + name + "'");
    };
  }

  /**
   * The multiplier of the base rate in an epoch.
   *
   * @param epoch the epoch, from 0
   * @param epochs the planned number of epochs
   * @return the multiplier
   */
  public double multiplier(int epoch, int epochs) {
    return switch (kind) {
      case CONSTANT -> 1;
      case STEP -> Math.pow(factor, Math.floor((double) epoch / every));
      case EXPONENTIAL -> Math.pow(factor, epoch);
      case COSINE -> epochs <= 1 ? 1
          : factor + (1 - factor) * 0.5 * (1 + Math.cos(Math.PI * epoch / (epochs - 1)));
    };
  }

  /** DL4J's schedule for a base rate and run length, or null for the constant schedule. */
  ISchedule toDl4j(double baseRate, int epochs) {
    return switch (kind) {
      case CONSTANT -> null;
      case STEP -> new StepSchedule(ScheduleType.EPOCH, baseRate, factor, every);
      case EXPONENTIAL -> new ExponentialSchedule(ScheduleType.EPOCH, baseRate, factor);
      case COSINE -> {
        // DL4J M2.1 has no cosine schedule; a map from epoch to rate is saved like the others.
        Map<Integer, Double> values = new HashMap<>();
        for (int e = 0; e < Math.max(epochs, 1); e++) {
          values.put(e, baseRate * multiplier(e, epochs));
        }
        yield new MapSchedule(ScheduleType.EPOCH, values);
      }
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LearningRateSchedule s && s.kind == kind && s.factor == factor
        && s.every == every;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, factor, every);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case CONSTANT -> "constant";
      case STEP -> "step(x" + factor + "/" + every + "ep)";
      case EXPONENTIAL -> "exp(x" + factor + "/ep)";
      case COSINE -> "cosine(min " + factor + ")";
    };
  }
}
