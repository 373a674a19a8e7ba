package io.github.embeddings4j.core.train;

/**
 * Random changes to training images, drawn from a generator seeded by (seed, epoch, image), so
 * that an epoch sees the same images whether it runs in one go or after a resume, on any thread:
 * a random resized crop (a region of {@code minArea..1} of the image, aspect ratio {@code 3/4..4/3},
 * resized to the network's input), a horizontal flip with probability 1/2, and a light colour
 * jitter (brightness, contrast and saturation each scaled by a factor in {@code 1 +- jitter}).
 * Validation images are never augmented.
 *
 * <pre>{@code
 * ZooFineTuner.builder(ZooModel.SQUEEZENET).augmentation(Augmentation.defaults()) ...
 * }</pre>
 *
 * @param enabled whether training images are changed at all
 * @param minArea the smallest share of the image a crop keeps, in {@code (0, 1]}
 * @param flip whether images are flipped left-right half of the time
 * @param jitter the largest relative change of brightness, contrast and saturation, in {@code
 *     [0, 1)}
 */
public record Augmentation(boolean enabled, double minArea, boolean flip, double jitter) {

  /**
   * Checks the values.
   *
   * @param enabled whether to augment
   * @param minArea the smallest crop area share
   * @param flip whether to flip
   * @param jitter the colour jitter
   * @throws IllegalArgumentException if a value is out of range
   */
  public Augmentation {
    if (!(minArea > 0 && minArea <= 1)) {
      throw new IllegalArgumentException("minArea must be in (0, 1]: " + minArea);
    }
    if (!(jitter >= 0 && jitter < 1)) {
      throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
    }
  }

  /**
   * The usual light augmentation: crops of 35% to all of the image, flips, jitter 0.1.
   *
   * @return the defaults
   */
  public static Augmentation defaults() {
    return new Augmentation(true, 0.35, true, 0.1);
  }

  /**
   * No augmentation: every image as it is (resized and centre-cropped to the input).
   *
   * @return no augmentation
   */
  public static Augmentation none() {
    return new Augmentation(false, 1, false, 0);
  }
}
