package io.github.embeddings4j.core.io;

import io.github.embeddings4j.api.EmbedderDescription;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An embeddings file as the SDK writes it: the vectors ({@code NAME.npy}), their ids
 * ({@code NAME.ids.txt}) and a description ({@code NAME.description.json}) that says how the
 * vectors were made and which vectors and ids file belong to it; for rows embedded from image
 * files, also each file's size and modification time when it was read ({@code
 * NAME.stamps.txt}, {@link FileStamp}), from which an update tells the images that changed.
 * The files are replaced as one unit: a reader sees the complete old set or the complete new
 * set, never a mix.
 *
 * <pre>{@code
 * EmbeddingSet.write(Path.of("photos.npy"), vectors, ids, embedder.describe());
 * EmbeddingSet.Contents set = EmbeddingSet.read(Path.of("photos.npy"));
 * List<String> why = embedder.describe().differences(set.embedder());   // empty: comparable
 * }</pre>
 *
 * <p><b>How a set is committed.</b> Every part is written to a temporary beside its target and
 * forced to disk; the description records the CRC-32C of the vectors file and of the ids file
 * and a generation number one above the previous set's. Then a journal,
 * {@code NAME.commit.json}, listing each temporary and its target, is written and renamed into
 * place: that rename is the commit point. The parts are then renamed over their targets
 * (vectors, ids, description) and the journal is deleted. A crash before the commit point
 * leaves the old set untouched (and hidden temporaries, see {@link SdkFile}); a crash after it
 * leaves a journal that the next {@link #read} (or write) of the set finishes (roll forward),
 * giving the complete new set. A reader also compares the files with the checksums in the
 * description, so a set mixed by other means (an old ids file copied back, a write of another
 * program) is refused with the names of the files that disagree.
 *
 * <p><b>Ids</b> are stored one per line, percent-escaped where needed so that any file name,
 * bytes that are not UTF-8 included, round-trips ({@link Ids}).
 *
 * <p><b>Older files</b> without a description are read as they are (the ids file one id per
 * line, unescaped), with {@link Contents#described()} false: their embedder cannot be checked.
 *
 * <p>Stateless and thread-safe; two processes writing one set at once each commit a whole set,
 * and the last commit wins.
 */
public final class EmbeddingSet {

  /** The value of the description's {@code format} field. */
  public static final String FORMAT = "embeddings4j embedding set";
  /** The description's format version this class writes and reads. */
  public static final int FORMAT_VERSION = 1;

  /** A test hook that runs at each step of a commit; null in normal use. */
  static volatile Step faultHook;

  /** A step of the commit protocol, for tests that fail it at each step. */
  @FunctionalInterface
  interface Step {
    void reached(String step) throws IOException;
  }

  private EmbeddingSet() {}

  /**
   * A set as read.
   *
   * @param vectors the rows
   * @param ids one id per row
   * @param embedder how the vectors were made, or null when the file does not say
   * @param described whether the set has a description file (false for files of older
   *     versions and for plain {@code .npy} files)
   * @param generation the set's generation (1 for the first write), 0 without a description
   * @param stamps one stamp per row (null for a row that was not embedded from a file), or
   *     null when the set records none (written from memory, or by an earlier version)
   */
  public record Contents(float[][] vectors, List<String> ids, EmbedderDescription embedder,
      boolean described, long generation, List<FileStamp> stamps) {

    /**
     * A set without stamps.
     *
     * @param vectors the rows
     * @param ids one id per row
     * @param embedder how the vectors were made, or null
     * @param described whether the set has a description file
     * @param generation the set's generation
     */
    public Contents(float[][] vectors, List<String> ids, EmbedderDescription embedder,
        boolean described, long generation) {
      this(vectors, ids, embedder, described, generation, null);
    }

    /**
     * The vectors' length, 0 for a set without rows.
     *
     * @return the dimension
     */
    public int dimension() {
      return vectors.length == 0 ? 0 : vectors[0].length;
    }
  }

  /**
   * The ids file of a set: {@code photos.npy} gets {@code photos.ids.txt}.
   *
   * @param npy the vectors file
   * @return the ids file
   */
  public static Path idsFile(Path npy) {
    return Npy.idsFile(npy);
  }

  /**
   * The description file of a set: {@code photos.npy} gets {@code photos.description.json}.
   *
   * @param npy the vectors file
   * @return the description file
   */
  public static Path descriptionFile(Path npy) {
    return npy.resolveSibling(stem(npy) + ".description.json");
  }

  /**
   * The stamps file of a set: {@code photos.npy} gets {@code photos.stamps.txt}. One line per
   * row, {@code SIZE TIME} (bytes, nanoseconds since 1970) or {@code -} for a row not embedded
   * from a file.
   *
   * @param npy the vectors file
   * @return the stamps file
   */
  public static Path stampsFile(Path npy) {
    return npy.resolveSibling(stem(npy) + ".stamps.txt");
  }

  /**
   * The journal of a commit in progress: {@code photos.npy} gets {@code photos.commit.json}.
   *
   * @param npy the vectors file
   * @return the journal file
   */
  public static Path journalFile(Path npy) {
    return npy.resolveSibling(stem(npy) + ".commit.json");
  }

  /**
   * Every file of a set, for checks that an output does not overwrite an input.
   *
   * @param npy the vectors file
   * @return the vectors, ids, stamps, description and journal files
   */
  public static List<Path> files(Path npy) {
    return List.of(npy, idsFile(npy), stampsFile(npy), descriptionFile(npy), journalFile(npy));
  }

  private static String stem(Path npy) {
    String name = npy.getFileName().toString();
    return name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
  }

  /**
   * Writes a whole set as one unit.
   *
   * @param npy the vectors file
   * @param rows the vectors, all of one length
   * @param ids one id per row
   * @param embedder how they were made, or null when unknown
   * @throws IllegalArgumentException if the counts or lengths differ
   * @throws IOException if writing fails; the previous set is then left as it was, or (after
   *     the commit point) is replaced by the next read
   */
  public static void write(Path npy, float[][] rows, List<String> ids,
      EmbedderDescription embedder) throws IOException {
    int d = rows.length > 0 ? rows[0].length : embedder != null ? embedder.dimension() : 1;
    if (ids.size() != rows.length) {
      throw new IllegalArgumentException(ids.size() + " ids for " + rows.length + " rows");
    }
    try (Writer w = writer(npy, d, embedder)) {
      for (int i = 0; i < rows.length; i++) {
        w.add(rows[i], ids.get(i));
      }
      w.commit();
    }
  }

  /**
   * Starts a set whose rows stream in (embedding a folder).
   *
   * @param npy the vectors file
   * @param dimension the row length, at least 1
   * @param embedder how the vectors are made, or null when unknown
   * @return the writer; {@link Writer#commit()} it, and close it in any case
   * @throws IOException if the temporary file cannot be created
   */
  public static Writer writer(Path npy, int dimension, EmbedderDescription embedder)
      throws IOException {
    if (embedder != null && embedder.dimension() != dimension) {
      throw new IllegalArgumentException("vector dimensions differ: the embedder describes "
          + embedder.dimension() + ", the set has " + dimension);
    }
    return new Writer(npy, NpyWriter.open(npy, dimension), embedder);
  }

  /**
   * Rows and ids going into a set; nothing is visible under the set's names before {@link
   * #commit()}. Not thread-safe.
   */
  public static final class Writer implements Closeable {
    private final Path npy;
    private final NpyWriter vectors;
    private final EmbedderDescription embedder;
    private final List<String> ids = new ArrayList<>();
    private final List<FileStamp> stamps = new ArrayList<>();
    private boolean stamped;
    private final List<Path> temps = new ArrayList<>();
    private boolean committed;

    private Writer(Path npy, NpyWriter vectors, EmbedderDescription embedder) {
      this.npy = npy;
      this.vectors = vectors;
      this.embedder = embedder;
    }

    /**
     * Appends a row and its id.
     *
     * @param row the vector
     * @param id its id (any text; see {@link Ids})
     * @throws IOException if writing fails
     */
    public void add(float[] row, String id) throws IOException {
      add(row, id, null);
    }

    /**
     * Appends a row embedded from a file, its id, and the file's stamp when it was read.
     *
     * @param row the vector
     * @param id its id (any text; see {@link Ids})
     * @param stamp the file's size and time before it was read, or null when unknown
     * @throws IOException if writing fails
     */
    public void add(float[] row, String id, FileStamp stamp) throws IOException {
      vectors.write(row);
      ids.add(Objects.requireNonNull(id, "id"));
      stamps.add(stamp);
      stamped |= stamp != null;
    }

    /**
     * The rows added so far.
     *
     * @return the count
     */
    public int rows() {
      return ids.size();
    }

    /**
     * Commits the set as one unit (see the class comment).
     *
     * @throws IOException if a step fails; before the commit point the previous set is intact
     */
    public void commit() throws IOException {
      if (committed) {
        throw new IllegalStateException("set " + npy + " is already committed");
      }
      Path vectorsTmp = vectors.finishTemp();
      temps.add(vectorsTmp);
      step("vectors written");
      Path idsTmp = writeTemp(idsFile(npy), idsBytes(ids));
      temps.add(idsTmp);
      step("ids written");
      Path stampsTmp = null;
      if (stamped) {
        stampsTmp = writeTemp(stampsFile(npy), stampsBytes(stamps));
        temps.add(stampsTmp);
        step("stamps written");
      }
      finishPending(npy); // an earlier interrupted commit goes first, so generations count up
      long generation = previousGeneration(npy) + 1;
      Map<String, Object> desc = new LinkedHashMap<>();
      desc.put("format", FORMAT);
      desc.put("format_version", FORMAT_VERSION);
      desc.put("generation", generation);
      desc.put("rows", ids.size());
      desc.put("dimension", embedder == null ? null : embedder.dimension());
      desc.put("vectors", npy.getFileName().toString());
      desc.put("vectors_crc32c", Checksums.crc32c(vectorsTmp));
      desc.put("ids", idsFile(npy).getFileName().toString());
      desc.put("ids_crc32c", Checksums.crc32c(idsTmp));
      desc.put("ids_encoding", "percent-escaped UTF-8, one per line");
      if (stampsTmp != null) {
        desc.put("stamps", stampsFile(npy).getFileName().toString());
        desc.put("stamps_crc32c", Checksums.crc32c(stampsTmp));
      }
      desc.put("embedder", embedder == null ? null : new LinkedHashMap<>(embedder.toMap()));
      Path descTmp = writeTemp(descriptionFile(npy),
          JsonText.write(desc).getBytes(StandardCharsets.US_ASCII));
      temps.add(descTmp);
      step("description written");
      Map<String, Object> renames = new LinkedHashMap<>();
      renames.put(npy.getFileName().toString(), vectorsTmp.getFileName().toString());
      renames.put(idsFile(npy).getFileName().toString(), idsTmp.getFileName().toString());
      if (stampsTmp != null) {
        renames.put(stampsFile(npy).getFileName().toString(), stampsTmp.getFileName().toString());
      }
      renames.put(descriptionFile(npy).getFileName().toString(),
          descTmp.getFileName().toString());
      Map<String, Object> journal = new LinkedHashMap<>();
      journal.put("generation", generation);
      journal.put("renames", renames);
      Path journalTmp = writeTemp(journalFile(npy),
          JsonText.write(journal).getBytes(StandardCharsets.US_ASCII));
      temps.add(journalTmp);
      SdkFile.move(journalTmp, journalFile(npy));
      syncFolder(npy);
      committed = true;
      // From here on the journal owns the temporaries: a shutdown must not delete them.
      temps.forEach(SdkFile::forget);
      step("journal committed");
      rollForward(npy, renames, true);
      if (stampsTmp == null) {
        // The stamps of an earlier set; the new description does not name them, so no reader
        // uses them, and they go.
        Files.deleteIfExists(stampsFile(npy));
      }
    }

    /** Removes the temporaries unless the set was committed. Idempotent. */
    @Override
    public void close() throws IOException {
      vectors.close();
      if (!committed) {
        for (Path t : temps) {
          SdkFile.delete(t);
        }
        temps.clear();
      }
    }
  }

  private static byte[] stampsBytes(List<FileStamp> stamps) {
    StringBuilder text = new StringBuilder(stamps.size() * 32);
    for (FileStamp s : stamps) {
      text.append(s == null ? "-" : s.encode()).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static void step(String name) throws IOException {
    Step hook = faultHook;
    if (hook != null) {
      hook.reached(name);
    }
  }

  static byte[] idsBytes(List<String> ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(ids.size() * 16);
    for (String id : ids) {
      byte[] line = Ids.encode(id).getBytes(StandardCharsets.UTF_8);
      out.write(line, 0, line.length);
      out.write('\n');
    }
    return out.toByteArray();
  }

  private static Path writeTemp(Path target, byte[] bytes) throws IOException {
    Path tmp = SdkFile.createTemp(target);
    boolean ok = false;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
      ok = true;
    } finally {
      if (!ok) {
        SdkFile.delete(tmp);
      }
    }
    return tmp;
  }

  /** Forces the folder's entries (the renames) to disk, where the platform allows it. */
  private static void syncFolder(Path npy) {
    try (FileChannel ch = FileChannel.open(npy.toAbsolutePath().getParent(),
        StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not every platform opens folders; the renames are still ordered by the file system.
    }
  }

  private static long previousGeneration(Path npy) {
    try {
      Object g = JsonText.parse(Files.readString(descriptionFile(npy), StandardCharsets.UTF_8))
          .get("generation");
      return g instanceof Long l ? l : 0;
    } catch (IOException | IllegalArgumentException e) {
      return 0;
    }
  }

  /**
   * Finishes a commit that a crash interrupted after its commit point, if there is one.
   *
   * @param npy the vectors file
   * @return whether there was one
   * @throws DamagedFileException if the journal cannot be read or its files cannot be moved
   *     (a folder without write permission), naming the journal
   */
  public static boolean finishPending(Path npy) throws IOException {
    Path journal = journalFile(npy);
    String text;
    try {
      text = Files.readString(journal, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return false;
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new DamagedFileException(journal, "the journal of an interrupted write is not UTF-8"
          + " text; delete it and write the set again");
    }
    Map<String, Object> renames;
    try {
      Object r = JsonText.parse(text).get("renames");
      if (!(r instanceof Map<?, ?>)) {
        throw new IllegalArgumentException("no renames");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) r;
      renames = m;
    } catch (IllegalArgumentException e) {
      throw new DamagedFileException(journal, "the journal of an interrupted write does not"
          + " parse (" + e.getMessage() + "); delete it and write the set again");
    }
    try {
      rollForward(npy, renames, false);
    } catch (IOException e) {
      throw new DamagedFileException(journal, "an interrupted write of " + npy.getFileName()
          + " is pending and could not be finished (" + IoErrors.reason(e) + "); run any"
          + " embeddings4j command on it where the folder is writable", e);
    }
    return true;
  }

  private static void rollForward(Path npy, Map<String, Object> renames, boolean writing)
      throws IOException {
    for (Map.Entry<String, Object> e : renames.entrySet()) {
      Path target;
      Path tmp;
      try {
        target = npy.resolveSibling(e.getKey());
        tmp = npy.resolveSibling(String.valueOf(e.getValue()));
      } catch (java.nio.file.InvalidPathException x) {
        throw new DamagedFileException(journalFile(npy), "names an impossible file: "
            + x.getMessage());
      }
      if (!e.getKey().equals(target.getFileName().toString())
          || !SdkFile.isTempOf(tmp.getFileName().toString(), e.getKey())) {
        throw new DamagedFileException(journalFile(npy), "names a file outside the set: "
            + e.getKey() + " <- " + e.getValue());
      }
      if (Files.exists(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        SdkFile.move(tmp, target);
      }
      if (writing) {
        step("renamed " + (target.equals(npy) ? "vectors" : target.equals(idsFile(npy)) ? "ids"
            : target.equals(stampsFile(npy)) ? "stamps" : "description"));
      }
    }
    syncFolder(npy);
    Files.deleteIfExists(journalFile(npy));
    syncFolder(npy);
  }

  /**
   * Reads the description of a set without its vectors.
   *
   * @param npy the vectors file
   * @return how the vectors were made, or null when the set has no description or its
   *     description records no embedder
   * @throws IOException if a pending commit cannot be finished or the description is damaged
   */
  public static EmbedderDescription readDescription(Path npy) throws IOException {
    finishPending(npy);
    Map<String, Object> d = description(npy);
    return d == null ? null : embedder(d, descriptionFile(npy));
  }

  /**
   * Reads a set: finishes a pending commit, checks the files against the description, and reads
   * the vectors and ids.
   *
   * @param npy the vectors file
   * @return the contents
   * @throws NoSuchFileException if the vectors file does not exist
   * @throws DamagedFileException if the files do not belong together (a mixed set), or one is
   *     damaged; the message names the files and what disagrees
   * @throws IllegalArgumentException if the {@code .npy} holds a type or shape this SDK does
   *     not read
   * @throws IOException if a file cannot be read
   */
  public static Contents read(Path npy) throws IOException {
    Header h = readHeader(npy);
    float[][] rows = Npy.read(npy);
    if (rows.length != h.ids().size()) {
      // The header's shape said otherwise: the file changed between the two reads.
      throw new DamagedFileException(npy, "changed while it was read (" + h.ids().size()
          + " rows, then " + rows.length + ")");
    }
    return new Contents(rows, h.ids(), h.embedder(), h.described(), h.generation(),
        h.stamps());
  }

  /**
   * A set as {@link #read} checks it, without its vectors: for reading them in place
   * ({@code FlatIndex.map}) when they do not fit the heap.
   *
   * @param ids one id per row
   * @param embedder how the vectors were made, or null when the file does not say
   * @param described whether the set has a description file
   * @param generation the set's generation, 0 without a description
   * @param stamps one stamp per row, or null when the set records none
   */
  public record Header(List<String> ids, EmbedderDescription embedder, boolean described,
      long generation, List<FileStamp> stamps) {}

  /**
   * Reads and checks everything of a set but the vectors: finishes a pending commit, compares
   * the files with the checksums in the description (which reads the vectors file once,
   * streaming) and reads the ids; the row count comes from the {@code .npy} header.
   *
   * @param npy the vectors file
   * @return the ids and description
   * @throws NoSuchFileException if the vectors file does not exist
   * @throws DamagedFileException as {@link #read}
   * @throws IllegalArgumentException if the {@code .npy} holds a type or shape this SDK does
   *     not read
   * @throws IOException if a file cannot be read
   */
  public static Header readHeader(Path npy) throws IOException {
    return readHeader(npy, false);
  }

  /**
   * As {@link #readHeader(Path)} for a reader that checks the vectors itself as it reads them
   * in place: the {@code .npy} header records a checksum of its data, and the description's
   * checksum of the whole file is derived from the header's bytes and that recorded checksum
   * ({@link Checksums#crc32cCombine}), so only the header is read here. The caller must compare
   * the data with the header's checksum ({@link MappedNpy#checksum()}, {@link
   * MappedNpy#verify}); {@code FlatIndex.map} does, in its one pass over the rows. A file whose
   * header records no checksum is read whole, as by {@link #readHeader(Path)}.
   *
   * @param npy the vectors file
   * @return the ids and description
   * @throws IOException as {@link #readHeader(Path)}
   */
  public static Header readHeaderDeferringVectors(Path npy) throws IOException {
    return readHeader(npy, true);
  }

  private static Header readHeader(Path npy, boolean deferVectors) throws IOException {
    finishPending(npy);
    Map<String, Object> d = description(npy);
    Path idsFile = idsFile(npy);
    int rows = (int) Npy.layout(npy).rows();
    if (d == null) {
      List<String> ids;
      if (Files.exists(idsFile)) {
        try {
          ids = Npy.readIds(idsFile, rows);
        } catch (java.nio.charset.CharacterCodingException e) {
          throw new DamagedFileException(idsFile, "not UTF-8 text (an ids file of an older"
              + " version holds one id per line in UTF-8)", e);
        }
      } else {
        ids = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
          ids.add(Integer.toString(i));
        }
      }
      return new Header(List.copyOf(ids), null, false, 0, null);
    }
    Path descFile = descriptionFile(npy);
    String vectorsCrc = deferVectors ? fromHeader(npy) : null;
    if (vectorsCrc == null) {
      vectorsCrc = Checksums.crc32c(npy);
    }
    if (!vectorsCrc.equals(d.get("vectors_crc32c"))) {
      throw notBelonging(npy, descFile, "vectors", d.get("vectors_crc32c"), vectorsCrc);
    }
    List<String> ids = lines(idsFile, new String(readMember(idsFile, descFile,
        d.get("ids_crc32c"), "ids"), StandardCharsets.UTF_8), rows, "id", Ids::decode);
    Object g = d.get("generation");
    return new Header(List.copyOf(ids), embedder(d, descFile), true, g instanceof Long l ? l : 0,
        d.get("stamps") == null ? null : stamps(npy, d, rows));
  }

  /**
   * The CRC-32C of a whole {@code .npy} file from its header's bytes and the data checksum the
   * header records; null when it records none or the file is not exactly header plus data.
   */
  private static String fromHeader(Path npy) throws IOException {
    Npy.Layout l = Npy.layout(npy);
    long size = Files.size(npy);
    long data = l.rows() * l.columns() * l.bytesEach();
    if (l.crc() == null || l.dataOffset() + data != size || l.dataOffset() > Integer.MAX_VALUE) {
      return null;
    }
    byte[] head = new byte[(int) l.dataOffset()];
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(npy)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(head);
      while (b.hasRemaining() && ch.read(b) >= 0) {
        // read the header whole
      }
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(head);
    long whole = Checksums.crc32cCombine(crc.getValue(), Long.parseLong(l.crc(), 16), data);
    return String.format(java.util.Locale.ROOT, "%08x", whole);
  }

  /** A member file of a set, checked against the CRC-32C its description records. */
  private static byte[] readMember(Path file, Path descFile, Object recorded, String what)
      throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DamagedFileException(file, "is missing, but " + descFile.getFileName()
          + " records it: an incomplete set; write it again");
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(bytes);
    String have = String.format(java.util.Locale.ROOT, "%08x", crc.getValue());
    if (!have.equals(recorded)) {
      throw notBelonging(file, descFile, what, recorded, have);
    }
    return bytes;
  }

  private static DamagedFileException notBelonging(Path file, Path descFile, String what,
      Object recorded, String have) {
    return new DamagedFileException(file, "does not belong with " + descFile.getFileName()
        + " (it records crc32c=" + recorded + " for the " + what + ", the file has " + have
        + "): a mixed set, left by a write that is not embeddings4j's or by a file copied in"
        + " from elsewhere; write the set again");
  }

  private static List<FileStamp> stamps(Path npy, Map<String, Object> d, int rows)
      throws IOException {
    Path file = stampsFile(npy);
    byte[] bytes = readMember(file, descriptionFile(npy), d.get("stamps_crc32c"), "stamps");
    return java.util.Collections.unmodifiableList(lines(file, new String(bytes,
        StandardCharsets.US_ASCII), rows, "stamp",
        line -> line.equals("-") ? null : FileStamp.decode(line)));
  }

  /**
   * A member file's lines, one value per row, each parsed; a line that does not parse, a last
   * line without its break, or a count other than {@code rows} is refused, naming the file.
   */
  private static <T> List<T> lines(Path file, String text, int rows, String what,
      java.util.function.Function<String, T> parse) throws DamagedFileException {
    List<T> out = new ArrayList<>(rows);
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        throw new DamagedFileException(file, "the last " + what + " has no line break");
      }
      try {
        out.add(parse.apply(text.substring(start, end)));
      } catch (IllegalArgumentException e) {
        throw new DamagedFileException(file, "line " + (out.size() + 1) + ": "
            + e.getMessage());
      }
      start = end + 1;
    }
    if (out.size() != rows) {
      throw new DamagedFileException(file, "holds " + out.size() + " " + what + "s for " + rows
          + " rows");
    }
    return out;
  }

  private static Map<String, Object> description(Path npy) throws IOException {
    Path file = descriptionFile(npy);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    } catch (java.nio.charset.MalformedInputException e) {
      throw new DamagedFileException(file, "not UTF-8 text");
    }
    Map<String, Object> d;
    try {
      d = JsonText.parse(text);
    } catch (IllegalArgumentException e) {
      throw new DamagedFileException(file, e.getMessage());
    }
    if (!FORMAT.equals(d.get("format"))) {
      throw new DamagedFileException(file, "not an embeddings4j set description (format "
          + d.get("format") + ")");
    }
    Object v = d.get("format_version");
    if (!(v instanceof Long l) || l < 1 || l > FORMAT_VERSION) {
      throw new DamagedFileException(file, "format version " + v + " is not supported by this "
          + "reader (1 to " + FORMAT_VERSION + "); upgrade embeddings4j");
    }
    return d;
  }

  private static EmbedderDescription embedder(Map<String, Object> d, Path file)
      throws DamagedFileException {
    Object e = d.get("embedder");
    if (e == null) {
      return null;
    }
    if (!(e instanceof Map<?, ?> m)) {
      throw new DamagedFileException(file, "embedder is not an object");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    m.forEach((k, v) -> fields.put(String.valueOf(k), String.valueOf(v)));
    try {
      return EmbedderDescription.fromMap(fields);
    } catch (IllegalArgumentException x) {
      throw new DamagedFileException(file, x.getMessage());
    }
  }
}
