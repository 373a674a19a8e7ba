package io.github.embeddings4j.core.train;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.zoo.model.LeNet;
import org.nd4j.linalg.activations.Activation;

/**
 * A network shape to train from scratch: {@link #smallCnn(int)}, sized for small images such as
 * Fashion-MNIST's 28x28, or {@link #zooLeNet()}, the model zoo's LeNet. Each ends in a dense
 * embedding layer followed by a softmax classifier; the embedding is that dense layer's output.
 */
public abstract sealed class Architecture permits Architecture.SmallCnn, Architecture.ZooLeNet {

  private Architecture() {}

  /**
   * Two 3x3 convolutions with batch normalisation and 2x2 max pooling (32 then 64 channels), a
   * dense ReLU embedding layer named {@value #EMBEDDING_LAYER}, dropout, and a softmax output:
   * about 0.4 M parameters for 28x28 inputs and an embedding of 128. Weights start uniform in
   * {@code ±1/sqrt(fan-in)}, the scale PyTorch gives its layers by default: with class weights
   * on Fashion-MNIST with 2% of the shirts, it recognised 36-44% of the shirts at 84-86%
   * accuracy where He initialisation recognised 20-21% at 83% (without weights both reach
   * 85%).
   *
   * @param embeddingDimension the width of the embedding layer, at least 2
   * @return the architecture
   * @throws IllegalArgumentException if the dimension is below 2
   */
  public static Architecture smallCnn(int embeddingDimension) {
    if (embeddingDimension < 2) {
      throw new IllegalArgumentException("embedding dimension must be >= 2: "
          + embeddingDimension);
    }
    return new SmallCnn(embeddingDimension);
  }

  /**
   * The model zoo's LeNet (5x5 convolutions of 20 and 50 channels, max pooling, a dense layer of
   * 500, softmax), its dense layer the embedding. Its own layers carry no dropout; the L2
   * penalty, updater and rate are those of the hyperparameters.
   *
   * @return the architecture
   */
  public static Architecture zooLeNet() {
    return new ZooLeNet();
  }

  /** The name of {@link #smallCnn(int)}'s embedding layer. */
  public static final String EMBEDDING_LAYER = "embedding";

  /** Builds and initialises the network for images of this shape and this many classes. */
  abstract MultiLayerNetwork build(int height, int width, int channels, double[] classWeights,
      Hyperparameters h);

  /**
   * The layer whose activations are the embedding.
   *
   * @return its name
   */
  public abstract String embeddingLayer();

  static final class SmallCnn extends Architecture {
    private final int dimension;

    SmallCnn(int dimension) {
      this.dimension = dimension;
    }

    @Override
    MultiLayerNetwork build(int height, int width, int channels, double[] classWeights,
        Hyperparameters h) {
      OutputLayer.Builder out = new OutputLayer.Builder(ClassWeights.crossEntropy(classWeights))
          .name("output").nOut(classWeights.length).activation(Activation.SOFTMAX)
          .weightInit(WeightInit.UNIFORM);
      if (h.dropout() > 0) {
        out.dropOut(1 - h.dropout()); // DL4J takes the probability of keeping an input
      }
      MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
          .seed(h.seed())
          .updater(h.updater().create(h.learningRate(),
              h.schedule().toDl4j(h.learningRate(), h.epochs())))
          .l2(h.l2())
          .weightInit(WeightInit.UNIFORM)
          .convolutionMode(ConvolutionMode.Same)
          .list()
          .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(32)
              .activation(Activation.RELU).build())
          .layer(new BatchNormalization.Builder().name("bn1").build())
          .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1")
              .kernelSize(2, 2).stride(2, 2).build())
          .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(64)
              .activation(Activation.RELU).build())
          .layer(new BatchNormalization.Builder().name("bn2").build())
          .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2")
              .kernelSize(2, 2).stride(2, 2).build())
          .layer(new DenseLayer.Builder().name(EMBEDDING_LAYER).nOut(dimension)
              .activation(Activation.RELU).build())
          .layer(out.build())
          .setInputType(InputType.convolutional(height, width, channels))
          .build();
      MultiLayerNetwork net = new MultiLayerNetwork(conf);
      net.init();
      return net;
    }

    @Override
    public String embeddingLayer() {
      return EMBEDDING_LAYER;
    }

    @Override
    public String toString() {
      return "small CNN (conv32-pool-conv64-pool-dense" + dimension + ")";
    }
  }

  static final class ZooLeNet extends Architecture {
    @Override
    MultiLayerNetwork build(int height, int width, int channels, double[] classWeights,
        Hyperparameters h) {
      MultiLayerConfiguration conf = LeNet.builder().numClasses(classWeights.length)
          .inputShape(new int[] {channels, height, width}).seed(h.seed()).build().conf();
      if (h.classWeights() != ClassWeights.NONE) {
        // The zoo's output layer keeps its own (negative log-likelihood) loss unless weighted.
        ((BaseOutputLayer) conf.getConf(conf.getConfs().size() - 1).getLayer())
            .setLossFn(ClassWeights.crossEntropy(classWeights));
      }
      MultiLayerNetwork net = new MultiLayerNetwork(conf);
      net.init();
      // The zoo fixes its own updater; the fine-tune configuration swaps in ours and adds L2.
      return new TransferLearning.Builder(net)
          .fineTuneConfiguration(new FineTuneConfiguration.Builder().seed(h.seed())
              .updater(h.updater().create(h.learningRate(),
                  h.schedule().toDl4j(h.learningRate(), h.epochs())))
              .l2(h.l2()).build())
          .build();
    }

    @Override
    public String embeddingLayer() {
      return "ffn1";
    }

    @Override
    public String toString() {
      return "zoo LeNet";
    }
  }
}
