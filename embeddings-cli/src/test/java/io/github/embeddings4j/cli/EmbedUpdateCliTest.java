package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.FileStamp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code embed --update} embeds only the images that are new or changed since the set was
 * written, keeps the other rows, drops the rows of images that are gone, and leaves the set
 * exactly as a full run would write it now; it refuses a set made by other model options.
 */
class EmbedUpdateCliTest {

  @TempDir Path dir;

  static final String[] MODEL = CommandsTest.MODEL;

  static CliRun embed(Path photos, Path out, String... extra) {
    String[] head = {"embed", "--input", photos.toString(), "--output", out.toString()};
    String[] all = new String[head.length + extra.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(extra, 0, all, head.length, extra.length);
    return CliRun.of(CommandsTest.args(all));
  }

  static void picture(Path file, int kind, Random random) throws IOException {
    Files.createDirectories(file.getParent());
    ImageIO.write(CommandsTest.picture(kind, random), "png", file.toFile());
  }

  Path photos() throws IOException {
    Path photos = dir.resolve("photos");
    Random random = new Random(3);
    for (int i = 0; i < 4; i++) {
      picture(photos.resolve("bars/b" + i + ".png"), 0, random);
      picture(photos.resolve("discs/d" + i + ".png"), 1, random);
    }
    return photos;
  }

  @Test
  void onlyNewAndChangedImagesAreEmbeddedAndTheSetEqualsAFullRun() throws IOException {
    Path photos = photos();
    Path set = dir.resolve("photos.npy");
    CliRun first = embed(photos, set);
    assertEquals(Main.EXIT_OK, first.code(), first.toString());
    EmbeddingSet.Contents before = EmbeddingSet.read(set);
    assertEquals(8, before.stamps().size());
    assertEquals(FileStamp.of(photos.resolve("bars/b0.png")), before.stamps().get(0));

    CliRun same = embed(photos, set, "--update");
    assertEquals(Main.EXIT_OK, same.code(), same.toString());
    assertTrue(same.err().contains("is up to date: 8 images"), same.err());
    assertEquals(before.generation(), EmbeddingSet.read(set).generation(), "not rewritten");

    Random random = new Random(11);
    picture(photos.resolve("bars/b9.png"), 0, random);            // new
    picture(photos.resolve("new/x.png"), 1, random);              // new, in a new folder
    Path changed = photos.resolve("discs/d1.png");
    picture(changed, 0, random);                                   // changed: a bar now
    Files.setLastModifiedTime(changed, FileTime.fromMillis(
        Files.getLastModifiedTime(changed).toMillis() + 10_000));
    Files.delete(photos.resolve("bars/b2.png"));                  // gone

    CliRun update = embed(photos, set, "--update");
    assertEquals(Main.EXIT_OK, update.code(), update.toString());
    assertTrue(update.err().contains(
        "6 unchanged, embedding 3 (2 new, 1 changed), dropping 1 no longer found"),
        update.err());
    EmbeddingSet.Contents after = EmbeddingSet.read(set);
    assertEquals(before.generation() + 1, after.generation());

    Path full = dir.resolve("full.npy");
    assertEquals(Main.EXIT_OK, embed(photos, full).code());
    EmbeddingSet.Contents whole = EmbeddingSet.read(full);
    assertEquals(whole.ids(), after.ids(), "rows in the order a full run writes them");
    assertEquals(whole.stamps(), after.stamps());
    assertEquals(whole.embedder(), after.embedder());
    for (int r = 0; r < whole.ids().size(); r++) {
      assertArrayEquals(whole.vectors()[r], after.vectors()[r], 1e-6f, whole.ids().get(r));
    }
    int kept = before.ids().indexOf("bars/b0.png");
    assertArrayEquals(before.vectors()[kept], after.vectors()[after.ids().indexOf("bars/b0.png")],
        "an unchanged row is the one kept, bit for bit");
    int d1 = before.ids().indexOf("discs/d1.png");
    assertFalse(java.util.Arrays.equals(before.vectors()[d1],
        after.vectors()[after.ids().indexOf("discs/d1.png")]), "the changed image's row is new");
  }

  @Test
  void aSetLargerThanTheHeapQuarterIsUpdatedFromTheFileInPlace() throws IOException {
    Path photos = photos();
    Path set = dir.resolve("photos.npy");
    assertEquals(Main.EXIT_OK, embed(photos, set).code());
    EmbeddingSet.Contents before = EmbeddingSet.read(set);
    Random random = new Random(21);
    picture(photos.resolve("bars/b7.png"), 0, random);
    Files.delete(photos.resolve("discs/d0.png"));
    CliRun update;
    System.setProperty(StoredIndex.MAP_ABOVE, "0");
    try {
      update = embed(photos, set, "--update");
    } finally {
      System.clearProperty(StoredIndex.MAP_ABOVE);
    }
    assertEquals(Main.EXIT_OK, update.code(), update.toString());
    assertTrue(update.err().contains("is read in place"), update.err());
    assertTrue(update.err().contains("7 unchanged, embedding 1 (1 new, 0 changed), dropping 1"),
        update.err());
    Path full = dir.resolve("full.npy");
    assertEquals(Main.EXIT_OK, embed(photos, full).code());
    EmbeddingSet.Contents after = EmbeddingSet.read(set);
    EmbeddingSet.Contents whole = EmbeddingSet.read(full);
    assertEquals(whole.ids(), after.ids());
    assertEquals(whole.stamps(), after.stamps());
    for (int r = 0; r < whole.ids().size(); r++) {
      assertArrayEquals(whole.vectors()[r], after.vectors()[r], 1e-6f, whole.ids().get(r));
    }
    assertArrayEquals(before.vectors()[before.ids().indexOf("bars/b1.png")],
        after.vectors()[after.ids().indexOf("bars/b1.png")], "kept bit for bit from the file");
  }

  @Test
  void aSetMadeByOtherOptionsIsRefusedAndLeftAsItWas() throws IOException {
    Path photos = photos();
    Path set = dir.resolve("photos.npy");
    assertEquals(Main.EXIT_OK, embed(photos, set).code());
    byte[] vectors = Files.readAllBytes(set);
    CliRun r = CliRun.of("embed", "--input", photos.toString(), "--output", set.toString(),
        "--update", "--model", "lenet", "--weights", "random", "--seed", "8");
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("random seed=8 != random seed=7"), r.err());
    assertTrue(r.err().contains("embed without --update"), r.err());
    assertArrayEquals(vectors, Files.readAllBytes(set));
  }

