package io.github.embeddings4j.cli;

import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.train.FineTuner;
import io.github.embeddings4j.core.train.TrainedEmbedder;
import io.github.embeddings4j.core.train.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Adapts a trained embedder to new labelled images (transfer learning). */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    header = "Transfer learning from a saved model onto new classes.",
    description =
        "Transfer learning: start from a model saved by 'train' (or 'finetune'), freeze "
        + "its layers up to --freeze-up-to, replace the head for the new data's classes, "
        + "and train with early stopping; the best epoch's model is saved.",
    footer = {
        "",
        "Example:",
        "  embeddings4j finetune --from cnn.zip --freeze-up-to 3 --data my-images/ \\",
        "      --output tuned.zip --epochs 5 --lr 0.001"})
final class FinetuneCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin TrainOptions options;

  @Option(names = "--from", required = true, paramLabel = "FILE.zip",
      description = "The model to start from.")
  Path from;

  @Option(names = "--freeze-up-to", paramLabel = "LAYER",
      description = "Freeze this layer and those before it (default: train every layer).")
  String freezeUpTo;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    TrainedEmbedder source;
    try {
      source = TrainedEmbedder.load(from);
    } catch (IOException e) {
      throw new Main.InputException(io.github.embeddings4j.core.io.IoErrors.describe(e), e);
    }
    try (source) {
      LabeledImages all = options.trainingImages();
      FineTuner tuner;
      LabeledImages.Holdout parts;
      try {
        parts = all.holdOut(options.validation, options.seed);
        FineTuner.Builder b = FineTuner.builder(source).classes(all.classCount())
            .hyperparameters(options.hyperparameters())
            .listener(ProgressReporter.forConsole(err, common.quiet));
        if (freezeUpTo != null) {
          b.freezeUpTo(freezeUpTo);
        }
        tuner = b.build();
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      TrainingResult result = tuner.fit(parts.train(), parts.validation());
      try (TrainedEmbedder tuned = result.embedder()) {
        tuned.save(options.output);
      }
      spec.commandLine().getOut().println(result.historyTable());
      if (!common.quiet) {
        err.printf("kept epoch %d (validation accuracy %.4f); saved %s%n", result.bestEpoch(),
            result.bestValidationAccuracy(), options.output);
      }
    }
    return Main.EXIT_OK;
  }
}
