package io.github.embeddings4j.spark;

import io.github.embeddings4j.core.reduce.Pca;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Pca} as the bytes of its saved file (the core's checksummed container), the form in
 * which it is broadcast to executors and stored with a saved model; executors parse each
 * broadcast once per JVM.
 */
final class PcaBytes {

  /** Parsed PCAs by broadcast id: small (one entry per model in use), dropped when unpersisted. */
  private static final Map<Long, Pca> PARSED = new ConcurrentHashMap<>();

  private PcaBytes() {}

  static byte[] of(Pca pca) {
    try {
      Path tmp = Files.createTempFile("embeddings4j-pca", ".e4j");
      try {
        pca.save(tmp);
        return Files.readAllBytes(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialise the PCA: " + e.getMessage(), e);
    }
  }

  static Pca parse(byte[] bytes) {
    try {
      Path tmp = Files.createTempFile("embeddings4j-pca", ".e4j");
      try {
        Files.write(tmp, bytes);
        return Pca.load(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a stored PCA: " + e.getMessage(), e);
    }
  }

  static Pca parsed(long broadcastId, byte[] bytes) {
    if (PARSED.size() > 16) {
      PARSED.clear(); // many models over an executor's life: start over rather than grow
    }
    return PARSED.computeIfAbsent(broadcastId, id -> parse(bytes));
  }
}
