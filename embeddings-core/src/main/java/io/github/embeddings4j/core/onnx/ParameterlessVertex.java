package io.github.embeddings4j.core.onnx;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the vertices {@link OnnxImport} writes for ONNX operators without a DL4J layer ({@link
 * ChannelScale}, {@link ChannelShuffle}, {@link ChannelNorm}, {@link TokenVertex}) have in
 * common: no parameters, one map in (unless a subclass says otherwise) and a map of the same
 * shape out (unless it says otherwise), masks passed through. A subclass gives its inputs
 * and its live vertex, whose forward and backward passes are its own.
 */
abstract class ParameterlessVertex extends GraphVertex {

  private static final long serialVersionUID = 1L;

  @Override
  public long numParams(boolean backprop) {
    return 0;
  }

  /** One input, unless a subclass says otherwise. */
  @Override
  public int minVertexInputs() {
    return 1;
  }

  @Override
  public int maxVertexInputs() {
    return 1;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    return vertexInputs[0];
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    return new LayerMemoryReport.Builder(null, getClass(), inputTypes[0], inputTypes[0])
        .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
  }

  @Override
  public abstract org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
      ComputationGraph graph, String name, int idx, INDArray paramsView,
      boolean initializeParams, DataType dataType);

  /** A live vertex without parameters or a layer. */
  abstract static class Impl extends BaseGraphVertex {

    Impl(ComputationGraph graph, String name, int index, DataType dataType) {
      super(graph, name, index, null, null, dataType);
    }

    @Override
    public abstract INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr);

    @Override
    public void setBackpropGradientsViewArray(INDArray view) {
      if (view != null) {
        throw new IllegalStateException(vertexName + " has no parameters");
      }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] masks, MaskState state,
        int minibatchSize) {
      return new Pair<>(masks == null ? null : masks[0], state);
    }

    @Override
    public boolean hasLayer() {
      return false;
    }

    @Override
    public Layer getLayer() {
      return null;
    }
  }
}
