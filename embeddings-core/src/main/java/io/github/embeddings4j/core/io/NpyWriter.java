package io.github.embeddings4j.core.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ConcurrentModificationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes a float32 {@code .npy} matrix one row at a time, for results that stream out and whose
 * row count is not known in advance (embedding a folder). The file appears under its name only
 * when {@link #commit()} succeeds; until then rows go to a temporary file beside it, and {@link
 * #close()} without a commit removes it, so a failed run never leaves a half-written matrix.
 *
 * <pre>{@code
 * try (NpyWriter out = NpyWriter.open(Path.of("embeddings.npy"), 2048)) {
 *   for (float[] v : vectors) out.write(v);
 *   out.commit();
 * }
 * }</pre>
 *
 * <p>The header has a fixed size of 128 bytes (NumPy format 1.0), padded with spaces as the
 * format allows, so the final shape is written in place at commit.
 *
 * <p>Not thread-safe: use it from one thread at a time (handing it from one thread to another is
 * fine). Calls that overlap from two threads fail fast with a {@link
 * java.util.ConcurrentModificationException} rather than interleave rows into a corrupt matrix.
 */
public final class NpyWriter implements Closeable {

  private static final int HEADER_BYTES = 128;
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};

  private final Path target;
  private final Path tmp;
  private final FileChannel channel;
  private final int dimension;
  private final ByteBuffer buffer;
  private long rows;
  private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
  private boolean committing;
  private boolean committed;
  private boolean closed;
  /** Set while a call runs: overlapping calls from two threads are refused, not interleaved. */
  private final AtomicBoolean busy = new AtomicBoolean();

  private NpyWriter(Path target, Path tmp, FileChannel channel, int dimension) {
    this.target = target;
    this.tmp = tmp;
    this.channel = channel;
    this.dimension = dimension;
    this.buffer = ByteBuffer.allocate(Math.max(4 * dimension, 1 << 16))
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Starts a matrix of rows of {@code dimension} floats.
   *
   * @param file the {@code .npy} file to produce
   * @param dimension the row length, at least 1
   * @return the writer
   * @throws IOException if the temporary file cannot be created
   * @throws IllegalArgumentException if {@code dimension < 1}
   */
  public static NpyWriter open(Path file, int dimension) throws IOException {
    if (dimension < 1) {
      throw new IllegalArgumentException("row dimension must be at least 1: " + dimension);
    }
    Path tmp = SdkFile.createTemp(file);
    FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
    NpyWriter w = new NpyWriter(file, tmp, ch, dimension);
    ch.write(ByteBuffer.wrap(w.header()), 0);
    ch.position(HEADER_BYTES);
    return w;
  }

  /**
   * Appends one row.
   *
   * @param row {@code dimension} floats
   * @throws IOException if writing fails
   * @throws IllegalArgumentException if the row's length is wrong
   * @throws IllegalStateException after {@link #commit()} or {@link #close()}
   * @throws java.util.ConcurrentModificationException if another thread is using this writer
   */
  public void write(float[] row) throws IOException {
    enter();
    try {
      append(row);
    } finally {
      busy.set(false);
    }
  }

  private void enter() {
    if (!busy.compareAndSet(false, true)) {
      throw new ConcurrentModificationException("NpyWriter for " + target + " is not thread-safe"
          + " and another thread is using it; write from one thread at a time");
    }
  }

  private void append(float[] row) throws IOException {
    if (committed || closed) {
      throw new IllegalStateException("writer for " + target + " is already "
          + (committed ? "committed" : "closed"));
    }
    if (row.length != dimension) {
      throw new IllegalArgumentException("vector dimensions differ: " + row.length + " != "
          + dimension + " (row " + rows + " of " + target + ")");
    }
    if (buffer.remaining() < 4 * dimension) {
      flush();
    }
    buffer.asFloatBuffer().put(row);
    buffer.position(buffer.position() + 4 * dimension);
    rows++;
  }

  /**
   * The rows written so far.
   *
   * @return the count
   */
  public long rows() {
    return rows;
  }

  /**
   * Finishes the file: writes the final shape, forces it to disk and moves it to its name,
   * replacing any previous file.
   *
   * @throws IOException if any of that fails; the previous file is then left intact
   * @throws java.util.ConcurrentModificationException if another thread is using this writer
   */
  public void commit() throws IOException {
    enter();
    try {
      finish();
    } finally {
      busy.set(false);
    }
  }

  private void finish() throws IOException {
    complete();
    SdkFile.move(tmp, target);
    committed = true;
  }

  private void complete() throws IOException {
    if (closed || committed) {
      throw new IllegalStateException("writer for " + target + " is already "
          + (committed ? "committed" : "closed"));
    }
    flush();
    committing = true;
    channel.write(ByteBuffer.wrap(header()), 0);
    channel.force(true);
    channel.close();
  }

  /**
   * Completes the temporary file (final shape and checksum, forced to disk) without moving it,
   * for {@link EmbeddingSet}, which moves it together with the files that belong to it. The
   * writer then counts as committed: {@link #close()} leaves the temporary to the caller.
   *
   * @return the temporary file
   */
  Path finishTemp() throws IOException {
    enter();
    try {
      complete();
      committed = true;
      return tmp;
    } finally {
      busy.set(false);
    }
  }

  /** Abandons the file unless it was committed. Idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (!committed) {
      channel.close();
      SdkFile.delete(tmp);
    }
  }

  private void flush() throws IOException {
    buffer.flip();
    crc.update(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
  }

  private byte[] header() {
    // The data's CRC-32C as a comment after the dict (see Npy.header): NumPy ignores it, Npy.read
    // checks it. Written at commit, when it is known; the placeholder before has none.
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", "
        + dimension + "), }" + (committing ? String.format(java.util.Locale.ROOT,
        " # crc32c=%08x", crc.getValue()) : "");
    int room = HEADER_BYTES - MAGIC.length - 2;
    StringBuilder text = new StringBuilder(dict);
    text.append(" ".repeat(room - dict.length() - 1)).append('\n');
    ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    h.put(MAGIC).putShort((short) room).put(text.toString().getBytes(StandardCharsets.US_ASCII));
    h.flip();
    return h.array();
  }
}
