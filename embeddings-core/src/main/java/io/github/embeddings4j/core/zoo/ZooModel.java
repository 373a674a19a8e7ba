package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.image.ColorOrder;
import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.image.PixelScaling;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.LeNet;
import org.deeplearning4j.zoo.model.NASNet;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SimpleCNN;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.Xception;

/**
 * The image networks of the Deeplearning4j 1.0.0-M2.1 model zoo, each with its facts in one
 * place: the input it expects, its default embedding layer (the names differ between the
 * pretrained graphs, converted from Keras with Keras' layer names, and the graphs the zoo builds
 * with {@code init()}), and the embedding dimension.
 *
 * <p>Preprocessing follows what each model's weights were trained with: Keras' "caffe" mode
 * (BGR, ImageNet means subtracted, no scaling) for VGG16/19, ResNet50 and SqueezeNet (converted
 * from keras-squeezenet, which uses the same {@code preprocess_input}); Keras' "tf" mode (RGB in
 * {@code [-1, 1]}) for Xception and NASNet; RGB in {@code [0, 1]} for Darknet19; a grayscale
 * channel in {@code [0, 1]} for LeNet (MNIST) and RGB in {@code [0, 1]} for SimpleCNN.
 *
 * <p>The dimensions of the random-initialisation layers are checked against the zoo's graphs by
 * this package's tests; those of the pretrained layers follow from the Keras architectures, and
 * every embedder checks the real value by shape inference when it is built, before the first
 * image.
 */
public enum ZooModel {

  /** ResNet-50 (He et al. 2015), 224 x 224. Pretrained: ImageNet. */
  RESNET50("resnet50", new InputFormat(224, 224, ColorOrder.BGR, PixelScaling.IMAGENET_MEAN),
      List.of("flatten_1", "avg_pool"), 2048, "res5c_branch", 2048,
      EnumSet.of(PretrainedSet.IMAGENET)),
  /** VGG-16 (Simonyan and Zisserman 2014), 224 x 224. Pretrained: ImageNet, CIFAR-10, VGGFace. */
  VGG16("vgg16", new InputFormat(224, 224, ColorOrder.BGR, PixelScaling.IMAGENET_MEAN),
      List.of("fc2"), 4096, "19", 4096,
      EnumSet.of(PretrainedSet.IMAGENET, PretrainedSet.CIFAR10, PretrainedSet.VGGFACE)),
  /** VGG-19, 224 x 224. Pretrained: ImageNet. */
  VGG19("vgg19", new InputFormat(224, 224, ColorOrder.BGR, PixelScaling.IMAGENET_MEAN),
      List.of("fc2"), 4096, "21", 4096, EnumSet.of(PretrainedSet.IMAGENET)),
  /** SqueezeNet 1.1 (Iandola et al. 2016), 227 x 227. Pretrained: ImageNet. */
  SQUEEZENET("squeezenet", new InputFormat(227, 227, ColorOrder.BGR, PixelScaling.IMAGENET_MEAN),
      List.of("global_average_pooling2d_5"), 1000, "fire9", 512,
      EnumSet.of(PretrainedSet.IMAGENET)),
  /** Xception (Chollet 2016), 299 x 299. Pretrained: ImageNet. */
  XCEPTION("xception", new InputFormat(299, 299, ColorOrder.RGB, PixelScaling.SYMMETRIC),
      List.of("avg_pool"), 2048, "avg_pool", 2048, EnumSet.of(PretrainedSet.IMAGENET)),
  /** Darknet-19 (Redmon and Farhadi 2016), 224 x 224. Pretrained: ImageNet. */
  DARKNET19("darknet19", new InputFormat(224, 224, ColorOrder.RGB, PixelScaling.UNIT),
      List.of("activation_18"), 1024, "activation_18", 1024, EnumSet.of(PretrainedSet.IMAGENET)),
  /**
   * NASNet-Mobile (Zoph et al. 2017), 224 x 224. Pretrained: ImageNet. Random initialisation is
   * not available: the zoo's {@code NASNet.init()} fails in 1.0.0-M2.1 ("Cannot calculate
   * activation types if no inputs have been set").
   */
  NASNET_MOBILE("nasnet", new InputFormat(224, 224, ColorOrder.RGB, PixelScaling.SYMMETRIC),
      List.of("global_average_pooling2d_1", "avg_pool"), 1056, null, -1,
      EnumSet.of(PretrainedSet.IMAGENET)),
  /** LeNet-5 style, 28 x 28 grayscale. Pretrained: MNIST. */
  LENET("lenet", new InputFormat(28, 28, ColorOrder.GRAY, PixelScaling.UNIT),
      List.of("ffn1"), 500, "ffn1", 500, EnumSet.of(PretrainedSet.MNIST)),
  /** The zoo's small all-convolutional network, 48 x 48 RGB. No pretrained weights. */
  SIMPLE_CNN("simplecnn", new InputFormat(48, 48, ColorOrder.RGB, PixelScaling.UNIT),
      List.of(), -1, "layer29", 256, EnumSet.noneOf(PretrainedSet.class));

  private final String zooName;
  private final InputFormat input;
  private final List<String> trainedLayers;
  private final int trainedDimension;
  private final String initLayer;
  private final int initDimension;
  private final Set<PretrainedSet> pretrained;

  ZooModel(String zooName, InputFormat input, List<String> trainedLayers, int trainedDimension,
      String initLayer, int initDimension, Set<PretrainedSet> pretrained) {
    this.zooName = zooName;
    this.input = input;
    this.trainedLayers = trainedLayers;
    this.trainedDimension = trainedDimension;
    this.initLayer = initLayer;
    this.initDimension = initDimension;
    this.pretrained = pretrained;
  }

