package io.github.embeddings4j.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.Point;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferInt;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The direct path of {@code toRgb} gives what the colour model gives, for every layout. */
class RgbSamplesTest {

  private static BufferedImage filled(BufferedImage image, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        // Alpha of 0, 255 and between, so that compositing is exercised at its edges.
        int a = switch (rnd.nextInt(4)) {
          case 0 -> 0;
          case 1 -> 255;
          default -> rnd.nextInt(256);
        };
        image.setRGB(x, y, a << 24 | rnd.nextInt(1 << 24));
      }
    }
    return image;
  }

  private static int[] viaColourModel(BufferedImage image) {
    int[] dst = new int[image.getWidth() * image.getHeight()];
    ImageDecoder.convert(image, dst);
    return dst;
  }

  private static int[] viaToRgb(BufferedImage image) {
    BufferedImage out = ImageDecoder.toRgb(image);
    assertEquals(BufferedImage.TYPE_INT_RGB, out.getType());
    return ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
  }

  @ParameterizedTest
  @ValueSource(ints = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR,
      BufferedImage.TYPE_4BYTE_ABGR_PRE, BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB,
      BufferedImage.TYPE_INT_ARGB_PRE, BufferedImage.TYPE_INT_BGR, BufferedImage.TYPE_BYTE_GRAY,
      BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_BYTE_INDEXED,
      BufferedImage.TYPE_USHORT_565_RGB})
  void everyStandardTypeAndItsSubimagesConvertAsTheColourModelSays(int type) {
    BufferedImage image = filled(new BufferedImage(37, 23, type), type);
    assertArrayEquals(viaColourModel(image), viaToRgb(image));
    // A part of it: the raster starts inside the parent's array, with the parent's strides.
    BufferedImage part = image.getSubimage(5, 3, 19, 11);
    assertArrayEquals(viaColourModel(part), viaToRgb(part));
  }

  @Test
  void directPathTakesTheDecodersLayouts() {
    // The types JPEG and PNG decode to go direct; premultiplied and gray ones do not.
    int[] direct = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR,
        BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB};
    for (int type : direct) {
      assertEquals(true, RgbSamples.copy(new BufferedImage(4, 4, type), new int[16]),
          "type " + type);
    }
    int[] other = {BufferedImage.TYPE_4BYTE_ABGR_PRE, BufferedImage.TYPE_INT_ARGB_PRE,
        BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_BYTE_INDEXED,
        BufferedImage.TYPE_INT_BGR};
    for (int type : other) {
      assertEquals(false, RgbSamples.copy(new BufferedImage(4, 4, type), new int[16]),
          "type " + type);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void interleavedRgbInAnyBandOrder(boolean alpha) {
    // PNG's reader makes custom layouts: R, G, B(, A) in that order, not BGR.
    int bands = alpha ? 4 : 3;
    int[] offsets = alpha ? new int[] {0, 1, 2, 3} : new int[] {0, 1, 2};
    ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
        alpha, false, alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE,
        DataBuffer.TYPE_BYTE);
    // A scanline longer than the row (padding), as some readers leave.
    PixelInterleavedSampleModel sm = new PixelInterleavedSampleModel(DataBuffer.TYPE_BYTE, 29,
        17, bands, 29 * bands + 5, offsets);
    WritableRaster raster = Raster.createWritableRaster(sm, new Point(0, 0));
    BufferedImage image = filled(new BufferedImage(cm, raster, false, null), 7);
    assertEquals(true, RgbSamples.copy(image, new int[29 * 17]));
    assertArrayEquals(viaColourModel(image), viaToRgb(image));
    BufferedImage part = image.getSubimage(3, 2, 20, 9);
    assertArrayEquals(viaColourModel(part), viaToRgb(part));
  }
}
