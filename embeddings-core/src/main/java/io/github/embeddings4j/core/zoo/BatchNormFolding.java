package io.github.embeddings4j.core.zoo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds each batch normalisation into the convolution before it, for inference: with the
 * running statistics fixed, {@code BN(conv(x))} is {@code conv'(x)} with per-channel weights
 * {@code W·s} and bias {@code (b − mean)·s + beta}, {@code s = gamma / sqrt(var + eps)}. An
 * activation layer that follows moves into the convolution as well. ResNet50's zoo graph has 53
 * such convolution → batch-norm → activation chains: each batch norm and activation is a pass
 * over the whole activation tensor (several, for batch norm), which this removes.
 *
 * <p>Only chains that compute the same thing after folding are folded: a plain 2-D convolution
 * ({@code ConvolutionLayer} itself, channels-first, identity activation) whose only consumer is
 * the batch norm, and an activation layer whose only input is that batch norm; no vertex that is
 * a network output is removed. The folded graph is for inference only (the statistics are baked
 * in); {@code ZooEmbedderTest} and {@code BatchNormFoldingTest} check it against the unfolded one.
 */
final class BatchNormFolding {

  private static final Logger LOG = LoggerFactory.getLogger(BatchNormFolding.class);

  private BatchNormFolding() {}

  /** One foldable chain: the convolution, its batch norm, and the activation after it or null. */
  private record Chain(String conv, String bn, String activation) {}

  /**
   * The graph with its foldable chains folded.
   *
   * @param graph a float graph; not changed
   * @return a new graph, or {@code graph} itself when nothing can be folded
   */
  static ComputationGraph fold(ComputationGraph graph) {
    ComputationGraphConfiguration conf = graph.getConfiguration().clone();
    Map<String, GraphVertex> vertices = conf.getVertices();
    Map<String, List<String>> inputs = conf.getVertexInputs();
    Map<String, List<String>> consumers = new HashMap<>();
    for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
      for (String in : e.getValue()) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(e.getKey());
      }
    }
    List<String> outputs = conf.getNetworkOutputs();
    List<Chain> chains = new ArrayList<>();
    for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
      String bn = e.getKey();
      if (!(layerOf(e.getValue()) instanceof BatchNormalization) || outputs.contains(bn)
          || inputs.get(bn).size() != 1) {
        continue;
      }
      String conv = inputs.get(bn).get(0);
      if (!(layerOf(vertices.get(conv)) instanceof ConvolutionLayer c)
          || c.getClass() != ConvolutionLayer.class || outputs.contains(conv)
          || consumers.getOrDefault(conv, List.of()).size() != 1
          || c.getCnn2dDataFormat() == CNN2DFormat.NHWC
          || !(c.getActivationFn() instanceof ActivationIdentity)) {
        continue;
      }
      String activation = null;
      List<String> after = consumers.getOrDefault(bn, List.of());
      if (after.size() == 1 && layerOf(vertices.get(after.get(0))) instanceof ActivationLayer a
          && a.getClass() == ActivationLayer.class && !outputs.contains(after.get(0))
          && inputs.get(after.get(0)).size() == 1) {
        activation = after.get(0);
      }
      chains.add(new Chain(conv, bn, activation));
    }
    if (chains.isEmpty()) {
      return graph;
    }
    for (Chain ch : chains) {
      ConvolutionLayer c = (ConvolutionLayer) layerOf(vertices.get(ch.conv()));
      c.setHasBias(true);
      if (ch.activation() != null) {
        c.setActivationFn(((ActivationLayer) layerOf(vertices.get(ch.activation())))
            .getActivationFn());
        remove(conf, ch.activation(), ch.bn());
      }
      remove(conf, ch.bn(), ch.conv());
    }
    // The cached order names the removed vertices: let the new graph sort itself again.
    conf.setTopologicalOrder(null);
    conf.setTopologicalOrderStr(null);
    ComputationGraph folded = new ComputationGraph(conf);
    folded.init();
    Map<String, Chain> byConv = new HashMap<>();
    for (Chain ch : chains) {
      byConv.put(ch.conv(), ch);
    }
    for (org.deeplearning4j.nn.api.Layer layer : folded.getLayers()) {
      String name = layer.conf().getLayer().getLayerName();
      org.deeplearning4j.nn.api.Layer old = graph.getLayer(name);
      Chain ch = byConv.get(name);
      if (ch != null) {
        foldInto(layer, old, graph.getLayer(ch.bn()));
      } else {
        for (String key : layer.paramTable().keySet()) {
          layer.setParam(key, old.getParam(key));
        }
      }
    }
    LOG.debug("folded {} batch norms ({} activations) into their convolutions", chains.size(),
        chains.stream().filter(ch -> ch.activation() != null).count());
    return folded;
  }

  private static org.deeplearning4j.nn.conf.layers.Layer layerOf(GraphVertex v) {
    return v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
  }

  /** Removes a one-input vertex, connecting its consumers to its input. */
  private static void remove(ComputationGraphConfiguration conf, String vertex, String input) {
    conf.getVertices().remove(vertex);
    conf.getVertexInputs().remove(vertex);
    for (List<String> in : conf.getVertexInputs().values()) {
      in.replaceAll(v -> v.equals(vertex) ? input : v);
    }
  }

  /** Sets the folded convolution's weights and bias from the old convolution and batch norm. */
  private static void foldInto(org.deeplearning4j.nn.api.Layer target,
      org.deeplearning4j.nn.api.Layer conv, org.deeplearning4j.nn.api.Layer bn) {
    INDArray w = conv.getParam("W").castTo(DataType.DOUBLE).dup('c');
    long out = w.size(0);
    double[] bias = new double[(int) out];
    INDArray oldBias = conv.paramTable().get("b");
    if (oldBias != null) {
      bias = oldBias.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
    double[][] st = scaleShift(bn, out);
    double[] weights = w.data().asDouble();
    int perChannel = (int) (weights.length / out);
    double[] folded = new double[(int) out];
    for (int o = 0; o < out; o++) {
      double s = st[0][o];
      for (int k = 0; k < perChannel; k++) {
        weights[o * perChannel + k] *= s;
      }
      folded[o] = bias[o] * s + st[1][o];
    }
    INDArray targetW = target.getParam("W");
    target.setParam("W", Nd4j.create(weights, w.shape(), 'c').castTo(targetW.dataType()));
    INDArray targetB = target.getParam("b");
    target.setParam("b", Nd4j.create(folded, targetB.shape(), 'c').castTo(targetB.dataType()));
  }

  /**
   * A batch norm at inference as a per-channel affine map {@code y = x·s + t}: {@code s = gamma /
   * sqrt(var + eps)}, {@code t = beta − mean·s}, where {@code var = 10^(2·log10stdev)} for a
   * layer that stores its deviation's logarithm (DL4J's default), as DL4J computes it.
   *
   * @param bn the batch-normalisation layer
   * @param channels its channel count
   * @return {@code {s, t}}
   */
  static double[][] scaleShift(org.deeplearning4j.nn.api.Layer bn, long channels) {
    BatchNormalization bnConf = (BatchNormalization) bn.conf().getLayer();
    int out = (int) channels;
    double[] mean = bn.getParam("mean").castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] std = new double[out];
    if (bn.paramTable().containsKey("log10stdev")) {
      double[] log10 = bn.getParam("log10stdev").castTo(DataType.DOUBLE).dup('c').data()
          .asDouble();
      // DL4J squares the stored deviation into a variance and adds eps like any other.
      for (int i = 0; i < out; i++) {
        std[i] = Math.sqrt(Math.pow(10, 2 * log10[i]) + bnConf.getEps());
      }
    } else {
      double[] var = bn.getParam("var").castTo(DataType.DOUBLE).dup('c').data().asDouble();
      for (int i = 0; i < out; i++) {
        std[i] = Math.sqrt(var[i] + bnConf.getEps());
      }
    }
    double[] gamma = new double[out];
    double[] beta = new double[out];
    if (bnConf.isLockGammaBeta()) {
      java.util.Arrays.fill(gamma, bnConf.getGamma());
      java.util.Arrays.fill(beta, bnConf.getBeta());
    } else {
      gamma = bn.getParam("gamma").castTo(DataType.DOUBLE).dup('c').data().asDouble();
      beta = bn.getParam("beta").castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
    double[] s = new double[out];
    double[] t = new double[out];
    for (int o = 0; o < out; o++) {
      s[o] = gamma[o] / std[o];
      t[o] = beta[o] - mean[o] * s[o];
    }
    return new double[][] {s, t};
  }
}
