package io.github.embeddings4j.cli.report;

import io.github.embeddings4j.core.io.SdkFile;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A PNG grid of thumbnails under a title: one per cluster, or any group of images. */
public final class ContactSheet {

  private static final int GAP = 4;
  private static final int TITLE = 28;

  private ContactSheet() {}

  /**
   * Draws the sheet. Each image is scaled to fit a {@code cell x cell} square, keeping its
   * aspect ratio.
   *
   * @param images the thumbnails, in reading order
   * @param columns images per row, at least 1
   * @param cell the side of each cell in pixels, at least 8
   * @param title the heading
   * @return the sheet
   * @throws IllegalArgumentException if {@code columns} or {@code cell} is too small
   */
  public static BufferedImage render(List<BufferedImage> images, int columns, int cell,
      String title) {
    if (columns < 1 || cell < 8) {
      throw new IllegalArgumentException(
          "a contact sheet needs columns >= 1 and cell >= 8, got " + columns + " and " + cell);
    }
    int rows = Math.max(1, (images.size() + columns - 1) / columns);
    int width = Math.max(200, columns * (cell + GAP) + GAP);
    int height = TITLE + rows * (cell + GAP) + GAP;
    BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
          RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(title, GAP, 19);
      for (int i = 0; i < images.size(); i++) {
        BufferedImage im = images.get(i);
        int cx = GAP + (i % columns) * (cell + GAP);
        int cy = TITLE + (i / columns) * (cell + GAP);
        double s = Math.min((double) cell / im.getWidth(), (double) cell / im.getHeight());
        int w = Math.max(1, (int) Math.round(im.getWidth() * s));
        int h = Math.max(1, (int) Math.round(im.getHeight() * s));
        g.drawImage(im, cx + (cell - w) / 2, cy + (cell - h) / 2, w, h, null);
      }
    } finally {
      g.dispose();
    }
    return sheet;
  }

  /**
   * Draws the sheet and writes it as a PNG, atomically.
   *
   * @param png the file
   * @param images the thumbnails
   * @param columns images per row
   * @param cell the side of each cell
   * @param title the heading
   * @throws IOException if the file cannot be written
   */
  public static void write(Path png, List<BufferedImage> images, int columns, int cell,
      String title) throws IOException {
    BufferedImage sheet = render(images, columns, cell, title);
    SdkFile.writeAtomically(png, out -> ImageIO.write(sheet, "png", out));
  }
}
