package io.github.embeddings4j.core.data;

import java.util.Objects;

/**
 * Grayscale images with an integer class label each, stored compactly (one byte per pixel): the
 * shape of MNIST and Fashion-MNIST. Immutable.
 */
public final class LabeledImages {

  private final int size;
  private final int height;
  private final int width;
  private final byte[] pixels;
  private final byte[] labels;

  /**
   * Wraps images and labels after checking that they fit together.
   *
   * @param height rows per image
   * @param width columns per image
   * @param pixels {@code size * height * width} pixel values, row-major, one unsigned byte each
   *     (copied)
   * @param labels one class label per image, {@code 0..255} (copied)
   * @throws IllegalArgumentException if the sizes do not fit, with the sizes in the message
   */
  public LabeledImages(int height, int width, byte[] pixels, byte[] labels) {
    this(height, width, pixels.clone(), labels.clone(), true);
  }

  private LabeledImages(int height, int width, byte[] pixels, byte[] labels, boolean owned) {
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image size must be positive: " + height + "x" + width);
    }
    if ((long) labels.length * height * width != pixels.length) {
      throw new IllegalArgumentException(labels.length + " labels need "
          + (long) labels.length * height * width + " pixels of " + height + "x" + width
          + " images, but there are " + pixels.length);
    }
    this.size = labels.length;
    this.height = height;
    this.width = width;
    this.pixels = pixels;
    this.labels = labels;
  }

  /**
   * Pairs an IDX image file (count x rows x columns) with an IDX label file (count).
   *
   * @param images the images
   * @param labels the labels
   * @return the labelled images
   * @throws IllegalArgumentException if the shapes do not fit together
   */
  public static LabeledImages of(IdxFile images, IdxFile labels) {
    int[] is = images.shape();
    int[] ls = labels.shape();
    if (is.length != 3 || ls.length != 1 || is[0] != ls[0]) {
      throw new IllegalArgumentException("image shape " + java.util.Arrays.toString(is)
          + " and label shape " + java.util.Arrays.toString(ls)
          + " do not fit: expected [n, rows, cols] and [n]");
    }
    return new LabeledImages(is[1], is[2], images.rawBytes(), labels.rawBytes(), true);
  }

  /**
   * The number of images.
   *
   * @return the count
   */
  public int size() {
    return size;
  }

  /**
   * Rows per image.
   *
   * @return the height in pixels
   */
  public int height() {
    return height;
  }

  /**
   * Columns per image.
   *
   * @return the width in pixels
   */
  public int width() {
    return width;
  }

  /**
   * Pixels per image.
   *
   * @return {@code height() * width()}
   */
  public int pixelCount() {
    return height * width;
  }

  /**
   * One image's label.
   *
   * @param i the image, in {@code [0, size())}
   * @return its class
   */
  public int label(int i) {
    return labels[Objects.checkIndex(i, size)] & 0xff;
  }

  /**
   * All labels.
   *
   * @return a new array of {@code size()} labels
   */
  public int[] labels() {
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = labels[i] & 0xff;
    }
    return out;
  }

  /**
   * The number of distinct classes, taken as the largest label plus one.
   *
   * @return the class count
   */
  public int classCount() {
    int max = -1;
    for (byte b : labels) {
      max = Math.max(max, b & 0xff);
    }
    return max + 1;
  }

  /**
   * One image as a vector of raw pixel values, row-major.
   *
   * @param i the image, in {@code [0, size())}
   * @return {@code pixelCount()} values in {@code [0, 255]}
   */
  public float[] vector(int i) {
    Objects.checkIndex(i, size);
    int n = pixelCount();
    float[] v = new float[n];
    int off = i * n;
    for (int j = 0; j < n; j++) {
      v[j] = pixels[off + j] & 0xff;
    }
    return v;
  }

  /**
   * One pixel.
   *
   * @param i the image
   * @param row the row
   * @param col the column
   * @return its value in {@code [0, 255]}
   */
  public int pixel(int i, int row, int col) {
    Objects.checkIndex(i, size);
    Objects.checkIndex(row, height);
    Objects.checkIndex(col, width);
    return pixels[(i * height + row) * width + col] & 0xff;
  }

  /**
   * The first {@code n} images (all of them when {@code n >= size()}).
   *
   * @param n how many to keep, at least 0
   * @return the leading images, sharing no state with this object
   * @throws IllegalArgumentException if {@code n < 0}
   */
  public LabeledImages head(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("head count must be >= 0: " + n);
    }
    int m = Math.min(n, size);
    byte[] p = java.util.Arrays.copyOf(pixels, m * pixelCount());
    byte[] l = java.util.Arrays.copyOf(labels, m);
    return new LabeledImages(height, width, p, l, true);
  }

  /**
   * The images at the given positions, in that order (a position may repeat).
   *
   * @param indices positions in {@code [0, size())}
   * @return a new set sharing no state with this one
   * @throws IndexOutOfBoundsException if a position is out of range
   */
  public LabeledImages subset(int[] indices) {
    int n = pixelCount();
    byte[] p = new byte[indices.length * n];
    byte[] l = new byte[indices.length];
    for (int j = 0; j < indices.length; j++) {
      int i = Objects.checkIndex(indices[j], size);
      System.arraycopy(pixels, i * n, p, j * n, n);
      l[j] = labels[i];
    }
    return new LabeledImages(height, width, p, l, true);
  }

  /**
   * The images of some classes only, relabelled {@code 0..classes.length-1} in the order given:
   * for transfer experiments that hold classes out.
   *
   * @param classes the labels to keep, distinct
   * @return the images whose label is one of {@code classes}, in their original order
   * @throws IllegalArgumentException if a label repeats or is outside {@code [0, 255]}
   */
  public LabeledImages selectClasses(int... classes) {
    int[] map = new int[256];
    java.util.Arrays.fill(map, -1);
    for (int j = 0; j < classes.length; j++) {
      int c = classes[j];
      if (c < 0 || c > 255 || map[c] >= 0) {
        throw new IllegalArgumentException("classes must be distinct labels in [0, 255]: "
            + java.util.Arrays.toString(classes));
      }
      map[c] = j;
    }
    int count = 0;
    for (byte b : labels) {
      if (map[b & 0xff] >= 0) {
        count++;
      }
    }
    int n = pixelCount();
    byte[] p = new byte[count * n];
    byte[] l = new byte[count];
    int j = 0;
    for (int i = 0; i < size; i++) {
      int m = map[labels[i] & 0xff];
      if (m >= 0) {
        System.arraycopy(pixels, i * n, p, j * n, n);
        l[j++] = (byte) m;
      }
    }
    return new LabeledImages(height, width, p, l, true);
  }

  /**
   * A seeded, stratified sample of at most {@code perClass} images of each class: the few-shot
   * training sets of transfer experiments.
   *
   * @param perClass images to keep per class, at least 1
   * @param seed the seed of the draw
   * @return the sample, in original order
   * @throws IllegalArgumentException if {@code perClass < 1}
   */
  public LabeledImages samplePerClass(int perClass, long seed) {
    if (perClass < 1) {
      throw new IllegalArgumentException("perClass must be >= 1: " + perClass);
    }
    return subset(StratifiedSplit.samplePerClass(labels(), perClass, seed));
  }

  /**
   * Holds out a seeded, stratified fraction of the images for validation (early stopping,
   * hyperparameter search), keeping each class's share the same in both parts.
   *
   * @param validationFraction the share to hold out, in {@code (0, 1)}
   * @param seed the seed of the split
   * @return the remaining training images and the validation images, each in original order
   * @throws IllegalArgumentException if the fraction is outside {@code (0, 1)}
   */
  public Holdout holdOut(double validationFraction, long seed) {
    if (!(validationFraction > 0 && validationFraction < 1)) {
      throw new IllegalArgumentException(
          "validation fraction must be in (0, 1): " + validationFraction);
    }
    int[][] parts = StratifiedSplit.split(labels(), seed, 1 - validationFraction,
        validationFraction);
    return new Holdout(subset(parts[0]), subset(parts[1]));
  }

  /**
   * A training set and the validation set held out of it.
   *
   * @param train the images to train on
   * @param validation the images to score on
   */
  public record Holdout(LabeledImages train, LabeledImages validation) {}

  @Override
  public String toString() {
    return "LabeledImages[" + size + " images of " + height + "x" + width + ", "
        + classCount() + " classes]";
  }
}
