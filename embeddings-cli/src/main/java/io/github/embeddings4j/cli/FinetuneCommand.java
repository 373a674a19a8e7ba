package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.train.Augmentation;
import io.github.embeddings4j.core.train.FineTuneResult;
import io.github.embeddings4j.core.train.FineTuner;
import io.github.embeddings4j.core.train.Hyperparameters;
import io.github.embeddings4j.core.train.SearchSpace;
import io.github.embeddings4j.core.train.TrainedEmbedder;
import io.github.embeddings4j.core.train.TrainingResult;
import io.github.embeddings4j.core.train.Updater;
import io.github.embeddings4j.core.train.ZooFineTuneSearch;
import io.github.embeddings4j.core.train.ZooFineTuner;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Adapts a network to new labelled images: a saved model, or a zoo CNN on photo folders. */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    header = "Transfer learning: a zoo or ONNX CNN on your photo folders, or a saved model on new"
        + " classes.",
    description = {
        "With --model: fine-tune a zoo CNN (squeezenet, resnet50, ...) on a folder of class "
        + "folders (--data DIR/<class>/<image>) in colour at the model's input size (or "
        + "--input-size): its classifier is replaced by one for your classes, layers up to "
        + "--freeze-up-to stay as they are, the rest of the backbone learns at "
        + "--backbone-lr-scale times the head's rate, images are streamed from disk with "
        + "seeded augmentation, a checkpoint is written after every epoch (--resume continues "
        + "it after a crash), and the best epoch is saved. The saved file is an embedder: "
        + "embed, search and evaluate take it as --model FILE.zip.",
        "With --model FILE.onnx: the same for a CNN exported to ONNX (torchvision's ResNet, "
        + "ResNeXt, RegNet, VGG, DenseNet, SqueezeNet, MobileNet, EfficientNet, ...): its "
        + "weights are read "
        + "into a trainable graph, the images prepared as --preprocess says (default: the "
        + "model's FILE.onnx.json sidecar, else imagenet), and the result saved as ONNX "
        + "(--output FILE.onnx) with outputs 'embedding' and 'probabilities' and its "
        + "preprocessing and class names in the file's metadata.",
        "With --from: start from a model saved by 'train' (or 'finetune --from'), 28x28 "
        + "grayscale, as before."},
    footer = {
        "",
        "Examples:",
        "  embeddings4j finetune --model squeezenet --weights imagenet --data photos/ \\",
        "      --freeze-up-to fire5 --epochs 10 --lr 0.001 --output tuned.zip",
        "  embeddings4j finetune --model squeezenet --weights imagenet --data photos/ \\",
        "      --search grid --search-lr 0.001,0.0003 --search-freeze none,fire5 \\",
        "      --epochs 5 --output tuned.zip",
        "  embeddings4j finetune --model resnet18.onnx --data photos/ --epochs 5 \\",
        "      --freeze-up-to /layer2/layer2.1/relu_1/Relu --output tuned.onnx",
        "  embeddings4j finetune --from cnn.zip --freeze-up-to 3 --data my-images/ \\",
        "      --output tuned.zip --epochs 5 --lr 0.001"})
