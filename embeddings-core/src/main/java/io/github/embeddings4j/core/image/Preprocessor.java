package io.github.embeddings4j.core.image;

import java.awt.image.BufferedImage;

/**
 * Turns a decoded image into a network's input: resizing, cropping, channel order and scaling.
 * {@link InputFormat} is the zoo's kind (cover the size, centre crop, a fixed scaling); {@link
 * Preprocessing} the kind of torchvision and CLIP (shorter side, crop, mean and deviation).
 * Implementations are immutable and safe to use from any thread.
 */
public interface Preprocessor {

  /**
   * The input of one image, as the network takes it: {@code [channels, height, width]}, or
   * {@code [height, width, channels]} for a channels-last network.
   *
   * @return a new array
   */
  int[] shape();

  /**
   * The floats one image takes.
   *
   * @return the product of {@link #shape()}
   */
  default int size() {
    int size = 1;
    for (int d : shape()) {
      size *= d;
    }
    return size;
  }

  /**
   * Writes one image as network input.
   *
   * @param rgb a decoded image (its RGB values; alpha already composited by {@link ImageDecoder})
   * @param dst where to write, {@link #size()} floats from {@code offset}
   * @param offset the first index written
   */
  void write(BufferedImage rgb, float[] dst, int offset);
}
