package io.github.embeddings4j.core.image;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * The input a network expects: size, channel order and pixel scaling. {@link #write} turns a
 * decoded image into that input, in the NCHW layout of ND4J's convolution layers.
 *
 * <p>Geometry: the image is scaled, keeping its aspect ratio, so that it covers the target
 * (its shorter side, relative to the target's, becomes the target's), then the centre is cut
 * out. Scaling down averages the source pixels each target pixel covers (area resampling, free
 * of the aliasing of bilinear down-scaling); scaling up interpolates bilinearly. Everything is
 * plain Java on {@code float}s, deterministic and thread-safe.
 *
 * @param height the input height in pixels
 * @param width the input width in pixels
 * @param colorOrder the channel order (and count)
 * @param scaling how 8-bit samples become input values
 */
public record InputFormat(int height, int width, ColorOrder colorOrder, PixelScaling scaling)
    implements Preprocessor {

  /**
   * Checks the values.
   *
   * @param height at least 1
   * @param width at least 1
   * @param colorOrder not null
   * @param scaling not null
   * @throws IllegalArgumentException if a size is below 1
   */
  public InputFormat {
    Objects.requireNonNull(colorOrder, "colorOrder");
    Objects.requireNonNull(scaling, "scaling");
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("input size must be positive: " + height + " x " + width);
    }
  }

  /**
   * The number of channels.
   *
   * @return {@code colorOrder().channels()}
   */
  public int channels() {
    return colorOrder.channels();
  }

  /**
   * The number of floats one image takes.
   *
   * @return {@code channels * height * width}
   */
  @Override
  public int size() {
    return channels() * height * width;
  }

  /**
   * The input of one image: {@code [channels, height, width]}.
   *
   * @return a new array
   */
  @Override
  public int[] shape() {
    return new int[] {channels(), height, width};
  }

  /**
   * This format at another size (small inputs for the small models, or a larger crop).
   *
   * @param newHeight the height
   * @param newWidth the width
   * @return a format with the same colour order and scaling
   */
  public InputFormat withSize(int newHeight, int newWidth) {
    return new InputFormat(newHeight, newWidth, colorOrder, scaling);
  }

  /**
   * Writes one image as network input: resized, centre-cropped, in this format's channel order
   * and scaling, channel-major ({@code [c][y][x]}).
   *
   * @param rgb a decoded image; its RGB values are used (alpha ignored: {@link ImageDecoder} has
   *     already composited it)
   * @param dst where to write, {@link #size()} floats from {@code offset}
   * @param offset the first index written
   */
  @Override
  public void write(BufferedImage rgb, float[] dst, int offset) {
    Objects.requireNonNull(rgb, "rgb");
    if (offset < 0 || dst.length - offset < size()) {
      throw new IllegalArgumentException("destination too small: " + dst.length + " floats, "
          + size() + " needed from offset " + offset);
    }
    int sw = rgb.getWidth();
    int sh = rgb.getHeight();
    int[] argb = Pixels.rgb(rgb);
    float[][] planes = Resampler.coverAndCrop(argb, sw, sh, width, height);
    int plane = height * width;
    float[] r = planes[0];
    float[] g = planes[1];
    float[] b = planes[2];
    switch (colorOrder) {
      case RGB -> {
        for (int i = 0; i < plane; i++) {
          dst[offset + i] = scaling.red(r[i]);
          dst[offset + plane + i] = scaling.green(g[i]);
          dst[offset + 2 * plane + i] = scaling.blue(b[i]);
        }
      }
      case BGR -> {
        for (int i = 0; i < plane; i++) {
          dst[offset + i] = scaling.blue(b[i]);
          dst[offset + plane + i] = scaling.green(g[i]);
          dst[offset + 2 * plane + i] = scaling.red(r[i]);
        }
      }
      case GRAY -> {
        for (int i = 0; i < plane; i++) {
          dst[offset + i] = scaling.gray(0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i]);
        }
      }
    }
  }

  /**
   * Convenience for one image: {@link #write} into a new array.
   *
   * @param rgb a decoded image
   * @return {@link #size()} floats, channel-major
   */
  public float[] toArray(BufferedImage rgb) {
    float[] out = new float[size()];
    write(rgb, out, 0);
    return out;
  }
}
