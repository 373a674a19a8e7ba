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
