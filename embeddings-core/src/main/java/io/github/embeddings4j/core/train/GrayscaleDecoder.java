package io.github.embeddings4j.core.train;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import javax.imageio.ImageIO;

/**
 * Decodes an image source to grayscale bytes of a fixed size (bilinear resize).
 *
 * <p>TO BE REPLACED ON MERGE by the {@code core.image} decoder (size limits, colour spaces).
 */
final class GrayscaleDecoder {

  private GrayscaleDecoder() {}

  static byte[] decode(ImageSource source, int height, int width) throws EmbeddingException {
    BufferedImage src;
    if (source instanceof ImageSource.DecodedSource d) {
      src = d.image();
    } else {
      try (InputStream in = source.openStream()) {
        src = ImageIO.read(in);
      } catch (IOException | RuntimeException e) {
        throw new EmbeddingException(source.name(), "cannot read image: " + e.getMessage(), e);
      }
      if (src == null) {
        throw new EmbeddingException(source.name(), "not a decodable image", null);
      }
    }
    BufferedImage gray = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = gray.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
        RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, width, height, null);
    g.dispose();
    return (byte[]) gray.getRaster().getDataElements(0, 0, width, height, null);
  }
}
