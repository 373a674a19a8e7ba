package io.github.embeddings4j.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.DirectColorModel;
import java.awt.image.SinglePixelPackedSampleModel;
import java.awt.image.WritableRaster;

/**
 * The direct path of {@link ImageDecoder#toRgb}: 8-bit sRGB samples read straight from the
 * raster's array, for the layouts decoders produce (JPEG's three interleaved bytes, PNG's three
 * or four, and packed ints), with the values {@code BufferedImage.getRGB} gives for them. Going
 * through {@code getRGB} costs a colour-model call per pixel: on a 12-megapixel JPEG it took
 * longer than the JDK's decoding itself.
 */
final class RgbSamples {

  private RgbSamples() {}

  /**
   * Writes the image as packed RGB (alpha composited onto white) into {@code dst}, row-major.
   *
   * @return false, with {@code dst} untouched, when the layout is not one of the direct ones
   */
  static boolean copy(BufferedImage image, int[] dst) {
    ColorModel cm = image.getColorModel();
    if (!cm.getColorSpace().isCS_sRGB() || cm.isAlphaPremultiplied()) {
      return false;
    }
    for (int i = 0; i < cm.getNumComponents(); i++) {
      if (cm.getComponentSize(i) != 8) {
        return false;
      }
    }
    WritableRaster raster = image.getRaster();
    if (cm instanceof ComponentColorModel && cm.getTransferType() == DataBuffer.TYPE_BYTE
        && raster.getSampleModel() instanceof ComponentSampleModel sm
        && raster.getDataBuffer() instanceof DataBufferByte data) {
      return bytes(image, sm, data, cm.hasAlpha(), dst);
    }
    if (cm instanceof DirectColorModel dcm && dcm.getRedMask() == 0xff0000
        && dcm.getGreenMask() == 0xff00 && dcm.getBlueMask() == 0xff
        && (dcm.getAlphaMask() == 0 || dcm.getAlphaMask() == 0xff000000)
        && raster.getSampleModel() instanceof SinglePixelPackedSampleModel sm
        && raster.getDataBuffer() instanceof DataBufferInt data && data.getNumBanks() == 1) {
      return ints(image, sm, data, dcm.hasAlpha(), dst);
    }
    return false;
  }

  private static boolean bytes(BufferedImage image, ComponentSampleModel sm, DataBufferByte data,
      boolean alpha, int[] dst) {
    int bands = alpha ? 4 : 3;
    if (sm.getNumBands() != bands || data.getNumBanks() != 1) {
      return false;
    }
    for (int bank : sm.getBankIndices()) {
      if (bank != 0) {
        return false;
      }
    }
    int[] offsets = sm.getBandOffsets();
    int pixelStride = sm.getPixelStride();
    int lineStride = sm.getScanlineStride();
    byte[] b = data.getData();
    WritableRaster raster = image.getRaster();
    int w = image.getWidth();
    int h = image.getHeight();
    int start = data.getOffset() - raster.getSampleModelTranslateY() * lineStride
        - raster.getSampleModelTranslateX() * pixelStride;
    int ro = offsets[0];
    int go = offsets[1];
    int bo = offsets[2];
    int ao = alpha ? offsets[3] : 0;
    for (int y = 0; y < h; y++) {
      int at = start + y * lineStride;
      int out = y * w;
      if (!alpha) {
        for (int x = 0; x < w; x++, at += pixelStride) {
          dst[out + x] = (b[at + ro] & 0xff) << 16 | (b[at + go] & 0xff) << 8 | b[at + bo] & 0xff;
        }
      } else {
        for (int x = 0; x < w; x++, at += pixelStride) {
          dst[out + x] = ImageDecoder.overWhite((b[at + ao] & 0xff) << 24
              | (b[at + ro] & 0xff) << 16 | (b[at + go] & 0xff) << 8 | b[at + bo] & 0xff);
        }
      }
    }
    return true;
  }

  private static boolean ints(BufferedImage image, SinglePixelPackedSampleModel sm,
      DataBufferInt data, boolean alpha, int[] dst) {
    int lineStride = sm.getScanlineStride();
    int[] p = data.getData();
    WritableRaster raster = image.getRaster();
    int w = image.getWidth();
    int h = image.getHeight();
    int start = data.getOffset() - raster.getSampleModelTranslateY() * lineStride
        - raster.getSampleModelTranslateX();
    for (int y = 0; y < h; y++) {
      int at = start + y * lineStride;
      int out = y * w;
      if (!alpha) {
        for (int x = 0; x < w; x++) {
          dst[out + x] = p[at + x] & 0xffffff;
        }
      } else {
        for (int x = 0; x < w; x++) {
          dst[out + x] = ImageDecoder.overWhite(p[at + x]);
        }
      }
    }
    return true;
  }
}
