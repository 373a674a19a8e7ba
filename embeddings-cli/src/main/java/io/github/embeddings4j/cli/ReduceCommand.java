package io.github.embeddings4j.cli;

import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.reduce.PcaOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Fits or applies PCA to an embeddings matrix. */
@Command(
    name = "reduce",
    mixinStandardHelpOptions = true,
    header = "Fit or apply a PCA model to an embeddings file.",
    description =
        "Reduce embeddings with PCA: fit a model on --input (by component count or by the "
        + "fraction of variance to keep) and save it, or apply a saved one; write the "
        + "reduced matrix, with the ids file copied beside it.",
    footer = {
        "",
        "Examples:",
        "  embeddings4j reduce --input photos.npy --components 64 \\",
        "      --save-model pca64.e4j --output photos64.npy",
        "  embeddings4j reduce --input photos.npy --variance 0.95 --output photos95.npy",
        "  embeddings4j reduce --input new.npy --apply pca64.e4j --output new64.npy"})
final class ReduceCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE.npy",
      description = "The embeddings to reduce.")
  Path input;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE.npy",
      description = "Where to write the reduced embeddings.")
  Path output;

  @ArgGroup(exclusive = true, multiplicity = "1")
  How how;

  static final class How {
    @Option(names = "--components", paramLabel = "N", description = "Keep N components.")
    Integer components;

    @Option(names = "--variance", paramLabel = "F",
        description = "Keep the fewest components that explain this fraction of the variance (0, 1].")
    Double variance;

    @Option(names = "--apply", paramLabel = "MODEL", description = "Apply a saved PCA model.")
    Path apply;
  }

  @Option(names = "--whiten", description = "Scale components to unit variance when fitting.")
  boolean whiten;

  @Option(names = "--save-model", paramLabel = "FILE", description = "Save the fitted model.")
  Path saveModel;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (output == null && saveModel == null) {
      throw new ParameterException(spec.commandLine(),
          "nothing to do: give --output, --save-model or both");
    }
    Matrices in = Matrices.read(input);
    Pca pca;
    long start = System.nanoTime();
    if (how.apply != null) {
      try {
        pca = Pca.load(how.apply);
      } catch (IOException e) {
        throw new Main.InputException(e.getMessage(), e);
      }
      if (pca.inputDimension() != in.dimension()) {
        throw new Main.InputException(input + " has " + in.dimension() + "-dimensional rows but "
            + how.apply + " reduces " + pca.inputDimension() + "-dimensional ones", null);
      }
    } else {
      PcaOptions options;
      try {
        options = how.components != null ? Pca.components(how.components)
            : Pca.varianceFraction(how.variance);
        if (whiten) {
          options = options.whitened();
        }
        pca = Pca.fit(in.rows(), options);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      if (!common.quiet) {
        double kept = 0;
        for (double r : pca.explainedVarianceRatio()) {
          kept += r;
        }
        err.printf(Locale.ROOT, "fitted PCA on %d x %d in %.1f s: %d components keep %.1f%% of "
            + "the variance%n", in.rows().length, in.dimension(),
            (System.nanoTime() - start) / 1e9, pca.outputDimension(), 100 * kept);
      }
      if (saveModel != null) {
        pca.save(saveModel);
        if (!common.quiet) {
          err.println("saved the model to " + saveModel);
        }
      }
    }
    if (output != null) {
      Matrices.write(output, pca.reduceAll(in.rows()), in.ids());
      if (!common.quiet) {
        err.printf("wrote %d x %d to %s%n", in.rows().length, pca.outputDimension(), output);
      }
    }
    return Main.EXIT_OK;
  }
}
