package io.github.embeddings4j.spark;

import io.github.embeddings4j.core.reduce.Pca;

/**
 * A {@link Pca} as the bytes of its saved file ({@link SavedBytes}), the form in which it is
 * broadcast to executors and stored with a saved model.
 */
final class PcaBytes {

  private PcaBytes() {}

  static byte[] of(Pca pca) {
    return SavedBytes.of(pca::save, "PCA");
  }

  static Pca parse(byte[] bytes) {
    return SavedBytes.parse(bytes, Pca::load, "PCA");
  }

  static Pca parsed(long broadcastId, byte[] bytes) {
    return SavedBytes.parsed(broadcastId, bytes, Pca::load, "PCA");
  }
}
