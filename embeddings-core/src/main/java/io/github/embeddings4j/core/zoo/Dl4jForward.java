package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.backend.OneDnn;
import io.github.embeddings4j.core.embed.Activations;
import io.github.embeddings4j.core.embed.ForwardPass;
import io.github.embeddings4j.core.image.InputFormat;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Deeplearning4j's own forward pass: the engine for networks no other engine runs (Keras
 * channels-last imports, layers the others do not know) and on ND4J's CUDA backend. A DL4J
 * network is not safe for concurrent inference, so each copy is a clone of the network.
 */
final class Dl4jForward implements ForwardPass {

  private final Model net;
  private final InputFormat format;
  private final boolean channelsLast;
  private final boolean helpers;

  /**
   * @param net the truncated network; the pass owns it
   * @param format its input
   * @param helpers whether clones get DL4J's oneDNN layer helpers
   */
  Dl4jForward(Model net, InputFormat format, boolean helpers) {
    this.net = net;
    this.format = format;
    // Read once: every copy shares the network's configuration.
    this.channelsLast = FeatureNet.channelsLast(net);
    this.helpers = helpers;
  }

  @Override
  public Activations forward(float[] input, int n) {
    INDArray batch = Nd4j.create(input, new long[] {n, format.channels(), format.height(),
        format.width()});
    try {
      return activations(FeatureNet.forward(net, batch, channelsLast));
    } finally {
      batch.close();
    }
  }

  /** A DL4J output {@code [n, c, ...]} as channels-first activations ({@code [c, t]} as a map). */
  static Activations activations(INDArray out) {
    long[] s = out.shape();
    int n = (int) s[0];
    float[] data = out.castTo(DataType.FLOAT).dup('c').data().asFloat();
    int[] item = switch (s.length) {
      case 2 -> new int[] {(int) s[1]};
      case 3 -> new int[] {(int) s[1], (int) s[2], 1};
      case 4 -> new int[] {(int) s[1], (int) s[2], (int) s[3]};
      default -> throw new IllegalStateException("network output of rank " + s.length);
    };
    return new Activations(data, n, item, false);
  }

  @Override
  public ForwardPass copy() {
    // Cloning only reads the parameters, which inference never writes.
    Model copy = net instanceof ComputationGraph g ? g.clone() : ((MultiLayerNetwork) net).clone();
    if (helpers) {
      OneDnn.attachIfEnabled(copy);
    }
    // Clones rebuild their vertices from the configuration: replace the additions again.
    FusedAdd.apply(copy);
    return new Dl4jForward(copy, format, helpers);
  }

  @Override
  public String engine() {
    return "DL4J forward pass";
  }

  @Override
  public void close() {
    net.close();
  }
}
