package io.github.embeddings4j.core.image;

/**
 * How 8-bit sample values {@code v} in {@code [0, 255]} become network inputs. The per-channel
 * means of {@link #IMAGENET_MEAN} are given per colour (red, green, blue) and follow the channels
 * wherever the {@link ColorOrder} puts them.
 */
public enum PixelScaling {
  /** {@code v}: raw samples in {@code [0, 255]}. */
  NONE(1.0, 0, 0, 0),
  /** {@code v / 255}: {@code [0, 1]} (Darknet, DL4J's {@code ImagePreProcessingScaler}). */
  UNIT(1.0 / 255.0, 0, 0, 0),
  /** {@code v / 127.5 - 1}: {@code [-1, 1]} (Keras' "tf" mode: Xception, NASNet, MobileNet). */
  SYMMETRIC(1.0 / 127.5, -1, -1, -1),
  /**
   * {@code v - mean}, means R 123.68, G 116.779, B 103.939: Keras' "caffe" mode (VGG16, VGG19,
   * ResNet50, SqueezeNet), the same as DL4J's {@code VGG16ImagePreProcessor}.
   */
  IMAGENET_MEAN(1.0, -123.68, -116.779, -103.939);

  private final float multiplier;
  private final float offsetRed;
  private final float offsetGreen;
  private final float offsetBlue;

  PixelScaling(double multiplier, double offsetRed, double offsetGreen, double offsetBlue) {
    this.multiplier = (float) multiplier;
    this.offsetRed = (float) offsetRed;
    this.offsetGreen = (float) offsetGreen;
    this.offsetBlue = (float) offsetBlue;
  }

  /**
   * Scales a red sample.
   *
   * @param v the sample, in {@code [0, 255]}
   * @return the network input
   */
  public float red(float v) {
    return v * multiplier + offsetRed;
  }

  /**
   * Scales a green sample.
   *
   * @param v the sample, in {@code [0, 255]}
   * @return the network input
   */
  public float green(float v) {
    return v * multiplier + offsetGreen;
  }

  /**
   * Scales a blue sample.
   *
   * @param v the sample, in {@code [0, 255]}
   * @return the network input
   */
  public float blue(float v) {
    return v * multiplier + offsetBlue;
  }

  /**
   * Scales a luminance sample (the mean of the three colour offsets).
   *
   * @param v the sample, in {@code [0, 255]}
   * @return the network input
   */
  public float gray(float v) {
    return v * multiplier + (offsetRed + offsetGreen + offsetBlue) / 3f;
  }
}
