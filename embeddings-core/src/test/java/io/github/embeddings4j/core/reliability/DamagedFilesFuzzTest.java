package io.github.embeddings4j.core.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.classify.EmbedderSpec;
import io.github.embeddings4j.core.classify.Head;
import io.github.embeddings4j.core.classify.HeadTrainer;
import io.github.embeddings4j.core.classify.ImageClassifier;
import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.data.IdxFile;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.io.DamagedFileException;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.reduce.SimHash;
import io.github.embeddings4j.core.reduce.ThresholdBinarizer;
import io.github.embeddings4j.core.search.BinaryIndex;
import io.github.embeddings4j.core.search.Compression;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.GraphIndex;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Feeds seeded random and mutated bytes to every reader of the SDK: truncations, flipped bits,
 * overwritten bytes, length and count fields set to extreme values, inserted and deleted runs,
 * random files. Each reader must answer with its documented exception (naming the file) or, where
 * the format cannot tell, a value; never another exception, an {@link OutOfMemoryError}, an
 * allocation out of proportion to the file, or a hang. Files in the checksummed container must
 * never be accepted once altered, and are also re-sealed after a mutation (length and CRC fixed
 * up) so that the payload parsers behind the checksum are fuzzed too.
 */
class DamagedFilesFuzzTest {

  /** Mutations per reader and mode; all of them together run in a few seconds. */
  private static final int ROUNDS = 200;

  /** More than this many bytes allocated per byte of input (beyond a fixed allowance) fails. */
  private static final long ALLOWANCE = 48L << 20;

  private static final int[] INTERESTING_INTS = {0, 1, -1, 2, Integer.MAX_VALUE,
      Integer.MIN_VALUE, Integer.MAX_VALUE - 8, 1 << 30, 1 << 20, 0xffff, 0x10000, 255, 256};

  @TempDir static Path dir;

  /** A reader under test: how to read, what it may throw, whether its format is checksummed. */
  record Format(String name, byte[] original, Reader reader, List<Class<? extends Exception>>
      allowed, boolean checksummed) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Reads a file the way a user would. */
  @FunctionalInterface
  interface Reader {
    Object read(Path file) throws Exception;
  }

