package io.github.embeddings4j.core.image;

/**
 * Resizes 8-bit RGB pixels the way Pillow does for an {@code "RGB"} image, to the bit: the
 * separable convolution resampler with a filter whose support widens by the reduction factor when
 * shrinking (antialiasing), weights normalised per output pixel and rounded to fixed point with
 * 22 fractional bits, the horizontal pass first, each pass rounded and clamped to 8 bits. It is
 * what torchvision's transforms and CLIP's preprocessing do to a PIL image, so presets built on
 * it ({@link Preprocessing}) give a network the same input as Python does.
 */
final class PilResize {

  /** Fractional bits of the fixed-point weights (32 bits, less 8 for the sample and 2 spare). */
  private static final int PRECISION_BITS = 32 - 8 - 2;

  private PilResize() {}

  /** A resampling filter: its support at scale 1 and its kernel. */
  enum Filter {
    /** The triangle filter (Pillow's BILINEAR). */
    BILINEAR(1.0),
    /** Keys' cubic with a = -0.5 (Pillow's BICUBIC). */
    BICUBIC(2.0);

    final double support;

    Filter(double support) {
      this.support = support;
    }

    double weight(double x) {
      double ax = Math.abs(x);
      if (this == BILINEAR) {
        return ax < 1.0 ? 1.0 - ax : 0.0;
      }
      double a = -0.5;
      if (ax < 1.0) {
        return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1.0;
      }
      if (ax < 2.0) {
        return (((ax - 5.0) * ax + 8.0) * ax - 4.0) * a;
      }
      return 0.0;
    }
  }

  /** Per output index: the first source index, and the fixed-point weights from there. */
  private record Coefficients(int[] first, int[][] weights) {

    static Coefficients of(int in, int out, Filter filter) {
      double scale = (double) in / out;
      double filterScale = Math.max(scale, 1.0);
      double support = filter.support * filterScale;
      int[] first = new int[out];
      int[][] weights = new int[out][];
      for (int o = 0; o < out; o++) {
        double center = (o + 0.5) * scale;
        int lo = Math.max((int) (center - support + 0.5), 0);
        int hi = Math.min((int) (center + support + 0.5), in);
        double[] k = new double[Math.max(0, hi - lo)];
        double total = 0;
        for (int x = 0; x < k.length; x++) {
          k[x] = filter.weight((x + lo - center + 0.5) / filterScale);
          total += k[x];
        }
        int[] fixed = new int[k.length];
        for (int x = 0; x < k.length; x++) {
          double w = total != 0 ? k[x] / total : k[x];
          double f = w * (1 << PRECISION_BITS);
          fixed[x] = (int) (w < 0 ? f - 0.5 : f + 0.5);
        }
        first[o] = lo;
        weights[o] = fixed;
      }
      return new Coefficients(first, weights);
    }
  }

  /**
   * Resizes packed RGB pixels.
   *
   * @param rgb {@code sw * sh} pixels, {@code 0xRRGGBB} (higher bits ignored), row by row
   * @param sw source width
   * @param sh source height
   * @param tw target width
   * @param th target height
   * @param filter the filter
   * @return {@code tw * th} pixels, {@code 0xRRGGBB}
   */
  static int[] resize(int[] rgb, int sw, int sh, int tw, int th, Filter filter) {
    int[] img = rgb;
    int w = sw;
    if (tw != sw) {
      Coefficients c = Coefficients.of(sw, tw, filter);
      int[] out = new int[tw * sh];
      for (int y = 0; y < sh; y++) {
        int row = y * sw;
        for (int x = 0; x < tw; x++) {
          out[y * tw + x] = convolve(img, row + c.first[x], 1, c.weights[x]);
        }
      }
      img = out;
      w = tw;
    }
    if (th != sh) {
      Coefficients c = Coefficients.of(sh, th, filter);
      int[] out = new int[w * th];
      for (int y = 0; y < th; y++) {
        int start = c.first[y] * w;
        for (int x = 0; x < w; x++) {
          out[y * w + x] = convolve(img, start + x, w, c.weights[y]);
        }
      }
      img = out;
    }
    return img == rgb ? rgb.clone() : img;
  }

  /** One output pixel: the weighted sum of samples {@code at, at + step, ...}, per channel. */
  private static int convolve(int[] img, int at, int step, int[] k) {
    int half = 1 << (PRECISION_BITS - 1);
    int r = half;
    int g = half;
    int b = half;
    for (int i = 0; i < k.length; i++) {
      int p = img[at + i * step];
      r += ((p >> 16) & 0xff) * k[i];
      g += ((p >> 8) & 0xff) * k[i];
      b += (p & 0xff) * k[i];
    }
    return (clip8(r) << 16) | (clip8(g) << 8) | clip8(b);
  }

  private static int clip8(int v) {
    int s = v >> PRECISION_BITS;
    return s < 0 ? 0 : Math.min(s, 255);
  }
}
