package io.github.embeddings4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Trains classifier heads on frozen embeddings and labels images with them. */
@Command(
    name = "classify",
    mixinStandardHelpOptions = true,
    header = "Train a classifier head on embeddings; label images with it.",
    description =
        "Transfer learning by feature extraction: 'classify fit' embeds a folder of class "
        + "folders once with any embedder (a zoo model, an ONNX file or a model saved by "
        + "train/finetune) and trains a linear or MLP head on the embeddings; 'classify "
        + "predict' rebuilds the embedder the head was trained with and labels new images.",
    subcommands = {ClassifyFitCommand.class, ClassifyPredictCommand.class},
    footer = {
        "",
        "Examples:",
        "  embeddings4j classify fit --data photos/ --embedder resnet50 \\",
        "      --head mlp --output products.e4j",
        "  embeddings4j classify predict --head products.e4j --input new/ \\",
        "      --output labels.csv --top-k 3"})
final class ClassifyCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