  static Stream<Format> formats() throws Exception {
    Path d = Files.createTempDirectory("fuzz-originals");
    try {
      Random random = new Random(42);
      float[][] rows = new float[24][6];
      for (float[] r : rows) {
        for (int j = 0; j < r.length; j++) {
          r[j] = (float) random.nextGaussian();
        }
      }
      FlatIndex keyed = FlatIndex.builder(6).metric(StandardMetric.COSINE).build();
      FlatIndex numbered = FlatIndex.builder(6).metric(StandardMetric.EUCLIDEAN).build();
      BinaryIndex codes = BinaryIndex.builder(2).build();
      for (int i = 0; i < 7; i++) {
        keyed.add("img-" + i + ".jpg", rows[i]);
        numbered.add(1000L + i, rows[i]);
        codes.add(500L + i, new long[] {random.nextLong(), random.nextLong()});
      }
      Pca pca = Pca.fit(rows, Pca.keep(3));
      ThresholdBinarizer plain = ThresholdBinarizer.fit(rows, ThresholdBinarizer.Threshold.MEDIAN);
      ThresholdBinarizer projected = ThresholdBinarizer.fit(rows,
          ThresholdBinarizer.Threshold.MEAN, pca);
      KMeans kmeans = KMeans.fit(rows, KMeansOptions.clusters(3).withSeed(5));
      List<Class<? extends Exception>> damaged = List.of(DamagedFileException.class);
      Stream.Builder<Format> all = Stream.builder();
      all.add(new Format("FlatIndex (keys, cosine)", bytes(d, keyed::save), FlatIndex::load,
          damaged, true));
      all.add(new Format("FlatIndex (ids, euclidean)", bytes(d, numbered::save), FlatIndex::load,
          damaged, true));
      all.add(new Format("BinaryIndex", bytes(d, codes::save), BinaryIndex::load, damaged, true));
      GraphIndex graph = GraphIndex.builder(6).metric(StandardMetric.COSINE).maxDegree(4)
          .beamWidth(8).threads(1).build();
      GraphIndex coded = GraphIndex.builder(6).maxDegree(4).beamWidth(8).threads(1)
          .compression(Compression.INT8).vectorDirectory(d).build();
      for (int i = 0; i < 12; i++) {
        graph.add("img-" + i + ".jpg", rows[i]);
      }
      float[][] many = new float[GraphIndex.FIT_ROWS][];
      for (int i = 0; i < many.length; i++) {
        many[i] = rows[i % rows.length].clone();
        many[i][i % 6] += i * 0.001f;
      }
      coded.addAll(1000L, many);
      all.add(new Format("GraphIndex (keys, cosine)", bytes(d, graph::save), GraphIndex::load,
          damaged, true));
      // FIT_ROWS rows, so that the file holds codes and their ranges.
      all.add(new Format("GraphIndex (int8, euclidean)", bytes(d, coded::save),
          GraphIndex::load, damaged, true));
      all.add(new Format("Pca", bytes(d, pca::save), Pca::load, damaged, true));
      all.add(new Format("ThresholdBinarizer", bytes(d, plain::save), ThresholdBinarizer::load,
          damaged, true));
      all.add(new Format("ThresholdBinarizer with PCA", bytes(d, projected::save),
          ThresholdBinarizer::load, damaged, true));
      all.add(new Format("SimHash", bytes(d, SimHash.create(6, 16, 3)::save), SimHash::load,
          damaged, true));
      all.add(new Format("KMeans", bytes(d, kmeans::save), KMeans::load, damaged, true));
      int[] labels = new int[rows.length];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = i % 3;
      }
      ImageClassifier classifier = ImageClassifier.of(HeadTrainer.builder()
          .head(Head.Kind.MLP).hiddenSize(4).maxEpochs(2).build().fit(rows, labels).head(),
          List.of("a", "b", "c"), io.github.embeddings4j.api.EmbedderDescription
              .builder("fuzz", 6).build(), EmbedderSpec.trained(Files.write(d.resolve(
                  "model.zip"), new byte[] {1, 2, 3})));
      all.add(new Format("ImageClassifier", bytes(d, classifier::save), ImageClassifier::load,
          damaged, true));
      // NumPy's format has no checksum: an altered value cannot be told from a sound one, so
      // .npy is fuzzed for errors, allocations and hangs; truncation is tested on its own.
      all.add(new Format("npy matrix", bytes(d, f -> Npy.write(f, rows)), Npy::read,
          List.of(DamagedFileException.class, IllegalArgumentException.class), false));
      all.add(new Format("IDX", idx(), IdxFile::read, List.of(IOException.class), false));
      List<Class<? extends Exception>> image =
          List.of(io.github.embeddings4j.api.EmbeddingException.class);
      for (String type : List.of("png", "jpg", "gif", "bmp")) {
        all.add(new Format("image " + type, Corpus.encode(Corpus.noise(24, 16, 3), type),
            f -> ImageDecoder.defaults().decode(ImageSource.of(f)), image, false));
      }
      return all.build();
    } finally {
      try (Stream<Path> files = Files.list(d)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(d);
    }
  }

  @FunctionalInterface
  interface Saver {
    void save(Path file) throws IOException;
  }

  private static byte[] bytes(Path d, Saver saver) throws IOException {
    Path f = d.resolve("original-" + System.nanoTime());
    saver.save(f);
    return Files.readAllBytes(f);
  }

