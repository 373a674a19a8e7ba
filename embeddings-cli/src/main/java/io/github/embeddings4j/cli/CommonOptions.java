package io.github.embeddings4j.cli;

import picocli.CommandLine.Option;

/** Options every subcommand accepts. */
final class CommonOptions {

  @Option(names = {"-q", "--quiet"},
      description = "No progress and no messages: results, warnings and errors only (each "
          + "failed file still gets its 'failed: PATH: reason' line).")
  boolean quiet;

  @Option(names = "--verbose",
      description = "Print stack traces of errors, and the libraries' log (ND4J, DL4J).")
  boolean verbose;
}
