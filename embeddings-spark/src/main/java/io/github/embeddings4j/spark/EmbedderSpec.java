package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.embed.Pooling;
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
 * The words are the command-line tool's ({@code --model}, {@code --weights}, {@code --seed}).
 */
record EmbedderSpec(String model, String weights, long seed, String layer, String pooling,
    boolean normalize, int inputHeight, int inputWidth, int networkBatch, int concurrency)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Checks every value that can be checked without building, so bad options fail early. */
  EmbedderSpec {
    parseModel(model);
    parsePooling(pooling);
    if (weights == null || weights.isBlank()) {
      throw new IllegalArgumentException("weights must be imagenet, random, a pretrained set "
          + "or a model file, not '" + weights + "'");
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

  /** Builds the embedder on this JVM (executor or driver). */
  ZooEmbedder build() throws EmbeddingException {
    ZooModel m = parseModel(model);
    Weights w = parseWeights(weights, seed);
    ZooEmbedder.Builder b = w instanceof Weights.File f ? fineTuned(m, f.path()) : null;
    if (b == null) {
      b = ZooEmbedder.builder(m).weights(w);
    }
    b.pooling(parsePooling(pooling)).normalize(normalize);
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

  static Pooling parsePooling(String name) {
    Pooling p = Pooling.parse(name);
    if (p == Pooling.CLS) {
      throw new IllegalArgumentException("pooling cls is for token sequences; zoo CNNs take avg"
          + " or max");
    }
    return p;
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

  private static Path shippedFile(String name) {
    try {
      Path p = Path.of(SparkFiles.get(name));
      return Files.isRegularFile(p) ? p : null;
    } catch (RuntimeException e) {
      return null; // no active SparkContext/SparkEnv here: nothing was shipped
    }
  }
}
