package io.github.embeddings4j.core.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An unsigned-byte array in the IDX format of MNIST and Fashion-MNIST: a big-endian header
 * ({@code 0x00 0x00}, the type {@code 0x08}, the number of dimensions, then each dimension as a
 * 32-bit integer) followed by the values in row-major order. Files may be gzip-compressed; that
 * is detected from their first bytes, not their name.
 *
 * <pre>{@code
 * IdxFile images = IdxFile.read(Path.of("train-images-idx3-ubyte.gz"));
 * int n = images.shape()[0];      // 60000
 * int pixel = images.get(5 * 784 + 100);
 * }</pre>
 *
 * <p>Immutable (the accessors copy) and safe to share between threads.
 */
public final class IdxFile {

  /** The IDX type code of unsigned bytes, the only one MNIST-format files use. */
  public static final int TYPE_UNSIGNED_BYTE = 0x08;

  private static final int MAX_DIMENSIONS = 8;
  private static final int CHUNK = 1 << 20;

  private final int[] shape;
  private final byte[] data;

  private IdxFile(int[] shape, byte[] data) {
    this.shape = shape;
    this.data = data;
  }

  /**
   * Reads an IDX file, plain or gzip.
   *
   * @param file the file
   * @return its contents
   * @throws IOException if the file cannot be read, is not IDX, holds another type than
   *     unsigned bytes, or is shorter than its header says; the message names the file
   */
  public static IdxFile read(Path file) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
      return read(in, file.toString());
    } catch (java.util.zip.ZipException e) {
      throw new IOException(file + ": damaged gzip data: " + e.getMessage(), e);
    }
  }

  /**
   * Reads an IDX array from a stream (already decompressed).
   *
   * @param in the stream, positioned at the magic number; not closed
   * @param name the name to use in error messages
   * @return the array
   * @throws IOException if the stream is not a well-formed unsigned-byte IDX array
   */
  public static IdxFile read(InputStream in, String name) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int magic;
    try {
      magic = data.readInt();
    } catch (EOFException e) {
      throw new IOException(name + ": not an IDX file (shorter than its 4-byte magic number)", e);
    }
    if ((magic >>> 16) != 0) {
      throw new IOException(name + ": not an IDX file (magic number 0x"
          + Integer.toHexString(magic) + " does not start with two zero bytes)");
    }
    int type = (magic >>> 8) & 0xff;
    int dims = magic & 0xff;
    if (type != TYPE_UNSIGNED_BYTE) {
      throw new IOException(name + ": IDX type 0x" + Integer.toHexString(type)
          + " is not supported; only unsigned bytes (0x08) are");
    }
    if (dims < 1 || dims > MAX_DIMENSIONS) {
      throw new IOException(name + ": IDX header declares " + dims
          + " dimensions; expected 1 to " + MAX_DIMENSIONS);
    }
    int[] shape = new int[dims];
    long count = 1;
    for (int i = 0; i < dims; i++) {
      try {
        shape[i] = data.readInt();
      } catch (EOFException e) {
        throw new IOException(name + ": IDX header is truncated", e);
      }
      if (shape[i] < 0) {
        throw new IOException(name + ": IDX dimension " + i + " is negative: " + shape[i]);
      }
      count *= shape[i];
      if (count > Integer.MAX_VALUE - 8) {
        throw new IOException(name + ": IDX shape " + Arrays.toString(Arrays.copyOf(shape, i + 1))
            + " holds more than 2^31 values, too many for one array");
      }
    }
    // Read in chunks so that a header that lies about its size fails at end of file instead of
    // allocating the whole declared size up front.
    int total = (int) count;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(Math.min(total, CHUNK));
    byte[] chunk = new byte[Math.min(Math.max(total, 1), CHUNK)];
    int remaining = total;
    while (remaining > 0) {
      int n = data.read(chunk, 0, Math.min(chunk.length, remaining));
      if (n < 0) {
        throw new IOException(name + ": IDX file is truncated: header " + Arrays.toString(shape)
            + " declares " + total + " values but only " + (total - remaining) + " follow");
      }
      buffer.write(chunk, 0, n);
      remaining -= n;
    }
    return new IdxFile(shape, buffer.toByteArray());
  }

  /**
   * The dimensions, outermost first (for images: count, rows, columns).
   *
   * @return a copy of the shape
   */
  public int[] shape() {
    return shape.clone();
  }

  /**
   * The number of values.
   *
   * @return the product of the dimensions
   */
  public int size() {
    return data.length;
  }

  /**
   * One value, by its row-major position.
   *
   * @param index position in {@code [0, size())}
   * @return the value in {@code [0, 255]}
   */
  public int get(int index) {
    return data[index] & 0xff;
  }

  /**
   * The values as raw bytes (read them with {@code & 0xff}).
   *
   * @return a copy of the data
   */
  public byte[] bytes() {
    return data.clone();
  }

  /** The data without a copy, for the readers in this package. */
  byte[] rawBytes() {
    return data;
  }
}