  /** A 3 x 4 x 5 unsigned-byte IDX array. */
  private static byte[] idx() {
    ByteBuffer b = ByteBuffer.allocate(4 + 12 + 60).order(ByteOrder.BIG_ENDIAN);
    b.putInt(0x0803).putInt(3).putInt(4).putInt(5);
    for (int i = 0; i < 60; i++) {
      b.put((byte) (i * 7));
    }
    return b.array();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  void mutatedBytesGetTheDocumentedErrorOrAValueNeverAnythingElse(Format format) {
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      Path file = dir.resolve(format.name().replaceAll("[^A-Za-z0-9]", "_") + ".bin");
      // The original reads: the fuzzing starts from a sound file.
      Files.write(file, format.original());
      format.reader().read(file);
      int accepted = 0;
      int refused = 0;
      for (int round = 0; round < ROUNDS; round++) {
        Random random = new Random(round * 7919L + format.name().hashCode());
        Mutation m = mutate(format.original(), random);
        if (Arrays.equals(m.bytes(), format.original())) {
          continue;
        }
        Files.write(file, m.bytes());
        String what = format + ", round " + round + ": " + m.description();
        if (read(format, file, m.bytes().length, what)) {
          accepted++;
          if (format.checksummed()) {
            fail(what + ": an altered file was accepted");
          }
        } else {
          refused++;
        }
      }
      // One line per format for docs/reliability.md.
      System.out.printf("fuzz %-30s mutated: %3d refused, %3d accepted%n", format, refused,
          accepted);
      assertTrue(refused > 0, format + ": nothing was refused");
      if (format.checksummed()) {
        assertEquals(0, accepted);
      }
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  void resealedPayloadsParseOrAreRefusedNeverAnythingElse(Format format) {
    if (!format.checksummed()) {
      return; // only the SdkFile container has a payload behind a length and a checksum
    }
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      Path file = dir.resolve(format.name().replaceAll("[^A-Za-z0-9]", "_") + ".sealed");
      byte[] original = format.original();
      byte[] payload = Arrays.copyOfRange(original, 20, original.length - 4);
      int refused = 0;
      for (int round = 0; round < ROUNDS; round++) {
        Random random = new Random(round * 104729L + format.name().hashCode());
        Mutation m = mutate(payload, random);
        byte[] sealed = seal(original, m.bytes());
        Files.write(file, sealed);
        if (!read(format, file, sealed.length, format + ", resealed round " + round + ": "
            + m.description())) {
          refused++;
        }
      }
      System.out.printf("fuzz %-30s resealed: %3d refused, %3d parsed%n", format, refused,
          ROUNDS - refused);
      assertTrue(refused > ROUNDS / 4, format + ": only " + refused + " of " + ROUNDS
          + " damaged payloads were refused");
    });
  }

  /**
   * Reads once: true if a value came back, false if the documented exception did; fails the
   * test on anything else, or if the read allocated far more than the file holds.
   */
  private static boolean read(Format format, Path file, long size, String what) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(thread);
    boolean ok;
    try {
      format.reader().read(file);
      ok = true;
    } catch (OutOfMemoryError e) {
      throw new AssertionError(what + ": OutOfMemoryError", e);
    } catch (Exception e) {
      if (format.allowed().stream().noneMatch(c -> c.isInstance(e))) {
        throw new AssertionError(what + ": undocumented " + e, e);
      }
      String message = String.valueOf(e.getMessage());
      if (!message.contains(file.getFileName().toString())) {
        throw new AssertionError(what + ": the message does not name the file: " + message, e);
      }
      ok = false;
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    long limit = ALLOWANCE + 64 * size;
    if (allocated > limit) {
      throw new AssertionError(what + ": allocated " + allocated + " bytes for a file of " + size
          + " (limit " + limit + ")");
    }
    return ok;
  }

