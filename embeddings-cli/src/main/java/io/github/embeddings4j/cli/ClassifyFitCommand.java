package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.Embedder;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.classify.EmbedderSpec;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.classify.EmbeddingCache;
import io.github.embeddings4j.core.classify.Head;
import io.github.embeddings4j.core.classify.HeadSearch;
import io.github.embeddings4j.core.classify.HeadTrainer;
import io.github.embeddings4j.core.classify.ImageClassifier;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.train.ClassWeights;
import io.github.embeddings4j.core.train.TrainedEmbedder;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Embeds a class-folder dataset (once, cached) and trains a classifier head on it. */
@Command(
    name = "fit",
    mixinStandardHelpOptions = true,
    header = "Train a classifier head on the embeddings of class folders.",
    description =
        "Embed every image of --data (one sub-folder per class; DIR/train/ when it holds "
        + "class folders) "
        + "with --embedder, keep the vectors in a cache keyed by the embedder and the files "
        + "(reused by later runs and by every trial of a search), and train a linear or MLP "
        + "head with early stopping on a stratified --validation share. Images that cannot be "
        + "read are reported and skipped (exit code 3); an empty class folder is refused. A "
        + "class with too few images to hold one out is trained on, with a warning that it "
        + "cannot be validated. Several comma-separated values of --lr, --batch-size, "
        + "--optimizer, --weight-decay or --hidden are tried with --search grid or random. "
        + "With --json, stdout is one JSON object: validation_accuracy (the balanced accuracy"
        + " with --class-weights balanced), epochs, seconds, n_train, classes (and trials when"
        + " searching).",
    footer = {
        "",
        "Examples:",
        "  embeddings4j classify fit --data photos/ --embedder resnet50 \\",
        "      --output products.e4j",
        "  embeddings4j classify fit --data photos/ --embedder model.onnx \\",
        "      --preprocess imagenet --head mlp --hidden 128,512 \\",
        "      --lr 0.001,0.01 --search grid --output products.e4j --json"})
