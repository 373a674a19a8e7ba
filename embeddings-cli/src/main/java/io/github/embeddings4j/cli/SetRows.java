package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.io.MappedNpy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A set's rows for the commands that read every row in order ({@code index}, {@code reduce},
 * {@code cluster}): loaded, or, for a set larger than a quarter of the heap ({@link
 * StoredIndex#mapAbove()}), read in place a block at a time ({@link MappedNpy}).
 *
 * @param loaded the rows, when loaded
 * @param inPlace the mapped file, when read in place
 * @param ids one id per row
 * @param embedder the set's description, or null
 */
record SetRows(float[][] loaded, MappedNpy inPlace, List<String> ids,
    EmbedderDescription embedder) {

  /** Rows handled at a time when read in place. */
  static final int BATCH = 16_384;

  /**
   * Opens a set.
   *
   * @param input the {@code .npy} file
   * @param err where notes go
   * @param talk whether to print them
   * @return the rows
   * @throws Main.InputException if the set cannot be read (exit 2)
   */
  static SetRows open(Path input, PrintWriter err, boolean talk) throws IOException {
    if (Files.isRegularFile(input) && Files.size(input) > StoredIndex.mapAbove()) {
      EmbeddingSet.Header h;
      MappedNpy rows;
      try {
        h = EmbeddingSet.readHeader(input);
        rows = MappedNpy.open(input);
      } catch (IOException e) {
        throw new Main.InputException(IoErrors.describe(e), e);
      } catch (IllegalArgumentException e) {
        throw new Main.InputException(e.getMessage(), e);
      }
      if (talk) {
        Matrices.noteUnchecked(input, h.described(), h.embedder(), err);
        err.printf(java.util.Locale.ROOT, "note: %s (%.2f GB) is read in place, %d rows at a"
            + " time, not loaded into the %d MB heap%n", input, Files.size(input) / 1e9, BATCH,
            Runtime.getRuntime().maxMemory() >> 20);
      }
      return new SetRows(null, rows, h.ids(), h.embedder());
    }
    Matrices set = Matrices.read(input);
    if (talk) {
      set.noteUnchecked(input, err);
    }
    return new SetRows(set.rows(), null, set.ids(), set.embedder());
  }

  /** Whether the rows are read in place. */
  boolean mapped() {
    return inPlace != null;
  }

  /** The number of rows. */
  int count() {
    return inPlace != null ? inPlace.rows() : loaded.length;
  }

  /** The row length (0 for an empty loaded set). */
  int dimension() {
    return inPlace != null ? inPlace.dimension() : loaded.length == 0 ? 0 : loaded[0].length;
  }

  /** Rows {@code [from, to)}: the loaded array itself when that is all of it. */
  float[][] rows(int from, int to) {
    if (inPlace == null) {
      return from == 0 && to == loaded.length ? loaded
          : java.util.Arrays.copyOfRange(loaded, from, to);
    }
    float[][] out = new float[to - from][];
    for (int r = from; r < to; r++) {
      out[r - from] = inPlace.row(r);
    }
    return out;
  }

  /** One row (a copy when read in place, the loaded array's own otherwise). */
  float[] row(int r) {
    return inPlace != null ? inPlace.row(r) : loaded[r];
  }
}
