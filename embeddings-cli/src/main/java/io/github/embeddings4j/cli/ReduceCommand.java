package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.io.Checksums;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.io.ModelProvenance;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.reduce.PcaOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  @Option(names = "--allow-mismatch", description = "Apply a model even when it was fitted on "
      + "embeddings made otherwise than --input's.")
  boolean allowMismatch;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (output == null && saveModel == null) {
      throw new ParameterException(spec.commandLine(),
          "nothing to do: give --output, --save-model or both");
    }
    if (how.apply != null && saveModel != null) {
      throw new ParameterException(spec.commandLine(), "--save-model saves a model fitted here;"
          + " with --apply nothing is fitted (copy " + how.apply + " instead)");
    }
    if (how.components != null && how.components < 1) {
      throw new ParameterException(spec.commandLine(), "--components must be at least 1, not "
          + how.components);
    }
    if (how.variance != null && !(how.variance > 0 && how.variance <= 1)) {
      throw new ParameterException(spec.commandLine(), "--variance must be in (0, 1], not "
          + how.variance);
    }
    List<Path> outputs = new ArrayList<>();
    if (output != null) {
      outputs.addAll(EmbeddingSet.files(output));
    }
    if (saveModel != null) {
      outputs.add(saveModel);
      outputs.add(ModelProvenance.file(saveModel));
    }
    List<Path> inputs = new ArrayList<>(EmbeddingSet.files(input));
    if (how.apply != null) {
      inputs.add(how.apply);
    }
    Outputs.refuseOverlap(spec, outputs, inputs);
    SetRows in = SetRows.open(input, err, !common.quiet);
    Pca pca;
    String reduction;
    long start = System.nanoTime();
    if (how.apply != null) {
      try {
        pca = Pca.load(how.apply);
        reduction = pca.reductionStep() + ", model sha256=" + Checksums.sha256(how.apply);
      } catch (IOException e) {
        throw new Main.InputException(IoErrors.describe(e), e);
      }
      try {
        Provenance.check("the embedder of " + input, in.embedder(), "the embedder of the "
            + "vectors " + how.apply + " was fitted on", ModelProvenance.read(how.apply),
            allowMismatch, err);
      } catch (IOException e) {
        throw new Main.InputException(IoErrors.describe(e), e);
      }
      if (pca.inputDimension() != in.dimension()) {
        throw new Main.InputException(input + " has " + in.dimension() + "-dimensional rows but "
            + how.apply + " reduces " + pca.inputDimension() + "-dimensional ones", null);
      }
    } else {
      PcaOptions options = how.components != null ? Pca.keep(how.components)
          : Pca.varianceFraction(how.variance);
      if (whiten) {
        options = options.whitened();
      }
      try {
        pca = in.mapped() ? Pca.fit(in.inPlace(), options) : Pca.fit(in.loaded(), options);
      } catch (IllegalArgumentException e) {
        // The options were checked above: what remains is about the data (too few rows,
        // non-finite values, more components than dimensions).
        throw new Main.InputException(input + ": " + e.getMessage(), e);
      }
      if (!common.quiet) {
        double kept = 0;
        for (double r : pca.explainedVarianceRatio()) {
          kept += r;
        }
        err.printf(Locale.ROOT, "fitted PCA on %d x %d in %.1f s: %d components keep %.1f%% of "
            + "the variance%n", in.count(), in.dimension(),
            (System.nanoTime() - start) / 1e9, pca.outputDimension(), 100 * kept);
      }
      reduction = pca.reductionStep();
      if (saveModel != null) {
        pca.save(saveModel);
        if (in.embedder() != null) {
          ModelProvenance.write(saveModel, in.embedder());
        }
        reduction += ", model sha256=" + Checksums.sha256(saveModel);
        if (!common.quiet) {
          err.println("saved the model to " + saveModel);
        }
      }
    }
    if (output != null) {
      EmbedderDescription described = in.embedder() == null ? null
          : in.embedder().reducedTo(pca.outputDimension(), reduction);
      if (in.mapped()) {
        // A block at a time, so that neither the set nor its reduction is ever held whole.
        try (EmbeddingSet.Writer w = EmbeddingSet.writer(output, pca.outputDimension(),
            described)) {
          for (int from = 0; from < in.count(); from += SetRows.BATCH) {
            int to = Math.min(in.count(), from + SetRows.BATCH);
            float[][] reduced = pca.reduceAll(in.rows(from, to));
            for (int r = from; r < to; r++) {
              w.add(reduced[r - from], in.ids().get(r));
            }
          }
          w.commit();
        }
      } else {
        Matrices.write(output, pca.reduceAll(in.loaded()), in.ids(), described);
      }
      if (!common.quiet) {
        err.printf("wrote %d x %d to %s%n", in.count(), pca.outputDimension(), output);
      }
    }
    return Main.EXIT_OK;
  }
}
