package io.github.embeddings4j.core.train;

import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.data.LabeledImages;
import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Trains an embedding network from scratch on labelled images: a classifier whose layer before
 * the softmax becomes the embedding. Early stopping watches the validation accuracy after every
 * epoch and keeps the best epoch's weights.
 *
 * <pre>{@code
 * LabeledImages.Holdout parts = FashionMnist.load(dir).train().holdOut(0.1, 42);
 * TrainingResult r = EmbeddingTrainer.builder()
 *     .architecture(Architecture.smallCnn(128))
 *     .hyperparameters(Hyperparameters.builder().epochs(12).build())
 *     .listener(p -> System.err.println(p.task() + " " + p.completed() + "/" + p.total()))
 *     .build()
 *     .train(parts.train(), parts.validation());
 * r.embedder().save(Path.of("fmnist-cnn.zip"));
 * }</pre>
 *
 * <p>Instances are immutable and may be reused; each {@link #train} builds a fresh network.
 */
public final class EmbeddingTrainer {

  static {
    // Choose the fastest native ND4J build before anything here touches ND4J.
    NativeFlavour.select();
  }

  private final Architecture architecture;
  private final Hyperparameters hyperparameters;
  private final ProgressListener listener;
  private final int classes;

  private EmbeddingTrainer(Builder b) {
    this.architecture = b.architecture;
    this.hyperparameters = b.hyperparameters;
    this.listener = b.listener;
    this.classes = b.classes;
  }

  /** Who hears about progress, for a search that runs this trainer's copies. */
  ProgressListener listener() {
    return listener;
  }

  /**
   * A builder with the defaults: {@link Architecture#smallCnn(int) smallCnn(128)}, {@link
   * Hyperparameters#defaults()}, no listener, classes from the training labels.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Trains a fresh network.
   *
   * @param train the images to learn from
   * @param validation the images that drive early stopping and choose the kept epoch, or
   *     {@code null} to run every epoch and keep the last
   * @return the trained network, its history and how the run ended
   * @throws IllegalArgumentException if the training set is empty, or the validation images
   *     differ in size or hold a class the network does not have
   */
  public TrainingResult train(LabeledImages train, LabeledImages validation) {
    Objects.requireNonNull(train, "train");
    int n = classes > 0 ? classes : train.classCount();
    if (validation != null) {
      if (validation.height() != train.height() || validation.width() != train.width()) {
        throw new IllegalArgumentException("validation image size " + validation.height() + "x"
            + validation.width() + " differs from training size " + train.height() + "x"
            + train.width());
      }
      if (validation.classCount() > n) {
        throw new IllegalArgumentException("validation labels go up to "
            + (validation.classCount() - 1) + " but the network has " + n + " classes");
      }
    }
    if (n < 2) {
      throw new IllegalArgumentException("training needs at least 2 classes, found " + n);
    }
    MultiLayerNetwork net = architecture.build(train.height(), train.width(), 1,
        hyperparameters.classWeights().weights(train, n), hyperparameters);
    TrainedEmbedder model = TrainedEmbedder.of(net, train.height(), train.width(), 1,
        architecture.embeddingLayer());
    return TrainingLoop.run(model, n, train, validation, hyperparameters, listener);
  }

  /**
   * The settings this trainer uses.
   *
   * @return the hyperparameters
   */
  public Hyperparameters hyperparameters() {
    return hyperparameters;
  }

  /**
   * The network shape this trainer builds.
   *
   * @return the architecture
   */
  public Architecture architecture() {
    return architecture;
  }

  /**
   * A builder holding this trainer's settings.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder().architecture(architecture).hyperparameters(hyperparameters)
        .listener(listener).classes(classes);
  }

  /** Collects a trainer's settings. */
  public static final class Builder {
    private Architecture architecture = Architecture.smallCnn(128);
    private Hyperparameters hyperparameters = Hyperparameters.defaults();
    private ProgressListener listener = ProgressListener.none();
    private int classes;

    private Builder() {}

    /**
     * Sets the network shape.
     *
     * @param v the architecture
     * @return this builder
     */
    public Builder architecture(Architecture v) {
      architecture = Objects.requireNonNull(v, "architecture");
      return this;
    }

    /**
     * Sets the training settings.
     *
     * @param v the hyperparameters
     * @return this builder
     */
    public Builder hyperparameters(Hyperparameters v) {
      hyperparameters = Objects.requireNonNull(v, "hyperparameters");
      return this;
    }

    /**
     * Sets who hears about progress: {@code "epoch 3/10"} with images done out of the
     * training set's size, several times per epoch and once at its end.
     *
     * @param v the listener
     * @return this builder
     */
    public Builder listener(ProgressListener v) {
      listener = Objects.requireNonNull(v, "listener");
      return this;
    }

    /**
     * Sets the number of classes (otherwise the largest training label plus one).
     *
     * @param v the class count, at least 2, or 0 for automatic
     * @return this builder
     */
    public Builder classes(int v) {
      if (v < 0 || v == 1) {
        throw new IllegalArgumentException("classes must be 0 (automatic) or >= 2: " + v);
      }
      classes = v;
      return this;
    }

    /**
     * Makes the trainer.
     *
     * @return the trainer
     */
    public EmbeddingTrainer build() {
      return new EmbeddingTrainer(this);
    }
  }
}
