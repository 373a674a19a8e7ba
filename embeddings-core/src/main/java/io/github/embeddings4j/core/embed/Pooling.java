package io.github.embeddings4j.core.embed;

/**
 * How a network's activation for one image becomes a vector. A feature map {@code [channels,
 * height, width]} becomes a vector of length {@code channels}; a token sequence {@code [tokens,
 * width]} (a vision transformer's output) a vector of length {@code width}; activations that are
 * already vectors (dense or flatten layers, pooled outputs) are used as they are, whatever the
 * pooling.
 */
public enum Pooling {
  /** The mean over the spatial positions of each channel, or over all tokens of a sequence. */
  AVG,
  /** The maximum over the spatial positions of each channel, or over all tokens. */
  MAX,
  /**
   * The first token of a sequence (the class token of ViT, CLIP, DINOv2); not defined for feature
   * maps.
   */
  CLS;

  /**
   * A pooling by name: {@code avg} (or {@code average}, {@code mean}), {@code max}, {@code cls},
   * case ignored: the one parser the command line and Spark share.
   *
   * @param name the name
   * @return the pooling
   * @throws IllegalArgumentException naming the valid names
   */
  public static Pooling parse(String name) {
    String key = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
    return switch (key) {
      case "avg", "average", "mean" -> AVG;
      case "max" -> MAX;
      case "cls" -> CLS;
      default -> throw new IllegalArgumentException("pooling must be avg, max or cls, not '"
          + name + "'");
    };
  }
}
