package io.github.embeddings4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.BackendReport;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.backend.Backends;
import io.github.embeddings4j.core.backend.Gpu;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * With this module on the class path, an embedder starts and embeds on whatever the machine has:
 * on a machine without a supported GPU, on the CPU backend, with the reason in the report.
 */
class FallbackTest {

  @Test
  void anEmbedderStartsAndEmbedsOnTheChosenBackend() throws Exception {
    List<Gpu> gpus = Gpu.probe();
    boolean supportedGpu = gpus.stream().anyMatch(Gpu::supported);
    try (ZooEmbedder e = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.random(3))
        .build()) {
      float[] v = e.embed(ImageSource.of(EquivalenceProbe.image(40, 30, 1), "generated"));
      assertEquals(e.dimension(), v.length);
      for (float f : v) {
        assertTrue(Float.isFinite(f));
      }
    }
    BackendReport r = Backends.report();
    assertEquals(r.onGpu() ? "JCublasBackend" : "CpuBackend",
        Nd4j.getBackend().getClass().getSimpleName());
    if (!supportedGpu) {
      assertEquals("CPU", r.backend());
      assertTrue(r.reason().contains(gpus.isEmpty() ? "no NVIDIA GPU found"
          : "no supported GPU"), r.reason());
      assertEquals(gpus.size(), r.gpus().size());
    }
  }
}
