package io.github.embeddings4j.core.zoo.dnnl;

/**
 * One value an operation produces, for one image: channels, height and width; {@code flat} for
 * the vector a dense layer makes (oneDNN's {@code nc} rather than {@code nchw}).
 */
record Tensor(long c, long h, long w, boolean flat) {

  Tensor(long c, long h, long w) {
    this(c, h, w, false);
  }

  /** The dimensions of a batch of {@code n}: {@code [n, c]} if flat, else {@code [n, c, h, w]}. */
  long[] dims(int n) {
    return flat ? new long[] {n, c} : new long[] {n, c, h, w};
  }

  /** The number of floats of a batch of {@code n}. */
  long size(int n) {
    return n * c * h * w;
  }
}
