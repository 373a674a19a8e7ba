package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.StandardMetric;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The checks of options several subcommands share; each failure is a usage error (exit 1). */
final class OptionValues {

  private OptionValues() {}

  /**
   * The metric a {@code --metric} names.
   *
   * @param spec the command, for the error
   * @param name the option's value, or null when it was not given
   * @return the metric, or null when not given
   */
  static DistanceMetric metric(CommandSpec spec, String name) {
    if (name == null) {
      return null;
    }
    try {
      return StandardMetric.fromName(name);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /**
   * The thread count a {@code --threads} gives: all cores when it was not given.
   *
   * @param spec the command, for the error
   * @param threads the option's value, or null
   * @return at least 1
   */
  static int threads(CommandSpec spec, Integer threads) {
    int count = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (count < 1) {
      throw new ParameterException(spec.commandLine(), "--threads must be at least 1");
    }
    return count;
  }

  /**
   * Refuses a {@code --k} below 1.
   *
   * @param spec the command, for the error
   * @param k the option's value
   */
  static void k(CommandSpec spec, int k) {
    if (k < 1) {
      throw new ParameterException(spec.commandLine(), "--k must be at least 1, not " + k);
    }
  }
}