  @Test
  void aSetOfAnEarlierVersionKeepsItsRowsWithAWarningAndThenRecordsStamps()
      throws IOException {
    Path photos = photos();
    Path set = dir.resolve("photos.npy");
    assertEquals(Main.EXIT_OK, embed(photos, set).code());
    EmbeddingSet.Contents stamped = EmbeddingSet.read(set);
    EmbeddingSet.write(set, stamped.vectors(), stamped.ids(), stamped.embedder());
    assertNull(EmbeddingSet.read(set).stamps());
    CliRun r = embed(photos, set, "--update");
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.err().contains("records no file sizes and times"), r.err());
    assertTrue(r.err().contains("8 unchanged, embedding 0"), r.err());
    EmbeddingSet.Contents after = EmbeddingSet.read(set);
    assertEquals(stamped.stamps(), after.stamps());
    assertArrayEquals(stamped.vectors(), after.vectors());
    assertTrue(embed(photos, set, "--update").err().contains("is up to date"));
  }

  @Test
  void withoutASetEveryImageIsEmbeddedAndTensorInputsAreRefused() throws IOException {
    Path photos = photos();
    Path set = dir.resolve("new.npy");
    CliRun r = embed(photos, set, "--update");
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.err().contains("no set at " + set), r.err());
    assertNotNull(EmbeddingSet.read(set).stamps());
    assertEquals(8, EmbeddingSet.read(set).ids().size());

    CliRun tensors = CliRun.of(CommandsTest.args(new String[] {"embed", "--input",
        dir.resolve("inputs.npy").toString(), "--output", set.toString(), "--update"}));
    assertEquals(Main.EXIT_USAGE, tensors.code(), tensors.toString());
    assertTrue(tensors.err().contains("leave --update out"), tensors.err());
  }

  @Test
  void anImageThatFailsIsReportedAndTheOthersAreUpdated() throws IOException {
    Path photos = photos();
    Path set = dir.resolve("photos.npy");
    assertEquals(Main.EXIT_OK, embed(photos, set).code());
    Files.writeString(photos.resolve("discs/d3.png"), "no longer a PNG");
    Files.setLastModifiedTime(photos.resolve("discs/d3.png"), FileTime.fromMillis(
        System.currentTimeMillis() + 10_000));
    CliRun r = embed(photos, set, "--update");
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
    assertTrue(r.err().contains("failed: ") && r.err().contains("d3.png"), r.err());
    List<String> ids = EmbeddingSet.read(set).ids();
    assertEquals(7, ids.size());
    assertFalse(ids.contains("discs/d3.png"), "its old row is not kept: the image changed");

    long generation = EmbeddingSet.read(set).generation();
    CliRun again = embed(photos, set, "--update");
    assertEquals(Main.EXIT_PARTIAL, again.code(), again.toString());
    assertTrue(again.err().contains("d3.png") && again.err().contains("is unchanged: 7 images"),
        again.err());
    assertEquals(generation, EmbeddingSet.read(set).generation(), "nothing to write again");
  }
}