  /**
   * A model by the name the command line, Spark and the docs use ({@code "resnet50"}, {@code
   * "simple-cnn"}) or by the constant's name, case ignored: the one parser of model names.
   *
   * @param name the name
   * @return the model
   * @throws IllegalArgumentException naming the valid names
   */
  public static ZooModel parse(String name) {
    if (name != null) {
      String key = name.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_');
      for (ZooModel m : values()) {
        if (m.zooName().equals(key) || m.name().equalsIgnoreCase(key)) {
          return m;
        }
      }
    }
    StringBuilder names = new StringBuilder();
    for (ZooModel m : values()) {
      names.append(names.length() == 0 ? "" : ", ").append(m.zooName());
    }
    throw new IllegalArgumentException("unknown model '" + name + "'; choose one of " + names);
  }

  /**
   * The zoo's name for the model, also its cache folder ({@code <cache>/models/<name>/}).
   *
   * @return e.g. {@code "resnet50"}
   */
  public String zooName() {
    return zooName;
  }

  /**
   * The input the model expects: size, colour order, scaling.
   *
   * @return the input format
   */
  public InputFormat inputFormat() {
    return input;
  }

  /**
   * The default embedding layer.
   *
   * @param trained {@code true} for pretrained or loaded graphs (Keras layer names), {@code
   *     false} for graphs built by the zoo's {@code init()}
   * @return the layer (vertex) name, or {@code null} when the model has no such graph
   */
  public String defaultLayer(boolean trained) {
    return trained ? (trainedLayers.isEmpty() ? null : trainedLayers.get(0)) : initLayer;
  }

  /**
   * The names tried, in order, for the default embedding layer of a trained graph.
   *
   * @return candidate names (Keras' names differ between exports)
   */
  List<String> trainedLayerCandidates() {
    return trainedLayers;
  }

  /**
   * The dimension of the default embedding.
   *
   * @param trained as in {@link #defaultLayer(boolean)}
   * @return the dimension, or {@code -1} when the model has no such graph
   */
  public int defaultDimension(boolean trained) {
    return trained ? trainedDimension : initDimension;
  }

  /**
   * Whether the zoo can build this model with random weights.
   *
   * @return {@code false} for NASNet in 1.0.0-M2.1
   */
  public boolean supportsRandomInit() {
    return initLayer != null;
  }

  /**
   * The published weight sets.
   *
   * @return the sets the zoo has weights for
   */
  public Set<PretrainedSet> pretrainedSets() {
    return pretrained.isEmpty() ? EnumSet.noneOf(PretrainedSet.class) : EnumSet.copyOf(pretrained);
  }

  /**
   * The DL4J network with the given weights, complete (classifier included), for training: the
   * zoo's ImageNet file (downloaded once into the cache), a model file, or the zoo's graph
   * initialised from a seed (with the repairs {@link ZooEmbedder} applies too).
   *
   * @param weights where the weights come from
   * @param height the input height (random initialisation shapes the graph for it)
   * @param width the input width
   * @param cacheBase the zoo's cache base folder, or {@code null} for DL4J's
   * @return a {@code ComputationGraph} or a {@code MultiLayerNetwork}
   * @throws io.github.embeddings4j.api.EmbeddingException if the weights cannot be had; the
   *     message says which file to place where
   * @throws IllegalArgumentException for weights the model does not have
   */
  public org.deeplearning4j.nn.api.Model network(Weights weights, int height, int width,
      java.nio.file.Path cacheBase) throws io.github.embeddings4j.api.EmbeddingException {
    java.nio.file.Path base = cacheBase != null ? cacheBase
        : org.deeplearning4j.common.resources.DL4JResources.getBaseDirectory().toPath();
    return ModelLoader.load(this, weights, input.withSize(height, width), base,
        java.time.Duration.ofSeconds(10));
  }

  /**
   * The zoo's model object, which builds the graph and knows the pretrained files.
   *
   * @param seed the seed for random initialisation
   * @param format the input format (the input shape may differ from the default)
   */
  org.deeplearning4j.zoo.ZooModel<?> dl4j(long seed, InputFormat format) {
    int[] shape = {format.channels(), format.height(), format.width()};
    return switch (this) {
      // He initialisation instead of the zoo's N(0, 0.5), whose activations overflow float
      // through 50 layers when batch norm has no trained statistics.
      case RESNET50 -> ResNet50.builder().seed(seed).numClasses(1000).inputShape(shape)
          .weightInit(WeightInit.RELU.getWeightInitFunction()).build();
      case VGG16 -> org.deeplearning4j.zoo.model.VGG16.builder().seed(seed).numClasses(1000).inputShape(shape).build();
      case VGG19 -> org.deeplearning4j.zoo.model.VGG19.builder().seed(seed).numClasses(1000).inputShape(shape).build();
      case SQUEEZENET -> SqueezeNet.builder().seed(seed).numClasses(1000).inputShape(shape).build();
      case XCEPTION -> Xception.builder().seed(seed).numClasses(1000).inputShape(shape).build();
      case DARKNET19 -> Darknet19.builder().seed(seed).numClasses(1000).inputShape(shape).build();
      case NASNET_MOBILE -> NASNet.builder().seed(seed).numClasses(1000).inputShape(shape).build();
      case LENET -> LeNet.builder().seed(seed).numClasses(10).inputShape(shape).build();
      case SIMPLE_CNN -> SimpleCNN.builder().seed(seed).numClasses(10).inputShape(shape).build();
    };
  }
}
