package io.github.embeddings4j.core.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Float rows kept off the Java heap, in a file mapped into memory in segments of {@code 2^shift}
 * rows (each well under 2 GB): the full-precision vectors of a compressed {@link GraphIndex},
 * read for exact distances and the re-rank only. The file is a temporary one, unlinked as soon
 * as it is open where the file system allows (so nothing is left behind, even after a crash),
 * else deleted on close or at exit; its pages belong to the operating system's cache, not to
 * the heap.
 *
 * <p>Rows are written by one thread at a time (the index's add lock); reads of rows already
 * written (published to the reader by the index's volatile row count) may run concurrently.
 */
final class MappedRows implements AutoCloseable {

  private final int dim;
  private final int shift;
  private final FileChannel channel;
  private final Path file;
  private final boolean unlinked;
  private volatile FloatBuffer[] segments = new FloatBuffer[0];
  private long bytes;

  MappedRows(Path directory, int dim, int shift) {
    this.dim = dim;
    this.shift = shift;
    try {
      Path dir = directory == null ? Path.of(System.getProperty("java.io.tmpdir")) : directory;
      Files.createDirectories(dir);
      this.file = Files.createTempFile(dir, "embeddings4j-graph-", ".f32");
      this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      boolean gone;
      try {
        Files.delete(file);
        gone = true;
      } catch (IOException e) {
        file.toFile().deleteOnExit();
        gone = false;
      }
      this.unlinked = gone;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the file for the index's float vectors in "
          + directory + ": " + e.getMessage() + " (set GraphIndex.Builder.vectorDirectory)", e);
    }
  }

  private int rowsPerSegment() {
    return 1 << shift;
  }

  /** Bytes of the file in use (mapped, not on the heap). */
  long bytes() {
    return bytes;
  }

  /** Stores row {@code row} (rows are written in order, each once). */
  void write(int row, float[] v) {
    FloatBuffer seg = segment(row >>> shift, true);
    seg.put((row & (rowsPerSegment() - 1)) * dim, v, 0, dim);
    bytes = Math.max(bytes, 4L * dim * (row + 1L));
  }

  /** Reads row {@code row} into {@code out[0, dim)}. */
  void read(int row, float[] out) {
    FloatBuffer seg = segments[row >>> shift];
    seg.get((row & (rowsPerSegment() - 1)) * dim, out, 0, dim);
  }

  private FloatBuffer segment(int s, boolean create) {
    FloatBuffer[] segs = segments;
    if (s < segs.length) {
      return segs[s];
    }
    long segBytes = 4L * dim * rowsPerSegment();
    try {
      FloatBuffer[] grown = Arrays.copyOf(segs, s + 1);
      for (int i = segs.length; i <= s; i++) {
        grown[i] = channel.map(FileChannel.MapMode.READ_WRITE, i * segBytes, segBytes)
            .order(ByteOrder.nativeOrder()).asFloatBuffer();
      }
      segments = grown;
      return grown[s];
    } catch (IOException e) {
      throw new UncheckedIOException("cannot grow the index's float vector file by "
          + segBytes + " bytes: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
      if (!unlinked) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      // The mapping stays valid until collected; a file that cannot be deleted goes at exit.
    }
  }
}
