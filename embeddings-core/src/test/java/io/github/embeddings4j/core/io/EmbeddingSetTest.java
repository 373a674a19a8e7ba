package io.github.embeddings4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vectors, ids and description of an embeddings file are one unit: failing the commit at
 * each of its steps leaves the complete old set or (rolled forward) the complete new one, a set
 * mixed by other means is refused, and older files without a description still load.
 */
class EmbeddingSetTest {

  @TempDir Path dir;

  static final EmbedderDescription LENET_7 = EmbedderDescription.builder("lenet", 3)
      .weights("random seed=7").layer("ffn1").pooling("avg").input("28x28x1", "GRAY", "UNIT")
      .build();

  /** The steps of a commit, in order; the first three come before the commit point. */
  static final List<String> STEPS = List.of("vectors written", "ids written",
      "description written", "journal committed", "renamed vectors", "renamed ids",
      "renamed description");

  @AfterEach
  void noHook() {
    EmbeddingSet.faultHook = null;
  }

  static float[][] rows(int n, float base) {
    float[][] r = new float[n][3];
    for (int i = 0; i < n; i++) {
      r[i] = new float[] {base + i, base - i, base * i};
    }
    return r;
  }

  static List<String> ids(int n, String prefix) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(prefix + i + ".png");
    }
    return ids;
  }

  @Test
  void idsOfAnyCharactersAndBytesRoundTripWithTheDescription() throws IOException {
    Path npy = dir.resolve("set.npy");
    // A line break (it used to fail after the vectors were replaced), a percent sign, a tab,
    // a name with spaces and '#', non-ASCII, and a byte that is not UTF-8 (as a surrogate).
    List<String> ids = List.of("zz\nnew.png", "50%.png", "a\tb.png", "my photo #1.png",
        "café.png", "bad\uDCFF.png");
    float[][] v = rows(ids.size(), 1);
    EmbeddingSet.write(npy, v, ids, LENET_7);
    EmbeddingSet.Contents c = EmbeddingSet.read(npy);
    assertEquals(ids, c.ids());
    assertArrayEquals(v, c.vectors());
    assertEquals(LENET_7, c.embedder());
    assertTrue(c.described());
    assertEquals(1, c.generation());
    String text = Files.readString(EmbeddingSet.idsFile(npy));
    assertEquals("zz%0Anew.png\n50%25.png\na%09b.png\nmy photo #1.png\ncafé.png\nbad%FF.png\n",
        text);
    EmbeddingSet.write(npy, v, ids, LENET_7);
    assertEquals(2, EmbeddingSet.read(npy).generation());
    assertArrayEquals(v, Npy.read(npy), "the vectors file stays a plain .npy for NumPy");
  }

  @Test
  void failingTheCommitAtEveryStepLeavesTheOldOrTheNewSet() throws IOException {
    for (int s = 0; s < STEPS.size(); s++) {
      Path npy = dir.resolve("step" + s + ".npy");
      EmbeddingSet.write(npy, rows(4, 1), ids(4, "old"), LENET_7);
      String failAt = STEPS.get(s);
      EmbeddingSet.faultHook = step -> {
        if (step.equals(failAt)) {
          throw new IOException("No space left on device (simulated at '" + step + "')");
        }
      };
      IOException e = assertThrows(IOException.class, () -> EmbeddingSet.write(npy,
          rows(6, 2), ids(6, "new"), LENET_7.withExtra("version", "2")));
      assertTrue(e.getMessage().contains(failAt), e.getMessage());
      EmbeddingSet.faultHook = null;
      boolean committed = s >= STEPS.indexOf("journal committed");
      assertEquals(committed, Files.exists(EmbeddingSet.journalFile(npy)), failAt);
      EmbeddingSet.Contents c = EmbeddingSet.read(npy);
      if (committed) {
        assertEquals(ids(6, "new"), c.ids(), failAt);
        assertArrayEquals(rows(6, 2), c.vectors(), failAt);
        assertEquals("2", c.embedder().extra().get("version"), failAt);
        assertEquals(2, c.generation(), failAt);
      } else {
        assertEquals(ids(4, "old"), c.ids(), failAt);
        assertArrayEquals(rows(4, 1), c.vectors(), failAt);
        assertEquals(LENET_7, c.embedder(), failAt);
        assertEquals(1, c.generation(), failAt);
      }
      assertFalse(Files.exists(EmbeddingSet.journalFile(npy)), failAt);
      assertEquals(List.of(), temporaries(), "no temporary left after failing at " + failAt);
    }
  }

  static List<FileStamp> stamps(int n, long base) {
    List<FileStamp> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i == 1 ? null : new FileStamp(base + i, 1_700_000_000_123_456_789L + base * i));
    }
    return out;
  }

  static void writeStamped(Path npy, float[][] rows, List<String> ids, List<FileStamp> stamps,
      EmbedderDescription embedder) throws IOException {
    try (EmbeddingSet.Writer w = EmbeddingSet.writer(npy, rows[0].length, embedder)) {
      for (int i = 0; i < rows.length; i++) {
        w.add(rows[i], ids.get(i), stamps.get(i));
      }
      w.commit();
    }
  }

  @Test
  void stampsAreTheFourthFileOfTheUnitAtEveryStepOfTheCommit() throws IOException {
    List<String> steps = List.of("vectors written", "ids written", "stamps written",
        "description written", "journal committed", "renamed vectors", "renamed ids",
        "renamed stamps", "renamed description");
    for (String failAt : steps) {
      Path npy = dir.resolve("stamped-" + failAt.replace(' ', '-') + ".npy");
      writeStamped(npy, rows(4, 1), ids(4, "old"), stamps(4, 10), LENET_7);
      List<String> seen = new ArrayList<>();
      EmbeddingSet.faultHook = step -> {
        seen.add(step);
        if (step.equals(failAt)) {
          throw new IOException("No space left on device (simulated at '" + step + "')");
        }
      };
      assertThrows(IOException.class, () -> writeStamped(npy, rows(6, 2), ids(6, "new"),
          stamps(6, 20), LENET_7));
      EmbeddingSet.faultHook = null;
      assertEquals(steps.subList(0, steps.indexOf(failAt) + 1), seen);
      EmbeddingSet.Contents c = EmbeddingSet.read(npy);
      boolean committed = steps.indexOf(failAt) >= steps.indexOf("journal committed");
      assertEquals(committed ? ids(6, "new") : ids(4, "old"), c.ids(), failAt);
      assertEquals(committed ? stamps(6, 20) : stamps(4, 10), c.stamps(), failAt);
      assertEquals(List.of(), temporaries(), "no temporary left after failing at " + failAt);
    }
  }

  @Test
  void aSetWrittenWithoutStampsDropsTheOldOnesAndAMixedStampsFileIsRefused()
      throws IOException {
    Path npy = dir.resolve("stamps.npy");
    writeStamped(npy, rows(3, 1), ids(3, "a"), stamps(3, 5), LENET_7);
    assertEquals(stamps(3, 5), EmbeddingSet.read(npy).stamps());
    assertEquals("5 1700000000123456789\n-\n7 1700000000123456799\n",
        Files.readString(EmbeddingSet.stampsFile(npy)));
    Path old = dir.resolve("old-stamps.txt");
    Files.copy(EmbeddingSet.stampsFile(npy), old);

    writeStamped(npy, rows(3, 1), ids(3, "a"), stamps(3, 6), LENET_7);
    Files.copy(old, EmbeddingSet.stampsFile(npy), StandardCopyOption.REPLACE_EXISTING);
    DamagedFileException e = assertThrows(DamagedFileException.class,
        () -> EmbeddingSet.read(npy));
    assertEquals(EmbeddingSet.stampsFile(npy), e.file());
    assertTrue(e.getMessage().contains("for the stamps"), e.getMessage());
    Files.delete(EmbeddingSet.stampsFile(npy));
    e = assertThrows(DamagedFileException.class, () -> EmbeddingSet.read(npy));
    assertTrue(e.getMessage().contains("is missing"), e.getMessage());

    EmbeddingSet.write(npy, rows(2, 1), ids(2, "b"), LENET_7);
    Files.copy(old, EmbeddingSet.stampsFile(npy));
    EmbeddingSet.write(npy, rows(2, 1), ids(2, "b"), LENET_7);
    assertNull(EmbeddingSet.read(npy).stamps());
    assertFalse(Files.exists(EmbeddingSet.stampsFile(npy)), "a stale stamps file goes");
    assertTrue(EmbeddingSet.files(npy).contains(EmbeddingSet.stampsFile(npy)));
  }

  @Test
  void anExceptionWhileRowsStreamInLeavesTheOldSetAndNoTemporary() throws IOException {
    Path npy = dir.resolve("stream.npy");
    EmbeddingSet.write(npy, rows(2, 1), ids(2, "old"), LENET_7);
    assertThrows(IllegalStateException.class, () -> {
      try (EmbeddingSet.Writer w = EmbeddingSet.writer(npy, 3, LENET_7)) {
        w.add(new float[] {9, 9, 9}, "x.png");
        throw new IllegalStateException("the embedder failed");
      }
    });
    assertEquals(ids(2, "old"), EmbeddingSet.read(npy).ids());
    assertEquals(List.of(), temporaries());
  }

  @Test
  void aMixedSetIsRefusedNamingTheFileThatDoesNotBelong() throws IOException {
    Path npy = dir.resolve("mixed.npy");
    EmbeddingSet.write(npy, rows(3, 1), ids(3, "old"), LENET_7);
    Path oldIds = dir.resolve("old-ids.txt");
    Path oldNpy = dir.resolve("old.npy");
    Files.copy(EmbeddingSet.idsFile(npy), oldIds);
    Files.copy(npy, oldNpy);
    EmbeddingSet.write(npy, rows(3, 2), ids(3, "new"), LENET_7);

    Files.copy(oldIds, EmbeddingSet.idsFile(npy), StandardCopyOption.REPLACE_EXISTING);
    DamagedFileException e = assertThrows(DamagedFileException.class,
        () -> EmbeddingSet.read(npy));
    assertEquals(EmbeddingSet.idsFile(npy), e.file());
    assertTrue(e.getMessage().contains("does not belong with mixed.description.json"),
        e.getMessage());
    assertTrue(e.getMessage().contains("a mixed set"), e.getMessage());

    EmbeddingSet.write(npy, rows(3, 2), ids(3, "new"), LENET_7);
    Files.copy(oldNpy, npy, StandardCopyOption.REPLACE_EXISTING);
    e = assertThrows(DamagedFileException.class, () -> EmbeddingSet.read(npy));
    assertEquals(npy, e.file());

    Files.delete(npy);
    assertThrows(java.nio.file.NoSuchFileException.class, () -> EmbeddingSet.read(npy));
  }

  @Test
  void aHeaderReadForMappingChecksTheFileFromItsHeaderAndLeavesTheDataToTheReader()
      throws IOException {
    Path npy = dir.resolve("set.npy");
    EmbeddingSet.write(npy, rows(500, 3), ids(500, "p"), LENET_7);
    EmbeddingSet.Header whole = EmbeddingSet.readHeader(npy);
    assertEquals(whole, EmbeddingSet.readHeaderDeferringVectors(npy));

    // Another set's vectors file (its own header checksum): refused from the header alone.
    Path other = dir.resolve("other.npy");
    EmbeddingSet.write(other, rows(500, 4), ids(500, "p"), LENET_7);
    byte[] kept = Files.readAllBytes(npy);
    Files.copy(other, npy, StandardCopyOption.REPLACE_EXISTING);
    DamagedFileException mixed = assertThrows(DamagedFileException.class,
        () -> EmbeddingSet.readHeaderDeferringVectors(npy));
    assertTrue(mixed.getMessage().contains("does not belong with set.description.json"),
        mixed.getMessage());

    // A value changed in place behind an intact header: the header check passes (by design),
    // and the reader's own pass finds it.
    byte[] altered = kept.clone();
    altered[altered.length - 5] ^= 0x40;
    Files.write(npy, altered);
    assertEquals(whole.ids(), EmbeddingSet.readHeaderDeferringVectors(npy).ids());
    assertThrows(DamagedFileException.class, () -> EmbeddingSet.readHeader(npy));
    MappedNpy rows = MappedNpy.open(npy);
    java.util.zip.CRC32C sum = rows.checksum();
    for (int s = 0; s < rows.segments(); s++) {
      rows.add(sum, s);
    }
    DamagedFileException data = assertThrows(DamagedFileException.class,
        () -> rows.verify(sum));
    assertTrue(data.getMessage().contains("data checksum mismatch"), data.getMessage());
  }

  @Test
  void filesWithoutADescriptionStillLoadAsTheyAre() throws IOException {
    Path npy = dir.resolve("legacy.npy");
    Npy.write(npy, rows(2, 1));
    Npy.writeIds(Npy.idsFile(npy), List.of("50%.png", "b.png"));
    EmbeddingSet.Contents c = EmbeddingSet.read(npy);
    assertFalse(c.described());
    assertNull(c.embedder());
    assertEquals(List.of("50%.png", "b.png"), c.ids(), "old ids files are not unescaped");
    assertNull(EmbeddingSet.readDescription(npy));

    Path bare = dir.resolve("numpy.npy");
    Npy.write(bare, rows(3, 1));
    assertEquals(List.of("0", "1", "2"), EmbeddingSet.read(bare).ids());
  }

  @Test
  void staleTemporariesOfAKilledRunAreRemovedByTheNextWriteAndFreshOnesAreNot()
      throws IOException {
    Path npy = dir.resolve("s.npy");
    Path stale = dir.resolve(".s.npy.k1lled.tmp");
    Path fresh = dir.resolve(".s.npy.runn1ng.tmp");
    Path other = dir.resolve(".s.npy.notes");
    Files.write(stale, new byte[100]);
    Files.write(fresh, new byte[100]);
    Files.write(other, new byte[1]);
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(2 * 3600)));
    Files.setLastModifiedTime(other, FileTime.from(Instant.now().minusSeconds(2 * 3600)));
    EmbeddingSet.write(npy, rows(1, 1), ids(1, "a"), null);
    assertFalse(Files.exists(stale));
    assertTrue(Files.exists(fresh), "may be another process's write in progress");
    assertTrue(Files.exists(other), "not a temporary of ours");
    assertNull(EmbeddingSet.read(npy).embedder());
  }

  private List<Path> temporaries() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  /**
   * A separate JVM writes two versions of a set in turn and is killed with SIGKILL at seeded
   * random moments; every time, the set under the names loads whole and is one of the two.
   */
  @Test
  void aProcessKilledWhileCommittingLeavesAWholeSet() throws Exception {
    Path npy = dir.resolve("killed.npy");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Random random = new Random(22);
    int rolledForward = 0;
    for (int round = 0; round < 3; round++) {
      Process p = new ProcessBuilder(java, "-Xmx256m", "-cp",
          System.getProperty("java.class.path"), CommitForever.class.getName(), npy.toString())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!Files.exists(EmbeddingSet.descriptionFile(npy)) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(300 + random.nextInt(700));
      p.destroyForcibly(); // SIGKILL: no finally blocks, no shutdown hooks
      p.waitFor();
      if (Files.exists(EmbeddingSet.journalFile(npy))) {
        rolledForward++;
      }
      EmbeddingSet.Contents c = EmbeddingSet.read(npy);
      int version = c.ids().get(0).startsWith("one") ? 1 : 2;
      assertEquals(version == 1 ? CommitForever.ROWS_ONE : CommitForever.ROWS_TWO,
          c.vectors().length);
      assertEquals(Integer.toString(version), c.embedder().extra().get("version"));
      assertEquals(version, (int) c.vectors()[c.vectors().length - 1][0]);
    }
    System.out.println("EmbeddingSetTest: 3 kills, " + rolledForward + " inside a commit"
        + " (rolled forward by the reader)");
  }

  /**
   * SIGTERM (as Ctrl-C's SIGINT) runs the shutdown hooks: the growing temporary of a write in
   * progress is removed, and the previous set stays as it was.
   */
  @Test
  void aTerminatedProcessLeavesNoTemporaryAndTheOldSet() throws Exception {
    Path npy = dir.resolve("term.npy");
    EmbeddingSet.write(npy, rows(2, 1), ids(2, "old"), LENET_7);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx128m", "-cp",
        System.getProperty("java.class.path"), WriteSlowly.class.getName(), npy.toString())
        .redirectErrorStream(true).start();
    var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
    assertEquals("writing", out.readLine());
    long deadline = System.nanoTime() + 20_000_000_000L;
    // Until the temporary has grown past a megabyte, so that a real write is cut short.
    while ((temporaries().isEmpty() || Files.size(temporaries().get(0)) < (1 << 20))
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    long size = Files.size(temporaries().get(0));
    assertTrue(size >= 1 << 20, "the writer got going: " + size + " bytes");
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(List.of(), temporaries(), "the temporary (" + size + " bytes) is gone");
    assertEquals(ids(2, "old"), EmbeddingSet.read(npy).ids());
    System.out.println("EmbeddingSetTest: SIGTERM removed a " + size + "-byte temporary");
  }

  /** Streams rows into a set, slowly, until terminated. */
  public static final class WriteSlowly {
    public static void main(String[] args) throws Exception {
      try (EmbeddingSet.Writer w = EmbeddingSet.writer(Path.of(args[0]), 3, LENET_7)) {
        System.out.println("writing");
        System.out.flush();
        for (int i = 0; ; i++) {
          w.add(new float[] {i, i, i}, "row" + i);
          if (i % 20_000 == 0) {
            Thread.sleep(5);
          }
        }
      }
    }
  }

  /**
   * A damaged description or journal is refused with a {@link DamagedFileException} naming it,
   * never another exception: 300 seeded mutations of each (bytes overwritten, truncated,
   * inserted).
   */
  @Test
  void damagedDescriptionsAndJournalsAreRefusedByName() throws IOException {
    Path npy = dir.resolve("fuzz.npy");
    EmbeddingSet.write(npy, rows(3, 1), ids(3, "a"), LENET_7);
    byte[] description = Files.readAllBytes(EmbeddingSet.descriptionFile(npy));
    String journal = "{\"generation\": 2, \"renames\": {\"fuzz.npy\": \".fuzz.npy.abc.tmp\","
        + " \"fuzz.ids.txt\": \".fuzz.ids.txt.abc.tmp\"}}\n";
    Random random = new Random(2222);
    int refused = 0;
    for (int i = 0; i < 600; i++) {
      boolean ofJournal = i % 2 == 1;
      byte[] b = ofJournal ? journal.getBytes(java.nio.charset.StandardCharsets.UTF_8)
          : description.clone();
      switch (random.nextInt(3)) {
        case 0 -> {
          for (int k = random.nextInt(4); k >= 0; k--) {
            String alphabet = "{}[]\":,0-9e\\u/.\u0000a";
            b[random.nextInt(b.length)] = (byte) alphabet.charAt(random.nextInt(
                alphabet.length()));
          }
        }
        case 1 -> b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
        default -> {
          int at = random.nextInt(b.length);
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, at);
          c[at] = (byte) random.nextInt(256);
          System.arraycopy(b, at, c, at + 1, b.length - at);
          b = c;
        }
      }
      Files.write(EmbeddingSet.descriptionFile(npy), ofJournal ? description : b);
      Files.deleteIfExists(EmbeddingSet.journalFile(npy));
      if (ofJournal) {
        Files.write(EmbeddingSet.journalFile(npy), b);
      }
      try {
        EmbeddingSet.Contents c = EmbeddingSet.read(npy);
        assertEquals(3, c.vectors().length);
      } catch (DamagedFileException e) {
        refused++;
        Path named = ofJournal ? EmbeddingSet.journalFile(npy) : EmbeddingSet.descriptionFile(npy);
        assertTrue(e.getMessage().contains(named.getFileName().toString())
            || e.getMessage().contains(npy.getFileName().toString()), e.getMessage());
      }
    }
    assertTrue(refused > 300, "refused " + refused + " of 600");
    System.out.println("EmbeddingSetTest: " + refused + " of 600 damaged descriptions and"
        + " journals refused");
  }

  /** Commits two versions of a set in turn until killed. */
  public static final class CommitForever {
    static final int ROWS_ONE = 2000;
    static final int ROWS_TWO = 3000;

    public static void main(String[] args) throws IOException {
      Path npy = Path.of(args[0]);
      for (int i = 0; ; i++) {
        int version = i % 2 + 1;
        int n = version == 1 ? ROWS_ONE : ROWS_TWO;
        float[][] v = new float[n][64];
        for (float[] row : v) {
          java.util.Arrays.fill(row, version);
        }
        List<String> ids = ids(n, version == 1 ? "one" : "two");
        EmbeddingSet.write(npy, v, ids, EmbedderDescription.builder("lenet", 64)
            .extra("version", Integer.toString(version)).build());
      }
    }
  }
}
