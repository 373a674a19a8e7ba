package io.github.embeddings4j.core.train;

import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.data.LabeledImages;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * Transfer learning: takes a trained network (saved by this SDK, any DL4J model file, or a
 * network in memory), freezes its layers up to a named one, replaces the softmax head with a
 * fresh one for the new classes, and trains the rest on new labelled images with the same
 * hyperparameters and early stopping as {@link EmbeddingTrainer}. The source network is copied,
 * never changed.
 *
 * <pre>{@code
 * TrainingResult r = FineTuner.builder(TrainedEmbedder.load(Path.of("backbone.zip")))
 *     .freezeUpTo("pool2").classes(5)
 *     .hyperparameters(Hyperparameters.builder().epochs(20).learningRate(1e-3).build())
 *     .build()
 *     .fit(fewShots, validation);
 * }</pre>
 */
public final class FineTuner {

  static {
    // Choose the fastest native ND4J build before anything here touches ND4J.
    NativeFlavour.select();
  }

  private final TrainedEmbedder source;
  private final String freezeUpTo;
  private final int classes;
  private final String embeddingLayer;
  private final Hyperparameters hyperparameters;
  private final ProgressListener listener;

  private FineTuner(Builder b) {
    this.source = b.source;
    this.freezeUpTo = b.freezeUpTo;
    this.classes = b.classes;
    this.embeddingLayer = b.embeddingLayer;
    this.hyperparameters = b.hyperparameters;
    this.listener = b.listener;
  }

  /**
   * Starts from a trained embedder; its embedding layer stays the embedding unless {@link
   * Builder#embeddingLayer(String)} says otherwise.
   *
   * @param source the network to start from (copied)
   * @return a new builder
   */
  public static Builder builder(TrainedEmbedder source) {
    return new Builder(Objects.requireNonNull(source, "source"));
  }

  /**
   * Starts from a DL4J network in memory that takes {@code channels x height x width} images.
   *
   * @param network a {@link MultiLayerNetwork} or {@link ComputationGraph} (copied)
   * @param height input rows
   * @param width input columns
   * @param channels input channels
   * @param embeddingLayer the layer whose activations are the embedding
   * @return a new builder
   */
  public static Builder builder(Model network, int height, int width, int channels,
      String embeddingLayer) {
    return builder(TrainedEmbedder.of(network, height, width, channels, embeddingLayer));
  }

  /**
   * Fine-tunes a copy of the source network.
   *
   * @param train the new labelled images
   * @param validation images for early stopping, or {@code null} to run every epoch
   * @return the fine-tuned network and its history
   * @throws IllegalArgumentException if the images do not fit the network
   */
  public TrainingResult fit(LabeledImages train, LabeledImages validation) {
    Objects.requireNonNull(train, "train");
    int n = classes > 0 ? classes : train.classCount();
    if (n < 2) {
      throw new IllegalArgumentException("fine-tuning needs at least 2 classes, found " + n);
    }
    if (validation != null && validation.classCount() > n) {
      throw new IllegalArgumentException("validation labels go up to "
          + (validation.classCount() - 1) + " but the new head has " + n + " classes");
    }
    Hyperparameters h = hyperparameters;
    double[] weights = h.classWeights().weights(train, n);
    FineTuneConfiguration tune = new FineTuneConfiguration.Builder()
        .seed(h.seed())
        .updater(h.updater().create(h.learningRate(),
            h.schedule().toDl4j(h.learningRate(), h.epochs())))
        .l2(h.l2())
        .build();
    Model tuned;
    synchronized (source) {
      Network net = source.net();
      String output = net.outputLayer();
      List<String> names = net.layerNames();
      if (freezeUpTo != null && !names.contains(freezeUpTo)) {
        throw Network.unknownLayer(freezeUpTo, names);
      }
      if (output.equals(freezeUpTo)) {
        throw new IllegalArgumentException("cannot freeze the output layer '" + output
            + "': it is replaced");
      }
      if (net instanceof Network.Stack s) {
        MultiLayerNetwork copy = s.net.clone();
        int last = copy.getnLayers() - 1;
        long nIn = ((FeedForwardLayer) copy.getLayerWiseConfigurations().getConf(last)
            .getLayer()).getNIn();
        TransferLearning.Builder b = new TransferLearning.Builder(copy)
            .fineTuneConfiguration(tune);
        if (freezeUpTo != null) {
          b.setFeatureExtractor(names.indexOf(freezeUpTo));
        }
        tuned = b.removeOutputLayer().addLayer(head(output, nIn, weights, h)).build();
      } else {
        ComputationGraph copy = ((Network.Graph) net).net.clone();
        long nIn = ((FeedForwardLayer) copy.getLayer(output).conf().getLayer()).getNIn();
        String[] inputs = copy.getConfiguration().getVertexInputs().get(output)
            .toArray(new String[0]);
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(copy)
            .fineTuneConfiguration(tune);
        if (freezeUpTo != null) {
          b.setFeatureExtractor(freezeUpTo);
        }
        tuned = b.removeVertexKeepConnections(output)
            .addLayer(output, head(output, nIn, weights, h), inputs)
            .setOutputs(output).build();
      }
    }
    TrainedEmbedder model = TrainedEmbedder.of(tuned, source.height(), source.width(),
        source.channels(), embeddingLayer != null ? embeddingLayer : source.embeddingLayer());
    return TrainingLoop.run(model, n, train, validation, h, listener);
  }

  private static OutputLayer head(String name, long nIn, double[] classWeights,
      Hyperparameters h) {
    OutputLayer.Builder b = new OutputLayer.Builder(ClassWeights.crossEntropy(classWeights))
        .name(name).nIn(nIn).nOut(classWeights.length).activation(Activation.SOFTMAX)
        .weightInit(WeightInit.XAVIER);
    if (h.dropout() > 0) {
      b.dropOut(1 - h.dropout()); // DL4J takes the probability of keeping an input
    }
    return b.build();
  }

  /** Collects a fine-tuner's settings. */
  public static final class Builder {
    private final TrainedEmbedder source;
    private String freezeUpTo;
    private int classes;
    private String embeddingLayer;
    private Hyperparameters hyperparameters = Hyperparameters.defaults();
    private ProgressListener listener = ProgressListener.none();

    private Builder(TrainedEmbedder source) {
      this.source = source;
    }

    /**
     * Freezes the named layer and every layer before it; {@code null} (the default) trains
     * every layer.
     *
     * @param layer a layer name of the source network
     * @return this builder
     */
    public Builder freezeUpTo(String layer) {
      freezeUpTo = layer;
      return this;
    }

    /**
     * Sets the number of classes of the new head (otherwise the largest training label plus
     * one).
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
     * Sets the layer whose activations are the fine-tuned network's embedding.
     *
     * @param layer a layer name, or {@code null} for the source's embedding layer
     * @return this builder
     */
    public Builder embeddingLayer(String layer) {
      embeddingLayer = layer;
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
     * Sets who hears about progress.
     *
     * @param v the listener
     * @return this builder
     */
    public Builder listener(ProgressListener v) {
      listener = Objects.requireNonNull(v, "listener");
      return this;
    }

    /**
     * Makes the fine-tuner.
     *
     * @return the fine-tuner
     */
    public FineTuner build() {
      return new FineTuner(this);
    }
  }
}
