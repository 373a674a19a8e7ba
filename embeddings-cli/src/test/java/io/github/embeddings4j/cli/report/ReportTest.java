package io.github.embeddings4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.data.LabeledImages;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

  @TempDir Path dir;

  /** Counts pixels of exactly this colour after compositing the translucent point on white. */
  private static int countNear(BufferedImage img, Color c, int tolerance) {
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        Color p = new Color(img.getRGB(x, y));
        if (Math.abs(p.getRed() - c.getRed()) <= tolerance
            && Math.abs(p.getGreen() - c.getGreen()) <= tolerance
            && Math.abs(p.getBlue() - c.getBlue()) <= tolerance) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void scatterPlotDrawsEachClassInItsColourOnTheCorrectSide() throws IOException {
    // Class 0 on the left, class 1 on the right.
    float[][] xy = new float[200][];
    int[] labels = new int[200];
    for (int i = 0; i < 200; i++) {
      labels[i] = i % 2;
      xy[i] = new float[] {labels[i] == 0 ? -10 + i * 0.01f : 10 + i * 0.01f, i * 0.05f};
    }
    Path png = dir.resolve("plot.png");
    ScatterPlot.write(png, xy, labels, List.of("left", "right"), "test plot");
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(ScatterPlot.WIDTH, img.getWidth());
    assertEquals(ScatterPlot.HEIGHT, img.getHeight());

    int half = ScatterPlot.WIDTH / 2;
    BufferedImage leftHalf = img.getSubimage(0, 0, half - 60, img.getHeight());
    BufferedImage rightHalf = img.getSubimage(half - 60, 0, half - 130, img.getHeight());
    Color blue = Palette.color(0);
    Color orange = Palette.color(1);
    assertTrue(countNear(leftHalf, blend(blue), 12) > 200, "class 0 drawn on the left");
    assertTrue(countNear(rightHalf, blend(orange), 12) > 200, "class 1 drawn on the right");
    assertEquals(0, countNear(rightHalf, blend(blue), 12), "no class 0 on the right");
  }

  private static Color blend(Color c) {
    // alpha 150 over white
    double a = 150 / 255.0;
    return new Color((int) Math.round(c.getRed() * a + 255 * (1 - a)),
        (int) Math.round(c.getGreen() * a + 255 * (1 - a)),
        (int) Math.round(c.getBlue() * a + 255 * (1 - a)));
  }

  @Test
  void scatterPlotRefusesMismatchedInput() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScatterPlot.render(new float[2][2], new int[3], List.of("a"), "t"));
    assertTrue(e.getMessage().contains("2 != 3"), e.getMessage());
    IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
        () -> ScatterPlot.render(new float[][] {{0, 0}}, new int[] {4}, List.of("a"), "t"));
    assertTrue(label.getMessage().contains("label 4"), label.getMessage());
  }

  @Test
  void ticksAreRoundAndCoverTheRange() {
    assertArrayEquals(new double[] {0, 2, 4, 6, 8, 10}, ScatterPlot.ticks(-0.3, 10.2), 1e-12);
    double[] t = ScatterPlot.ticks(0.0012, 0.0047);
    assertTrue(t.length >= 3 && t[0] >= 0.0012 && t[t.length - 1] <= 0.0047);
  }

  @Test
  void contactSheetLaysOutAGrid() {
    BufferedImage red = new BufferedImage(10, 20, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 20; y++) {
      for (int x = 0; x < 10; x++) {
        red.setRGB(x, y, 0xff0000);
      }
    }
    BufferedImage sheet = ContactSheet.render(List.of(red, red, red, red, red), 4, 60, "c");
    assertEquals(4 * 64 + 4, sheet.getWidth());
    assertEquals(28 + 2 * 64 + 4, sheet.getHeight());
    // The 5th image sits in row 2, column 1, centred: a 30x60 red strip from x = 4 + 15.
    assertEquals(0xff0000, sheet.getRGB(4 + 30, 28 + 64 + 30) & 0xffffff);
    assertEquals(0xffffff, sheet.getRGB(4 + 5, 28 + 64 + 30) & 0xffffff, "beside the strip");
    assertEquals(0xffffff, sheet.getRGB(4 + 64 + 30, 28 + 64 + 30) & 0xffffff, "empty cell");
    assertThrows(IllegalArgumentException.class, () -> ContactSheet.render(List.of(), 0, 40, "c"));
  }

  @Test
  void thumbnailsKeepPixelsAndAspect() {
    byte[] px = new byte[2 * 3];
    px[4] = (byte) 200;
    LabeledImages one = new LabeledImages(2, 3, px, new byte[] {1});
    BufferedImage t = Thumbnails.of(one, 0);
    assertEquals(3, t.getWidth());
    assertEquals(200, t.getRaster().getSample(1, 1, 0));
    BufferedImage s = Thumbnails.scale(new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB), 64);
    assertEquals(64, s.getWidth());
    assertEquals(32, s.getHeight());
  }

  @Test
  void htmlEscapesAndLinksRelativePaths() throws IOException {
    HtmlReport r = new HtmlReport("A <b> report")
        .paragraph("x & y")
        .table("Accuracy", List.of("method", "accuracy"), List.of(List.of("kNN <raw>", "0.8600")))
        .image("PCA", "pca.png", "two components")
        .gallery("Neighbours", List.of(new HtmlReport.GalleryRow("q/0.png", "Coat",
            List.of(new HtmlReport.Hit("t/5.png", "Coat", 0.125, true),
                new HtmlReport.Hit("t/9.png", "Shirt", 0.5, false)))));
    Path index = dir.resolve("index.html");
    r.write(index);
    String html = Files.readString(index);
    assertTrue(html.contains("<title>A &lt;b&gt; report</title>"));
    assertTrue(html.contains("<p>x &amp; y</p>"));
    assertTrue(html.contains("<td>kNN &lt;raw&gt;</td><td class=\"num\">0.8600</td>"));
    assertTrue(html.contains("<img src=\"pca.png\""));
    assertTrue(html.contains("class=\"hit\"><img src=\"t/5.png\"") && html.contains("0.1250"));
    assertTrue(html.contains("class=\"miss\""));
    assertFalse(html.contains("<b>"));
  }
}
