package io.github.embeddings4j.core.image;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Image preprocessing as PyTorch models expect it, exactly: the shorter side resized (Pillow's
 * antialiased bilinear or bicubic, to the bit, as torchvision's {@code Resize} does to a PIL
 * image), a centre crop (torchvision's rounding), samples scaled to {@code [0, 1]}, then {@code
 * (x - mean) / std} per channel. The presets are those of the model families:
 *
 * <table>
 * <caption>Presets</caption>
 * <tr><th>preset</th><th>resize (shorter side)</th><th>crop</th><th>values</th></tr>
 * <tr><td>{@link #imagenet()}</td><td>256, bilinear</td><td>224</td><td>mean (0.485, 0.456,
 * 0.406), std (0.229, 0.224, 0.225): torchvision's classification models, timm's
 * defaults</td></tr>
 * <tr><td>{@link #clip()}</td><td>224, bicubic</td><td>224</td><td>mean (0.48145466, 0.4578275,
 * 0.40821073), std (0.26862954, 0.26130258, 0.27577711): OpenAI CLIP and its kin</td></tr>
 * <tr><td>{@link #inception()}</td><td>299, bilinear</td><td>299</td><td>{@code 2x - 1}, in
 * {@code [-1, 1]}: Inception, Keras "tf" models</td></tr>
 * <tr><td>{@link #none()}</td><td>224, bilinear</td><td>224</td><td>{@code [0, 1]}, no mean or
 * deviation</td></tr>
 * <tr><td>{@link #siglip()}</td><td>both sides to 224 (stretched), bicubic</td><td>none</td>
 * <td>{@code 2x - 1}, in {@code [-1, 1]}: SigLIP and SigLIP 2 as Hugging Face prepares
 * them</td></tr>
 * <tr><td>{@link #raw()}</td><td>224, bilinear</td><td>224</td><td>the pixels, 0 to 255:
 * models that scale them themselves, and uint8 inputs</td></tr>
 * </table>
 *
 * <p>{@link Builder#stretch(boolean)} resizes both sides to the input size, ignoring the aspect
 * ratio and cropping nothing, as Hugging Face's {@code ViTImageProcessor} and {@code
 * SiglipImageProcessor} do (with Pillow, so the same filters apply to the bit).
 *
 * <pre>{@code
 * Preprocessing p = Preprocessing.imagenet();                  // a preset
 * Preprocessing q = Preprocessing.imagenet().toBuilder()       // or adjusted
 *     .size(384, 384).resize(384).interpolation(Preprocessing.Interpolation.BICUBIC).build();
 * }</pre>
 *
 * <p>Immutable and safe to share between threads.
 */
public final class Preprocessing implements Preprocessor {

  /** How the image is resampled. */
  public enum Interpolation {
    /** Pillow's BILINEAR: the triangle filter, widened when shrinking. */
    BILINEAR,
    /** Pillow's BICUBIC: Keys' cubic (a = -0.5), widened when shrinking. */
    BICUBIC
  }

  private final String name;
  private final int height;
  private final int width;
  private final int resize;
  private final Interpolation interpolation;
  private final ColorOrder colorOrder;
  private final float[] mean;
  private final float[] std;
  private final boolean channelsLast;
  private final boolean stretch;

  private Preprocessing(Builder b) {
    this.name = b.name;
    this.height = b.height;
    this.width = b.width;
    this.resize = b.resize;
    this.interpolation = b.interpolation;
    this.colorOrder = b.colorOrder;
    this.mean = b.mean.clone();
    this.std = b.std.clone();
    this.channelsLast = b.channelsLast;
    this.stretch = b.stretch;
  }

  /**
   * torchvision's ImageNet preprocessing: shorter side to 256 (bilinear), centre crop 224, mean
   * (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
   *
   * @return the preset
   */
  public static Preprocessing imagenet() {
    return new Builder("imagenet").size(224, 224).resize(256).mean(0.485f, 0.456f, 0.406f)
        .std(0.229f, 0.224f, 0.225f).build();
  }

  /**
   * CLIP's preprocessing: shorter side to 224 (bicubic), centre crop 224, CLIP's mean and std.
   *
   * @return the preset
   */
  public static Preprocessing clip() {
    return new Builder("clip").size(224, 224).resize(224).interpolation(Interpolation.BICUBIC)
        .mean(0.48145466f, 0.4578275f, 0.40821073f).std(0.26862954f, 0.26130258f, 0.27577711f)
        .build();
  }

  /**
   * Inception's preprocessing: shorter side to 299 (bilinear), centre crop 299, values in {@code
   * [-1, 1]}.
   *
   * @return the preset
   */
  public static Preprocessing inception() {
    return new Builder("inception").size(299, 299).resize(299).mean(0.5f, 0.5f, 0.5f)
        .std(0.5f, 0.5f, 0.5f).build();
  }

  /**
   * SigLIP's preprocessing as Hugging Face's {@code SiglipImageProcessor} does it: both sides to
   * 224 (bicubic, the aspect ratio not kept, nothing cropped), values in {@code [-1, 1]}. For
   * the 256, 384 and 512 px variants, set the size ({@code .toBuilder().size(384, 384)}; the
   * size of the model's input is taken where the model fixes it).
   *
   * @return the preset
   */
  public static Preprocessing siglip() {
    return new Builder("siglip").size(224, 224).resize(224).stretch(true)
        .interpolation(Interpolation.BICUBIC).mean(0.5f, 0.5f, 0.5f).std(0.5f, 0.5f, 0.5f)
        .build();
  }

  /**
   * Shorter side to 224 (bilinear), centre crop 224, values in {@code [0, 1]}.
   *
   * @return the preset
   */
  public static Preprocessing none() {
    return new Builder("none").size(224, 224).resize(224).build();
  }

  /**
   * Shorter side to 224 (bilinear), centre crop 224, values from 0 to 255: the pixels as they
   * are, for models that scale them themselves (Keras applications such as EfficientNet and
   * ConvNeXt, exports with their preprocessing inside) and for models whose input is uint8.
   *
   * @return the preset
   */
  public static Preprocessing raw() {
    float s = 1f / 255f;
    return new Builder("raw").size(224, 224).resize(224).std(s, s, s).build();
  }

  /**
   * Whether the values are the pixels as they are, 0 to 255 ({@link #raw()}'s scaling, at any
   * size): what a model with a uint8 input takes.
   *
   * @return whether mean is 0 and the deviation 1/255 in every channel
   */
  public boolean rawPixels() {
    for (int i = 0; i < mean.length; i++) {
      if (mean[i] != 0f || Math.abs(std[i] * 255f - 1f) > 1e-6f) {
        return false;
      }
    }
    return true;
  }

  /** The presets' names, as {@link #preset(String)} takes them. */
  public static final java.util.List<String> PRESETS = java.util.List.of("imagenet", "clip",
      "inception", "siglip", "none", "raw");

  /**
   * A preset by name: {@code imagenet}, {@code clip}, {@code inception}, {@code siglip},
   * {@code none} or {@code raw}.
   *
   * @param preset the name (case ignored)
   * @return the preset
   * @throws IllegalArgumentException naming the valid presets
   */
  public static Preprocessing preset(String preset) {
    return switch (preset.trim().toLowerCase(Locale.ROOT)) {
      case "imagenet" -> imagenet();
      case "clip" -> clip();
      case "inception" -> inception();
      case "siglip" -> siglip();
      case "none" -> none();
      case "raw" -> raw();
      default -> throw new IllegalArgumentException("unknown preprocessing '" + preset
          + "'; valid: " + String.join(", ", PRESETS));
    };
  }

  /**
   * Starts preprocessing of one's own, from {@link #none()}'s settings.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder("custom").size(224, 224).resize(224);
  }

  /**
   * A builder holding these settings.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(name + "*").size(height, width).resize(resize)
        .interpolation(interpolation).colorOrder(colorOrder).channelsLast(channelsLast)
        .stretch(stretch);
    b.mean = mean.clone();
    b.std = std.clone();
    return b;
  }

  /**
   * The preset's name ({@code "imagenet"}, ...), with a {@code *} when changed from it.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The network input's height.
   *
   * @return pixels
   */
  public int height() {
    return height;
  }

  /**
   * The network input's width.
   *
   * @return pixels
   */
  public int width() {
    return width;
  }

  /**
   * The shorter side's length after resizing, before the crop.
   *
   * @return pixels
   */
  public int resize() {
    return resize;
  }

  /**
   * The resampling filter.
   *
   * @return bilinear or bicubic
   */
  public Interpolation interpolation() {
    return interpolation;
  }

  /**
   * The order of the input's channels.
   *
   * @return RGB, BGR or GRAY
   */
  public ColorOrder colorOrder() {
    return colorOrder;
  }

  /**
   * The per-channel means subtracted from samples in {@code [0, 1]}.
   *
   * @return a copy, one value per channel
   */
  public float[] mean() {
    return mean.clone();
  }

  /**
   * The per-channel deviations the centred samples are divided by.
   *
   * @return a copy, one value per channel
   */
  public float[] std() {
    return std.clone();
  }

  /**
   * The values as written: resize, filter, mean and deviation, for descriptions.
   *
   * @return e.g. {@code "shorter side 256 bilinear, mean [0.485, 0.456, 0.406], std [...]"}
   */
  public String values() {
    return resizing() + " " + interpolation.name().toLowerCase(Locale.ROOT)
        + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std);
  }

  /**
   * Whether both sides are resized to the input size, the aspect ratio not kept and nothing
   * cropped (Hugging Face's ViT and SigLIP processors), rather than the shorter side and a
   * centre crop.
   *
   * @return {@code true} when stretched
   */
  public boolean stretch() {
    return stretch;
  }

  private String resizing() {
    return stretch ? "stretched to " + height + "x" + width : "shorter side " + resize;
  }

  /**
   * The channels of the input: 3, or 1 for {@link ColorOrder#GRAY}.
   *
   * @return the channels
   */
  public int channels() {
    return colorOrder.channels();
  }

  /**
   * Whether the input is laid out {@code [h, w, c]} (TensorFlow and Keras exports).
   *
   * @return {@code true} for channels last
   */
  public boolean channelsLast() {
    return channelsLast;
  }

  @Override
  public int[] shape() {
    return channelsLast ? new int[] {height, width, channels()}
        : new int[] {channels(), height, width};
  }

  @Override
  public void write(BufferedImage rgb, float[] dst, int offset) {
    Objects.requireNonNull(rgb, "rgb");
    int size = size();
    if (offset < 0 || dst.length - offset < size) {
      throw new IllegalArgumentException("destination too small: " + dst.length + " floats, "
          + size + " needed from offset " + offset);
    }
    int sw = rgb.getWidth();
    int sh = rgb.getHeight();
    int[] argb = Pixels.rgb(rgb);
    // torchvision's Resize(int): the shorter side to `resize`, the longer in proportion
    // (truncated); then CenterCrop's offsets, rounded half to even as Python's round() does.
    int rw;
    int rh;
    if (stretch) {
      // Hugging Face's resize to (height, width): both sides, through Pillow; nothing cropped.
      rw = width;
      rh = height;
    } else if (sw <= sh) {
      rw = resize;
      rh = (int) ((long) resize * sh / sw);
    } else {
      rh = resize;
      rw = (int) ((long) resize * sw / sh);
    }
    int[] px = rw == sw && rh == sh ? argb : PilResize.resize(argb, sw, sh, rw, rh,
        interpolation == Interpolation.BICUBIC ? PilResize.Filter.BICUBIC
            : PilResize.Filter.BILINEAR);
    int top = (int) Math.rint((rh - height) / 2.0);
    int left = (int) Math.rint((rw - width) / 2.0);
    int plane = height * width;
    int c = channels();
    for (int y = 0; y < height; y++) {
      int sy = y + top;
      for (int x = 0; x < width; x++) {
        int sx = x + left;
        // A crop larger than the image is padded with zeros, as torchvision's CenterCrop does.
        int p = sy >= 0 && sy < rh && sx >= 0 && sx < rw ? px[sy * rw + sx] : 0;
        float r = ((p >> 16) & 0xff) / 255f;
        float g = ((p >> 8) & 0xff) / 255f;
        float b = (p & 0xff) / 255f;
        int i = y * width + x;
        if (c == 1) {
          float v = (0.299f * r + 0.587f * g + 0.114f * b - mean[0]) / std[0];
          dst[offset + i] = v;
          continue;
        }
        float first = colorOrder == ColorOrder.BGR ? b : r;
        float third = colorOrder == ColorOrder.BGR ? r : b;
        float v0 = (first - mean[0]) / std[0];
        float v1 = (g - mean[1]) / std[1];
        float v2 = (third - mean[2]) / std[2];
        if (channelsLast) {
          dst[offset + 3 * i] = v0;
          dst[offset + 3 * i + 1] = v1;
          dst[offset + 3 * i + 2] = v2;
        } else {
          dst[offset + i] = v0;
          dst[offset + plane + i] = v1;
          dst[offset + 2 * plane + i] = v2;
        }
      }
    }
  }

  @Override
  public String toString() {
    return name + " (" + resizing() + " " + interpolation.name().toLowerCase(Locale.ROOT)
        + (stretch ? "" : ", crop " + height + "x" + width) + ", " + colorOrder + (channelsLast ? " channels-last"
        : "") + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std) + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Preprocessing p && height == p.height && width == p.width
        && resize == p.resize && interpolation == p.interpolation && colorOrder == p.colorOrder
        && channelsLast == p.channelsLast && stretch == p.stretch && Arrays.equals(mean, p.mean)
        && Arrays.equals(std, p.std);
  }

  @Override
  public int hashCode() {
    return Objects.hash(height, width, resize, interpolation, colorOrder, channelsLast, stretch,
        Arrays.hashCode(mean), Arrays.hashCode(std));
  }

  /** Settings of a {@link Preprocessing}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private int height;
    private int width;
    private int resize;
    private Interpolation interpolation = Interpolation.BILINEAR;
    private ColorOrder colorOrder = ColorOrder.RGB;
    private float[] mean = {0f, 0f, 0f};
    private float[] std = {1f, 1f, 1f};
    private boolean channelsLast;
    private boolean stretch;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * The network input's size: the centre crop.
     *
     * @param h height
     * @param w width
     * @return this builder
     */
    public Builder size(int h, int w) {
      if (h < 1 || w < 1) {
        throw new IllegalArgumentException("input size must be positive: " + h + " x " + w);
      }
      this.height = h;
      this.width = w;
      return this;
    }

    /**
     * The shorter side's length after resizing (before the crop).
     *
     * @param shorterSide pixels, at least 1
     * @return this builder
     */
    public Builder resize(int shorterSide) {
      if (shorterSide < 1) {
        throw new IllegalArgumentException("resize must be positive: " + shorterSide);
      }
      this.resize = shorterSide;
      return this;
    }

    /**
     * Whether both sides are resized to the input size ({@link #size}), the aspect ratio not
     * kept and nothing cropped, as Hugging Face's ViT and SigLIP processors do. Default {@code
     * false}: the shorter side to {@link #resize}, then a centre crop (torchvision).
     *
     * @param on {@code true} to stretch
     * @return this builder
     */
    public Builder stretch(boolean on) {
      this.stretch = on;
      return this;
    }

    /**
     * The resampling filter. Default bilinear.
     *
     * @param i the filter
     * @return this builder
     */
    public Builder interpolation(Interpolation i) {
      this.interpolation = Objects.requireNonNull(i, "interpolation");
      return this;
    }

    /**
     * The channel order: RGB (default, PyTorch), BGR (Caffe), or GRAY (one channel).
     *
     * @param order the order
     * @return this builder
     */
    public Builder colorOrder(ColorOrder order) {
      this.colorOrder = Objects.requireNonNull(order, "order");
      return this;
    }

    /**
     * The per-channel mean subtracted from samples in {@code [0, 1]}, in the input's channel
     * order (one value for GRAY).
     *
     * @param values one value per channel, or one for all
     * @return this builder
     */
    public Builder mean(float... values) {
      this.mean = perChannel("mean", values);
      return this;
    }

    /**
     * The per-channel standard deviation samples are divided by after the mean.
     *
     * @param values one positive value per channel, or one for all
     * @return this builder
     */
    public Builder std(float... values) {
      for (float v : values) {
        if (!(v > 0)) {
          throw new IllegalArgumentException("std must be positive: " + Arrays.toString(values));
        }
      }
      this.std = perChannel("std", values);
      return this;
    }

    /**
     * Whether the input is laid out {@code [h, w, c]}. Default {@code false} ({@code [c, h, w]}).
     *
     * @param last {@code true} for channels last
     * @return this builder
     */
    public Builder channelsLast(boolean last) {
      this.channelsLast = last;
      return this;
    }

    private static float[] perChannel(String what, float[] values) {
      if (values.length == 1) {
        return new float[] {values[0], values[0], values[0]};
      }
      if (values.length != 3) {
        throw new IllegalArgumentException(what + " takes 1 or 3 values, not "
            + values.length);
      }
      return values.clone();
    }

    /**
     * The preprocessing.
     *
     * @return an immutable value
     */
    public Preprocessing build() {
      return new Preprocessing(this);
    }
  }
}
