package io.github.embeddings4j.cli.report;

import io.github.embeddings4j.core.io.SdkFile;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A scatter plot of 2-D points (for example the first two principal components of embeddings),
 * coloured by label or cluster, with axes, ticks and a legend, written as a PNG.
 *
 * <pre>{@code
 * ScatterPlot.write(Path.of("report/pca.png"), xy, labels, classNames, "Fashion-MNIST, PCA");
 * }</pre>
 */
public final class ScatterPlot {

  static final int WIDTH = 960;
  static final int HEIGHT = 720;
  private static final int LEFT = 70;
  private static final int RIGHT = 190;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;

  private ScatterPlot() {}

  /**
   * Draws the plot.
   *
   * @param xy the points, each {@code {x, y}}
   * @param labels each point's class or cluster, in {@code [0, names.size())}
   * @param names the legend's entry for each class
   * @param title the title
   * @return the image
   * @throws IllegalArgumentException if the arrays do not match or a label has no name
   */
  public static BufferedImage render(float[][] xy, int[] labels, List<String> names, String title) {
    if (xy.length != labels.length) {
      throw new IllegalArgumentException(
          "points and labels differ in number: " + xy.length + " != " + labels.length);
    }
    float minX = Float.POSITIVE_INFINITY;
    float maxX = Float.NEGATIVE_INFINITY;
    float minY = Float.POSITIVE_INFINITY;
    float maxY = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < xy.length; i++) {
      if (xy[i].length != 2) {
        throw new IllegalArgumentException("point " + i + " has " + xy[i].length
            + " coordinates; a scatter plot needs 2");
      }
      if (labels[i] < 0 || labels[i] >= names.size()) {
        throw new IllegalArgumentException("point " + i + " has label " + labels[i]
            + " but only " + names.size() + " names were given");
      }
      if (Float.isFinite(xy[i][0]) && Float.isFinite(xy[i][1])) {
        minX = Math.min(minX, xy[i][0]);
        maxX = Math.max(maxX, xy[i][0]);
        minY = Math.min(minY, xy[i][1]);
        maxY = Math.max(maxY, xy[i][1]);
      }
    }
    if (!(minX <= maxX)) {
      minX = -1;
      maxX = 1;
      minY = -1;
      maxY = 1;
    }
    double padX = Math.max(1e-6, (maxX - minX) * 0.04);
    double padY = Math.max(1e-6, (maxY - minY) * 0.04);
    double x0 = minX - padX;
    double x1 = maxX + padX;
    double y0 = minY - padY;
    double y1 = maxY + padY;

    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
          RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      int plotW = WIDTH - LEFT - RIGHT;
      int plotH = HEIGHT - TOP - BOTTOM;

      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.setColor(Color.BLACK);
      g.drawString(title, LEFT, TOP - 20);

      // Grid and ticks.
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      FontMetrics fm = g.getFontMetrics();
      for (double t : ticks(x0, x1)) {
        int px = LEFT + (int) Math.round((t - x0) / (x1 - x0) * plotW);
        g.setColor(new Color(235, 235, 235));
        g.drawLine(px, TOP, px, TOP + plotH);
        g.setColor(Color.DARK_GRAY);
        String s = format(t);
        g.drawString(s, px - fm.stringWidth(s) / 2, TOP + plotH + 16);
      }
      for (double t : ticks(y0, y1)) {
        int py = TOP + plotH - (int) Math.round((t - y0) / (y1 - y0) * plotH);
        g.setColor(new Color(235, 235, 235));
        g.drawLine(LEFT, py, LEFT + plotW, py);
        g.setColor(Color.DARK_GRAY);
        String s = format(t);
        g.drawString(s, LEFT - 6 - fm.stringWidth(s), py + 4);
      }
      g.setColor(Color.GRAY);
      g.drawRect(LEFT, TOP, plotW, plotH);
      g.drawString("component 1", LEFT + plotW / 2 - 30, HEIGHT - 20);
      g.rotate(-Math.PI / 2);
      g.drawString("component 2", -(TOP + plotH / 2 + 30), 18);
      g.rotate(Math.PI / 2);

      // Points, small and translucent so dense regions read as dense.
      int r = xy.length > 5000 ? 2 : xy.length > 500 ? 3 : 4;
      for (int i = 0; i < xy.length; i++) {
        if (!Float.isFinite(xy[i][0]) || !Float.isFinite(xy[i][1])) {
          continue;
        }
        int px = LEFT + (int) Math.round((xy[i][0] - x0) / (x1 - x0) * plotW);
        int py = TOP + plotH - (int) Math.round((xy[i][1] - y0) / (y1 - y0) * plotH);
        Color c = Palette.color(labels[i]);
        g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 150));
        g.fillOval(px - r, py - r, 2 * r, 2 * r);
      }

      // Legend.
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      int lx = WIDTH - RIGHT + 15;
      int ly = TOP + 10;
      for (int c = 0; c < names.size(); c++) {
        g.setColor(Palette.color(c));
        g.fillOval(lx, ly + c * 20 - 9, 10, 10);
        g.setColor(Color.BLACK);
        g.drawString(names.get(c), lx + 16, ly + c * 20);
      }
      g.setStroke(new BasicStroke(1f));
    } finally {
      g.dispose();
    }
    return img;
  }

  /**
   * Draws the plot and writes it as a PNG, atomically.
   *
   * @param png the file to write
   * @param xy the points
   * @param labels each point's class
   * @param names the legend
   * @param title the title
   * @throws IOException if the file cannot be written
   */
  public static void write(Path png, float[][] xy, int[] labels, List<String> names, String title)
      throws IOException {
    BufferedImage img = render(xy, labels, names, title);
    SdkFile.writeAtomically(png, out -> ImageIO.write(img, "png", out));
  }

  /** About six round-numbered ticks covering [lo, hi]. */
  static double[] ticks(double lo, double hi) {
    double span = hi - lo;
    double raw = span / 6;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag
        : 10 * mag;
    double first = Math.ceil(lo / step) * step;
    int n = (int) Math.floor((hi - first) / step) + 1;
    double[] t = new double[Math.max(0, n)];
    for (int i = 0; i < t.length; i++) {
      t[i] = first + i * step;
    }
    return t;
  }

  private static String format(double v) {
    if (Math.abs(v) < 1e-9) {
      return "0";
    }
    return Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? String.format(Locale.ROOT, "%.1e", v)
        : String.format(Locale.ROOT, "%.4g", v).replaceAll("\\.?0+$", "");
  }
}