final class FinetuneCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin TrainOptions options;

  @Option(names = "--from", paramLabel = "FILE.zip",
      description = "The model saved by 'train' to start from (instead of --model).")
  Path from;

  @Option(names = "--model", paramLabel = "MODEL",
      description = "A zoo CNN to fine-tune on photo folders: resnet50, vgg16, vgg19, squeezenet,"
          + " xception, darknet19, nasnet, lenet, simplecnn; or a CNN saved as FILE.onnx"
          + " (instead of --from).")
  String model;

  @Option(names = "--preprocess", paramLabel = "imagenet|clip|inception|siglip|none",
      description = "With --model FILE.onnx: how images become input (default: the model's "
          + "FILE.onnx.json sidecar or the metadata of a file fine-tuned here, else imagenet).")
  String preprocess;

  @Option(names = "--weights", paramLabel = "imagenet|random|FILE",
      description = "With --model: the starting weights: imagenet (downloaded once into the "
          + "cache), random (from --seed: training from scratch), or a model file (a DL4J zip, "
          + "e.g. one saved by this command) (default: imagenet where the zoo has it).")
  String weights;

  @Option(names = "--input-size", paramLabel = "N",
      description = "With --model: train at N x N pixels (default: the model's own size).")
  Integer inputSize;

  @Option(names = "--freeze-up-to", paramLabel = "LAYER",
      description = "Freeze this layer and those before it (default: train every layer).")
  String freezeUpTo;

  @Option(names = "--feature-layer", paramLabel = "LAYER",
      description = "With --model: the layer whose pooled activations feed the new classifier "
          + "and become the embedding (default: the input of the model's classifier).")
  String featureLayer;

  @Option(names = "--backbone-lr-scale", defaultValue = "0.1", paramLabel = "X",
      description = "With --model: the backbone's learning rate as a share of the head's "
          + "(default: ${DEFAULT-VALUE}; 1 for training from scratch).")
  double backboneScale;

  @Option(names = "--augment", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "With --model: seeded random resized crops, flips and colour jitter on "
          + "training images (default: on; --no-augment for the images as they are).")
  boolean augment = true;

  @Option(names = "--resume",
      description = "With --model: continue from the checkpoint (OUTPUT.checkpoint) of an "
          + "interrupted run with the same settings.")
  boolean resume;

  @Option(names = "--checkpoint", paramLabel = "FILE",
      description = "With --model: the checkpoint file (default: OUTPUT.checkpoint; removed "
          + "once the model is saved).")
  Path checkpoint;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Base folder of the weights cache (default: ~/.deeplearning4j).")
  Path cacheDir;

  @Option(names = "--search", paramLabel = "grid|random",
      description = "With --model: try the combinations of the --search-* values (grid) or "
          + "--trials of them (random), print a table of trials, and save the best.")
  String search;

  @Option(names = "--trials", defaultValue = "4", paramLabel = "N",
      description = "Trials of a random search (default: ${DEFAULT-VALUE}).")
  int trials;

  @Option(names = "--search-lr", split = ",", paramLabel = "LR",
      description = "Learning rates to try (default: --lr).")
  List<Double> searchLr;

  @Option(names = "--search-batch-size", split = ",", paramLabel = "N",
      description = "Batch sizes to try (default: --batch).")
  List<Integer> searchBatch;

  @Option(names = "--search-optimizer", split = ",", paramLabel = "NAME",
      description = "Optimisers to try (default: --optimizer).")
  List<String> searchOptimizer;

  @Option(names = "--search-weight-decay", split = ",", paramLabel = "X",
      description = "Weight decays to try (default: --weight-decay).")
  List<Double> searchDecay;

  @Option(names = "--search-freeze", split = ",", paramLabel = "LAYER|none",
      description = "Frozen depths to try: layer names, 'none' for nothing frozen (default: "
          + "--freeze-up-to).")
  List<String> searchFreeze;

  @Override
  public Integer call() throws IOException {
    if ((from == null) == (model == null)) {
      throw new ParameterException(spec.commandLine(), from == null
          ? "give --model MODEL (a zoo CNN on photo folders) or --from FILE.zip (a model saved "
              + "by 'train')"
          : "--from and --model exclude each other: give one");
    }
    return model != null ? zoo() : saved();
  }

  private Integer zoo() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    Hyperparameters h;
    ZooFineTuner.Builder b;
    boolean onnx = model.toLowerCase(Locale.ROOT).endsWith(".onnx");
    try {
      h = options.hyperparameters();
      if (onnx) {
        Path file = Path.of(model);
        if (!Files.isRegularFile(file)) {
          throw new Main.InputException("--model " + model + ": no such ONNX file", null);
        }
        if (weights != null) {
          throw new IllegalArgumentException("--weights does not go with an ONNX model, which"
              + " starts from its own weights");
        }
        if (!options.output.getFileName().toString().toLowerCase(Locale.ROOT)
            .endsWith(".onnx")) {
          throw new IllegalArgumentException("--output " + options.output + ": a fine-tuned"
              + " ONNX model is saved as ONNX; name the output FILE.onnx");
        }
        b = ZooFineTuner.builder(file);
        if (preprocess != null) {
          b.preprocessing(io.github.embeddings4j.core.image.Preprocessing.preset(preprocess));
        }
      } else {
        if (preprocess != null) {
          throw new IllegalArgumentException("--preprocess goes with --model FILE.onnx; a zoo"
              + " model prepares images its own way");
        }
        ZooModel m = ModelOptions.parseModel(model);
        b = ZooFineTuner.builder(m).weights(ModelOptions.parseWeights(weights, options.seed, m))
            .cacheDirectory(cacheDir);
      }
      b.hyperparameters(h).freezeUpTo(freezeUpTo)
          .featureLayer(featureLayer).backboneLearningRateScale(backboneScale)
          .augmentation(augment ? Augmentation.defaults() : Augmentation.none())
          .listener(ProgressReporter.forConsole(err, common.quiet));
      if (inputSize != null) {
        b.inputSize(inputSize, inputSize);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Path data = options.data;
    if (!Files.isDirectory(data)) {
      throw new Main.InputException("--data " + data + ": no such folder (expected "
          + "DIR/<class>/<image>)", null);
    }
    Path root = Files.isDirectory(data.resolve("train")) ? data.resolve("train") : data;
    ImageFolder all;
    try {
      all = ImageFolder.scan(root);
    } catch (IOException e) {
      throw new Main.InputException(io.github.embeddings4j.core.io.IoErrors.describe(e), e);
    }
    ImageFolder.Splits parts;
    try {
      parts = all.split(1 - options.validation, options.validation, 0, options.seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--validation: " + e.getMessage());
    }
    ImageFolder validation = parts.validation().size() == 0 ? null : parts.validation();
    Path ckpt = checkpoint != null ? checkpoint
        : options.output.resolveSibling(options.output.getFileName() + ".checkpoint");
    FineTuneResult result;
    try {
      if (search != null) {
        if (validation == null) {
          throw new ParameterException(spec.commandLine(), "--search needs a validation share"
              + " (--validation > 0)");
        }
        ZooFineTuneSearch s = searchOf(h);
        ZooFineTuneSearch.Result found = s.run(b, parts.train(), validation);
        spec.commandLine().getOut().println(found.toMarkdown());
        result = found.bestResult();
      } else {
        result = b.checkpoint(ckpt).resume(resume).build().fit(parts.train(), validation);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    } catch (EmbeddingException e) {
      throw new Main.InputException(ModelOptions.inOptionWords(e.getMessage())
          + (weights == null || weights.equalsIgnoreCase("imagenet") ? ". Offline? Pass "
              + "--weights random, or --weights FILE with a model file you have" : ""), e);
    }
    result.save(options.output);
    Files.deleteIfExists(ckpt);
    spec.commandLine().getOut().println(result.historyTable());
    if (!result.skipped().isEmpty()) {
      err.printf("skipped %d image(s) that could not be decoded:%n", result.skipped().size());
      result.skipped().forEach((f, why) -> err.printf("  %s: %s%n", f, why));
    }
    if (!common.quiet) {
      err.printf(Locale.ROOT, "kept epoch %d (%s %.4f); saved %s (%s); embed "
          + "with --model %s%n", result.bestEpoch(), options.scoreName(),
          result.bestValidationAccuracy(),
          options.output, result.model() != null ? result.model() : result.onnx(),
          options.output);
    }
    return result.skipped().isEmpty() ? Main.EXIT_OK : Main.EXIT_PARTIAL;
  }

  private ZooFineTuneSearch searchOf(Hyperparameters h) {
    SearchSpace.Builder space = SearchSpace.builder();
    if (searchLr != null) {
      space.learningRates(searchLr.stream().mapToDouble(Double::doubleValue).toArray());
    }
    if (searchBatch != null) {
      space.batchSizes(searchBatch.stream().mapToInt(Integer::intValue).toArray());
    }
    if (searchOptimizer != null) {
      List<Updater> u = new ArrayList<>();
      for (String name : searchOptimizer) {
        TrainOptions t = new TrainOptions();
        t.updater = name;
        t.schedule = "constant";
        u.add(t.hyperparameters().updater());
      }
      space.updaters(u.toArray(new Updater[0]));
    }
    if (searchDecay != null) {
      space.l2s(searchDecay.stream().mapToDouble(Double::doubleValue).toArray());
    }
    List<String> freeze = new ArrayList<>();
    if (searchFreeze == null) {
      freeze.add(freezeUpTo);
    } else {
      for (String f : searchFreeze) {
        freeze.add(f.equalsIgnoreCase("none") ? null : f);
      }
    }
    return switch (search.toLowerCase(Locale.ROOT)) {
      case "grid" -> ZooFineTuneSearch.grid(space.build(), freeze);
      case "random" -> ZooFineTuneSearch.random(space.build(), freeze, trials, options.seed);
      default -> throw new IllegalArgumentException("--search must be grid or random, not '"
          + search + "'");
    };
  }

  private Integer saved() throws IOException {
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
        err.printf(Locale.ROOT, "kept epoch %d (%s %.4f); saved %s%n", result.bestEpoch(),
            options.scoreName(), result.bestValidationAccuracy(), options.output);
      }
    }
    return Main.EXIT_OK;
  }
}
