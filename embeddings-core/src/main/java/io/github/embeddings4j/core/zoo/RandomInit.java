package io.github.embeddings4j.core.zoo;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;

/**
 * Repairs what the zoo's graph definitions get wrong when a network is initialised rather than
 * loaded from a pretrained file.
 *
 * <p>SqueezeNet's and Xception's definitions in DL4J 1.0.0-M2.1 set no activation on their
 * convolution (and Xception's batch-norm) layers and put an explicit ReLU layer after each, as
 * Keras does. A DL4J layer without an activation gets the default, the sigmoid, so each
 * convolution squashed its output into (0, 1) before the ReLU: twenty-odd sigmoids in a row map
 * every image to the same activations (all vectors equal within 1e-7). The pretrained files
 * carry their own configuration and are not touched; only graphs built by {@code init()} go
 * through here.
 *
 * <p>ResNet50's graph is right but its random weights are not: see {@link
 * #scaleResidualBranches}.
 */
final class RandomInit {

  /** The scale of the batch norms that end residual branches; see below. */
  static final double RESIDUAL_GAMMA = 0.1;

  private RandomInit() {}

  /**
   * Gives every convolution and batch-norm layer left at DL4J's default sigmoid the identity
   * activation the architecture means (its explicit activation layer follows), and shrinks the
   * residual branches of graphs that add them to their input.
   *
   * @param net a freshly initialised zoo network
   * @return {@code net}, changed in place
   */
  static Model repair(Model net) {
    Layer[] layers = net instanceof ComputationGraph graph ? graph.getLayers()
        : ((MultiLayerNetwork) net).getLayers();
    for (Layer layer : layers) {
      org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
      if ((conf instanceof ConvolutionLayer || conf instanceof BatchNormalization)
          && ((BaseLayer) conf).getActivationFn() instanceof ActivationSigmoid) {
        ((BaseLayer) conf).setActivationFn(new ActivationIdentity());
      }
    }
    if (net instanceof ComputationGraph graph) {
      scaleResidualBranches(graph);
    }
    return net;
  }

  /**
   * Scales the batch-norm layers that end residual branches (those feeding an addition) by
   * {@value #RESIDUAL_GAMMA}. With He initialisation and batch norm holding no statistics, each
   * of ResNet50's sixteen blocks doubled the variance of the residual stream with a branch as
   * large as the stream itself, and the many ReLUs in a row made all images alike (cosine above
   * 0.999 between a gradient and a checkerboard). Small branches keep the identity path, and the
   * image, in charge, as in "zero-gamma" initialisation (Goyal et al. 2017) but not zero: where
   * both inputs of an addition are batch norms (a projection shortcut), both shrink alike, which
   * a ReLU network's direction does not see.
   */
  private static void scaleResidualBranches(ComputationGraph graph) {
    ComputationGraphConfiguration conf = graph.getConfiguration();
    for (Map.Entry<String, GraphVertex> vertex : conf.getVertices().entrySet()) {
      if (vertex.getValue() instanceof ElementWiseVertex) {
        for (String input : conf.getVertexInputs().get(vertex.getKey())) {
          Layer layer = graph.getLayer(input);
          if (layer != null && layer.conf().getLayer() instanceof BatchNormalization) {
            layer.getParam(BatchNormalizationParamInitializer.GAMMA).muli(RESIDUAL_GAMMA);
          }
        }
      }
    }
  }
}
