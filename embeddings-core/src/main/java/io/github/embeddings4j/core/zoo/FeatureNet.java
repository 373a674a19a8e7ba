package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.image.InputFormat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network cut after its embedding layer, so that one forward pass ends where the embedding is
 * (nothing after it is computed), and the pooling of its output into vectors.
 */
final class FeatureNet {

  private FeatureNet() {}

  /** The layer (vertex) names of a network, in topological order, inputs excluded. */
  static List<String> layerNames(Model model) {
    List<String> names = new ArrayList<>();
    if (model instanceof ComputationGraph graph) {
      ComputationGraphConfiguration conf = graph.getConfiguration();
      for (String v : graph.getConfiguration().getTopologicalOrderStr()) {
        if (!conf.getNetworkInputs().contains(v)) {
          names.add(v);
        }
      }
    } else {
      MultiLayerNetwork net = (MultiLayerNetwork) model;
      for (int i = 0; i < net.getnLayers(); i++) {
        names.add(layerName(net, i));
      }
    }
    return names;
  }

  private static String layerName(MultiLayerNetwork net, int i) {
    String n = net.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName();
    return n == null ? String.valueOf(i) : n;
  }

  /**
   * Picks the default embedding layer of a loaded network: the first candidate it has, else the
   * last vertex whose output is a convolutional feature map.
   */
  static String defaultLayer(Model model, List<String> candidates, InputFormat format) {
    List<String> names = layerNames(model);
    for (String c : candidates) {
      if (names.contains(c)) {
        return c;
      }
    }
    Map<String, InputType> types = activationTypes(model, format);
    String last = null;
    for (String n : names) {
      if (types.get(n) instanceof InputType.InputTypeConvolutional) {
        last = n;
      }
    }
    if (last == null) {
      throw new IllegalArgumentException("no default embedding layer: the network has none of "
          + candidates + " and no convolutional layer; choose one of " + names);
    }
    return last;
  }

  /**
   * Whether the network takes channels-last ({@code [n, h, w, c]}) images: Keras models imported
   * with {@code data_format: channels_last} do, the zoo's own graphs do not. Decided by the first
   * 2-D convolution's data format.
   */
  static boolean channelsLast(Model model) {
    List<org.deeplearning4j.nn.conf.layers.Layer> layers = new ArrayList<>();
    if (model instanceof ComputationGraph graph) {
      for (org.deeplearning4j.nn.conf.graph.GraphVertex v
          : graph.getConfiguration().getVertices().values()) {
        if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
          layers.add(lv.getLayerConf().getLayer());
        }
      }
    } else {
      for (org.deeplearning4j.nn.conf.NeuralNetConfiguration c
          : ((MultiLayerNetwork) model).getLayerWiseConfigurations().getConfs()) {
        layers.add(c.getLayer());
      }
    }
    for (org.deeplearning4j.nn.conf.layers.Layer l : layers) {
      if (l instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer conv) {
        return conv.getCnn2dDataFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NHWC;
      }
    }
    return false;
  }

  /** Each vertex's output type for one input of the given format (no forward pass). */
  static Map<String, InputType> activationTypes(Model model, InputFormat format) {
    InputType in = channelsLast(model)
        ? InputType.convolutional(format.height(), format.width(), format.channels(),
            org.deeplearning4j.nn.conf.CNN2DFormat.NHWC)
        : InputType.convolutional(format.height(), format.width(), format.channels());
    if (model instanceof ComputationGraph graph) {
      return graph.getConfiguration().clone().getLayerActivationTypes(in);
    }
    MultiLayerNetwork net = (MultiLayerNetwork) model;
    List<InputType> list = net.getLayerWiseConfigurations().clone().getLayerActivationTypes(in);
    Map<String, InputType> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      map.put(layerName(net, i), list.get(i));
    }
    return map;
  }

  /**
   * The embedding dimension of a layer, by shape inference.
   *
   * @return the channel count or vector length, or -1 when the shape cannot be inferred
   */
  static int dimension(Model model, String layer, InputFormat format) {
    InputType t;
    try {
      t = activationTypes(model, format).get(layer);
    } catch (RuntimeException e) {
      return -1;
    }
    if (t instanceof InputType.InputTypeConvolutional c) {
      return (int) c.getChannels();
    }
    if (t instanceof InputType.InputTypeFeedForward f) {
      return (int) f.getSize();
    }
    if (t instanceof InputType.InputTypeRecurrent r) {
      return (int) r.getSize();
    }
    return -1;
  }

  /**
   * The network cut after {@code layer}: vertices that do not lead to it are removed.
   *
   * @return the same object when nothing follows the layer, otherwise a new network
   */
  static Model truncate(Model model, String layer) {
    if (model instanceof ComputationGraph graph) {
      ComputationGraphConfiguration conf = graph.getConfiguration();
      Map<String, List<String>> inputs = conf.getVertexInputs();
      Set<String> keep = new HashSet<>();
      Deque<String> todo = new ArrayDeque<>(List.of(layer));
      while (!todo.isEmpty()) {
        String v = todo.pop();
        if (keep.add(v) && inputs.get(v) != null) {
          todo.addAll(inputs.get(v));
        }
      }
      List<String> drop = new ArrayList<>();
      for (String v : conf.getVertices().keySet()) {
        if (!keep.contains(v)) {
          drop.add(v);
        }
      }
      if (drop.isEmpty() && conf.getNetworkOutputs().equals(List.of(layer))) {
        return graph;
      }
      TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(graph);
      for (String v : drop) {
        b.removeVertexAndConnections(v);
      }
      return b.setOutputs(layer).build();
    }
    MultiLayerNetwork net = (MultiLayerNetwork) model;
    int index = layerNames(net).indexOf(layer);
    int after = net.getnLayers() - 1 - index;
    if (after == 0) {
      return net;
    }
    return new TransferLearning.Builder(net).removeLayersFromOutput(after).build();
  }

  /**
   * One forward pass in inference mode on an {@code [n, c, h, w]} batch; a channels-last network
   * gets the batch transposed, and its rank-4 output comes back as {@code [n, c, h, w]}.
   */
  static INDArray forward(Model model, INDArray input) {
    return forward(model, input, channelsLast(model));
  }

  /** As {@link #forward(Model, INDArray)}, with the data format already known (hot path). */
  static INDArray forward(Model model, INDArray input, boolean last) {
    INDArray in = last ? input.permute(0, 2, 3, 1).dup('c') : input;
    INDArray out = model instanceof ComputationGraph graph ? graph.outputSingle(false, in)
        : ((MultiLayerNetwork) model).output(in, false);
    if (last && in != input) {
      in.close();
    }
    return last && out.rank() == 4 ? out.permute(0, 3, 1, 2) : out;
  }
}
