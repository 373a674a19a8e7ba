package io.github.embeddings4j.core.onnx;

/**
 * A vision transformer's position embedding for another image size: the table of one row per
 * patch of a square grid, resampled to another grid by bicubic interpolation as PyTorch's
 * {@code F.interpolate(mode='bicubic', align_corners=False)} computes it (what timm's {@code
 * resample_abs_pos_embed} and Hugging Face's {@code interpolate_pos_encoding} do, without
 * timm's antialiasing when the grid shrinks). The rows before the grid (a class token's) are
 * kept as they are.
 */
final class PositionGrid {

  /** PyTorch's cubic convolution coefficient. */
  private static final double A = -0.75;

  private PositionGrid() {
  }

  /**
   * The side of the square grid that {@code cells} rows make; -1 if they make none.
   *
   * @param cells the table's rows after the prefix
   */
  static int side(long cells) {
    long s = Math.round(Math.sqrt(cells));
    return cells > 0 && s * s == cells ? (int) s : -1;
  }

  /**
   * The table resampled.
   *
   * @param table rows of {@code channels} values: {@code prefix} rows, then the grid row by row
   * @param channels the values per row
   * @param prefix the rows before the grid (1 for a class token)
   * @param side the grid's side
   * @param height the new grid's rows
   * @param width the new grid's columns
   * @return {@code prefix + height * width} rows of {@code channels} values
   */
  static float[] resample(float[] table, int channels, int prefix, int side, int height,
      int width) {
    float[] out = new float[(prefix + height * width) * channels];
    System.arraycopy(table, 0, out, 0, prefix * channels);
    int[][] rows = new int[height][];
    double[][] rowWeights = new double[height][];
    taps(side, height, rows, rowWeights);
    int[][] cols = new int[width][];
    double[][] colWeights = new double[width][];
    taps(side, width, cols, colWeights);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int to = (prefix + y * width + x) * channels;
        for (int ch = 0; ch < channels; ch++) {
          double sum = 0;
          for (int i = 0; i < 4; i++) {
            double across = 0;
            for (int j = 0; j < 4; j++) {
              across += colWeights[x][j] * table[(prefix + rows[y][i] * side + cols[x][j])
                  * channels + ch];
            }
            sum += rowWeights[y][i] * across;
          }
          out[to + ch] = (float) sum;
        }
      }
    }
    return out;
  }

  /** The four source indices (clamped) and weights of each output index along one axis. */
  private static void taps(int in, int out, int[][] index, double[][] weight) {
    double scale = (double) in / out;
    for (int o = 0; o < out; o++) {
      double src = scale * (o + 0.5) - 0.5; // not clamped, as PyTorch's cubic mode
      int base = (int) Math.floor(src);
      double t = src - base;
      index[o] = new int[4];
      weight[o] = new double[] {far(t + 1), near(t), near(1 - t), far(2 - t)};
      for (int k = 0; k < 4; k++) {
        index[o][k] = Math.min(in - 1, Math.max(0, base - 1 + k));
      }
    }
  }

  /** The cubic kernel for a distance of at most 1. */
  private static double near(double x) {
    return ((A + 2) * x - (A + 3)) * x * x + 1;
  }

  /** The cubic kernel for a distance between 1 and 2. */
  private static double far(double x) {
    return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  }
}
