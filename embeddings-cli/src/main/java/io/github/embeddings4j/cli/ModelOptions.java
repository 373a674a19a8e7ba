package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.core.embed.Pooling;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.Preprocessing;
import io.github.embeddings4j.core.onnx.OnnxEmbedder;
import io.github.embeddings4j.core.train.TrainedEmbedder;
import io.github.embeddings4j.core.zoo.Engine;
import io.github.embeddings4j.core.zoo.FineTunedModel;
import io.github.embeddings4j.core.zoo.PretrainedSet;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * How to build an embedder: a zoo model with its weights and layer, or an ONNX file with its
 * preprocessing and output; pooling, normalisation, batch size.
 */
final class ModelOptions {

  @Option(names = "--model", paramLabel = "MODEL", defaultValue = "resnet50",
      description = "resnet50, vgg16, vgg19, squeezenet, xception, darknet19, nasnet, lenet or "
          + "simplecnn, an ONNX file (FILE.onnx), or a model fine-tuned by 'finetune --model' "
          + "(FILE.zip) (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--preprocess", paramLabel = "imagenet|clip|inception|siglip|none|raw",
      description = "With an ONNX model: how images become its input, as in PyTorch "
          + "(default: imagenet at the model's input size; raw, the pixels 0-255, for a uint8"
          + " input).")
  String preprocess;

  @Option(names = "--output-name", paramLabel = "NAME",
      description = "With an ONNX model: the output or intermediate tensor to embed "
          + "(default: the first output; 'models --inspect FILE.onnx' lists them).")
  String outputName;

  @Option(names = "--engine", paramLabel = "auto|onnxruntime|onednn|dl4j",
      description = "With a zoo model: the inference engine (default: auto, the fastest "
          + "measured for the model).")
  String engine;

  @Option(names = "--weights", paramLabel = "imagenet|random|FILE",
      description = "ImageNet weights (downloaded once into the cache), another pretrained set "
          + "(cifar10, vggface, mnist), random initialisation (--seed), or a model file (DL4J "
          + "zip or Keras .h5) (default: the model's own: imagenet where the zoo has it, else "
          + "its other published set, else random).")
  String weights;

  @Option(names = "--seed", defaultValue = "42",
      description = "Seed of random initialisation (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--layer", paramLabel = "NAME",
      description = "Layer whose activations become the embedding (default: the model's own).")
  String layer;

  @Option(names = "--pooling", paramLabel = "avg|max|cls",
      description = "Pooling of feature maps (avg, max) or token sequences (cls: the first "
          + "token; avg, max: over all tokens) (default: avg; cls for sequences with a class"
          + " token, one token more than a square grid of patches).")
  String pooling;

  @Option(names = "--normalize", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "L2-normalise every embedding (default: on, as in the API and on Spark; "
          + "--no-normalize for the raw pooled activations).")
  boolean normalize = true;

  @Option(names = "--max-pixels", paramLabel = "N",
      description = "Refuse images of more than N pixels before decoding them (default: "
          + "50000000).")
  Long maxPixels;

  @Option(names = "--keep-orientation",
      description = "Feed images as stored, ignoring the EXIF orientation that phones and "
          + "cameras record (default: turn them upright, as viewers show them). Use it to match "
          + "a Python pipeline that never calls ImageOps.exif_transpose.")
  boolean keepOrientation;

