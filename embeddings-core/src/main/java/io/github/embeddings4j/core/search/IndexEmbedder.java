package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.io.SdkFile;
import java.io.IOException;

/**
 * The embedder's description that {@link FlatIndex} and {@link GraphIndex} keep and record in
 * their files (format version 2 on), so that a search can refuse queries made another way.
 */
final class IndexEmbedder {

  /** The first format version of both index files that records the description. */
  static final int SINCE_VERSION = 2;

  private IndexEmbedder() {}

  /**
   * Checks a description given to a builder against the index's dimension.
   *
   * @param embedder the description, or null for none
   * @param dimension the index's vector length
   * @return {@code embedder}
   * @throws IllegalArgumentException if its dimension is another, naming both
   */
  static EmbedderDescription checked(EmbedderDescription embedder, int dimension) {
    if (embedder != null && embedder.dimension() != dimension) {
      throw new IllegalArgumentException("the embedder " + embedder.model() + " makes "
          + embedder.dimension() + "-dimensional vectors but the index holds " + dimension
          + "-dimensional ones: describe the embedder that made the indexed vectors");
    }
    return embedder;
  }

  /**
   * Reads the description of a file of the given format version (none before version 2).
   *
   * @param in the payload, positioned at the description
   * @param version the file's format version
   * @param dimension the dimension the file declared
   * @return the description, or null when the file records none
   * @throws IOException if the payload is damaged or disagrees with the dimension
   */
  static EmbedderDescription read(SdkFile.Input in, int version, int dimension)
      throws IOException {
    if (version < SINCE_VERSION) {
      return null;
    }
    EmbedderDescription d = in.readDescription();
    if (d != null && d.dimension() != dimension) {
      throw in.damaged("the embedder's description says " + d.dimension()
          + " dimensions, the index holds " + dimension);
    }
    return d;
  }
}
