package io.github.embeddings4j.cli;

import picocli.CommandLine.Option;

/** Options every subcommand accepts. */
final class CommonOptions {

  @Option(names = {"-q", "--quiet"}, description = "No progress and no messages; results only.")
  boolean quiet;

  @Option(names = "--verbose", description = "Print stack traces of errors.")
  boolean verbose;
}