final class ClassifyFitCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = "--data", required = true, paramLabel = "DIR",
      description = "A folder of class folders (DIR/<class>/<image>).")
  Path data;

  @Option(names = "--embedder", required = true, paramLabel = "MODEL|FILE.onnx|FILE.zip",
      description = "A zoo model (resnet50, squeezenet, ...; see --weights), an ONNX file, or "
          + "a model saved by 'train' or 'finetune'.")
  String embedder;

  @Option(names = "--weights", paramLabel = "imagenet|random|FILE",
      description = "Weights of a zoo model, as in embed (default: the model's own).")
  String weights;

  @Option(names = "--engine", paramLabel = "auto|onnxruntime|onednn|dl4j",
      description = "Inference engine of a zoo model (default: auto).")
  String engine;

  @Option(names = "--layer", paramLabel = "NAME",
      description = "Embedding layer of a zoo model (default: the model's own).")
  String layer;

  @Option(names = "--preprocess", paramLabel = "imagenet|clip|inception|siglip|none|raw",
      description = "Preprocessing of an ONNX model (default: imagenet).")
  String preprocess;

  @Option(names = "--output-name", paramLabel = "NAME",
      description = "Output or tensor of an ONNX model to embed (default: the first output).")
  String outputName;

  @Option(names = "--pooling", paramLabel = "avg|max|cls",
      description = "Pooling of feature maps or tokens (default: avg; cls for sequences).")
  String pooling;

  @Option(names = "--normalize", negatable = true, defaultValue = "true",
      fallbackValue = "true",
      description = "L2-normalise embeddings (default: on).")
  boolean normalize = true;

  @Option(names = "--keep-orientation",
      description = "Feed images as stored, ignoring their EXIF orientation (default: turn "
          + "photos upright); 'classify predict' follows the head's setting.")
  boolean keepOrientation;

  @Option(names = "--head", defaultValue = "linear", paramLabel = "linear|mlp",
      description = "The head: one linear layer, or a hidden ReLU layer and a linear layer "
          + "(default: ${DEFAULT-VALUE}).")
  String head;

  @Option(names = "--hidden", split = ",", paramLabel = "N",
      description = "Hidden units of an MLP head (default: 256).")
  List<Integer> hidden;

  @Option(names = "--lr", split = ",", paramLabel = "RATE",
      description = "Learning rate (default: 0.001).")
  List<Double> lr;

  @Option(names = "--batch-size", split = ",", paramLabel = "N",
      description = "Vectors per step (default: 64).")
  List<Integer> batchSize;

  @Option(names = "--optimizer", split = ",", paramLabel = "sgd|adam|adamw",
      description = "sgd (momentum 0.9), adam or adamw (default: adam).")
  List<String> optimizer;

  @Option(names = "--weight-decay", split = ",", paramLabel = "W",
      description = "Weight decay (L2; decoupled with adamw) (default: 0.0001).")
  List<Double> weightDecay;

  @Option(names = "--epochs", defaultValue = "200", paramLabel = "N",
      description = "Epochs at most (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--patience", defaultValue = "10", paramLabel = "N",
      description = "Stop after this many epochs without a better validation score "
          + "(default: ${DEFAULT-VALUE}); the best epoch's head is kept.")
  int patience;

  @Option(names = "--class-weights", defaultValue = "none", paramLabel = "none|balanced",
      description = "balanced: every class counts as much as every other however many images "
          + "it has (scikit-learn's class_weight='balanced'), and early stopping watches the "
          + "balanced accuracy, the mean of the classes' recalls; for folders where some "
          + "classes have far fewer images (default: ${DEFAULT-VALUE}).")
  String classWeights;

  @Option(names = "--validation", defaultValue = "0.2", paramLabel = "SHARE",
      description = "Share of each class held out for early stopping (default: "
          + "${DEFAULT-VALUE}).")
  double validation;

  @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
      description = "Seed of the split, the head and random weights (default: "
          + "${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--search", paramLabel = "grid|random",
      description = "Try every combination of the listed values (grid) or --trials of them "
          + "(random); the best is saved.")
  String search;

  @Option(names = "--trials", paramLabel = "N",
      description = "Combinations a random search tries (default: 10).")
  Integer trials;

  @Option(names = "--cache", paramLabel = "DIR",
      description = "Folder of the embedding cache (default: ~/.cache/embeddings4j/"
          + "embeddings).")
  Path cache;

  @Option(names = "--no-cache", description = "Embed without reading or writing the cache.")
  boolean noCache;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.e4j",
      description = "The classifier head to write.")
  Path output;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  /** The embedder these options build, and how to build it again. */
  record Built(Embedder embedder, EmbedderSpec spec) {}

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    boolean talk = !common.quiet;
    HeadSearch searchPlan = plan();
    Path root = hasClassFolders(data.resolve("train")) ? data.resolve("train") : data;
    if (talk && root != data) {
      err.println("note: " + data + " holds train/ with class folders: fitting on " + root);
    }
    Outputs.refuseOverlap(spec, List.of(output), List.of(root));
    ImageFolder folder = scan(root);
    if (folder.classNames().size() < 2) {
      throw new Main.InputException(root + " holds one class folder ("
          + folder.classNames().get(0) + "); a classifier needs at least 2", null);
    }
    long start = System.nanoTime();
    EmbeddingCache cacheStore = noCache ? EmbeddingCache.none()
        : EmbeddingCache.in(cache != null ? cache : EmbeddingCache.defaultDirectory());
    Built built = build();
    EmbedderDescription description;
    EmbeddingCache.Dataset set;
    ProgressReporter progress = ProgressReporter.forConsole(err, common.quiet);
    try (Embedder e = built.embedder()) {
      description = e.describe();
      if (talk) {
        err.printf("%s: %d images in %d classes; embedder %s%n", root, folder.size(),
            folder.classNames().size(), built.spec());
      }
      try {
        set = cacheStore.embed(e, folder, progress);
      } catch (IOException x) {
        throw new Main.InputException(IoErrors.describe(x), x);
      }
      progress.finishBar();
    }
    if (set.cacheProblem() != null) {
      err.println("warning: the embedding cache could not be written (" + set.cacheProblem()
          + "); going on without it (--cache DIR elsewhere, or --no-cache)");
    }
    if (set.cached()) {
      for (EmbeddingCache.Failed f : set.failed()) {
        err.println("failed: " + f.file() + ": " + f.reason());
      }
      if (talk) {
        err.println("embeddings read from the cache: " + set.entry());
      }
    } else if (set.reused() > 0 && talk) {
      err.println("embeddings of " + set.reused() + " unchanged images read from the cache; "
          + (set.vectors().length - set.reused()) + " images embedded");
    }
    if (set.vectors().length == 0) {
      throw new Main.InputException("none of the " + folder.size() + " images of " + root
          + " could be embedded", null);
    }
    int classes = folder.classNames().size();
    int[] counts = new int[classes];
    for (int label : set.labels()) {
      counts[label]++;
    }
    for (int c = 0; c < classes; c++) {
      if (counts[c] == 0) {
        err.println("warning: class '" + folder.classNames().get(c) + "': none of its images"
            + " could be embedded; the head will never predict it");
      }
    }
    HeadSearch.Result searched = null;
    HeadTrainer.Result result;
    try {
      if (searchPlan != null) {
        searched = searchPlan.run(set.vectors(), set.labels(), classes);
        result = searched.best().result();
      } else {
        ProgressReporter epochs = ProgressReporter.forConsole(err, common.quiet);
        result = trainer().toBuilder().listener(epochs).build()
            .fit(set.vectors(), set.labels(), classes);
        epochs.finishBar();
      }
    } catch (IllegalArgumentException x) {
      throw new Main.InputException(x.getMessage(), x);
    }
    for (int c : result.unvalidatedClasses()) {
      err.println("warning: class '" + folder.classNames().get(c) + "' has " + counts[c]
          + " image(s): all kept for training, so it cannot be validated");
    }
    ImageClassifier classifier = ImageClassifier.of(result.head(), folder.classNames(),
        description, built.spec()).withTraining(result)
        .withInfo("data", root.toAbsolutePath().normalize().toString());
    try {
      classifier.save(output);
    } catch (IOException x) {
      throw new Main.InputException("cannot write " + output + ": " + IoErrors.describe(x), x);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long skipped = set.failed().size();
    print(result, searched, set, classes, seconds, skipped);
    return skipped > 0 ? Main.EXIT_PARTIAL : Main.EXIT_OK;
  }

  private void print(HeadTrainer.Result result, HeadSearch.Result searched,
      EmbeddingCache.Dataset set, int classes, double seconds, long skipped) {
    PrintWriter out = spec.commandLine().getOut();
    HeadTrainer t = result.trainer();
    if (json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("validation_accuracy", result.validationAccuracy());
      o.put("epochs", result.epochsRun());
      o.put("best_epoch", result.bestEpoch());
      o.put("seconds", Math.round(seconds * 1000) / 1000.0);
      o.put("n_train", result.trainCount());
      o.put("n_validation", result.validationCount());
      o.put("classes", classes);
      o.put("dimension", result.head().dimension());
      o.putAll(settings(t));
      o.put("skipped", skipped);
      o.put("cache", set.entry() == null ? "off" : set.cached() ? "hit" : "miss");
      o.put("cache_reused", set.reused());
      o.put("output", output.toString());
      if (searched != null) {
        List<Object> trials = new ArrayList<>();
        for (HeadSearch.Trial tr : searched.trials()) {
          Map<String, Object> m = new LinkedHashMap<>(settings(tr.trainer()));
          m.put("validation_accuracy", tr.validationAccuracy());
          m.put("best_epoch", tr.result().bestEpoch());
          m.put("epochs", tr.result().epochsRun());
          m.put("seconds", Math.round(tr.result().seconds() * 1000) / 1000.0);
          trials.add(m);
        }
        o.put("trials", trials);
      }
      out.println(Json.object(o));
      return;
    }
    if (searched != null) {
      out.print(searched.toMarkdown());
    }
    out.printf(Locale.ROOT, "validation %s %.4f (epoch %d of %d), %s%n",
        t.classWeights() == ClassWeights.BALANCED ? "balanced accuracy"
            : "accuracy", result.validationAccuracy(), result.bestEpoch(), result.epochsRun(),
        t.settings());
    out.printf(Locale.ROOT, "%d training and %d validation vectors of %d, %d classes,"
        + " %.1f s; saved %s%n", result.trainCount(), result.validationCount(),
        result.head().dimension(), classes, seconds, output);
  }

  private static Map<String, Object> settings(HeadTrainer t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("head", t.kind().name().toLowerCase(Locale.ROOT));
    m.put("hidden_size", t.kind() == Head.Kind.MLP ? t.hiddenSize() : 0);
    m.put("optimizer", t.optimizer().label());
    m.put("learning_rate", t.learningRate());
    m.put("batch_size", t.batchSize());
    m.put("weight_decay", t.weightDecay());
    m.put("class_weights", t.classWeights().label());
    return m;
  }

  /** Whether a folder exists and holds at least one visible sub-folder. */
  private static boolean hasClassFolders(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> Files.isDirectory(p) && !p.getFileName().toString()
          .startsWith("."));
    } catch (IOException e) {
      return false;
    }
  }

  private ImageFolder scan(Path root) {
    try {
      return ImageFolder.scan(root);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Main.InputException("no such folder: " + root, e);
    } catch (java.nio.file.NotDirectoryException e) {
      throw new Main.InputException(root + " is not a folder; --data takes a folder of class"
          + " folders", e);
    } catch (IOException e) {
      String m = e.getMessage();
      throw new Main.InputException(m.contains("class folder holds no images")
          ? m + "; remove that folder or put its images in it" : IoErrors.describe(e), e);
    }
  }

  /** The trainer of the first listed values (or the only ones). */
  private HeadTrainer trainer() {
    ClassWeights weights;
    try {
      weights = ClassWeights.parse(classWeights);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--class-weights: "
          + e.getMessage());
    }
    HeadTrainer.Builder b = HeadTrainer.builder().head(kind()).maxEpochs(epochs)
        .patience(patience).validation(validation).seed(seed).classWeights(weights)
        .listener(ProgressReporter.forConsole(spec.commandLine().getErr(), true));
    if (hidden != null) {
      b.hiddenSize(hidden.get(0));
    }
    if (lr != null) {
      b.learningRate(lr.get(0));
    }
    if (batchSize != null) {
      b.batchSize(batchSize.get(0));
    }
    if (optimizer != null) {
      b.optimizer(HeadTrainer.Optimizer.parse(optimizer.get(0)));
    }
    if (weightDecay != null) {
      b.weightDecay(weightDecay.get(0));
    }
    return b.build();
  }

  private Head.Kind kind() {
    return switch (head.toLowerCase(Locale.ROOT)) {
      case "linear" -> Head.Kind.LINEAR;
      case "mlp" -> Head.Kind.MLP;
      default -> throw new IllegalArgumentException("--head must be linear or mlp, not '"
          + head + "'");
    };
  }

  /** Checks the hyperparameters; the search to run, or null for one training. */
  private HeadSearch plan() {
    try {
      HeadTrainer base = trainer();
      if (hidden != null && base.kind() != Head.Kind.MLP) {
        throw new IllegalArgumentException("--hidden is for --head mlp");
      }
      boolean several = many(hidden) || many(lr) || many(batchSize) || many(optimizer)
          || many(weightDecay);
      if (search == null) {
        if (several) {
          throw new IllegalArgumentException("several values of a hyperparameter are tried"
              + " with --search grid or --search random");
        }
        if (trials != null) {
          throw new IllegalArgumentException("--trials is for --search random");
        }
        return null;
      }
      if (validation == 0) {
        throw new IllegalArgumentException("--search scores trials on the --validation share;"
            + " it must be above 0");
      }
      HeadSearch s = switch (search.toLowerCase(Locale.ROOT)) {
        case "grid" -> {
          if (trials != null) {
            throw new IllegalArgumentException("--trials is for --search random");
          }
          yield HeadSearch.grid(base);
        }
        case "random" -> HeadSearch.random(base, trials == null ? 10 : trials, seed);
        default -> throw new IllegalArgumentException("--search must be grid or random, not '"
            + search + "'");
      };
      if (lr != null) {
        s.learningRates(lr.stream().mapToDouble(Double::doubleValue).toArray());
      }
      if (batchSize != null) {
        s.batchSizes(batchSize.stream().mapToInt(Integer::intValue).toArray());
      }
      if (optimizer != null) {
        s.optimizers(optimizer.stream().map(HeadTrainer.Optimizer::parse)
            .toArray(HeadTrainer.Optimizer[]::new));
      }
      if (weightDecay != null) {
        s.weightDecays(weightDecay.stream().mapToDouble(Double::doubleValue).toArray());
      }
      if (hidden != null) {
        s.hiddenSizes(hidden.stream().mapToInt(Integer::intValue).toArray());
      }
      s.configurations(); // checks every value now, before anything is embedded
      s.listener(ProgressReporter.forConsole(spec.commandLine().getErr(), common.quiet));
      return s;
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      throw new ParameterException(spec.commandLine(), m.startsWith("--") ? m
          : "bad hyperparameter: " + m);
    }
  }

  private static boolean many(List<?> values) {
    return values != null && values.size() > 1;
  }

  /** Builds the embedder of --embedder and its options. */
  private Built build() throws IOException {
    String lower = embedder.toLowerCase(Locale.ROOT);
    Path file = Path.of(embedder);
    ModelOptions m = new ModelOptions();
    m.model = embedder;
    m.weights = weights;
    m.engine = engine;
    m.layer = layer;
    m.preprocess = preprocess;
    m.outputName = outputName;
    m.pooling = pooling;
    m.normalize = normalize;
    m.seed = seed;
    m.keepOrientation = keepOrientation;
    if (lower.endsWith(".onnx")) {
      if (!Files.isRegularFile(file)) {
        throw new Main.InputException("--embedder " + embedder + ": no such ONNX file", null);
      }
      Embedder e = m.build(spec);
      return new Built(e, EmbedderSpec.onnx(file, preprocess, outputName, pooling, normalize));
    }
    if (Files.isRegularFile(file) || lower.endsWith(".zip")) {
      if (!Files.isRegularFile(file)) {
        throw new Main.InputException("--embedder " + embedder + ": no such model file", null);
      }
      for (String[] o : new String[][] {{"--weights", weights}, {"--engine", engine},
          {"--layer", layer}, {"--preprocess", preprocess}, {"--output-name", outputName},
          {"--pooling", pooling}}) {
        if (o[1] != null) {
          throw new ParameterException(spec.commandLine(), o[0] + " does not apply to a model"
              + " saved by train or finetune (" + embedder + ")");
        }
      }
      if (!isTrainedEmbedder(file)) {
        throw new Main.InputException(embedder + " is not a model saved by 'embeddings4j"
            + " train' or 'finetune'; for zoo weights in a file pass --embedder MODEL"
            + " --weights " + embedder, null);
      }
      try {
        return new Built(TrainedEmbedder.load(file).decoder(
            ImageDecoder.defaults(!keepOrientation)), EmbedderSpec.trained(file));
      } catch (IOException e) {
        throw new Main.InputException(IoErrors.describe(e), e);
      }
    }
    Embedder e = m.build(spec);
    ZooModel model = ModelOptions.parseModel(embedder);
    Weights w = ModelOptions.parseWeights(weights, seed, model);
    String weightsName = w instanceof Weights.File f ? f.path().toString()
        : w instanceof Weights.Random ? "random"
        : ((Weights.Pretrained) w).set().name().toLowerCase(Locale.ROOT);
    try {
      return new Built(e, EmbedderSpec.zoo(model.zooName(), weightsName, seed, layer, pooling,
          normalize, engine));
    } catch (IOException | RuntimeException x) {
      e.close();
      throw x;
    }
  }

  private static boolean isTrainedEmbedder(Path file) {
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
      return zip.getEntry(TrainedEmbedder.METADATA_ENTRY) != null;
    } catch (IOException e) {
      return false;
    }
  }
}
