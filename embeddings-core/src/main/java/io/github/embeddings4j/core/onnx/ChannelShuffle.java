package io.github.embeddings4j.core.onnx;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * ShuffleNet's channel shuffle: the channels of a map {@code [N, C, H, W]} seen as {@code
 * groups} rows of {@code C / groups}, read out column by column, so that channel {@code g *
 * (C / groups) + j} moves to {@code j * groups + g}. ONNX writes it as {@code Reshape} to
 * {@code [N, groups, C / groups, H, W]}, {@code Transpose} with {@code perm = [0, 2, 1, 3, 4]}
 * and {@code Reshape} back, which {@link OnnxImport} reads as this vertex. Its gradient is the
 * inverse permutation, the shuffle with {@code C / groups} groups. Saved and read by DL4J's JSON
 * as any vertex.
 */
public class ChannelShuffle extends ParameterlessVertex {

  private static final long serialVersionUID = 1L;

  private final int groups;

  /**
   * A shuffle of channels.
   *
   * @param groups the number of groups; the map's channel count must be a multiple of it
   */
  public ChannelShuffle(@JsonProperty("groups") int groups) {
    if (groups < 1) {
      throw new IllegalArgumentException("groups must be positive: " + groups);
    }
    this.groups = groups;
  }

  /** The number of groups. */
  public int getGroups() {
    return groups;
  }

  @Override
  public ChannelShuffle clone() {
    return new ChannelShuffle(groups);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelShuffle s && s.groups == groups;
  }

  @Override
  public int hashCode() {
    return 41 * groups + 3;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph,
      String name, int idx, INDArray paramsView, boolean initializeParams, DataType dataType) {
    return new Impl(graph, name, idx, dataType, groups);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    if (vertexInputs[0] instanceof InputType.InputTypeConvolutional c
        && c.getChannels() % groups != 0) {
      throw new IllegalArgumentException("a channel shuffle of " + groups + " groups needs a"
          + " multiple of " + groups + " channels, not " + c.getChannels());
    }
    return vertexInputs[0];
  }

  /** {@code x} with its channels shuffled in {@code groups} groups, as a new 'c' array. */
  static INDArray shuffle(INDArray x, int groups, LayerWorkspaceMgr workspaceMgr,
      ArrayType type) {
    long n = x.size(0);
    long c = x.size(1);
    long h = x.size(2);
    long w = x.size(3);
    if (c % groups != 0) {
      throw new IllegalArgumentException("a channel shuffle of " + groups + " groups got "
          + c + " channels");
    }
    INDArray in = x.ordering() == 'c' ? x : x.dup('c');
    INDArray view = in.reshape('c', n, groups, c / groups, h, w).permute(0, 2, 1, 3, 4);
    INDArray out = workspaceMgr.createUninitialized(type, x.dataType(),
        new long[] {n, c / groups, groups, h, w}, 'c');
    out.assign(view);
    return out.reshape('c', n, c, h, w);
  }

  /** The vertex in a live graph. */
  static final class Impl extends ParameterlessVertex.Impl {

    private final int groups;

    Impl(ComputationGraph graph, String name, int index, DataType dataType, int groups) {
      super(graph, name, index, dataType);
      this.groups = groups;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
      return shuffle(inputs[0], groups, workspaceMgr, ArrayType.ACTIVATIONS);
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt,
        LayerWorkspaceMgr workspaceMgr) {
      int inverse = (int) (inputs[0].size(1) / groups);
      return new Pair<>(null, new INDArray[] {shuffle(epsilon, inverse, workspaceMgr,
          ArrayType.ACTIVATION_GRAD)});
    }

    @Override
    public String toString() {
      return "ChannelShuffle(" + vertexName + ", " + groups + " groups)";
    }
  }
}
