package io.github.embeddings4j.cli.report;

import java.awt.Color;

/** Ten colours that stay distinguishable on white and for most colour-blind readers. */
final class Palette {

  private static final int[] RGB = {
      0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
      0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};

  private Palette() {}

  /**
   * The colour of a class or cluster; indices past ten cycle with a darker shade.
   *
   * @param index the class, at least 0
   * @return its colour
   */
  static Color color(int index) {
    Color base = new Color(RGB[Math.floorMod(index, RGB.length)]);
    int round = Math.floorDiv(index, RGB.length);
    for (int i = 0; i < round % 3; i++) {
      base = base.darker();
    }
    return base;
  }

  /**
   * The colour as CSS.
   *
   * @param index the class
   * @return e.g. {@code #1f77b4}
   */
  static String css(int index) {
    return String.format("#%06x", color(index).getRGB() & 0xffffff);
  }
}
