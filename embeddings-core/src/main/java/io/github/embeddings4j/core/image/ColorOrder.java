package io.github.embeddings4j.core.image;

/** The order of the colour channels in a network's input tensor. */
public enum ColorOrder {
  /** Red, green, blue: Keras' TensorFlow-style models, Darknet. */
  RGB(3),
  /** Blue, green, red: Caffe-style models (Keras' VGG and ResNet50 weights), OpenCV and DataVec. */
  BGR(3),
  /** One luminance channel (ITU-R BT.601 weights 0.299, 0.587, 0.114), for MNIST-style models. */
  GRAY(1);

  private final int channels;

  ColorOrder(int channels) {
    this.channels = channels;
  }

  /**
   * The number of channels.
   *
   * @return 3 for colour, 1 for {@link #GRAY}
   */
  public int channels() {
    return channels;
  }
}
