package io.github.embeddings4j.core.zoo;

import java.lang.reflect.Field;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Residual additions in one pass. DL4J's {@link ElementWiseVertex} adds two activations by
 * copying the first into a new array and adding the second to it: five passes over memory where
 * one addition into a new array needs three. In ResNet50 at batch 16 its 16 additions took 63 ms
 * of a 527 ms forward pass ({@code LayerProfile}). {@link #apply} replaces each two-input
 * {@code Add} vertex of an inference graph by one that does the single pass when both inputs have
 * the same shape and type, and defers to DL4J otherwise (and always when training, since the
 * backward pass is DL4J's).
 *
 * <p>Equality: the same float additions in the same order, so the outputs are identical, which
 * {@code FusedAddTest} checks on ResNet50.
 */
final class FusedAdd {

  private static final Logger LOG = LoggerFactory.getLogger(FusedAdd.class);

  private FusedAdd() {}

  /**
   * Replaces the two-input addition vertices of a graph (other models are left alone).
   *
   * @param model the network, after {@code init()}
   * @return the number of vertices replaced (0 also when DL4J's internals were not as expected)
   */
  static int apply(Model model) {
    if (!(model instanceof ComputationGraph g)) {
      return 0;
    }
    try {
      Field opField = ElementWiseVertex.class.getDeclaredField("op");
      opField.setAccessible(true);
      Field mapField = ComputationGraph.class.getDeclaredField("verticesMap");
      mapField.setAccessible(true);
      @SuppressWarnings("unchecked")
      Map<String, GraphVertex> map = (Map<String, GraphVertex>) mapField.get(g);
      GraphVertex[] vertices = g.getVertices();
      int replaced = 0;
      for (int i = 0; i < vertices.length; i++) {
        GraphVertex v = vertices[i];
        if (v.getClass() == ElementWiseVertex.class
            && opField.get(v) == ElementWiseVertex.Op.Add
            && v.getInputVertices() != null && v.getInputVertices().length == 2) {
          Vertex fused = new Vertex(g, (ElementWiseVertex) v);
          vertices[i] = fused;
          map.put(v.getVertexName(), fused);
          replaced++;
        }
      }
      return replaced;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("residual additions left to DL4J: {}", e.toString());
      return 0;
    }
  }

  /** An addition vertex that adds its two inputs in one pass. */
  static final class Vertex extends ElementWiseVertex {

    Vertex(ComputationGraph graph, ElementWiseVertex original) {
      super(graph, original.getVertexName(), original.getVertexIndex(),
          original.getInputVertices(), original.getOutputVertices(), Op.Add,
          dataTypeOf(graph));
      setOutputVertex(original.isOutputVertex());
    }

    private static org.nd4j.linalg.api.buffer.DataType dataTypeOf(ComputationGraph g) {
      return g.params() != null ? g.params().dataType() : Nd4j.defaultFloatingPointType();
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
      INDArray[] in = getInputs();
      if (training || in == null || in.length != 2 || in[0] == null || in[1] == null
          || !in[0].equalShapes(in[1]) || in[0].dataType() != in[1].dataType()) {
        return super.doForward(training, workspaceMgr);
      }
      INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, in[0].dataType(),
          in[0].shape());
      Nd4j.exec(new AddOp(in[0], in[1], out));
      return out;
    }
  }
}
