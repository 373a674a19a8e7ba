package io.github.embeddings4j.cli.report;

import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.io.SdkFile;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Small pictures for reports: from a dataset's pixels or from any decoded image. */
public final class Thumbnails {

  private Thumbnails() {}

  /**
   * One grayscale image of a dataset as a picture, pixel for pixel.
   *
   * @param images the dataset
   * @param i the image
   * @return a {@code TYPE_BYTE_GRAY} image
   */
  public static BufferedImage of(LabeledImages images, int i) {
    BufferedImage img =
        new BufferedImage(images.width(), images.height(), BufferedImage.TYPE_BYTE_GRAY);
    for (int r = 0; r < images.height(); r++) {
      for (int c = 0; c < images.width(); c++) {
        int v = images.pixel(i, r, c);
        img.getRaster().setSample(c, r, 0, v);
      }
    }
    return img;
  }

  /**
   * Scales an image so that its longer side is {@code size} pixels (never enlarging by more
   * than the image needs to reach it).
   *
   * @param image the image
   * @param size the longer side of the result
   * @return the thumbnail
   */
  public static BufferedImage scale(BufferedImage image, int size) {
    double s = (double) size / Math.max(image.getWidth(), image.getHeight());
    int w = Math.max(1, (int) Math.round(image.getWidth() * s));
    int h = Math.max(1, (int) Math.round(image.getHeight() * s));
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.setColor(java.awt.Color.WHITE);
      g.fillRect(0, 0, w, h);
      g.drawImage(image, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  /**
   * Writes a picture as a PNG, atomically.
   *
   * @param png the file
   * @param image the picture
   * @throws IOException if it cannot be written
   */
  public static void writePng(Path png, BufferedImage image) throws IOException {
    SdkFile.writeAtomically(png, out -> ImageIO.write(image, "png", out));
  }
}
