package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.image.InputFormat;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Multiply-adds per image of a network's convolution and dense layers (the layers that take
 * essentially all the time), from the configuration and shape inference: {@code out_h * out_w *
 * n_out * k_h * k_w * n_in} per convolution, {@code n_in * n_out} per dense layer. FLOPs are
 * twice the multiply-adds.
 */
final class FlopCount {

  private FlopCount() {}

  static double macsPerImage(Model model, InputFormat format) {
    Map<String, InputType> types = FeatureNet.activationTypes(model, format);
    double macs = 0;
    for (Map.Entry<String, InputType> e : types.entrySet()) {
      Layer conf = layerConf(model, e.getKey());
      if (conf == null || !(e.getValue() instanceof InputType.InputTypeConvolutional out)) {
        if (conf instanceof DenseLayer d) {
          macs += (double) d.getNIn() * d.getNOut();
        }
        continue;
      }
      double positions = (double) out.getHeight() * out.getWidth();
      if (conf instanceof SeparableConvolution2D s) {
        int[] k = s.getKernelSize();
        long depth = s.getNIn() * s.getDepthMultiplier();
        macs += positions * depth * k[0] * k[1] + positions * depth * s.getNOut();
      } else if (conf instanceof DepthwiseConvolution2D d) {
        int[] k = d.getKernelSize();
        macs += positions * d.getNOut() * k[0] * k[1];
      } else if (conf instanceof ConvolutionLayer c) {
        int[] k = c.getKernelSize();
        macs += positions * c.getNOut() * k[0] * k[1] * c.getNIn();
      }
    }
    return macs;
  }

  private static Layer layerConf(Model model, String name) {
    if (model instanceof ComputationGraph g) {
      var layer = g.getLayer(name);
      return layer == null ? null : layer.conf().getLayer();
    }
    MultiLayerNetwork net = (MultiLayerNetwork) model;
    for (int i = 0; i < net.getnLayers(); i++) {
      Layer l = net.getLayerWiseConfigurations().getConf(i).getLayer();
      if (name.equals(l.getLayerName()) || name.equals(String.valueOf(i))) {
        return l;
      }
    }
    return null;
  }
}
