package io.github.embeddings4j.core.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.github.embeddings4j.core.image.Preprocessing;
import org.junit.jupiter.api.Test;

/**
 * Where ONNX Runtime runs sessions: the CPU with the CPU package (what the build depends on),
 * CUDA with the GPU package and a GPU. The GPU test skips, saying why, where there is none.
 */
class OrtProvidersTest {

  private static final Preprocessing SMALL = Preprocessing.imagenet().toBuilder().size(64, 64)
      .resize(64).build();

  @Test
  void theCpuPackageRunsSessionsOnTheCpuAndSaysSo() throws Exception {
    assumeTrue(!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "the GPU package is on the class path: this checks the CPU package");
    String status = OrtForward.status();
    assertTrue(status.startsWith(OrtForward.VERSION + ", providers ["), status);
    assertTrue(status.contains("sessions run on the CPU (the GPU build, onnxruntime_gpu, is not"
        + " on the class path)"), status);
    assertTrue(status.endsWith("; telemetry " + OrtStartup.telemetryState()), status);
    try (OnnxEmbedder e = OnnxEmbedder.builder(OnnxEmbedderTest.fixture("resnet_tiny.onnx"))
        .preprocessing(SMALL).build()) {
      assertTrue(e.engine().equals("ONNX Runtime " + OrtForward.VERSION + " (CPU)"), e.engine());
    }
  }

  @Test
  void theGpuPackageRunsSessionsOnCudaWithTheCpusVectors() throws Exception {
    assumeTrue(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "ONNX Runtime's GPU package (onnxruntime_gpu) is not on the class path: no CUDA test");
    float[] input = new float[2 * 3 * 64 * 64];
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) r.nextGaussian();
    }
    float[][] gpu;
    try (OnnxEmbedder e = OnnxEmbedder.builder(OnnxEmbedderTest.fixture("resnet_tiny.onnx"))
        .preprocessing(SMALL).build()) {
      assumeTrue(e.engine().endsWith("(CUDA)"), "no GPU answered: " + e.engine());
      gpu = e.embedTensors(input, 2);
    }
    System.setProperty(OrtForward.DEVICE_PROPERTY, "cpu");
    try (OnnxEmbedder e = OnnxEmbedder.builder(OnnxEmbedderTest.fixture("resnet_tiny.onnx"))
        .preprocessing(SMALL).build()) {
      float[][] cpu = e.embedTensors(input, 2);
      for (int i = 0; i < 2; i++) {
        assertArrayEquals(cpu[i], gpu[i], 1e-4f);
      }
    } finally {
      System.clearProperty(OrtForward.DEVICE_PROPERTY);
    }
  }
}
