package io.github.embeddings4j.core.io;

import io.github.embeddings4j.api.EmbedderDescription;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The container format of every file embeddings4j writes (indexes, PCA models, binary codes):
 *
 * <pre>
 * offset  size  field
 * 0       4     magic "E4J1"
 * 4       4     kind: four ASCII characters naming what the payload is, e.g. "FIDX"
 * 8       4     format version of that kind (little-endian int)
 * 12      8     payload length in bytes (little-endian long)
 * 20      n     payload (little-endian)
 * 20+n    4     CRC-32C of bytes 0 .. 20+n (little-endian int)
 * </pre>
 *
 * <p>Writes are atomic: the file is written beside its target under a temporary name, forced to
 * disk and moved over the target, so a write that fails or is interrupted leaves the previous
 * file intact. Reads check the length and the checksum of the whole file before the payload is
 * parsed, so a damaged file is refused with a {@link DamagedFileException} instead of being
 * half-read, and the payload reader can trust what it reads; it still checks its own counts
 * against {@link Input#remaining()}, which is what keeps a crafted file from allocating more than
 * it holds.
 *
 * <p>Stateless and thread-safe; concurrent writes of one file each produce a whole file and the
 * last move wins. {@link Output} and {@link Input} belong to the one call that made them.
 */
public final class SdkFile {

  /** The four bytes every file starts with. */
  public static final String MAGIC = "E4J1";

  static final int HEADER = 20;
  static final int TRAILER = 4;

  private SdkFile() {}

  /** Writes a payload. */
  @FunctionalInterface
  public interface PayloadWriter {
    /**
     * Writes the payload.
     *
     * @param out the destination
     * @throws IOException if writing fails
     */
    void write(Output out) throws IOException;
  }

  /**
   * Parses a payload.
   *
   * @param <T> what the payload becomes
   */
  @FunctionalInterface
  public interface PayloadReader<T> {
    /**
     * Parses the payload.
     *
     * @param in the payload, already verified against its checksum
     * @param version the format version written in the header
     * @return the parsed value
     * @throws IOException if the payload is not what this reader expects
     */
    T read(Input in, int version) throws IOException;
  }

  /**
   * Writes a file atomically.
   *
   * @param file the target; replaced only once the new content is complete and on disk
   * @param kind four ASCII characters naming the payload
   * @param version the payload's format version
   * @param payload writes the payload
   * @throws IOException if writing fails; the previous file, if any, is left as it was
   */
  public static void write(Path file, String kind, int version, PayloadWriter payload)
      throws IOException {
    byte[] kindBytes = checkKind(kind);
    Path tmp = createTemp(file);
    boolean done = false;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      Output out = new Output(ch);
      out.writeRaw(MAGIC.getBytes(StandardCharsets.US_ASCII));
      out.writeRaw(kindBytes);
      out.writeInt(version);
      out.writeLong(0L); // payload length, patched below
      payload.write(out);
      out.flush();
      long payloadLength = ch.position() - HEADER;
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(payloadLength);
      len.flip();
      ch.write(len, 12);
      int crc = crcOf(ch, HEADER + payloadLength);
      ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(crc);
      tail.flip();
      ch.write(tail, HEADER + payloadLength);
      ch.force(true);
      done = true;
    } finally {
      if (!done) {
        delete(tmp);
      }
    }
    try {
      move(tmp, file);
    } catch (IOException e) {
      delete(tmp);
      throw e;
    }
  }

  /**
   * Moves a finished temporary to its name, atomically where the file system can, and forgets
   * it.
   */
  static void move(Path tmp, Path file) throws IOException {
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    forget(tmp);
  }

  /**
   * Reads a file after checking its magic number, kind, version, length and checksum.
   *
   * @param <T> what the payload becomes
   * @param file the file
   * @param kind the expected kind
   * @param maxVersion the newest format version this reader understands
   * @param reader parses the verified payload
   * @return the parsed value
   * @throws DamagedFileException if the file is truncated, altered, of another kind or too new,
   *     or if the payload does not parse; the message names the file
   * @throws IOException if the file cannot be read at all
   */
  public static <T> T read(Path file, String kind, int maxVersion, PayloadReader<T> reader)
      throws IOException {
    byte[] kindBytes = checkKind(kind);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER + TRAILER) {
        throw new DamagedFileException(file, "truncated: " + size
            + " bytes is shorter than the " + (HEADER + TRAILER) + "-byte header and checksum");
      }
      ByteBuffer head = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, head, 0);
      head.flip();
      byte[] magic = new byte[4];
      byte[] foundKind = new byte[4];
      head.get(magic).get(foundKind);
      if (!MAGIC.equals(new String(magic, StandardCharsets.ISO_8859_1))) {
        throw new DamagedFileException(file, "not an embeddings4j file (no '" + MAGIC
            + "' magic number)");
      }
      String found = new String(foundKind, StandardCharsets.ISO_8859_1);
      if (!java.util.Arrays.equals(kindBytes, foundKind)) {
        throw new DamagedFileException(file, "holds a '" + printable(found) + "' file, not '"
            + kind + "'");
      }
      int version = head.getInt();
      long payloadLength = head.getLong();
      if (payloadLength != size - HEADER - TRAILER) {
        throw new DamagedFileException(file, "truncated or extended: the header declares "
            + payloadLength + " payload bytes but the file holds " + (size - HEADER - TRAILER));
      }
      ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, tail, size - TRAILER);
      tail.flip();
      int expected = tail.getInt();
      int actual = crcOf(ch, size - TRAILER);
      if (expected != actual) {
        throw new DamagedFileException(file, "checksum mismatch (stored 0x"
            + Integer.toHexString(expected) + ", computed 0x" + Integer.toHexString(actual)
            + "): the file was altered or damaged");
      }
      if (version < 1 || version > maxVersion) {
        throw new DamagedFileException(file, "format version " + version
            + " is not supported by this reader (1 to " + maxVersion + "); upgrade embeddings4j");
      }
      ch.position(HEADER);
      Input in = new Input(ch, payloadLength, file);
      T value;
      try {
        value = reader.read(in, version);
      } catch (RuntimeException e) {
        throw new DamagedFileException(file, "payload does not parse: " + e.getMessage(), e);
      }
      if (in.remaining() != 0) {
        throw new DamagedFileException(file, in.remaining() + " unexpected bytes after the payload");
      }
      return value;
    }
  }

  /**
   * The kind a file declares in its header, without checking the rest: for choosing the reader
   * of a file whose kind the caller does not know (a flat {@code "FIDX"} or a graph {@code
   * "GIDX"} index). The reader still checks everything.
   *
   * @param file the file
   * @return its four-character kind, or empty if it does not start with {@link #MAGIC} and a
   *     kind (not an embeddings4j file, or shorter than 8 bytes)
   * @throws IOException if the file cannot be read
   */
  public static java.util.Optional<String> kindOf(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer head = ByteBuffer.allocate(8);
      while (head.hasRemaining() && ch.read(head) > 0) {
        // read until 8 bytes or the end
      }
      if (head.hasRemaining()) {
        return java.util.Optional.empty();
      }
      byte[] b = head.array();
      if (!MAGIC.equals(new String(b, 0, 4, StandardCharsets.ISO_8859_1))) {
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(new String(b, 4, 4, StandardCharsets.ISO_8859_1));
    }
  }

  /**
   * Creates an empty temporary file beside {@code target}, for writing it atomically. Unlike
   * {@link Files#createTempFile}, which makes files readable by their owner only, this one gets
   * the permissions any new file gets (the umask), so the finished file is as readable as one
   * written directly.
   *
   * <p>The file is registered for removal at shutdown ({@link #forget} unregisters it once it
   * has been moved or deleted), so that Ctrl-C or {@code kill} (SIGINT, SIGTERM) leave no
   * temporary behind; SIGKILL runs nothing, and what it leaves is removed by a later write of
   * the same target once it is more than {@link #STALE_AFTER} old (a younger one may be another
   * process's write in progress). Readers never look at temporaries.
   *
   * @param target the file that will replace it
   * @return the temporary file, named {@code .NAME.RANDOM.tmp}
   * @throws IOException if the folder cannot be created or written
   */
  static Path createTemp(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    removeStale(dir, target.getFileName().toString());
    for (int attempt = 0; ; attempt++) {
      Path tmp = dir.resolve("." + target.getFileName() + "."
          + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36)
          + ".tmp");
      try {
        Path created = Files.createFile(tmp);
        Cleanup.PENDING.add(created);
        return created;
      } catch (java.nio.file.AccessDeniedException e) {
        // Named after the file the user asked for, not the temporary nobody has heard of.
        throw new java.nio.file.AccessDeniedException(target.toString(), null,
            "permission denied: cannot create files in " + dir);
      } catch (java.nio.file.FileSystemException e) {
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
          if (attempt == 9) {
            throw e;
          }
          continue;
        }
        throw new java.nio.file.FileSystemException(target.toString(), null,
            IoErrors.reason(e) + " (creating a file in " + dir + ")");
      }
    }
  }

  /** Temporaries older than this, of a file being written again, are left over from a kill. */
  static final java.time.Duration STALE_AFTER = java.time.Duration.ofHours(1);

  /**
   * Stops removing a temporary at shutdown: it was moved to its name, deleted, or handed to a
   * commit journal that will move it.
   *
   * @param tmp the temporary
   */
  static void forget(Path tmp) {
    Cleanup.PENDING.remove(tmp);
  }

  /** Deletes a temporary and forgets it. */
  static void delete(Path tmp) throws IOException {
    try {
      Files.deleteIfExists(tmp);
    } finally {
      forget(tmp);
    }
  }

  /** Whether a file name is one of {@link #createTemp}'s for {@code targetName}. */
  static boolean isTempOf(String fileName, String targetName) {
    String prefix = "." + targetName + ".";
    if (!fileName.startsWith(prefix) || !fileName.endsWith(".tmp")) {
      return false;
    }
    String mid = fileName.substring(prefix.length(), fileName.length() - 4);
    return !mid.isEmpty() && mid.chars().allMatch(c -> Character.isDigit(c)
        || (c >= 'a' && c <= 'z'));
  }

  private static void removeStale(Path dir, String targetName) {
    long cutoff = System.currentTimeMillis() - STALE_AFTER.toMillis();
    try (java.nio.file.DirectoryStream<Path> stream = Files.newDirectoryStream(dir,
        p -> isTempOf(p.getFileName().toString(), targetName))) {
      for (Path p : stream) {
        try {
          if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
            Files.deleteIfExists(p);
          }
        } catch (IOException e) {
          // Someone else's, or gone already: not ours to insist on.
        }
      }
    } catch (IOException | java.nio.file.DirectoryIteratorException e) {
      // Listing is a courtesy; the write itself reports what matters.
    }
  }

  /** The temporaries of writes in progress, removed by a shutdown hook (SIGINT, SIGTERM). */
  private static final class Cleanup {
    static final java.util.Set<Path> PENDING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        for (Path p : PENDING) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException e) {
            // Nothing to tell anyone at shutdown.
          }
        }
      }, "embeddings4j-temp-cleanup"));
    }
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      sb.append(c >= 32 && c < 127 ? c : '?');
    }
    return sb.toString();
  }

  private static byte[] checkKind(String kind) {
    byte[] b = kind.getBytes(StandardCharsets.US_ASCII);
    if (b.length != 4) {
      throw new IllegalArgumentException("file kind must be 4 ASCII characters: '" + kind + "'");
    }
    return b;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new java.io.EOFException("unexpected end of file at " + pos);
      }
      pos += n;
    }
  }

  private static int crcOf(FileChannel ch, long length) throws IOException {
    CRC32C crc = new CRC32C();
    // A heap buffer no larger than the file: a direct megabyte per small file read or written
    // is native memory that only the garbage collector returns.
    ByteBuffer buf = ByteBuffer.allocate((int) Math.max(1, Math.min(1 << 20, length)));
    long pos = 0;
    while (pos < length) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), length - pos));
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new java.io.EOFException("unexpected end of file at " + pos);
      }
      buf.flip();
      crc.update(buf);
      pos += n;
    }
    return (int) crc.getValue();
  }

  /** Little-endian, buffered writing of a payload. */
  public static final class Output {
    private final FileChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    Output(FileChannel ch) {
      this.ch = ch;
    }

    private void ensure(int bytes) throws IOException {
      if (buf.remaining() < bytes) {
        flush();
      }
    }

    void flush() throws IOException {
      buf.flip();
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      buf.clear();
    }

    void writeRaw(byte[] b) throws IOException {
      writeBytes(b, 0, b.length);
    }

    /**
     * Writes bytes.
     *
     * @param b the array
     * @param off the first byte
     * @param len how many
     * @throws IOException if writing fails
     */
    public void writeBytes(byte[] b, int off, int len) throws IOException {
      int i = off;
      int end = off + len;
      while (i < end) {
        ensure(1);
        int n = Math.min(buf.remaining(), end - i);
        buf.put(b, i, n);
        i += n;
      }
    }

    /**
     * Writes an int.
     *
     * @param v the value
     * @throws IOException if writing fails
     */
    public void writeInt(int v) throws IOException {
      ensure(4);
      buf.putInt(v);
    }

    /**
     * Writes a long.
     *
     * @param v the value
     * @throws IOException if writing fails
     */
    public void writeLong(long v) throws IOException {
      ensure(8);
      buf.putLong(v);
    }

    /**
     * Writes a float.
     *
     * @param v the value
     * @throws IOException if writing fails
     */
    public void writeFloat(float v) throws IOException {
      ensure(4);
      buf.putFloat(v);
    }

    /**
     * Writes a double.
     *
     * @param v the value
     * @throws IOException if writing fails
     */
    public void writeDouble(double v) throws IOException {
      ensure(8);
      buf.putDouble(v);
    }

    /**
     * Writes a run of floats.
     *
     * @param v the array
     * @param off the first element
     * @param len how many
     * @throws IOException if writing fails
     */
    public void writeFloats(float[] v, int off, int len) throws IOException {
      int i = off;
      int end = off + len;
      while (i < end) {
        ensure(4);
        int n = Math.min(buf.remaining() / 4, end - i);
        buf.asFloatBuffer().put(v, i, n);
        buf.position(buf.position() + 4 * n);
        i += n;
      }
    }

    /**
     * Writes a run of longs.
     *
     * @param v the array
     * @param off the first element
     * @param len how many
     * @throws IOException if writing fails
     */
    public void writeLongs(long[] v, int off, int len) throws IOException {
      int i = off;
      int end = off + len;
      while (i < end) {
        ensure(8);
        int n = Math.min(buf.remaining() / 8, end - i);
        buf.asLongBuffer().put(v, i, n);
        buf.position(buf.position() + 8 * n);
        i += n;
      }
    }

    /**
     * Writes a string as its UTF-8 length (int) and bytes.
     *
     * @param s the string
     * @throws IOException if writing fails
     */
    public void writeString(String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      writeInt(b.length);
      writeBytes(b, 0, b.length);
    }

    /**
     * Writes a map of strings as its size (int) and its keys and values in iteration order.
     *
     * @param m the map
     * @throws IOException if writing fails
     */
    public void writeStringMap(Map<String, String> m) throws IOException {
      writeInt(m.size());
      for (Map.Entry<String, String> e : m.entrySet()) {
        writeString(e.getKey());
        writeString(e.getValue());
      }
    }

    /**
     * Writes how the vectors of a file were made, as {@link #writeStringMap} of {@link
     * EmbedderDescription#toMap()}; an empty map when nobody said.
     *
     * @param d the description, or null for none
     * @throws IOException if writing fails
     */
    public void writeDescription(EmbedderDescription d) throws IOException {
      writeStringMap(d == null ? Map.of() : d.toMap());
    }
  }

  /**
   * Little-endian reading of a verified payload. Every read checks that the payload holds the
   * bytes it asks for, so counts read from the file cannot trigger huge allocations.
   */
  public static final class Input {
    private final FileChannel ch;
    private final Path file;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long remaining;

    Input(FileChannel ch, long length, Path file) {
      this.ch = ch;
      this.remaining = length;
      this.file = file;
      buf.limit(0);
    }

    /**
     * The payload bytes not yet read.
     *
     * @return the count
     */
    public long remaining() {
      return remaining + buf.remaining();
    }

    /**
     * Checks that {@code count} values of {@code bytesEach} bytes remain, before allocating
     * room for them.
     *
     * @param count how many values a count field in the file announced
     * @param bytesEach their size
     * @param what what they are, for the message
     * @throws DamagedFileException if the payload is shorter or the count is negative
     */
    public void require(long count, int bytesEach, String what) throws DamagedFileException {
      if (count < 0 || count > remaining() / bytesEach) {
        throw new DamagedFileException(file, "declares " + count + " " + what + " but only "
            + remaining() + " payload bytes remain");
      }
    }

    private void fill(int bytes) throws IOException {
      if (buf.remaining() >= bytes) {
        return;
      }
      if (remaining() < bytes) {
        throw new DamagedFileException(file, "payload ends early");
      }
      buf.compact();
      while (buf.position() < bytes) {
        int want = (int) Math.min(buf.remaining(), remaining);
        ByteBuffer slice = buf.duplicate();
        slice.limit(buf.position() + want);
        int n = ch.read(slice);
        if (n < 0) {
          throw new DamagedFileException(file, "payload ends early");
        }
        buf.position(buf.position() + n);
        remaining -= n;
      }
      buf.flip();
    }

    /**
     * Reads an int.
     *
     * @return the value
     * @throws IOException if the payload ends early
     */
    public int readInt() throws IOException {
      fill(4);
      return buf.getInt();
    }

    /**
     * Reads a long.
     *
     * @return the value
     * @throws IOException if the payload ends early
     */
    public long readLong() throws IOException {
      fill(8);
      return buf.getLong();
    }

    /**
     * Reads a float.
     *
     * @return the value
     * @throws IOException if the payload ends early
     */
    public float readFloat() throws IOException {
      fill(4);
      return buf.getFloat();
    }

    /**
     * Reads a double.
     *
     * @return the value
     * @throws IOException if the payload ends early
     */
    public double readDouble() throws IOException {
      fill(8);
      return buf.getDouble();
    }

    /**
     * Reads a run of floats into an array.
     *
     * @param dst the array
     * @param off the first element to fill
     * @param len how many
     * @throws IOException if the payload ends early
     */
    public void readFloats(float[] dst, int off, int len) throws IOException {
      require(len, 4, "floats");
      int i = off;
      int end = off + len;
      while (i < end) {
        fill(4);
        int n = Math.min(buf.remaining() / 4, end - i);
        buf.asFloatBuffer().get(dst, i, n);
        buf.position(buf.position() + 4 * n);
        i += n;
      }
    }

    /**
     * Reads a run of longs into an array.
     *
     * @param dst the array
     * @param off the first element to fill
     * @param len how many
     * @throws IOException if the payload ends early
     */
    public void readLongs(long[] dst, int off, int len) throws IOException {
      require(len, 8, "longs");
      int i = off;
      int end = off + len;
      while (i < end) {
        fill(8);
        int n = Math.min(buf.remaining() / 8, end - i);
        buf.asLongBuffer().get(dst, i, n);
        buf.position(buf.position() + 8 * n);
        i += n;
      }
    }

    /**
     * Reads bytes into an array.
     *
     * @param dst the array
     * @param off the first element to fill
     * @param len how many
     * @throws IOException if the payload ends early
     */
    public void readBytes(byte[] dst, int off, int len) throws IOException {
      require(len, 1, "bytes");
      int i = off;
      int end = off + len;
      while (i < end) {
        fill(1);
        int n = Math.min(buf.remaining(), end - i);
        buf.get(dst, i, n);
        i += n;
      }
    }

    /**
     * Reads a string written by {@link Output#writeString(String)}.
     *
     * @return the string
     * @throws IOException if the payload ends early or the length is impossible
     */
    public String readString() throws IOException {
      int n = readInt();
      require(n, 1, "string bytes");
      byte[] b = new byte[n];
      readBytes(b, 0, n);
      return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Reads a map written by {@link Output#writeStringMap}.
     *
     * @return the map, in the order written; modifiable
     * @throws IOException if the payload ends early or a count is impossible
     */
    public Map<String, String> readStringMap() throws IOException {
      int n = readInt();
      require(n, 8, "map entries");
      Map<String, String> m = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        m.put(readString(), readString());
      }
      return m;
    }

    /**
     * Reads a description written by {@link Output#writeDescription}.
     *
     * @return the description, or null when the file records none
     * @throws DamagedFileException if the recorded fields do not make a description, naming
     *     the file
     * @throws IOException if the payload ends early
     */
    public EmbedderDescription readDescription() throws IOException {
      Map<String, String> m = readStringMap();
      if (m.isEmpty()) {
        return null;
      }
      try {
        return EmbedderDescription.fromMap(m);
      } catch (IllegalArgumentException e) {
        throw damaged("the embedder's description: " + e.getMessage());
      }
    }

    /**
     * Fails with a {@link DamagedFileException} naming the file.
     *
     * @param problem what is wrong
     * @return never returns; declared so callers can write {@code throw in.damaged(...)}
     */
    public DamagedFileException damaged(String problem) {
      return new DamagedFileException(file, problem);
    }
  }

  /**
   * Writes raw bytes through the same atomic temp-file-and-move path, for formats that are not
   * containers (such as {@code .npy}).
   *
   * @param file the target
   * @param body writes the content
   * @throws IOException if writing fails; the previous file is left intact
   */
  public static void writeAtomically(Path file, IoConsumer<OutputStream> body) throws IOException {
    Path tmp = createTemp(file);
    boolean done = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream out = new java.io.BufferedOutputStream(
              java.nio.channels.Channels.newOutputStream(ch), 1 << 16)) {
        body.accept(out);
        out.flush();
        ch.force(true);
      }
      move(tmp, file);
      done = true;
    } finally {
      if (!done) {
        delete(tmp);
      }
    }
  }

  /**
   * A consumer that may throw {@link IOException}.
   *
   * @param <T> what it consumes
   */
  @FunctionalInterface
  public interface IoConsumer<T> {
    /**
     * Consumes a value.
     *
     * @param value the value
     * @throws IOException if it fails
     */
    void accept(T value) throws IOException;
  }
}
