package io.github.embeddings4j.core.onnx;

import static io.github.embeddings4j.core.onnx.OnnxEmbedderTest.fixture;
import static io.github.embeddings4j.core.onnx.OnnxHalfPrecisionTest.relative;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.image.Preprocessing;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Models that take uint8 pixels and scale them themselves, as exports with their preprocessing
 * inside do: {@code mobile_se_uint8.onnx} is {@code mobile_se.onnx} behind a uint8 [1, 64, 64,
 * 3] input that it casts, transposes and normalises with ImageNet's mean and deviation
 * (scripts/onnx/derive_fixtures.py). Fed raw pixels, it must give the float model's vectors
 * for the same image prepared with ImageNet's values.
 */
class OnnxPixelInputTest {

  @Test
  void aUint8ModelTakesRawPixelsAndGivesTheFloatModelsVectors() throws Exception {
    assertEquals("uint8", OnnxModelInfo.parse(Files.readAllBytes(
        fixture("mobile_se_uint8.onnx"))).inputs().get(0).type());
    // The same resize (shorter side 64) on both sides, so both see the same pixels.
    Preprocessing imagenet = Preprocessing.imagenet().toBuilder().size(64, 64).resize(64).build();
    try (OnnxEmbedder pixels = OnnxEmbedder.builder(fixture("mobile_se_uint8.onnx")).build();
        OnnxEmbedder floats = OnnxEmbedder.builder(fixture("mobile_se.onnx"))
            .preprocessing(imagenet).build()) {
      assertTrue(pixels.preprocessing().name().startsWith("raw"), "a uint8 input's default: "
          + pixels.preprocessing().name());
      assertTrue(pixels.preprocessing().channelsLast());
      assertEquals(floats.dimension(), pixels.dimension());
      ImageSource image = ImageSource.of(fixture("image.png"));
      double r = relative(pixels.embed(image), floats.embed(image));
      // The same arithmetic in another order: float32 rounding only.
      assertTrue(r < 1e-4, "relative difference " + r);
    }
  }

  @Test
  void preprocessingThatScalesThePixelsIsRefusedForAUint8Input() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxEmbedder.builder(fixture("mobile_se_uint8.onnx"))
            .preprocessing(Preprocessing.imagenet()).build());
    assertTrue(e.getMessage().contains("uint8 pixels, 0 to 255")
        && e.getMessage().contains("--preprocess raw"), e.getMessage());
  }

  @Test
  void theRawPresetKeepsThePixelValues() {
    Preprocessing raw = Preprocessing.preset("raw");
    assertTrue(raw.rawPixels());
    assertFalse(Preprocessing.imagenet().rawPixels());
    assertFalse(Preprocessing.none().rawPixels());
    assertTrue(Preprocessing.PRESETS.contains("raw"));
    // One white and one mid-grey pixel, 1 x 2 image: values 255 and 128, not 1.0 and 0.5.
    java.awt.image.BufferedImage img =
        new java.awt.image.BufferedImage(2, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0xffffff);
    img.setRGB(1, 0, 0x808080);
    Preprocessing tiny = raw.toBuilder().size(1, 2).resize(1).build();
    float[] out = new float[tiny.size()];
    tiny.write(img, out, 0);
    assertEquals(255f, out[0], 1e-3f);
    assertEquals(128f, out[1], 1e-3f);
  }
}
