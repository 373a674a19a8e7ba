package io.github.embeddings4j.core.image;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Times the image path's parts side by side, alternated round by round (median of the paired
 * ratios): reading the decoder's pixels with {@code getRGB} against {@link Pixels#rgb}, and an
 * image already at the network's size through the resampling passes (a one-pixel-wider source,
 * cropped: the same passes at scale 1) against the shortcut; then a whole {@link InputFormat}
 * write at 224 x 224 (ResNet50's) from 224 x 224 and from 256 x 256 images.
 *
 * <pre>
 * java -cp ... io.github.embeddings4j.core.image.ImagePathTiming [rounds]
 * </pre>
 */
public final class ImagePathTiming {

  private ImagePathTiming() {}

  /**
   * Runs the timing.
   *
   * @param args rounds (default 21)
   */
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 21;
    BufferedImage at = noise(224, 224);
    BufferedImage wider = noise(225, 224);
    BufferedImage big = noise(256, 256);
    InputFormat format = new InputFormat(224, 224, ColorOrder.BGR, PixelScaling.IMAGENET_MEAN);
    float[] out = new float[format.size()];
    double[] read = new double[rounds];
    double[] same = new double[rounds];
    double[] whole = new double[rounds];
    double[] resize = new double[rounds];
    double[] readOld = new double[rounds];
    double[] passes = new double[rounds];
    long sink = 0;
    for (int k = -5; k < rounds; k++) {
      int reps = 200;
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        sink += at.getRGB(0, 0, 224, 224, null, 0, 224)[i];
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        sink += Pixels.rgb(at)[i];
      }
      long t2 = System.nanoTime();
      int[] px = Pixels.rgb(wider);
      for (int i = 0; i < reps; i++) {
        sink += (long) Resampler.coverAndCrop(px, 225, 224, 224, 224)[0][i];
      }
      long t3 = System.nanoTime();
      int[] same224 = Pixels.rgb(at);
      for (int i = 0; i < reps; i++) {
        sink += (long) Resampler.coverAndCrop(same224, 224, 224, 224, 224)[0][i];
      }
      long t4 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        format.write(at, out, 0);
      }
      long t5 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        format.write(big, out, 0);
      }
      long t6 = System.nanoTime();
      if (k >= 0) {
        readOld[k] = (t1 - t0) / 1e3 / reps;
        read[k] = (t2 - t1) / 1e3 / reps;
        passes[k] = (t3 - t2) / 1e3 / reps;
        same[k] = (t4 - t3) / 1e3 / reps;
        whole[k] = (t5 - t4) / 1e3 / reps;
        resize[k] = (t6 - t5) / 1e3 / reps;
      }
    }
    System.out.printf(Locale.ROOT, "reading 224x224 pixels: getRGB %.1f us, Pixels.rgb %.2f us%n",
        median(readOld), median(read));
    System.out.printf(Locale.ROOT, "224x224 at its size: resampling passes %.1f us, shortcut %.1f"
        + " us (%.1fx)%n", median(passes), median(same), ratio(passes, same));
    System.out.printf(Locale.ROOT, "InputFormat.write 224x224 from 224x224 %.1f us, from 256x256"
        + " %.1f us (%d)%n", median(whole), median(resize), sink & 1);
  }

  private static double ratio(double[] a, double[] b) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] / b[i];
    }
    return median(r);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static BufferedImage noise(int w, int h) {
    Random r = new Random(w * 31L + h);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    return img;
  }
}
