package io.github.embeddings4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterTest {

  @TempDir Path dir;

  @Test
  void streamsRowsIntoAMatrixNpyReads() throws IOException {
    Path p = dir.resolve("e.npy");
    float[][] rows = new float[5000][];
    try (NpyWriter w = NpyWriter.open(p, 3)) {
      for (int i = 0; i < rows.length; i++) {
        rows[i] = new float[] {i, -i, i * 0.5f};
        w.write(rows[i]);
      }
      assertFalse(Files.exists(p), "nothing appears before commit");
      w.commit();
    }
    assertArrayEquals(rows, Npy.read(p));
    assertEquals(0, Files.size(p) % 4 == 0 ? 0 : 1);
    assertEquals(128 + 5000L * 3 * 4, Files.size(p));
  }

  @Test
  void emptyMatrixAndAbandonedWriters() throws IOException {
    Path p = dir.resolve("empty.npy");
    try (NpyWriter w = NpyWriter.open(p, 7)) {
      w.commit();
    }
    assertEquals(0, Npy.read(p).length);

    Path q = dir.resolve("abandoned.npy");
    Files.writeString(q, "previous");
    try (NpyWriter w = NpyWriter.open(q, 2)) {
      w.write(new float[] {1, 2});
    }
    assertEquals("previous", Files.readString(q), "an uncommitted writer leaves the old file");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("abandoned.npy", "empty.npy"),
          files.map(f -> f.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void wrongRowsAreRefused() throws IOException {
    try (NpyWriter w = NpyWriter.open(dir.resolve("x.npy"), 4)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> w.write(new float[3]));
      assertEquals(true, e.getMessage().startsWith("vector dimensions differ: 3 != 4"));
      w.commit();
      assertThrows(IllegalStateException.class, () -> w.write(new float[4]));
    }
    assertThrows(IllegalArgumentException.class, () -> NpyWriter.open(dir.resolve("y.npy"), 0));
  }
}
