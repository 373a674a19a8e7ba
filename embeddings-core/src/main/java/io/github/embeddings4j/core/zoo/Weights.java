package io.github.embeddings4j.core.zoo;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a network's weights come from.
 *
 * <pre>{@code
 * Weights.imagenet()                      // the zoo's ImageNet weights, downloaded once and cached
 * Weights.pretrained(PretrainedSet.MNIST) // another published set, where the model has one
 * Weights.file(Path.of("model.zip"))      // a DL4J ModelSerializer zip or a Keras .h5 file
 * Weights.random(42)                      // freshly initialised, reproducible from the seed
 * }</pre>
 */
public sealed interface Weights permits Weights.Pretrained, Weights.Random, Weights.File {

  /**
   * Weights by the names the command line and Spark use: {@code random} (from {@code seed}), a
   * published set ({@code imagenet}, {@code cifar10}, {@code vggface}, {@code mnist}; case
   * ignored), or the path of an existing model file: the one parser they share.
   *
   * @param value the name or path
   * @param seed the seed of random initialisation
   * @return the weights
   * @throws IllegalArgumentException naming what the value may be
   */
  static Weights parse(String value, long seed) {
    String key = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT);
    if (key.equals("random")) {
      return random(seed);
    }
    for (PretrainedSet set : PretrainedSet.values()) {
      if (set.name().equalsIgnoreCase(key)) {
        return pretrained(set);
      }
    }
    if (value != null && !value.isBlank() && java.nio.file.Files.isRegularFile(
        java.nio.file.Path.of(value))) {
      return file(java.nio.file.Path.of(value));
    }
    StringBuilder sets = new StringBuilder();
    for (PretrainedSet set : PretrainedSet.values()) {
      sets.append(sets.length() == 0 ? "" : ", ").append(set.name().toLowerCase(
          java.util.Locale.ROOT));
    }
    throw new IllegalArgumentException("weights '" + value + "' are neither random, a"
        + " pretrained set (" + sets + ") nor an existing model file");
  }

  /**
   * The zoo's ImageNet weights.
   *
   * @return pretrained ImageNet weights
   */
  static Weights imagenet() {
    return new Pretrained(PretrainedSet.IMAGENET);
  }

  /**
   * One of the zoo's published weight sets.
   *
   * @param set the dataset the weights were trained on
   * @return pretrained weights
   */
  static Weights pretrained(PretrainedSet set) {
    return new Pretrained(set);
  }

  /**
   * Random initialisation (the zoo's own scheme for the model), reproducible from a seed.
   *
   * @param seed the seed
   * @return random weights
   */
  static Weights random(long seed) {
    return new Random(seed);
  }

  /**
   * A model file: a zip written by DL4J's {@code ModelSerializer} ({@code ComputationGraph} or
   * {@code MultiLayerNetwork}), or a Keras HDF5 file ({@code .h5}, {@code .hdf5}) with
   * architecture and weights, imported with DL4J's {@code KerasModelImport}.
   *
   * @param path the file
   * @return weights from the file
   */
  static Weights file(Path path) {
    return new File(path);
  }

  /**
   * Whether the network is a trained one, whose layer names are those of its source (for
   * the zoo's sets, mostly Keras names), rather than a freshly initialised zoo graph.
   *
   * @return {@code false} only for {@link Random}
   */
  default boolean isTrained() {
    return !(this instanceof Random);
  }

  /**
   * A published weight set.
   *
   * @param set the dataset
   */
  record Pretrained(PretrainedSet set) implements Weights {
    /**
     * Checks the argument.
     *
     * @param set not null
     */
    public Pretrained {
      Objects.requireNonNull(set, "set");
    }
  }

  /**
   * Random initialisation.
   *
   * @param seed the seed
   */
  record Random(long seed) implements Weights {}

  /**
   * A model file.
   *
   * @param path the file
   */
  record File(Path path) implements Weights {
    /**
     * Checks the argument.
     *
     * @param path not null
     */
    public File {
      Objects.requireNonNull(path, "path");
    }
  }
}
