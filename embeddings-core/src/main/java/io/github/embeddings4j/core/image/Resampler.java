package io.github.embeddings4j.core.image;

/**
 * Separable resampling of packed RGB pixels into three float planes: area averaging when
 * shrinking, bilinear interpolation when enlarging, computed only for the cropped window.
 */
final class Resampler {

  private Resampler() {}

  /**
   * Scales the image to cover {@code tw x th} (aspect ratio kept) and cuts out the centre.
   *
   * @return planes red, green, blue, each {@code th * tw} values in {@code [0, 255]}
   */
  static float[][] coverAndCrop(int[] argb, int sw, int sh, int tw, int th) {
    if (sw == tw && sh == th) {
      // Already the target's size: the area weights would all be 1, so the planes are the
      // samples themselves (bit for bit what the passes below compute).
      float[][] planes = new float[3][tw * th];
      for (int i = 0; i < planes[0].length; i++) {
        int p = argb[i];
        planes[0][i] = (p >> 16) & 0xff;
        planes[1][i] = (p >> 8) & 0xff;
        planes[2][i] = p & 0xff;
      }
      return planes;
    }
    double scale = Math.max((double) tw / sw, (double) th / sh);
    // The size of the scaled image, at least the target in each direction.
    int rw = Math.max(tw, (int) Math.round(sw * scale));
    int rh = Math.max(th, (int) Math.round(sh * scale));
    Kernel kx = Kernel.of(sw, rw, (rw - tw) / 2, tw);
    Kernel ky = Kernel.of(sh, rh, (rh - th) / 2, th);

    // Horizontal pass: sh rows of tw pixels, per channel.
    float[][] horizontal = new float[3][sh * tw];
    for (int y = 0; y < sh; y++) {
      int row = y * sw;
      for (int x = 0; x < tw; x++) {
        int start = kx.start[x];
        float[] w = kx.weights[x];
        float r = 0;
        float g = 0;
        float b = 0;
        for (int k = 0; k < w.length; k++) {
          int p = argb[row + start + k];
          r += w[k] * ((p >> 16) & 0xff);
          g += w[k] * ((p >> 8) & 0xff);
          b += w[k] * (p & 0xff);
        }
        horizontal[0][y * tw + x] = r;
        horizontal[1][y * tw + x] = g;
        horizontal[2][y * tw + x] = b;
      }
    }
    // Vertical pass.
    float[][] out = new float[3][th * tw];
    for (int c = 0; c < 3; c++) {
      float[] src = horizontal[c];
      float[] dst = out[c];
      for (int y = 0; y < th; y++) {
        int start = ky.start[y];
        float[] w = ky.weights[y];
        for (int x = 0; x < tw; x++) {
          float v = 0;
          for (int k = 0; k < w.length; k++) {
            v += w[k] * src[(start + k) * tw + x];
          }
          dst[y * tw + x] = v;
        }
      }
    }
    return out;
  }

  /** For each target index, the first source index and the weights of the source run. */
  record Kernel(int[] start, float[][] weights) {

    /**
     * Weights mapping {@code in} source samples onto {@code out} scaled samples, of which the
     * {@code count} from {@code from} are computed.
     */
    static Kernel of(int in, int out, int from, int count) {
      int[] start = new int[count];
      float[][] weights = new float[count][];
      double s = (double) in / out;
      for (int i = 0; i < count; i++) {
        int o = from + i;
        if (s >= 1.0) {
          // Area: the source interval [o*s, (o+1)*s) and how much of each pixel it covers.
          double lo = o * s;
          double hi = Math.min(in, (o + 1) * s);
          int first = (int) Math.floor(lo);
          int last = Math.min(in - 1, (int) Math.ceil(hi) - 1);
          float[] w = new float[last - first + 1];
          double total = 0;
          for (int j = first; j <= last; j++) {
            double cover = Math.min(hi, j + 1) - Math.max(lo, j);
            w[j - first] = (float) cover;
            total += cover;
          }
          for (int j = 0; j < w.length; j++) {
            w[j] = (float) (w[j] / total);
          }
          start[i] = first;
          weights[i] = w;
        } else {
          // Bilinear, pixel centres aligned, edges clamped.
          double centre = (o + 0.5) * s - 0.5;
          int j0 = (int) Math.floor(centre);
          double frac = centre - j0;
          if (j0 < 0) {
            j0 = 0;
            frac = 0;
          }
          if (j0 >= in - 1) {
            start[i] = in - 1;
            weights[i] = new float[] {1f};
          } else {
            start[i] = j0;
            weights[i] = new float[] {(float) (1 - frac), (float) frac};
          }
        }
      }
      return new Kernel(start, weights);
    }
  }
}
