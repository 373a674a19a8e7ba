package io.github.embeddings4j.core.embed;

import java.util.Arrays;
import java.util.Objects;

/**
 * A batch of activations from a {@link ForwardPass}: {@code n} items, each of the same shape,
 * one after the other in {@code data}.
 *
 * @param data the values, {@code n * itemSize()} of them
 * @param n the number of items
 * @param shape the shape of one item: {@code [c, h, w]} for a feature map (channels first),
 *     {@code [t, d]} for a sequence of {@code t} tokens of {@code d} values, {@code [d]} for a
 *     vector
 * @param channelsLast for a feature map, whether it is laid out {@code [h, w, c]} instead (the
 *     shape is then given as {@code [h, w, c]})
 */
public record Activations(float[] data, int n, int[] shape, boolean channelsLast) {

  /**
   * Checks the sizes.
   *
   * @throws IllegalArgumentException if {@code data} does not hold {@code n} items of the shape
   */
  public Activations {
    Objects.requireNonNull(data, "data");
    shape = shape.clone();
    long size = 1;
    for (int d : shape) {
      size *= d;
    }
    if (n < 0 || (long) n * size != data.length) {
      throw new IllegalArgumentException("activations of " + data.length + " values are not "
          + n + " items of shape " + Arrays.toString(shape));
    }
  }

  /**
   * The values per item.
   *
   * @return the product of the shape
   */
  public int itemSize() {
    int size = 1;
    for (int d : shape) {
      size *= d;
    }
    return size;
  }

  /**
   * The shape of one item.
   *
   * @return a copy of the shape
   */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /**
   * The rank of one item: 3 for a feature map, 2 for a token sequence, 1 for a vector.
   *
   * @return the rank
   */
  public int rank() {
    return shape.length;
  }
}
