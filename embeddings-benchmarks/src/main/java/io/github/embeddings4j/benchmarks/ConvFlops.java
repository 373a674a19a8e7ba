package io.github.embeddings4j.benchmarks;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * The floating-point operations of one image's forward pass up to a layer, counted from the
 * graph's configuration: {@code 2 * H_out * W_out * C_out * C_in * kH * kW} per convolution and
 * {@code 2 * n_in * n_out} per dense layer. Batch normalisation, activations, pooling and
 * element-wise additions are left out: they are a few per cent of ResNet-50's or SqueezeNet's
 * work and bound by memory, not by arithmetic. This is the numerator of the "FLOPs per image"
 * ceiling: images per second can be at most the matrix-multiply rate divided by it.
 */
final class ConvFlops {

  private ConvFlops() {}

  /**
   * FLOPs per image up to and including a vertex.
   *
   * @param conf the graph
   * @param input the graph's (single) input type
   * @param upTo the vertex whose output is the embedding
   * @return the count
   * @throws IllegalArgumentException if the vertex is unknown, or a layer on the way is a kind
   *     this count does not know (depthwise, separable, 1-D or 3-D convolutions)
   */
  static long perImage(ComputationGraphConfiguration conf, InputType input, String upTo) {
    Map<String, GraphVertex> vertices = conf.getVertices();
    if (!vertices.containsKey(upTo)) {
      throw new IllegalArgumentException("no vertex '" + upTo + "' in the graph; vertices: "
          + vertices.keySet());
    }
    Map<String, InputType> outputs = conf.getLayerActivationTypes(input);
    Map<String, List<String>> inputs = conf.getVertexInputs();
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(upTo));
    long flops = 0;
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (!seen.add(name)) {
        continue;
      }
      List<String> in = inputs.get(name);
      if (in != null) {
        todo.addAll(in);
      }
      GraphVertex v = vertices.get(name);
      if (v instanceof LayerVertex lv) {
        flops += layerFlops(name, lv.getLayerConf().getLayer(), outputs.get(name));
      }
    }
    return flops;
  }

  private static long layerFlops(String name, Layer layer, InputType out) {
    if (layer instanceof ConvolutionLayer conv) {
      if (conv.getClass() != ConvolutionLayer.class
          || !(out instanceof InputType.InputTypeConvolutional o)) {
        throw new IllegalArgumentException("layer '" + name + "' is a "
            + conv.getClass().getSimpleName() + " with output " + out
            + "; only 2-D ConvolutionLayer is counted");
      }
      int[] kernel = conv.getKernelSize();
      return 2L * o.getHeight() * o.getWidth() * conv.getNOut() * conv.getNIn()
          * kernel[0] * kernel[1];
    }
    if (layer instanceof DenseLayer || layer instanceof BaseOutputLayer) {
      FeedForwardLayer ff = (FeedForwardLayer) layer;
      return 2L * ff.getNIn() * ff.getNOut();
    }
    return 0;
  }
}
