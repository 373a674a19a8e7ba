package io.github.embeddings4j.cli;

import io.github.embeddings4j.core.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An embeddings matrix read from {@code .npy} with its ids (row numbers when it has none). */
record Matrices(float[][] rows, List<String> ids) {

  static Matrices read(Path npy) {
    if (!Files.isRegularFile(npy)) {
      throw new Main.InputException("no such file: " + npy, null);
    }
    try {
      float[][] rows = Npy.read(npy);
      Path idsFile = Npy.idsFile(npy);
      List<String> ids;
      if (Files.isRegularFile(idsFile)) {
        ids = Npy.readIds(idsFile, rows.length);
      } else {
        ids = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
          ids.add(Integer.toString(i));
        }
      }
      return new Matrices(rows, ids);
    } catch (IOException | IllegalArgumentException e) {
      throw new Main.InputException(e.getMessage(), e);
    }
  }

  int dimension() {
    return rows.length == 0 ? 0 : rows[0].length;
  }

  /** Writes a matrix and, when ids are given, the ids file beside it. */
  static void write(Path npy, float[][] rows, List<String> ids) throws IOException {
    Npy.write(npy, rows);
    if (ids != null) {
      Npy.writeIds(Npy.idsFile(npy), ids);
    }
  }
}
