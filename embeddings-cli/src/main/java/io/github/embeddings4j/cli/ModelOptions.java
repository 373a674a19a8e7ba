package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.zoo.Pooling;
import io.github.embeddings4j.core.zoo.PretrainedSet;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/** How to build an embedder: model, weights, layer, pooling, normalisation, batch size. */
final class ModelOptions {

  @Option(names = "--model", paramLabel = "MODEL", defaultValue = "resnet50",
      description = "resnet50, vgg16, vgg19, squeezenet, xception, darknet19, nasnet, lenet or "
          + "simplecnn (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--weights", paramLabel = "imagenet|random|FILE", defaultValue = "imagenet",
      description = "ImageNet weights (downloaded once into the cache), another pretrained set "
          + "(cifar10, vggface, mnist), random initialisation, or a model file (DL4J zip or "
          + "Keras .h5) (default: ${DEFAULT-VALUE}).")
  String weights;

  @Option(names = "--seed", defaultValue = "42",
      description = "Seed of random initialisation (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--layer", paramLabel = "NAME",
      description = "Layer whose activations become the embedding (default: the model's own).")
  String layer;

  @Option(names = "--pooling", paramLabel = "avg|max", defaultValue = "avg",
      description = "Pooling of convolutional activations (default: ${DEFAULT-VALUE}).")
  String pooling;

  @Option(names = "--normalize", description = "L2-normalise every embedding.")
  boolean normalize;

  @Option(names = "--batch", paramLabel = "N",
      description = "Images per network call (default: the model's fastest measured size).")
  Integer batch;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Folder for downloaded weights (default: ~/.deeplearning4j/models).")
  Path cacheDir;

  static ZooModel parseModel(String name) {
    String key = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (ZooModel m : ZooModel.values()) {
      if (m.zooName().equals(key) || m.name().equalsIgnoreCase(key)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown model '" + name + "'; choose one of "
        + Arrays.stream(ZooModel.values()).map(ZooModel::zooName).collect(Collectors.joining(", ")));
  }

  static Weights parseWeights(String value, long seed) {
    String key = value.trim().toLowerCase(Locale.ROOT);
    if (key.equals("random")) {
      return Weights.random(seed);
    }
    for (PretrainedSet set : PretrainedSet.values()) {
      if (set.name().equalsIgnoreCase(key)) {
        return Weights.pretrained(set);
      }
    }
    Path file = Path.of(value);
    if (!Files.isRegularFile(file) && (value.contains("/") || value.contains("."))) {
      throw new Main.InputException("--weights " + value + ": " + (Files.isDirectory(file)
          ? "a folder, not a model file" : "no such model file"), null);
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("--weights '" + value + "' is neither imagenet, random, "
          + "a pretrained set (" + Arrays.stream(PretrainedSet.values())
              .map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))
          + ") nor an existing model file");
    }
    return Weights.file(file);
  }

  /**
   * Builds the embedder these options describe.
   *
   * @param spec the command, for usage errors
   * @return the embedder (the caller closes it)
   * @throws picocli.CommandLine.ParameterException for options that make no sense (exit 1)
   * @throws Main.InputException when the weights cannot be had (exit 2)
   */
  ZooEmbedder build(picocli.CommandLine.Model.CommandSpec spec) {
    try {
      return build();
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    } catch (EmbeddingException e) {
      throw new Main.InputException(e.getMessage(), e);
    }
  }

  private ZooEmbedder build() throws EmbeddingException {
    ZooModel m = parseModel(model);
    ZooEmbedder.Builder b = ZooEmbedder.builder(m).weights(parseWeights(weights, seed))
        .normalize(normalize)
        .pooling(switch (pooling.toLowerCase(Locale.ROOT)) {
          case "avg", "average", "mean" -> Pooling.AVG;
          case "max" -> Pooling.MAX;
          default -> throw new IllegalArgumentException(
              "--pooling must be avg or max, not '" + pooling + "'");
        });
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
    return b.build();
  }
}
