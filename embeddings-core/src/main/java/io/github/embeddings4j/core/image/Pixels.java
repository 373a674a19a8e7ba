package io.github.embeddings4j.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.SinglePixelPackedSampleModel;

/** An image's pixels as packed {@code 0x??RRGGBB} ints, row by row, for reading only. */
final class Pixels {

  private Pixels() {}

  /**
   * The pixels of an image. For the decoder's own kind ({@code TYPE_INT_RGB}, or {@code
   * TYPE_INT_ARGB}) whose raster is the whole buffer, the buffer itself, without a copy or the
   * colour model's per-pixel conversion that {@code getRGB} makes (the alpha byte is not used by
   * the callers); otherwise {@code getRGB}'s sRGB conversion.
   *
   * @param image the image
   * @return {@code width * height} pixels; the caller must not write to them
   */
  static int[] rgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int type = image.getType();
    if ((type == BufferedImage.TYPE_INT_RGB || type == BufferedImage.TYPE_INT_ARGB)
        && image.getRaster().getDataBuffer() instanceof DataBufferInt buffer
        && buffer.getNumBanks() == 1 && buffer.getOffset() == 0
        && image.getRaster().getSampleModelTranslateX() == 0
        && image.getRaster().getSampleModelTranslateY() == 0
        && image.getSampleModel() instanceof SinglePixelPackedSampleModel sm
        && sm.getScanlineStride() == w && buffer.getData().length == w * h) {
      return buffer.getData();
    }
    return image.getRGB(0, 0, w, h, null, 0, w);
  }
}
