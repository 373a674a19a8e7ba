package io.github.embeddings4j.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class InputFormatTest {

  private static final int R = 200;
  private static final int G = 100;
  private static final int B = 50;

  @Test
  void caffeModeIsBgrMinusTheImageNetMeans() {
    float[] t = new InputFormat(4, 4, ColorOrder.BGR, PixelScaling.IMAGENET_MEAN)
        .toArray(TestPictures.flat(9, 7, (R << 16) | (G << 8) | B));
    assertEquals(3 * 16, t.length);
    assertEquals(B - 103.939f, t[0], 1e-4);
    assertEquals(G - 116.779f, t[16], 1e-4);
    assertEquals(R - 123.68f, t[32], 1e-4);
    assertEquals(R - 123.68f, t[47], 1e-4);
  }

  @Test
  void tfModeIsRgbInMinusOneToOne() {
    float[] t = new InputFormat(2, 3, ColorOrder.RGB, PixelScaling.SYMMETRIC)
        .toArray(TestPictures.flat(5, 5, (R << 16) | (G << 8) | B));
    assertEquals(R / 127.5f - 1, t[0], 1e-6);
    assertEquals(G / 127.5f - 1, t[6], 1e-6);
    assertEquals(B / 127.5f - 1, t[12], 1e-6);
  }

  @Test
  void grayIsLuminanceInZeroToOne() {
    float[] t = new InputFormat(3, 3, ColorOrder.GRAY, PixelScaling.UNIT)
        .toArray(TestPictures.flat(6, 6, (R << 16) | (G << 8) | B));
    assertEquals(9, t.length);
    assertEquals((0.299f * R + 0.587f * G + 0.114f * B) / 255f, t[4], 1e-6);
  }

  @Test
  void aWideImageIsScaledToTheHeightAndCroppedInTheMiddle() {
    // 12 x 4: columns 0-3 red, 4-7 green, 8-11 blue. Scaled by 1/2 to 6 x 2, the centre 2 x 2
    // is green.
    BufferedImage image = new BufferedImage(12, 4, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < 12; x++) {
      for (int y = 0; y < 4; y++) {
        image.setRGB(x, y, x < 4 ? 0xff0000 : x < 8 ? 0x00ff00 : 0x0000ff);
      }
    }
    float[] t = new InputFormat(2, 2, ColorOrder.RGB, PixelScaling.NONE).toArray(image);
    for (int i = 0; i < 4; i++) {
      assertEquals(0f, t[i], 1e-4, "red " + i);
      assertEquals(255f, t[4 + i], 1e-4, "green " + i);
      assertEquals(0f, t[8 + i], 1e-4, "blue " + i);
    }
  }

  @Test
  void shrinkingAveragesTheCoveredPixels() {
    // A 4 x 4 checkerboard of 0 and 255 shrunk to 2 x 2: every output is the mean, 127.5.
    BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < 16; i++) {
      image.setRGB(i % 4, i / 4, (i % 4 + i / 4) % 2 == 0 ? 0xffffff : 0);
    }
    float[] t = new InputFormat(2, 2, ColorOrder.RGB, PixelScaling.NONE).toArray(image);
    for (float v : t) {
      assertEquals(127.5f, v, 1e-3);
    }
  }

  @Test
  void enlargingInterpolatesBetweenNeighbours() {
    // 2 x 1 black | white enlarged to 4 x 2: centres at 0.25 and 0.75 of the gap, clamped at edges.
    BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    image.setRGB(0, 0, 0);
    image.setRGB(1, 0, 0xffffff);
    float[] t = new InputFormat(2, 4, ColorOrder.RGB, PixelScaling.NONE).toArray(image);
    assertEquals(0f, t[0], 1e-3);
    assertEquals(63.75f, t[1], 1e-3);
    assertEquals(191.25f, t[2], 1e-3);
    assertEquals(255f, t[3], 1e-3);
  }

  @Test
  void aTooSmallDestinationIsRefused() {
    InputFormat f = new InputFormat(2, 2, ColorOrder.RGB, PixelScaling.NONE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> f.write(TestPictures.flat(2, 2, 0), new float[13], 2));
    assertEquals("destination too small: 13 floats, 12 needed from offset 2", e.getMessage());
  }
}
