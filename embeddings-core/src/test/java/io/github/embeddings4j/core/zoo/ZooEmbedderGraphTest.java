package io.github.embeddings4j.core.zoo;

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
 * Embedders on the oneDNN graph executor ({@link io.github.embeddings4j.core.zoo.dnnl.DnnlGraph}):
 * which models run on it, that their vectors are DL4J's within float rounding, and that threads
 * share it safely.
 */
class ZooEmbedderGraphTest {

  private static List<ImageSource> images(int n, int size, long seed) {
    List<ImageSource> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(TestImages.source(size, size, seed + i));
    }
    return list;
  }

  @ParameterizedTest(name = "{0} at {1} px")
  @CsvSource({"RESNET50, 96", "SQUEEZENET, 99", "DARKNET19, 64", "XCEPTION, 96",
      "SIMPLE_CNN, 40", "LENET, 28"})
  void graphsCompileAndGiveDl4jsVectors(ZooModel model, int size) throws EmbeddingException {
    ZooEmbedder.Builder b = ZooEmbedder.builder(model).weights(Weights.random(3))
        .inputSize(size, size).networkBatchSize(3).concurrency(1);
    try (ZooEmbedder compiled = b.build(); ZooEmbedder dl4j = b.oneDnnGraph(false).build()) {
      assertTrue(compiled.usesOneDnnGraph(), model + " runs on the compiled graph");
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
  void theOptionOffKeepsDl4jsForwardPass() throws EmbeddingException {
    try (ZooEmbedder off = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.random(1))
        .inputSize(32, 32).oneDnnGraph(false).build()) {
      assertFalse(off.usesOneDnnGraph());
      assertEquals(off.dimension(), off.embed(TestImages.source(32, 32, 1)).length);
    }
  }

  @Test
  void eightThreadsShareOneCompiledGraph() throws Exception {
    try (ZooEmbedder embedder = ZooEmbedder.builder(ZooModel.RESNET50)
        .weights(Weights.random(5)).inputSize(96, 96).networkBatchSize(2).concurrency(4)
        .build()) {
      assertTrue(embedder.usesOneDnnGraph());
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
