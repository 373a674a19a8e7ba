package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.IoErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An embeddings set read from {@code .npy} with its ids (row numbers when it has none) and its
 * description ({@link EmbeddingSet}).
 *
 * @param rows the vectors
 * @param ids one per row
 * @param embedder how the vectors were made; null when the file does not say
 * @param described whether the set has a description (false for files of older versions and
 *     plain NumPy files)
 */
record Matrices(float[][] rows, List<String> ids, EmbedderDescription embedder,
    boolean described) {

  static Matrices read(Path npy) {
    if (Files.isDirectory(npy)) {
      throw new Main.InputException("not a file but a folder: " + npy, null);
    }
    if (!Files.isRegularFile(npy)) {
      throw new Main.InputException("no such file: " + npy, null);
    }
    try {
      EmbeddingSet.Contents c = EmbeddingSet.read(npy);
      return new Matrices(c.vectors(), c.ids(), c.embedder(), c.described());
    } catch (IOException e) {
      throw new Main.InputException(IoErrors.describe(e), e);
    } catch (IllegalArgumentException e) {
      throw new Main.InputException(e.getMessage(), e);
    }
  }

  int dimension() {
    return rows.length == 0 ? 0 : rows[0].length;
  }

  /**
   * Says on stderr what cannot be checked about this set: no description (an older file), or a
   * description without its embedder.
   */
  void noteUnchecked(Path npy, PrintWriter err) {
    noteUnchecked(npy, described, embedder, err);
  }

  /** As {@link #noteUnchecked(Path, PrintWriter)} for a set known by its header. */
  static void noteUnchecked(Path npy, boolean described, EmbedderDescription embedder,
      PrintWriter err) {
    if (!described) {
      err.println("note: " + npy + " has no description (" + EmbeddingSet.descriptionFile(npy)
          .getFileName() + "; written by NumPy or an older embeddings4j): the embedder that made"
          + " it cannot be checked");
    } else if (embedder == null) {
      err.println("note: " + npy + "'s description does not say which embedder made it: it"
          + " cannot be checked");
    }
  }

  /** Writes a set, its ids and its description as one unit. */
  static void write(Path npy, float[][] rows, List<String> ids, EmbedderDescription embedder)
      throws IOException {
    EmbeddingSet.write(npy, rows, ids, embedder);
  }
}
