package io.github.embeddings4j.core.onnx;

import static io.github.embeddings4j.core.onnx.OnnxEmbedderTest.fixture;
import static io.github.embeddings4j.core.onnx.OnnxEmbedderTest.flat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.io.Npy;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Models that take and give half-precision tensors, as models converted to float16 with their
 * inputs and outputs do: {@code mobile_se_fp16io.onnx} and {@code mobile_se_bf16io.onnx} are
 * {@code mobile_se.onnx} with Cast nodes at its edges (scripts/onnx/derive_fixtures.py), so
 * their vectors are the float32 model's up to the rounding of input and output.
 */
class OnnxHalfPrecisionTest {

  /** The relative L2 difference of a from b. */
  static double relative(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - b[i]) * (double) (a[i] - b[i]);
      norm += b[i] * (double) b[i];
    }
    return Math.sqrt(diff / norm);
  }

  private static void sameUpTo(String model, double tolerance) throws Exception {
    float[] input = flat(Npy.readRows(fixture("mobile_se.input.npy")));
    try (OnnxEmbedder half = OnnxEmbedder.builder(fixture(model)).build();
        OnnxEmbedder full = OnnxEmbedder.builder(fixture("mobile_se.onnx")).build()) {
      assertEquals(full.dimension(), half.dimension());
      float[][] a = half.embedTensors(input, 3);
      float[][] b = full.embedTensors(input, 3);
      for (int i = 0; i < 3; i++) {
        double r = relative(a[i], b[i]);
        assertTrue(r < tolerance, model + " row " + i + ": relative difference " + r);
        assertTrue(r > 0, model + " row " + i + ": the input was rounded to half precision");
      }
      ImageSource image = ImageSource.of(fixture("image.png"));
      double r = relative(half.embed(image), full.embed(image));
      assertTrue(r < tolerance, model + " on an image: relative difference " + r);
    }
  }

  @Test
  void aFloat16ModelGivesTheFloat32VectorsUpToItsRounding() throws Exception {
    assertEquals("float16", OnnxModelInfo.parse(Files.readAllBytes(
        fixture("mobile_se_fp16io.onnx"))).inputs().get(0).type());
    // float16 keeps 11 significant bits: 2^-11 = 4.9e-4 per value, in and out.
    sameUpTo("mobile_se_fp16io.onnx", 3e-3);
  }

  @Test
  void aBfloat16ModelGivesTheFloat32VectorsUpToItsRounding() throws Exception {
    assertEquals("bfloat16", OnnxModelInfo.parse(Files.readAllBytes(
        fixture("mobile_se_bf16io.onnx"))).inputs().get(0).type());
    // bfloat16 keeps 8 significant bits: 2^-8 = 3.9e-3 per value.
    sameUpTo("mobile_se_bf16io.onnx", 3e-2);
  }
}