  /** The original's header with a new payload, its length and checksum fixed up. */
  static byte[] seal(byte[] original, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(20 + payload.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.put(original, 0, 12).putLong(payload.length).put(payload);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 20 + payload.length);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  record Mutation(byte[] bytes, String description) {}

  /** One seeded mutation of {@code original}. */
  static Mutation mutate(byte[] original, Random r) {
    byte[] b = original.clone();
    int n = b.length;
    switch (r.nextInt(10)) {
      case 0 -> {
        int keep = r.nextInt(Math.max(1, n));
        return new Mutation(Arrays.copyOf(b, keep), "truncated to " + keep);
      }
      case 1 -> {
        int flips = 1 + r.nextInt(4);
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < flips && n > 0; i++) {
          int pos = r.nextInt(n);
          int bit = r.nextInt(8);
          b[pos] ^= (byte) (1 << bit);
          where.append(' ').append(pos).append(':').append(bit);
        }
        return new Mutation(b, "bits flipped at" + where);
      }
      case 2 -> {
        int count = 1 + r.nextInt(8);
        int pos = n == 0 ? 0 : r.nextInt(n);
        for (int i = 0; i < count && pos + i < n; i++) {
          b[pos + i] = (byte) r.nextInt(256);
        }
        return new Mutation(b, count + " random bytes at " + pos);
      }
      case 3, 4 -> {
        // Length and count fields sit near the start of every format.
        int value = INTERESTING_INTS[r.nextInt(INTERESTING_INTS.length)];
        int pos = n < 4 ? 0 : r.nextInt(Math.min(n - 3, 96));
        if (n >= 4) {
          ByteBuffer.wrap(b).order(r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN
              : ByteOrder.BIG_ENDIAN).putInt(pos, value);
        }
        return new Mutation(b, "int " + value + " written at " + pos);
      }
      case 5 -> {
        long value = r.nextBoolean() ? Long.MAX_VALUE : (1L << (20 + r.nextInt(40)));
        int pos = n < 8 ? 0 : r.nextInt(Math.min(n - 7, 96));
        if (n >= 8) {
          ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(pos, value);
        }
        return new Mutation(b, "long " + value + " written at " + pos);
      }
      case 6 -> {
        int pos = r.nextInt(n + 1);
        byte[] extra = new byte[1 + r.nextInt(16)];
        r.nextBytes(extra);
        byte[] out = new byte[n + extra.length];
        System.arraycopy(b, 0, out, 0, pos);
        System.arraycopy(extra, 0, out, pos, extra.length);
        System.arraycopy(b, pos, out, pos + extra.length, n - pos);
        return new Mutation(out, extra.length + " bytes inserted at " + pos);
      }
      case 7 -> {
        int pos = r.nextInt(n + 1);
        int len = Math.min(n - pos, 1 + r.nextInt(16));
        byte[] out = new byte[n - len];
        System.arraycopy(b, 0, out, 0, pos);
        System.arraycopy(b, pos + len, out, pos, n - pos - len);
        return new Mutation(out, len + " bytes deleted at " + pos);
      }
      case 8 -> {
        byte[] out = new byte[r.nextInt(2 * n + 2)];
        r.nextBytes(out);
        return new Mutation(out, out.length + " random bytes");
      }
      default -> {
        byte[] out = new byte[r.nextInt(2 * n + 2)];
        r.nextBytes(out);
        System.arraycopy(b, 0, out, 0, Math.min(Math.min(n, out.length), 16));
        return new Mutation(out, out.length + " random bytes after the original's first 16");
      }
    }
  }

  @Test
  void everyTruncationOfAnNpyFileIsRefusedNamingTheFile() throws Exception {
    float[][] rows = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    Path f = dir.resolve("whole.npy");
    Npy.write(f, rows);
    byte[] whole = Files.readAllBytes(f);
    Path cut = dir.resolve("cut.npy");
    for (int n = 0; n < whole.length; n++) {
      Files.write(cut, Arrays.copyOf(whole, n));
      DamagedFileException e = assertThrows(DamagedFileException.class, () -> Npy.read(cut),
          "truncated to " + n);
      assertTrue(e.getMessage().contains("cut.npy"), e.getMessage());
    }
    Files.write(cut, Arrays.copyOf(whole, whole.length + 4));
    assertThrows(DamagedFileException.class, () -> Npy.read(cut), "extended");
  }

  // Crafted files: lies that random mutation is unlikely to hit, each of which once allocated
  // the size it declared, or could have.

  @Test
  void anEmptyIndexDeclaringAHugeDimensionLoadsWithoutAllocatingIt() throws Exception {
    // A sound file (an empty index may have any dimension); loading it must not cost 8 GB.
    byte[] flat = payloadOf(0x7ffffff0, "cosine", 0, 0);
    Path f = dir.resolve("huge-dim.fidx");
    Files.write(f, seal(header("FIDX"), flat));
    readWithinLimits(f, FlatIndex::load, false);
    ByteBuffer bin = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    bin.putInt(0x7ffffff0).putInt(0).putInt(0);
    Path g = dir.resolve("huge-words.bidx");
    Files.write(g, seal(header("BIDX"), bin.array()));
    readWithinLimits(g, BinaryIndex::load, false);
  }

  @Test
  void anNpyFileDeclaringManyEmptyRowsIsRefusedWithoutAllocatingThem() throws Exception {
    // Shape (2000000000, 0): zero data bytes, so the size check passes, but two billion empty
    // rows would fill the heap.
    Path f = dir.resolve("empty-rows.npy");
    Files.write(f, npy("(2000000000, 0)", 0));
    readWithinLimits(f, Npy::read, true);
  }

  @Test
  void anNpyShapeWhoseByteCountOverflowsIsRefused() throws Exception {
    // 2^31 - 9 rows of 2^30 floats: the byte count overflows a long product to a small number.
    Path f = dir.resolve("overflow.npy");
    long rows = (1L << 62) + 1;
    Files.write(f, npy("(" + rows + ", 4)", 16));
    readWithinLimits(f, Npy::read, true);
  }

