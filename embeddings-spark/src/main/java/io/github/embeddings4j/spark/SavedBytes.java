package io.github.embeddings4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A core model as the bytes of its saved file (the core's checksummed container), the form in
 * which it is broadcast to executors and stored with a saved Spark ML model; executors parse
 * each broadcast once per JVM.
 */
final class SavedBytes {

  /** Writes a model to a file. */
  interface Saver {
    void save(Path file) throws IOException;
  }

  /** Reads a model from a file. */
  interface Loader<T> {
    T load(Path file) throws IOException;
  }

  /** Parsed models by broadcast id: one entry per model in use, dropped when unpersisted. */
  private static final Map<Long, Object> PARSED = new ConcurrentHashMap<>();

  private SavedBytes() {}

  static byte[] of(Saver saver, String what) {
    try {
      Path tmp = Files.createTempFile("embeddings4j-model", ".e4j");
      try {
        saver.save(tmp);
        return Files.readAllBytes(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialise the " + what + ": " + e.getMessage(), e);
    }
  }

  static <T> T parse(byte[] bytes, Loader<T> loader, String what) {
    try {
      Path tmp = Files.createTempFile("embeddings4j-model", ".e4j");
      try {
        Files.write(tmp, bytes);
        return loader.load(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a stored " + what + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T parsed(long broadcastId, byte[] bytes, Loader<T> loader, String what) {
    if (PARSED.size() > 16) {
      PARSED.clear(); // many models over an executor's life: start over rather than grow
    }
    return (T) PARSED.computeIfAbsent(broadcastId, id -> parse(bytes, loader, what));
  }
}
