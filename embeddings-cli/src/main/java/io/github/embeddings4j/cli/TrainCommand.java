package io.github.embeddings4j.cli;

import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.train.Architecture;
import io.github.embeddings4j.core.train.EmbeddingTrainer;
import io.github.embeddings4j.core.train.TrainedEmbedder;
import io.github.embeddings4j.core.train.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Trains a small CNN embedder from scratch on labelled images. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    header = "Train a small CNN embedder from scratch.",
    description =
        "Train a small CNN embedder (conv32-pool-conv64-pool-denseD) from scratch on "
        + "labelled images, with early stopping on a stratified validation split; the best "
        + "epoch's model is saved. Prints the training history.",
    footer = {
        "",
        "Example:",
        "  embeddings4j train --output cnn.zip --epochs 10 --updater adam --lr 0.002 \\",
        "      --batch 128",
        "  embeddings4j evaluate --embedder cnn.zip --metric cosine"})
final class TrainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin TrainOptions options;

  @Option(names = "--dimension", defaultValue = "128",
      description = "Embedding dimension (default: ${DEFAULT-VALUE}).")
  int dimension;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    EmbeddingTrainer trainer;
    LabeledImages.Holdout parts;
    LabeledImages all = options.trainingImages();
    try {
      parts = all.holdOut(options.validation, options.seed);
      trainer = EmbeddingTrainer.builder().architecture(Architecture.smallCnn(dimension))
          .hyperparameters(options.hyperparameters()).classes(all.classCount())
          .listener(ProgressReporter.forConsole(err, common.quiet)).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    TrainingResult result = trainer.train(parts.train(), parts.validation());
    try (TrainedEmbedder embedder = result.embedder()) {
      embedder.save(options.output);
    }
    spec.commandLine().getOut().println(result.historyTable());
    if (!common.quiet) {
      err.printf(java.util.Locale.ROOT, "kept epoch %d (%s %.4f); saved %s%n",
          result.bestEpoch(), options.scoreName(), result.bestValidationAccuracy(),
          options.output);
    }
    return Main.EXIT_OK;
  }
}
