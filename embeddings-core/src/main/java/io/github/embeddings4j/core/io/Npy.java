package io.github.embeddings4j.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Float matrices in NumPy's {@code .npy} format, so that NumPy ({@code np.load}), FAISS and
 * friends read what embeddings4j writes, and embeddings4j reads theirs.
 *
 * <p>The format: the magic bytes {@code \x93NUMPY}, a major and a minor version byte, the
 * header length (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), then the header,
 * a Python dict literal such as {@code {'descr': '<f4', 'fortran_order': False, 'shape': (60000,
 * 784), }} padded with spaces and ended by a newline so that the data starts at a multiple of 64
 * bytes, then the values in C (row-major) order.
 *
 * <p>Writing: little-endian float32 ({@code <f4}), C order, format 1.0 (2.0 only if the header
 * would not fit, which no matrix needs), what {@code np.save} writes plus the data's CRC-32C as
 * a comment after the header dict ({@code # crc32c=...}, inside the padding; NumPy ignores it);
 * atomically, through {@link SdkFile#writeAtomically}. A file that carries the comment is
 * refused when its data no longer match it; files without it (NumPy's own) are read as they
 * are. Reading: format 1.0, 2.0 and 3.0; {@code <f4}, and
 * {@code >f4}, {@code <f8}, {@code >f8} converted to float; shape {@code (n, d)}, or {@code (d,)}
 * read as one row. Fortran-ordered arrays and other types are refused with the reason; damaged
 * and truncated files with a {@link DamagedFileException} naming the file.
 *
 * <p>Ids go beside the matrix in a text file, one per line in row order ({@link #idsFile},
 * {@link #writeIds}, {@link #readIds}). Read them in Python with
 * {@code open("x.ids.txt", encoding="utf-8", newline="\n").read().split("\n")[:-1]}
 * ({@code np.loadtxt} splits names at spaces and drops what follows a {@code #}). The SDK's own
 * embeddings files ({@link EmbeddingSet}) percent-escape their ids; see {@link Ids}.
 *
 * <pre>{@code
 * Npy.write(Path.of("vectors.npy"), vectors);          // np.load("vectors.npy")
 * float[][] back = Npy.read(Path.of("vectors.npy"));
 * }</pre>
 *
 * <p>Stateless and thread-safe. Two threads writing the same file each write a whole file
 * of their own; the last to finish is the one left under the name.
 */
public final class Npy {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  /** NumPy aligns the start of the data to this many bytes. */
  private static final int ALIGN = 64;
  private static final Pattern DESCR =
      Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
  private static final Pattern FORTRAN =
      Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
  /** Rows of zero width take no bytes in the file; more than this many are refused. */
  static final int MAX_EMPTY_ROWS = 1 << 20;
  private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");
  /** The data checksum this SDK writes after the header dict; files from NumPy have none. */
  private static final Pattern CRC = Pattern.compile("}\\s*#\\s*crc32c=([0-9a-f]{8})\\b");

  private Npy() {}

  /**
   * Writes a matrix as {@code <f4}, C order, shape {@code (rows, columns)}.
   *
   * @param file the target; replaced atomically
   * @param rows the rows, all of one length
   * @throws IllegalArgumentException if the rows differ in length
   * @throws IOException if writing fails
   */
  public static void write(Path file, float[][] rows) throws IOException {
    Objects.requireNonNull(rows, "rows");
    int d = rows.length == 0 ? 0 : Objects.requireNonNull(rows[0], "rows[0]").length;
    for (int i = 0; i < rows.length; i++) {
      if (Objects.requireNonNull(rows[i], "rows[" + i + "]").length != d) {
        throw new IllegalArgumentException("vector dimensions differ: rows[" + i + "] has "
            + rows[i].length + " components, rows[0] has " + d);
      }
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    for (float[] row : rows) {
      writeFloats(crc::update, row);
    }
    SdkFile.writeAtomically(file, out -> {
      out.write(header("(" + rows.length + ", " + d + ")", crc.getValue()));
      for (float[] row : rows) {
        writeFloats(out::write, row);
      }
    });
  }

  /**
   * Writes a vector as {@code <f4}, shape {@code (length,)}.
   *
   * @param file the target; replaced atomically
   * @param vector the values
   * @throws IOException if writing fails
   */
  public static void write(Path file, float[] vector) throws IOException {
    Objects.requireNonNull(vector, "vector");
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    writeFloats(crc::update, vector);
    SdkFile.writeAtomically(file, out -> {
      out.write(header("(" + vector.length + ",)", crc.getValue()));
      writeFloats(out::write, vector);
    });
  }

  /**
   * The preamble and padded header, in format 1.0 unless it needs 2.0. The data's CRC-32C rides
   * after the dict as a comment ({@code # crc32c=89abcdef}), inside the padding the format
   * requires anyway: NumPy parses the header as a Python literal, so it reads the file as
   * before, while {@link #read} refuses a file whose data no longer match.
   *
   * @param shape the shape tuple, e.g. {@code (2, 3)}
   * @param crc the data's CRC-32C, or -1 for none
   */
  static byte[] header(String shape, long crc) {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }"
        + (crc < 0 ? "" : String.format(java.util.Locale.ROOT, " # crc32c=%08x", crc));
    int preamble = 10;
    int version = 1;
    if (dict.length() + 1 + preamble > 0xffff) {
      preamble = 12;
      version = 2;
    }
    int total = dict.length() + 1 + preamble;
    int padded = (total + ALIGN - 1) / ALIGN * ALIGN;
    StringBuilder text = new StringBuilder(dict);
    text.append(" ".repeat(padded - total)).append('\n');
    byte[] h = text.toString().getBytes(StandardCharsets.US_ASCII);
    ByteBuffer buf = ByteBuffer.allocate(preamble + h.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).put((byte) version).put((byte) 0);
    if (version == 1) {
      buf.putShort((short) h.length);
    } else {
      buf.putInt(h.length);
    }
    buf.put(h);
    return buf.array();
  }

  /** Where {@link #writeFloats} puts bytes: an output stream's or a checksum's update. */
  private interface ByteSink {
    void accept(byte[] bytes, int offset, int length) throws IOException;
  }

  /** A row as little-endian float32 bytes, in chunks of at most 64 kB. */
  private static void writeFloats(ByteSink out, float[] v) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(4 * Math.min(v.length, 1 << 14))
        .order(ByteOrder.LITTLE_ENDIAN);
    int i = 0;
    while (i < v.length) {
      int n = Math.min(v.length - i, buf.capacity() / 4);
      buf.clear();
      buf.asFloatBuffer().put(v, i, n);
      out.accept(buf.array(), 0, 4 * n);
      i += n;
    }
  }


  /**
   * Reads a float matrix: shape {@code (n, d)} gives {@code n} rows, shape {@code (d,)} one row.
   *
   * @param file the {@code .npy} file
   * @return the rows
   * @throws DamagedFileException if the file is not a {@code .npy} file, is truncated or has
   *     extra bytes, naming the file
   * @throws IllegalArgumentException if the array is Fortran-ordered, not float32/float64, or
   *     not one- or two-dimensional, saying which
   * @throws IOException if the file cannot be read
   */
  public static float[][] read(Path file) throws IOException {
    return read(file, false);
  }

  /**
   * Reads an array of any rank as rows: one row per index of the first dimension, the others
   * flattened in C order (an {@code (N, C, H, W)} batch of network inputs gives N rows of {@code
   * C * H * W} values). A vector is one row.
   *
   * @param file the {@code .npy} file
   * @return the rows
   * @throws DamagedFileException as {@link #read(Path)}
   * @throws IllegalArgumentException as {@link #read(Path)}, less the rank
   * @throws IOException if the file cannot be read
   */
  public static float[][] readRows(Path file) throws IOException {
    return read(file, true);
  }

  /**
   * Where and how a {@code .npy} file keeps its values, from its header.
   *
   * @param rows the rows (1 for a vector)
   * @param columns the values of a row
   * @param bytesEach 4 for float32, 8 for float64
   * @param order the byte order of the values
   * @param dataOffset where the first value starts
   * @param crc the CRC-32C of the data the header records (files this SDK writes), or null
   */
  public record Layout(long rows, long columns, int bytesEach, ByteOrder order, long dataOffset,
      String crc) {}

  /**
   * Reads a matrix's header only (or a vector's, as one row), checking it against the file's
   * size: what {@code GraphIndex}, {@code FlatIndex.map} and others need to read rows in place.
   *
   * @param file the {@code .npy} file
   * @return its layout
   * @throws DamagedFileException as {@link #read(Path)}
   * @throws IllegalArgumentException as {@link #read(Path)}
   * @throws IOException if the file cannot be read
   */
  public static Layout layout(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(ch), 1 << 16)) {
      return layout(in, ch.size(), file, false);
    }
  }

  private static Layout layout(InputStream in, long size, Path file, boolean anyRank)
      throws IOException {
    byte[] pre = readExactly(in, 8, file, "the magic number and version");
    for (int i = 0; i < MAGIC.length; i++) {
      if (pre[i] != MAGIC[i]) {
        throw new DamagedFileException(file, "not a .npy file (no \\x93NUMPY magic number)");
      }
    }
    int major = pre[6] & 0xff;
    int headerLength;
    int preamble;
    if (major == 1) {
      byte[] len = readExactly(in, 2, file, "the header length");
      headerLength = (len[0] & 0xff) | (len[1] & 0xff) << 8;
      preamble = 10;
    } else if (major == 2 || major == 3) {
      byte[] len = readExactly(in, 4, file, "the header length");
      long l = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
      if (l > size) {
        throw new DamagedFileException(file, "header length " + l + " exceeds the file size "
            + size);
      }
      headerLength = (int) l;
      preamble = 12;
    } else {
      throw new DamagedFileException(file, "unsupported .npy format version " + major + "."
          + (pre[7] & 0xff) + " (this reader knows 1.0, 2.0 and 3.0)");
    }
    String header = new String(readExactly(in, headerLength, file, "the header"),
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher descr = DESCR.matcher(header);
    Matcher fortran = FORTRAN.matcher(header);
    Matcher shape = SHAPE.matcher(header);
    if (!header.startsWith("{") || !descr.find() || !fortran.find() || !shape.find()) {
      throw new DamagedFileException(file, "header is not a NumPy header dict: "
          + header.strip());
    }
    if (fortran.group(1).equals("True")) {
      throw new IllegalArgumentException(file + ": Fortran-ordered (column-major) arrays are"
          + " not supported; save a C-ordered copy (np.ascontiguousarray)");
    }
    String type = descr.group(1);
    int bytesEach;
    ByteOrder order;
    switch (type) {
      case "<f4" -> { bytesEach = 4; order = ByteOrder.LITTLE_ENDIAN; }
      case ">f4" -> { bytesEach = 4; order = ByteOrder.BIG_ENDIAN; }
      case "<f8" -> { bytesEach = 8; order = ByteOrder.LITTLE_ENDIAN; }
      case ">f8" -> { bytesEach = 8; order = ByteOrder.BIG_ENDIAN; }
      default -> throw new IllegalArgumentException(file + ": dtype '" + type
          + "' is not supported; expected float32 ('<f4') or float64 ('<f8')");
    }
    long[] dims = parseShape(shape.group(1), file);
    long rows;
    long cols;
    if (dims.length == 2) {
      rows = dims[0];
      cols = dims[1];
    } else if (dims.length == 1) {
      rows = 1;
      cols = dims[0];
    } else if (anyRank && dims.length > 2) {
      rows = dims[0];
      cols = 1;
      for (int i = 1; i < dims.length; i++) {
        cols = Math.multiplyExact(cols, dims[i]);
      }
    } else {
      throw new IllegalArgumentException(file + ": shape (" + shape.group(1).strip()
          + ") is not a vector or a matrix");
    }
    long expected;
    try {
      expected = Math.addExact(preamble + (long) headerLength,
          Math.multiplyExact(Math.multiplyExact(rows, cols), (long) bytesEach));
    } catch (ArithmeticException e) {
      throw new DamagedFileException(file, "shape (" + shape.group(1).strip()
          + ") declares more bytes than any file holds");
    }
    if (size != expected) {
      throw new DamagedFileException(file, (size < expected ? "truncated" : "extended")
          + ": shape (" + shape.group(1).strip() + ") of " + type + " needs " + expected
          + " bytes, the file has " + size);
    }
    if (cols > Integer.MAX_VALUE - 8 || rows > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(file + ": shape (" + shape.group(1).strip()
          + ") is too large for Java arrays");
    }
    if (cols == 0 && rows > MAX_EMPTY_ROWS) {
      // Zero-width rows take no bytes in the file, so the size check above cannot bound them,
      // and two billion of them would fill the heap with empty arrays.
      throw new IllegalArgumentException(file + ": shape (" + shape.group(1).strip()
          + ") holds " + rows + " rows of no values; at most " + MAX_EMPTY_ROWS
          + " empty rows are read");
    }
    Matcher declared = CRC.matcher(header);
    return new Layout(rows, cols, bytesEach, order, preamble + (long) headerLength,
        declared.find() ? declared.group(1) : null);
  }

  private static float[][] read(Path file, boolean anyRank) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(ch), 1 << 16)) {
      Layout l = layout(in, ch.size(), file, anyRank);
      java.util.zip.CRC32C crc = l.crc() != null ? new java.util.zip.CRC32C() : null;
      float[][] out = new float[(int) l.rows()][(int) l.columns()];
      byte[] buf = new byte[(int) Math.max(l.bytesEach(), Math.min(1 << 16,
          l.columns() * l.bytesEach()))];
      for (float[] row : out) {
        readRow(in, row, buf, l.bytesEach(), l.order(), file, crc);
      }
      if (crc != null && crc.getValue() != Long.parseLong(l.crc(), 16)) {
        throw new DamagedFileException(file, String.format(java.util.Locale.ROOT,
            "data checksum mismatch: the header records crc32c=%s, the data give %08x",
            l.crc(), crc.getValue()));
      }
      return out;
    }
  }

  /**
   * Reads a one-dimensional array (or a matrix with one row).
   *
   * @param file the {@code .npy} file
   * @return the values
   * @throws IllegalArgumentException if the array has more than one row
   * @throws IOException as {@link #read(Path)}
   */
  public static float[] readVector(Path file) throws IOException {
    float[][] m = read(file);
    if (m.length != 1) {
      throw new IllegalArgumentException(file + ": holds " + m.length + " rows, not a vector");
    }
    return m[0];
  }

  private static void readRow(InputStream in, float[] row, byte[] buf, int bytesEach,
      ByteOrder order, Path file, java.util.zip.Checksum crc) throws IOException {
    int i = 0;
    while (i < row.length) {
      int n = Math.min(row.length - i, buf.length / bytesEach);
      int got = in.readNBytes(buf, 0, n * bytesEach);
      if (got != n * bytesEach) {
        throw new DamagedFileException(file, "truncated: the data ends early");
      }
      if (crc != null) {
        crc.update(buf, 0, got);
      }
      ByteBuffer bb = ByteBuffer.wrap(buf, 0, got).order(order);
      if (bytesEach == 4) {
        bb.asFloatBuffer().get(row, i, n);
      } else {
        for (int j = 0; j < n; j++) {
          row[i + j] = (float) bb.getDouble();
        }
      }
      i += n;
    }
  }

  private static long[] parseShape(String s, Path file) throws DamagedFileException {
    List<Long> dims = new ArrayList<>();
    for (String part : s.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      if (p.endsWith("L")) { // Python 2 longs
        p = p.substring(0, p.length() - 1);
      }
      try {
        long v = Long.parseLong(p);
        if (v < 0) {
          throw new NumberFormatException();
        }
        dims.add(v);
      } catch (NumberFormatException e) {
        throw new DamagedFileException(file, "shape (" + s + ") is not a tuple of sizes");
      }
    }
    return dims.stream().mapToLong(Long::longValue).toArray();
  }

  private static byte[] readExactly(InputStream in, int n, Path file, String what)
      throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new DamagedFileException(file, "truncated: the file ends inside " + what);
    }
    return b;
  }

  /**
   * The ids file that goes beside a matrix: {@code vectors.npy} gets {@code vectors.ids.txt}.
   *
   * @param npyFile the matrix file
   * @return the ids file's path
   */
  public static Path idsFile(Path npyFile) {
    String name = npyFile.getFileName().toString();
    String stem = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
    return npyFile.resolveSibling(stem + ".ids.txt");
  }

  /**
   * Writes ids one per line (UTF-8), atomically.
   *
   * @param file the ids file
   * @param ids the ids in row order; none may contain a line break
   * @throws IllegalArgumentException if an id contains a line break
   * @throws IOException if writing fails
   */
  public static void writeIds(Path file, List<String> ids) throws IOException {
    for (int i = 0; i < ids.size(); i++) {
      String id = Objects.requireNonNull(ids.get(i), "ids[" + i + "]");
      if (id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("ids[" + i + "] contains a line break: '" + id + "'");
      }
    }
    SdkFile.writeAtomically(file, out -> {
      for (String id : ids) {
        out.write(id.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
      }
    });
  }

  /**
   * Reads ids written one per line.
   *
   * @param file the ids file
   * @return the ids in row order
   * @throws IOException if the file cannot be read
   */
  public static List<String> readIds(Path file) throws IOException {
    return List.copyOf(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  /**
   * Reads ids and checks that there is one per row of a matrix.
   *
   * @param file the ids file
   * @param rows the matrix's row count
   * @return the ids
   * @throws DamagedFileException if the count differs, naming the file and both counts
   * @throws IOException if the file cannot be read
   */
  public static List<String> readIds(Path file, int rows) throws IOException {
    List<String> ids = readIds(file);
    if (ids.size() != rows) {
      throw new DamagedFileException(file, "holds " + ids.size() + " ids for " + rows + " rows");
    }
    return ids;
  }
}
