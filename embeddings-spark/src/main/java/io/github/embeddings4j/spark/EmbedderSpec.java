package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.core.embed.Pooling;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.Preprocessing;
import io.github.embeddings4j.core.onnx.OnnxEmbedder;
import io.github.embeddings4j.core.zoo.FineTunedModel;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkFiles;

/**
 * Everything that determines an embedder, in a form that travels to executors and serves as the
 * key of their cache ({@link ExecutorEmbedders}): equal specs share one built embedder per JVM.
 * The words are the command-line tool's ({@code --model}, {@code --weights}, {@code --seed},
 * {@code --preprocess}, {@code --output-name}). A model ending in {@code .onnx} is an ONNX file
 * ({@link OnnxFiles} finds it on each machine); any other is a zoo CNN.
 */
record EmbedderSpec(String model, String weights, long seed, String layer, String pooling,
    boolean normalize, int inputHeight, int inputWidth, int networkBatch, int concurrency,
    String preprocess, String outputName, boolean keepOrientation) implements Serializable {

  private static final long serialVersionUID = 3L;

  /** The weights of a stage that names none ({@link ImageEmbedder}'s default). */
  static final String DEFAULT_WEIGHTS = "imagenet";

  /** Checks every value that can be checked without building, so bad options fail early. */
  EmbedderSpec {
    preprocess = preprocess == null ? "" : preprocess;
    outputName = outputName == null ? "" : outputName;
    Pooling p = Pooling.parse(pooling);
    if (isOnnx(model)) {
      if (weights != null && !weights.isBlank() && !DEFAULT_WEIGHTS.equals(weights)) {
        throw new IllegalArgumentException("weights '" + weights + "' are for zoo models; the"
            + " ONNX model " + model + " brings its own: leave the weights unset");
      }
      if (layer != null && !layer.isEmpty()) {
        throw new IllegalArgumentException("layer '" + layer + "' names a zoo model's layer;"
            + " for the ONNX model " + model + " set the output name (setOutputName,"
            + " --output-name) to embed another tensor");
      }
      if (inputHeight > 0) {
        throw new IllegalArgumentException("the input size of the ONNX model " + model + " is"
            + " the model's own; the preprocessing (setPreprocess) chooses how images are"
            + " resized to it");
      }
      if (!preprocess.isEmpty()) {
        Preprocessing.preset(preprocess);
      }
    } else {
      parseModel(model);
      if (p == Pooling.CLS) {
        throw new IllegalArgumentException("pooling cls is for token sequences of ONNX models;"
            + " zoo CNNs take avg or max");
      }
      if (!preprocess.isEmpty() || !outputName.isEmpty()) {
        throw new IllegalArgumentException("preprocess and outputName are for ONNX models"
            + " (a model file ending in .onnx); the zoo model " + model + " takes its layer"
            + " (setLayer) and input size (setInputSize)");
      }
      if (weights == null || weights.isBlank()) {
        throw new IllegalArgumentException("weights must be imagenet, random, a pretrained set "
            + "or a model file, not '" + weights + "'");
      }
    }
    if ((inputHeight > 0) != (inputWidth > 0) || inputHeight < 0 || inputWidth < 0) {
      throw new IllegalArgumentException("input size must be two positive numbers or unset (0):"
          + " " + inputHeight + " x " + inputWidth);
    }
    if (networkBatch < 0 || concurrency < 0) {
      throw new IllegalArgumentException("networkBatchSize and concurrency must be positive or "
          + "unset (0): " + networkBatch + ", " + concurrency);
    }
  }

  /** A zoo model's spec (no ONNX settings), images turned upright by their EXIF orientation. */
  EmbedderSpec(String model, String weights, long seed, String layer, String pooling,
      boolean normalize, int inputHeight, int inputWidth, int networkBatch, int concurrency) {
    this(model, weights, seed, layer, pooling, normalize, inputHeight, inputWidth, networkBatch,
        concurrency, "", "", false);
  }

  /** The decoder: the core's defaults, or images as stored ({@code keepOrientation}). */
  private ImageDecoder decoder() {
    return ImageDecoder.defaults(!keepOrientation);
  }

  /**
   * Whether a model names an ONNX file (it ends in {@code .onnx}, any case) rather than a zoo
   * CNN.
   */
  static boolean isOnnx(String model) {
    return model != null && model.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx");
  }

  /** Builds the embedder on this JVM (executor or driver). */
  NetworkEmbedder build() throws EmbeddingException {
    if (isOnnx(model)) {
      OnnxEmbedder.Builder b = OnnxEmbedder.builder(OnnxFiles.local(model))
          .normalize(normalize).pooling(Pooling.parse(pooling)).decoder(decoder());
      if (!preprocess.isEmpty()) {
        b.preprocessing(Preprocessing.preset(preprocess));
      }
      if (!outputName.isEmpty()) {
        b.output(outputName);
      }
      if (networkBatch > 0) {
        b.networkBatchSize(networkBatch);
      }
      if (concurrency > 0) {
        b.concurrency(concurrency);
      }
      return b.build();
    }
    ZooModel m = parseModel(model);
    Weights w = parseWeights(weights, seed);
    ZooEmbedder.Builder b = w instanceof Weights.File f ? fineTuned(m, f.path()) : null;
    if (b == null) {
      b = ZooEmbedder.builder(m).weights(w);
    }
    b.pooling(Pooling.parse(pooling)).normalize(normalize) // cls: refused by the constructor
        .decoder(decoder());
    if (layer != null && !layer.isEmpty()) {
      b.layer(layer);
    }
    if (inputHeight > 0) {
      b.inputSize(inputHeight, inputWidth);
    }
    if (networkBatch > 0) {
      b.networkBatchSize(networkBatch);
    }
    if (concurrency > 0) {
      b.concurrency(concurrency);
    }
    return b.build();
  }

  /**
   * A builder preset from a zoo CNN fine-tuned by this SDK (its layer and input size, which
   * explicit settings still override), or null for other weights files.
   */
  private static ZooEmbedder.Builder fineTuned(ZooModel m, Path file) throws EmbeddingException {
    try {
      FineTunedModel record = FineTunedModel.read(file);
      if (record == null) {
        return null;
      }
      if (record.model() != m) {
        throw new IllegalArgumentException("weights " + file + " are a fine-tuned "
            + record.model().zooName() + ", not " + m.zooName() + ": set the model to "
            + record.model().zooName());
      }
      return ZooEmbedder.fineTuned(file);
    } catch (java.io.IOException e) {
      throw new EmbeddingException(file.toString(), "cannot read the model file: "
          + e.getMessage(), e);
    }
  }

  static ZooModel parseModel(String name) {
    return ZooModel.parse(name);
  }

  /**
   * Weights by name, or a model file. A file that is not on this machine's disk is looked up
   * among the files shipped with {@code spark-submit --files} (by its name), so the same spec
   * works on the driver and on executors.
   */
  static Weights parseWeights(String value, long seed) {
    try {
      return Weights.parse(value, seed);
    } catch (IllegalArgumentException e) {
      Path shipped = value == null ? null
          : shippedFile(Path.of(value).getFileName().toString());
      if (shipped != null) {
        return Weights.file(shipped);
      }
      throw new IllegalArgumentException(e.getMessage() + " (nor a file shipped with --files)",
          e);
    }
  }

  static Path shippedFile(String name) {
    try {
      Path p = Path.of(SparkFiles.get(name));
      return Files.isRegularFile(p) ? p : null;
    } catch (RuntimeException e) {
      return null; // no active SparkContext/SparkEnv here: nothing was shipped
    }
  }
}