  @Test
  void aBmpDeclaringItsPixelsTwoGigabytesInIsRefusedWithoutAllocatingThem() throws Exception {
    // The JDK's BMP reader sizes its colour table from this offset: 2 GB for a 1 kB file.
    byte[] bmp = Corpus.encode(Corpus.noise(8, 8, 1), "bmp");
    ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN).putInt(10, Integer.MAX_VALUE);
    Path f = dir.resolve("far-pixels.bmp");
    Files.write(f, bmp);
    Format format = new Format("bmp", bmp, p -> ImageDecoder.defaults().decode(ImageSource.of(p)),
        List.of(io.github.embeddings4j.api.EmbeddingException.class), false);
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      assertTrue(!read(format, f, bmp.length, "far-pixels.bmp"));
    });
    var e = assertThrows(io.github.embeddings4j.api.EmbeddingException.class,
        () -> format.reader().read(f));
    assertTrue(e.getMessage().contains("damaged BMP header: pixel data at byte 2147483647 of a "
        + bmp.length + "-byte input"),
        e.getMessage());
  }

  @Test
  void aPngWithACompressedTextBombIsReadWithoutInflatingIt() throws Exception {
    // A 1 x 1 PNG carrying a zTXt chunk that inflates to 256 MB of zeros (about 250 kB in the
    // file): the picture is sound, its metadata a decompression bomb.
    java.io.ByteArrayOutputStream deflated = new java.io.ByteArrayOutputStream();
    try (var z = new java.util.zip.DeflaterOutputStream(deflated,
        new java.util.zip.Deflater(9))) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 256; i++) {
        z.write(zeros);
      }
    }
    byte[] sound = Corpus.encode(Corpus.noise(1, 1, 1), "png");
    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
    text.writeBytes("Comment".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    text.write(0);
    text.write(0); // compression method: deflate
    text.writeBytes(deflated.toByteArray());
    byte[] chunk = Corpus.chunk("zTXt", text.toByteArray());
    // Insert after the signature and IHDR (8 + 25 bytes).
    byte[] bomb = new byte[sound.length + chunk.length];
    System.arraycopy(sound, 0, bomb, 0, 33);
    System.arraycopy(chunk, 0, bomb, 33, chunk.length);
    System.arraycopy(sound, 33, bomb, 33 + chunk.length, sound.length - 33);
    Path f = dir.resolve("text-bomb.png");
    Files.write(f, bomb);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    java.awt.image.BufferedImage image = ImageDecoder.defaults().decode(ImageSource.of(f));
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    assertEquals(1, image.getWidth());
    assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes for a "
        + bomb.length + "-byte PNG");
  }

  private static void readWithinLimits(Path f, Reader reader, boolean mustRefuse) {
    Format format = new Format(f.getFileName().toString(), new byte[0], reader,
        List.of(DamagedFileException.class, IllegalArgumentException.class), true);
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      boolean accepted = read(format, f, Files.size(f), f.toString());
      assertTrue(!mustRefuse || !accepted, f + " was accepted");
    });
  }

  private static byte[] header(String kind) {
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    b.put("E4J1".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .put(kind.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(1);
    return b.array();
  }

  private static byte[] payloadOf(int dim, String metric, int n, int keyed) {
    byte[] name = metric.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(16 + name.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(dim).putInt(name.length).put(name).putInt(n).putInt(keyed);
    return b.array();
  }

  private static byte[] npy(String shape, int dataBytes) {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    int total = 10 + dict.length() + 1;
    int padded = (total + 63) / 64 * 64;
    String h = dict + " ".repeat(padded - total) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + h.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length())
        .put(h.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return b.array();
  }

  @Test
  void theFuzzStartsFromFilesThatRoundTrip() throws Exception {
    // Guards the fixtures: a reader that refused everything would pass the fuzz trivially.
    Format pca = formats().filter(f -> f.name().equals("Pca")).findFirst().orElseThrow();
    Path f = dir.resolve("pca-roundtrip");
    Files.write(f, pca.original());
    Pca loaded = (Pca) pca.reader().read(f);
    assertEquals(6, loaded.inputDimension());
    assertEquals(3, loaded.outputDimension());
    byte[] again = bytes(dir, loaded::save);
    assertArrayEquals(pca.original(), again);
    assertThrows(java.nio.file.NoSuchFileException.class,
        () -> Pca.load(dir.resolve("no-such-file")));
  }
}
