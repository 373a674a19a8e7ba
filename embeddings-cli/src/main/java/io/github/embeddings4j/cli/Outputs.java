package io.github.embeddings4j.cli;

import io.github.embeddings4j.cli.report.ReportFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks on output paths, made before any work so that an input is never overwritten. */
final class Outputs {

  private Outputs() {}

  /**
   * Refuses (exit 1) an output that is an input, by path or as the same file (a link, another
   * spelling of the path).
   *
   * @param spec the command, for the usage error
   * @param outputs every file the command would write
   * @param inputs every file the command reads
   */
  static void refuseOverlap(CommandSpec spec, Collection<Path> outputs,
      Collection<Path> inputs) {
    for (Path out : outputs) {
      for (Path in : inputs) {
        if (in != null && out != null && sameFile(out, in)) {
          throw new ParameterException(spec.commandLine(), "the output " + out
              + " is also an input (" + in + "); writing it would destroy the input: choose"
              + " another output");
        }
      }
    }
  }

  /**
   * Refuses (exit 2) a {@code --report} folder that a new report may not replace, before any
   * work: see {@link ReportFolder#check}.
   *
   * @param report the folder
   * @throws IOException if it cannot be read
   */
  static void checkReport(Path report) throws IOException {
    try {
      ReportFolder.check(report);
    } catch (IllegalArgumentException e) {
      throw new Main.InputException("--report " + e.getMessage(), e);
    }
  }

  /**
   * Starts the new version of a {@code --report} folder ({@link ReportFolder#begin}), refusing
   * (exit 2) a folder it may not replace.
   *
   * @param report the folder
   * @return the folder to write into and commit
   * @throws IOException if the hidden folder cannot be made
   */
  static ReportFolder beginReport(Path report) throws IOException {
    try {
      return ReportFolder.begin(report);
    } catch (IllegalArgumentException e) {
      throw new Main.InputException("--report " + e.getMessage(), e);
    }
  }

  /** Whether two paths name the same file, existing or not. */
  static boolean sameFile(Path a, Path b) {
    if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
      return true;
    }
    try {
      return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }
}
