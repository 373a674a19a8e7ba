package io.github.embeddings4j.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The rows of a float32 {@code .npy} matrix, read in place from the file mapped into memory in
 * segments of at most 1 GiB: what {@code FlatIndex.map} scans, and what the command line reads
 * a set larger than the heap through. The pages belong to the
 * operating system's cache, not to the Java heap, so a file larger than the heap (or than the
 * memory) can be searched; a scan reads it at the speed of the cache or of the disk. Reads are
 * absolute and so thread-safe. The file must not change while it is mapped.
 */
public final class MappedNpy {

  /** Bytes per mapped segment, at most. */
  public static final long SEGMENT_BYTES = 1L << 30;

  private final Path file;
  private final int rows;
  private final int dimension;
  private final int rowsPerSegment;
  private final ByteBuffer[] bytes;
  private final FloatBuffer[] segments;
  private final String crc;

  private MappedNpy(Path file, int rows, int dimension, int rowsPerSegment,
      ByteBuffer[] bytes, String crc) {
    this.file = file;
    this.rows = rows;
    this.dimension = dimension;
    this.rowsPerSegment = rowsPerSegment;
    this.bytes = bytes;
    this.segments = new FloatBuffer[bytes.length];
    for (int s = 0; s < bytes.length; s++) {
      segments[s] = bytes[s].asFloatBuffer();
    }
    this.crc = crc;
  }

  /**
   * Maps a matrix's rows in segments of {@link #SEGMENT_BYTES}.
   *
   * @param file a float32, little-endian, C-ordered {@code (n, d)} {@code .npy} file
   * @return the rows
   * @throws IOException as {@link #open(Path, long)}
   */
  public static MappedNpy open(Path file) throws IOException {
    return open(file, SEGMENT_BYTES);
  }

  /**
   * Maps a matrix's rows.
   *
   * @param file a float32, little-endian, C-ordered {@code (n, d)} {@code .npy} file
   * @param segmentBytes the largest segment (tests map small ones to cross their boundaries)
   * @return the rows
   * @throws IllegalArgumentException for another type, order or shape, naming the file and the
   *     fix
   * @throws DamagedFileException if the header does not fit the file
   * @throws IOException if the file cannot be read
   */
  public static MappedNpy open(Path file, long segmentBytes) throws IOException {
    Npy.Layout l = Npy.layout(file);
    if (l.bytesEach() != 4 || l.order() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalArgumentException(file + ": only float32 little-endian ('<f4') rows are"
          + " searched in place; this file holds " + (l.bytesEach() == 8 ? "float64" : "float32")
          + " " + (l.order() == ByteOrder.BIG_ENDIAN ? "big" : "little") + "-endian values:"
          + " save a copy with np.save(path, x.astype('<f4')), or load it (FlatIndex.addAll)");
    }
    if (l.columns() < 1) {
      throw new IllegalArgumentException(file + ": rows of no values cannot be searched");
    }
    int dim = (int) l.columns();
    int n = (int) l.rows();
    int perSegment = (int) Math.max(1, Math.min(Integer.MAX_VALUE, segmentBytes / (4L * dim)));
    int count = n == 0 ? 0 : (int) ((n + (long) perSegment - 1) / perSegment);
    ByteBuffer[] bytes = new ByteBuffer[count];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (int s = 0; s < count; s++) {
        long first = (long) s * perSegment;
        long segRows = Math.min(perSegment, n - first);
        bytes[s] = ch.map(FileChannel.MapMode.READ_ONLY, l.dataOffset() + first * 4L * dim,
            segRows * 4L * dim).order(ByteOrder.LITTLE_ENDIAN);
      }
    }
    return new MappedNpy(file, n, dim, perSegment, bytes, l.crc());
  }

  /**
   * The file.
   *
   * @return it
   */
  public Path file() {
    return file;
  }

  /**
   * The rows.
   *
   * @return their count
   */
  public int rows() {
    return rows;
  }

  /**
   * The values of a row.
   *
   * @return their count
   */
  public int dimension() {
    return dimension;
  }

  /**
   * A copy of one row.
   *
   * @param row the row
   * @return its values
   */
  public float[] row(int row) {
    java.util.Objects.checkIndex(row, rows);
    float[] v = new float[dimension];
    copy(row, row + 1, v, 0);
    return v;
  }

  /**
   * Copies rows {@code [from, to)} into {@code dest} from {@code offset}, one after another.
   * Thread-safe.
   *
   * @param from the first row
   * @param to after the last row
   * @param dest where to
   * @param offset where in {@code dest} the first value goes
   */
  public void copy(int from, int to, float[] dest, int offset) {
    int r = from;
    int at = offset;
    while (r < to) {
      int s = r / rowsPerSegment;
      int end = Math.min(to, (s + 1) * rowsPerSegment);
      int floats = (end - r) * dimension;
      segments[s].get((r - s * rowsPerSegment) * dimension, dest, at, floats);
      at += floats;
      r = end;
    }
  }

  /**
   * How many segments the rows are mapped in.
   *
   * @return the count
   */
  public int segments() {
    return segments.length;
  }

  /**
   * The first row of a segment.
   *
   * @param s the segment; {@code segments()} gives the row count
   * @return the row
   */
  public int firstRowOf(int s) {
    return (int) Math.min(rows, (long) s * rowsPerSegment);
  }

  /**
   * A checksum of the data, fed a segment at a time ({@link #add}), to compare with the one the
   * header records (files this SDK writes), so that a reader can check a segment while its
   * pages are cached.
   *
   * @return a new checksum, or null when the header records none
   */
  public java.util.zip.CRC32C checksum() {
    return crc == null ? null : new java.util.zip.CRC32C();
  }

  /**
   * Adds a segment's bytes to a checksum.
   *
   * @param sum the checksum
   * @param s the segment
   */
  public void add(java.util.zip.CRC32C sum, int s) {
    sum.update(bytes[s].duplicate());
  }

  /**
   * Compares a checksum of every segment with the header's.
   *
   * @param sum the checksum of every segment, or null (nothing to compare)
   * @throws DamagedFileException if they differ
   */
  public void verify(java.util.zip.CRC32C sum) throws DamagedFileException {
    if (sum != null && sum.getValue() != Long.parseLong(crc, 16)) {
      throw new DamagedFileException(file, String.format(java.util.Locale.ROOT,
          "data checksum mismatch: the header records crc32c=%s, the data give %08x", crc,
          sum.getValue()));
    }
  }
}
