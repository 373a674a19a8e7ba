package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.zoo.dnnl.DnnlGraph;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Embedders on the fast engines, the oneDNN graph executor ({@link DnnlGraph}) and ONNX Runtime
 * on the network exported by {@link OnnxExport}: which models run on them, that their vectors
 * are DL4J's within float rounding, which engine the defaults pick, and that threads share an
 * engine safely.
 */
class ZooEmbedderGraphTest {

  private static List<ImageSource> images(int n, int size, long seed) {
    List<ImageSource> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(TestImages.source(size, size, seed + i));
    }
    return list;
  }

  @ParameterizedTest(name = "{0} at {1} px on {2}")
  @CsvSource({"RESNET50, 96, ONEDNN_GRAPH", "SQUEEZENET, 99, ONEDNN_GRAPH",
      "DARKNET19, 64, ONEDNN_GRAPH", "XCEPTION, 96, ONEDNN_GRAPH", "SIMPLE_CNN, 40, ONEDNN_GRAPH",
      "LENET, 28, ONEDNN_GRAPH", "RESNET50, 96, ONNX_RUNTIME", "SQUEEZENET, 99, ONNX_RUNTIME",
      "DARKNET19, 64, ONNX_RUNTIME", "XCEPTION, 96, ONNX_RUNTIME", "SIMPLE_CNN, 40, ONNX_RUNTIME",
      "LENET, 28, ONNX_RUNTIME"})
  void enginesRunTheModelsAndGiveDl4jsVectors(ZooModel model, int size, Engine engine)
      throws EmbeddingException {
    ZooEmbedder.Builder b = ZooEmbedder.builder(model).weights(Weights.random(3))
        .inputSize(size, size).networkBatchSize(3).concurrency(1);
    try (ZooEmbedder compiled = b.engine(engine).build();
        ZooEmbedder dl4j = b.engine(Engine.DL4J).build()) {
      assertEquals(engine == Engine.ONEDNN_GRAPH, compiled.usesOneDnnGraph());
      assertTrue(compiled.engine().startsWith(engine == Engine.ONEDNN_GRAPH ? "oneDNN graph"
          : "ONNX Runtime"), model + " runs on " + engine + ", not " + compiled.engine());
      assertEquals("DL4J forward pass", dl4j.engine());
      assertFalse(dl4j.usesOneDnnGraph());
      assertEquals(dl4j.dimension(), compiled.dimension());
      List<ImageSource> in = images(5, 120, 40);
      List<EmbeddingResult> a = compiled.embedBatch(in);
      List<EmbeddingResult> b2 = dl4j.embedBatch(in);
      for (int i = 0; i < in.size(); i++) {
        float[] x = a.get(i).vectorOrThrow();
        float[] y = b2.get(i).vectorOrThrow();
        // Unit vectors: an absolute bound is a relative one.
        assertArrayEquals(y, x, 1e-4f, model + " image " + i);
      }
    }
  }

  @Test
  void theDefaultIsTheFastestEngineMeasuredForTheModel() throws EmbeddingException {
    try (ZooEmbedder resnet = ZooEmbedder.builder(ZooModel.RESNET50).weights(Weights.random(1))
        .inputSize(96, 96).build();
        ZooEmbedder darknet = ZooEmbedder.builder(ZooModel.DARKNET19)
            .weights(Weights.random(1)).inputSize(64, 64).build()) {
      assertTrue(resnet.engine().startsWith("ONNX Runtime"), resnet.engine());
      assertTrue(darknet.usesOneDnnGraph(), darknet.engine());
    }
    assertEquals(Engine.ONNX_RUNTIME, Engine.parse("onnx-runtime"));
    assertEquals(Engine.ONEDNN_GRAPH, Engine.parse("oneDNN"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Engine.parse("tensorrt"));
  }

  @Test
  @SuppressWarnings("deprecation")
  void theOptionOffKeepsDl4jsForwardPass() throws EmbeddingException {
    try (ZooEmbedder off = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.random(1))
        .inputSize(32, 32).oneDnnGraph(false).build()) {
      assertFalse(off.usesOneDnnGraph());
      assertEquals(off.dimension(), off.embed(TestImages.source(32, 32, 1)).length);
    }
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(value = Engine.class,
      names = {"ONEDNN_GRAPH", "ONNX_RUNTIME"})
  void eightThreadsShareOneEngine(Engine engine) throws Exception {
    try (ZooEmbedder embedder = ZooEmbedder.builder(ZooModel.RESNET50)
        .weights(Weights.random(5)).inputSize(96, 96).networkBatchSize(2).concurrency(4)
        .engine(engine).build()) {
      assertEquals(engine == Engine.ONEDNN_GRAPH, embedder.usesOneDnnGraph());
      List<ImageSource> sources = images(12, 96, 300);
      List<float[]> serial = new ArrayList<>();
      for (ImageSource s : sources) {
        serial.add(embedder.embed(s));
      }
      // The same batch size (one image) on every runner: the same primitives, bit for bit.
      ConcurrentUse.assertEightThreadsGet(serial, embedder, sources, 0f);
      // And batches side by side (two runners at once) give the single-image vectors.
      List<EmbeddingResult> batch = embedder.embedBatch(sources);
      for (int i = 0; i < sources.size(); i++) {
        assertArrayEquals(serial.get(i), batch.get(i).vectorOrThrow(), 1e-5f, "image " + i);
      }
    }
  }
}