  @Option(names = "--batch", paramLabel = "N",
      description = "Images per network call (default: the model's fastest measured size).")
  Integer batch;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Base folder of the weights cache; weights go to DIR/models/MODEL/ "
          + "(default: ~/.deeplearning4j).")
  Path cacheDir;

  static ZooModel parseModel(String name) {
    try {
      return ZooModel.parse(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + ", or give an ONNX file (FILE.onnx)");
    }
  }

  /**
   * The weights an option names, or the model's own default (as {@link ZooEmbedder#builder}
   * chooses it, with the given seed where that default is random).
   */
  static Weights parseWeights(String value, long seed, ZooModel model) {
    if (value == null) {
      return model.pretrainedSets().contains(PretrainedSet.IMAGENET) ? Weights.imagenet()
          : !model.pretrainedSets().isEmpty()
              ? Weights.pretrained(model.pretrainedSets().iterator().next())
              : Weights.random(seed);
    }
    return parseWeights(value, seed);
  }

  static Weights parseWeights(String value, long seed) {
    Path file = Path.of(value);
    if (!Files.isRegularFile(file) && (value.contains("/") || value.contains("."))) {
      throw new Main.InputException("--weights " + value + ": " + (Files.isDirectory(file)
          ? "a folder, not a model file" : "no such model file"), null);
    }
    try {
      return Weights.parse(value, seed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + e.getMessage());
    }
  }

  /** A zip saved by TrainedEmbedder: DL4J's format plus our own entry; zoo weights lack it. */
  private static boolean isTrainedEmbedder(Path file) {
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
      return zip.getEntry(TrainedEmbedder.METADATA_ENTRY) != null;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * The API's names in a message, in the words of this tool's options.
   *
   * @param message a message from the SDK
   * @return the message naming options instead of builder methods
   */
  static String inOptionWords(String message) {
    return message.replace("ZooEmbedder.Builder.cacheDirectory(...)", "--cache-dir")
        .replace("ImageDecoder.Builder.maxPixels", "--max-pixels");
  }

  private ImageDecoder decoder() {
    if (maxPixels == null) {
      return ImageDecoder.defaults(!keepOrientation);
    }
    if (maxPixels < 1) {
      throw new IllegalArgumentException("--max-pixels must be at least 1, not " + maxPixels);
    }
    return ImageDecoder.builder().applyOrientation(!keepOrientation).maxPixels(maxPixels)
        .build();
  }

  /**
   * Builds the embedder these options describe.
   *
   * @param spec the command, for usage errors
   * @return the embedder (the caller closes it)
   * @throws picocli.CommandLine.ParameterException for options that make no sense (exit 1)
   * @throws Main.InputException when the weights cannot be had (exit 2)
   */
  NetworkEmbedder build(picocli.CommandLine.Model.CommandSpec spec) {
    try {
      return build();
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    } catch (EmbeddingException e) {
      throw new Main.InputException(inOptionWords(e.getMessage()), e);
    }
  }

  /** Whether {@code --model} names an ONNX file rather than a zoo model. */
  boolean isOnnx() {
    return model.toLowerCase(Locale.ROOT).endsWith(".onnx");
  }

  /** One line for progress messages: the model and what is embedded. */
  static String describe(NetworkEmbedder e) {
    if (e instanceof ZooEmbedder z) {
      return z.model().zooName() + " (layer " + z.layer() + ", dimension " + z.dimension() + ")";
    }
    OnnxEmbedder o = (OnnxEmbedder) e;
    return o.source() + " (output " + o.outputName() + ", preprocessing "
        + o.preprocessing().name() + ", dimension " + o.dimension() + ")";
  }

  private Pooling pooling() {
    return pooling == null ? null : Pooling.parse(pooling);
  }

  private NetworkEmbedder buildOnnx() throws EmbeddingException {
    if (layer != null || engine != null) {
      throw new IllegalArgumentException((layer != null ? "--layer" : "--engine")
          + " is for zoo models; an ONNX model takes --output-name");
    }
    if (weights != null || cacheDir != null) {
      throw new IllegalArgumentException((weights != null ? "--weights" : "--cache-dir")
          + " is for zoo models; an ONNX file holds its own weights");
    }
    OnnxEmbedder.Builder b = OnnxEmbedder.builder(Path.of(model)).normalize(normalize)
        .decoder(decoder());
    if (preprocess != null) {
      b.preprocessing(Preprocessing.preset(preprocess));
    }
    if (outputName != null) {
      b.output(outputName);
    }
    Pooling p = pooling();
    if (p != null) {
      b.pooling(p);
    }
    if (batch != null) {
      if (batch < 1) {
        throw new IllegalArgumentException("--batch must be at least 1, not " + batch);
      }
      b.networkBatchSize(batch);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // What the file does not have (an output name, an image input, the channels the
      // preprocessing gives) is bad input, not a misused option.
      throw new EmbeddingException(e.getMessage(), e);
    }
  }

  /** Whether {@code --model} names a model file (not an ONNX file) rather than a zoo model. */
  boolean isModelFile() {
    return !isOnnx() && (model.toLowerCase(Locale.ROOT).endsWith(".zip")
        || Files.isRegularFile(Path.of(model)));
  }

  /** Whether a path is a zoo CNN fine-tuned by this SDK. */
  static boolean isFineTuned(Path file) {
    try {
      return Files.isRegularFile(file) && FineTunedModel.read(file) != null;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** A zoo CNN fine-tuned by 'finetune --model': the file says model, input, layer. */
  private NetworkEmbedder buildFineTuned() throws EmbeddingException {
    Path file = Path.of(model);
    if (weights != null || preprocess != null || outputName != null) {
      throw new IllegalArgumentException((weights != null ? "--weights"
          : preprocess != null ? "--preprocess" : "--output-name") + " does not go with "
          + "--model " + file + ": the fine-tuned file holds its weights and its input");
    }
    Pooling p = pooling();
    if (p != null && p != Pooling.AVG) {
      throw new IllegalArgumentException("--pooling " + pooling + ": a fine-tuned model's "
          + "embedding is the average-pooled features its classifier was trained on");
    }
    ZooEmbedder.Builder b;
    try {
      if (!Files.isRegularFile(file)) {
        throw new EmbeddingException(file.toString(), "no such model file", null);
      }
      if (FineTunedModel.read(file) == null) {
        throw new EmbeddingException(file.toString(), isTrainedEmbedder(file)
            ? "a model saved by 'embeddings4j train' (or 'finetune --from'): use it with "
                + "'embeddings4j evaluate --embedder " + file + "'"
            : "not a model fine-tuned by 'embeddings4j finetune --model'; zoo weights go with "
                + "--model NAME --weights " + file, null);
      }
      b = ZooEmbedder.fineTuned(file);
    } catch (java.io.IOException e) {
      throw new EmbeddingException(file.toString(), io.github.embeddings4j.core.io.IoErrors
          .describe(e), e);
    }
    b.normalize(normalize).decoder(decoder());
    if (engine != null) {
      b.engine(Engine.parse(engine));
    }
    if (layer != null) {
      b.layer(layer);
    }
    if (batch != null) {
      if (batch < 1) {
        throw new IllegalArgumentException("--batch must be at least 1, not " + batch);
      }
      b.networkBatchSize(batch);
    }
    return b.build();
  }

  private NetworkEmbedder build() throws EmbeddingException {
    if (isOnnx()) {
      return buildOnnx();
    }
    if (isModelFile()) {
      return buildFineTuned();
    }
    if (preprocess != null || outputName != null) {
      throw new IllegalArgumentException((preprocess != null ? "--preprocess" : "--output-name")
          + " is for ONNX models (--model FILE.onnx); a zoo model takes its own input and"
          + " --layer");
    }
    ZooModel m = parseModel(model);
    Pooling p = pooling();
    if (p == Pooling.CLS) {
      throw new IllegalArgumentException("--pooling cls is for token sequences (ONNX vision"
          + " transformers); zoo CNNs take avg or max");
    }
    Weights w = parseWeights(weights, seed, m);
    if (w instanceof Weights.Pretrained pre && !m.pretrainedSets().contains(pre.set())) {
      throw new IllegalArgumentException("--model " + m.zooName() + " has no "
          + pre.set().name().toLowerCase(Locale.ROOT) + " weights; pass --weights random"
          + (m.pretrainedSets().isEmpty() ? "" : " or one of " + m.pretrainedSets().stream()
              .map(x -> x.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))));
    }
    if (w instanceof Weights.File f && isTrainedEmbedder(f.path())) {
      throw new IllegalArgumentException(f.path() + " is a model saved by 'embeddings4j train' "
          + "(or finetune or demo), not zoo weights: use it with 'embeddings4j evaluate "
          + "--embedder " + f.path() + "'");
    }
    ZooEmbedder.Builder b = ZooEmbedder.builder(m).weights(w)
        .normalize(normalize).pooling(p == null ? Pooling.AVG : p).decoder(decoder());
    if (engine != null) {
      b.engine(Engine.parse(engine));
    }
    if (layer != null) {
      b.layer(layer);
    }
    if (batch != null) {
      if (batch < 1) {
        throw new IllegalArgumentException("--batch must be at least 1, not " + batch);
      }
      b.networkBatchSize(batch);
    }
    if (cacheDir != null) {
      b.cacheDirectory(cacheDir);
    }
    try {
      return b.build();
    } catch (EmbeddingException e) {
      if (w instanceof Weights.Pretrained) {
        throw new EmbeddingException(e.getMessage() + ". Offline? Pass --weights random, or "
            + "--weights FILE with a model file you have", e);
      }
      throw e;
    }
  }
}
