package io.github.embeddings4j.core.train;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.image.ImageDecoder;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * Decodes an image source to grayscale bytes of a fixed size (bilinear resize). Decoding and its
 * checks (size limits, colour spaces, damaged input named) are {@link ImageDecoder}'s.
 */
final class GrayscaleDecoder {

  private GrayscaleDecoder() {}

  static byte[] decode(ImageDecoder decoder, ImageSource source, int height, int width)
      throws EmbeddingException {
    BufferedImage src = decoder.decode(source);
    BufferedImage gray = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = gray.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
        RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, width, height, null);
    g.dispose();
    return (byte[]) gray.getRaster().getDataElements(0, 0, width, height, null);
  }
}
