package io.github.embeddings4j.cli;

import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.train.ClassWeights;
import io.github.embeddings4j.core.train.Hyperparameters;
import io.github.embeddings4j.core.train.LearningRateSchedule;
import io.github.embeddings4j.core.train.Updater;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The data and hyperparameters shared by {@code train} and {@code finetune}. */
final class TrainOptions {

  @Option(names = "--data", paramLabel = "DIR",
      description = "IDX files (Fashion-MNIST layout) or a folder of class folders, read as 28x28 "
          + "grayscale; with 'finetune --model', a folder of class folders read in colour at the "
          + "model's input size (default: ${DEFAULT-VALUE}).")
  Path data = FashionMnist.defaultDirectory();

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.zip",
      description = "Where to save the trained model (usable as --embedder FILE of evaluate).")
  Path output;

  @Option(names = {"--updater", "--optimizer"}, defaultValue = "adam",
      description = "adam, nesterovs, rmsprop or sgd (default: ${DEFAULT-VALUE}).")
  String updater;

  @Option(names = "--lr", defaultValue = "0.002", description = "Learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--schedule", defaultValue = "constant",
      description = "constant, cosine (down to 1%%), step (x0.5 every 2 epochs) or exponential (x0.9 per "
          + "epoch) (default: ${DEFAULT-VALUE}).")
  String schedule;

  @Option(names = {"--batch", "--batch-size"}, defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--epochs", defaultValue = "5", description = "Epochs at most (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--patience", defaultValue = "2",
      description = "Stop after this many epochs without a better validation accuracy "
          + "(default: ${DEFAULT-VALUE}); the best epoch's weights are kept.")
  int patience;

  @Option(names = {"--l2", "--weight-decay"}, defaultValue = "0.0001", description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
  double l2;

  @Option(names = "--dropout", defaultValue = "0.5", description = "Dropout before the head (default: ${DEFAULT-VALUE}).")
  double dropout;

  @Option(names = "--validation", defaultValue = "0.1",
      description = "Fraction held out, stratified, for early stopping (default: ${DEFAULT-VALUE}).")
  double validation;

  @Option(names = "--limit-train", paramLabel = "N", description = "Use the first N training images.")
  Integer limitTrain;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--class-weights", defaultValue = "none", paramLabel = "none|balanced",
      description = "balanced: each class counts as much as every other in the loss however "
          + "many images it has, and epochs are compared by balanced validation accuracy "
          + "(default: ${DEFAULT-VALUE}).")
  String classWeights = "none";

  Hyperparameters hyperparameters() {
    Updater u = switch (updater.toLowerCase(Locale.ROOT)) {
      case "adam" -> Updater.ADAM;
      case "nesterovs", "nesterov" -> Updater.NESTEROVS;
      case "rmsprop" -> Updater.RMSPROP;
      case "sgd" -> Updater.SGD;
      default -> throw new IllegalArgumentException(
          "--updater must be adam, nesterovs, rmsprop or sgd, not '" + updater + "'");
    };
    LearningRateSchedule s = LearningRateSchedule.named(schedule);
    return Hyperparameters.builder().updater(u).learningRate(learningRate).schedule(s)
        .batchSize(batch).epochs(epochs).patience(patience).l2(l2).dropout(dropout).seed(seed)
        .classWeights(parseClassWeights()).build();
  }

  private ClassWeights parseClassWeights() {
    try {
      return ClassWeights.parse(classWeights);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--class-weights: " + e.getMessage(), e);
    }
  }

  /** How the kept epoch's score is named: "validation accuracy" or its balanced form. */
  String scoreName() {
    return "validation " + (parseClassWeights() == ClassWeights.BALANCED ? "balanced " : "")
        + "accuracy";
  }

  /** The training images: the IDX training set, or every image of the class folders. */
  LabeledImages trainingImages() {
    try {
      LabeledImages all;
      if (EvaluateCommand.isIdx(data)) {
        all = FashionMnist.load(data).train();
      } else if (Files.isDirectory(data)) {
        Path root = Files.isDirectory(data.resolve("train")) ? data.resolve("train") : data;
        all = ImageFolder.scan(root).loadGrayscale(28, 28);
      } else {
        throw new Main.InputException("no such folder: " + data, null);
      }
      return limitTrain == null ? all : all.head(limitTrain);
    } catch (IOException e) {
      throw new Main.InputException(e.getMessage(), e);
    }
  }
}
