package io.github.embeddings4j.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * One face over DL4J's two network kinds, so training, fine-tuning and embedding are written
 * once. Not thread-safe (neither are the networks).
 */
abstract sealed class Network permits Network.Stack, Network.Graph {

  static Network of(Model model) {
    if (model instanceof MultiLayerNetwork m) {
      return new Stack(m);
    }
    if (model instanceof ComputationGraph g) {
      return new Graph(g);
    }
    throw new IllegalArgumentException("unsupported network type: " + model.getClass().getName()
        + "; expected a MultiLayerNetwork or a ComputationGraph");
  }

  abstract Model model();

  abstract void fit(INDArray features, INDArray labels);

  abstract double score();

  /** Class probabilities, in inference mode. */
  abstract INDArray output(INDArray features);

  /** A layer's activations in inference mode, flattened to one row per example. */
  abstract INDArray activations(INDArray features, String layer);

  abstract INDArray params();

  abstract void setParams(INDArray params);

  abstract void incrementEpoch();

  /** The layer names in order (for a graph: topological order of its layers). */
  abstract List<String> layerNames();

  /** The name of the (single) output layer. */
  abstract String outputLayer();

  static IllegalArgumentException unknownLayer(String layer, List<String> names) {
    return new IllegalArgumentException("no layer named '" + layer + "'; the network has "
        + names);
  }

  static INDArray flatten(INDArray a) {
    return a.rank() == 2 ? a : a.reshape('c', a.size(0), a.length() / a.size(0));
  }

  static final class Stack extends Network {
    final MultiLayerNetwork net;

    Stack(MultiLayerNetwork net) {
      this.net = net;
    }

    @Override
    Model model() {
      return net;
    }

    @Override
    void fit(INDArray features, INDArray labels) {
      net.fit(new DataSet(features, labels));
    }

    @Override
    double score() {
      return net.score();
    }

    @Override
    INDArray output(INDArray features) {
      return net.output(features, false);
    }

    @Override
    INDArray activations(INDArray features, String layer) {
      int index = indexOf(layer);
      List<INDArray> all = net.feedForwardToLayer(index, features, false);
      INDArray wanted = all.get(index + 1);
      // Free the other layers' activations now: ND4J frees native memory only when the Java
      // garbage collector notices, which small Java heaps under little pressure rarely do, and
      // embedding 70,000 images grew the process past 20 GB without this.
      for (int i = 1; i < all.size(); i++) {
        INDArray other = all.get(i);
        if (i != index + 1 && other != wanted && !other.isView() && other.closeable()) {
          other.close();
        }
      }
      return flatten(wanted);
    }

    int indexOf(String layer) {
      List<String> names = layerNames();
      int index = names.indexOf(layer);
      if (index < 0) {
        throw unknownLayer(layer, names);
      }
      return index;
    }

    @Override
    INDArray params() {
      return net.params();
    }

    @Override
    void setParams(INDArray params) {
      net.setParams(params);
    }

    @Override
    void incrementEpoch() {
      net.incrementEpochCount();
    }

    @Override
    List<String> layerNames() {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < net.getnLayers(); i++) {
        Layer l = net.getLayerWiseConfigurations().getConf(i).getLayer();
        // Unnamed layers are known by their index, as DL4J itself names them.
        names.add(l.getLayerName() == null ? String.valueOf(i) : l.getLayerName());
      }
      return names;
    }

    @Override
    String outputLayer() {
      List<String> names = layerNames();
      return names.get(names.size() - 1);
    }
  }

  static final class Graph extends Network {
    final ComputationGraph net;

    Graph(ComputationGraph net) {
      this.net = net;
    }

    @Override
    Model model() {
      return net;
    }

    @Override
    void fit(INDArray features, INDArray labels) {
      net.fit(new MultiDataSet(features, labels));
    }

    @Override
    double score() {
      return net.score();
    }

    @Override
    INDArray output(INDArray features) {
      return net.outputSingle(false, features);
    }

    @Override
    INDArray activations(INDArray features, String layer) {
      if (!net.getConfiguration().getVertices().containsKey(layer)) {
        throw unknownLayer(layer, layerNames());
      }
      Map<String, INDArray> all = net.feedForward(new INDArray[] {features}, false, false);
      return flatten(all.get(layer));
    }

    @Override
    INDArray params() {
      return net.params();
    }

    @Override
    void setParams(INDArray params) {
      net.setParams(params);
    }

    @Override
    void incrementEpoch() {
      net.getConfiguration().setEpochCount(net.getConfiguration().getEpochCount() + 1);
    }

    @Override
    List<String> layerNames() {
      List<String> names = new ArrayList<>();
      int[] order = net.topologicalSortOrder();
      var vertices = net.getVertices();
      for (int i : order) {
        if (vertices[i].hasLayer()) {
          names.add(vertices[i].getVertexName());
        }
      }
      return names;
    }

    @Override
    String outputLayer() {
      List<String> outputs = net.getConfiguration().getNetworkOutputs();
      if (outputs.size() != 1) {
        throw new IllegalArgumentException("expected a graph with one output, found " + outputs);
      }
      return outputs.get(0);
    }
  }
}
