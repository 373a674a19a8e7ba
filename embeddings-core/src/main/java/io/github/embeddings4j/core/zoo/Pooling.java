package io.github.embeddings4j.core.zoo;

/**
 * How a convolutional activation {@code [channels, height, width]} becomes a vector of length
 * {@code channels}. Activations that are already vectors (dense or flatten layers) are used as
 * they are.
 */
public enum Pooling {
  /** The mean over the spatial positions of each channel (global average pooling). */
  AVG,
  /** The maximum over the spatial positions of each channel (global max pooling). */
  MAX
}
