package io.github.embeddings4j.core.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.data.ImageFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Folders embedded once, reused while nothing changes, embedded again when something does. */
class EmbeddingCacheTest {

  @TempDir Path dir;

  @Test
  void aSecondRunReusesTheVectorsWithoutEmbedding() throws Exception {
    Path root = dir.resolve("data");
    PixelEmbedder.writeDataset(root, 3, 4, 1);
    EmbeddingCache cache = EmbeddingCache.in(dir.resolve("cache"));
    PixelEmbedder e = new PixelEmbedder("a");
    EmbeddingCache.Dataset first = cache.embed(e, ImageFolder.scan(root), null);
    assertEquals(12, e.embedded.get());
    assertFalse(first.cached());
    assertTrue(Files.exists(first.entry()));
    EmbeddingCache.Dataset second = cache.embed(e, ImageFolder.scan(root), null);
    assertEquals(12, e.embedded.get(), "nothing embedded the second time");
    assertTrue(second.cached());
    assertEquals(first.entry(), second.entry());
    assertArrayEquals(first.labels(), second.labels());
    assertArrayEquals(first.vectors(), second.vectors());
    assertEquals(first.files(), second.files());
    assertEquals(List.of("class0000", "class0001", "class0002"), second.classNames());
  }

  @Test
  void aChangedFileOrAnotherEmbedderMakesANewEntry() throws Exception {
    Path root = dir.resolve("data");
    PixelEmbedder.writeDataset(root, 2, 3, 2);
    EmbeddingCache cache = EmbeddingCache.in(dir.resolve("cache"));
    PixelEmbedder e = new PixelEmbedder("a");
    Path entry = cache.embed(e, ImageFolder.scan(root), null).entry();
    Path image = root.resolve("class0001/img2.png");
    PixelEmbedder.writeDataset(dir.resolve("other"), 2, 3, 99);
    Files.copy(dir.resolve("other/class0001/img2.png"), image,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(image, FileTime.fromMillis(1_000_000_000_000L));
    EmbeddingCache.Dataset again = cache.embed(e, ImageFolder.scan(root), null);
    assertFalse(again.cached(), "a replaced image invalidates the entry");
    assertNotEquals(entry, again.entry());
    assertEquals(6 + 1, e.embedded.get(), "a new entry, for which only the replaced image is"
        + " embedded again");
    PixelEmbedder other = new PixelEmbedder("b");
    assertFalse(cache.embed(other, ImageFolder.scan(root), null).cached(),
        "another embedder's vectors are not reused");
    assertTrue(cache.embed(e, ImageFolder.scan(root), null).cached());
  }

  @Test
  void aChangedFolderEmbedsOnlyTheAddedAndChangedImages() throws Exception {
    Path root = dir.resolve("data");
    PixelEmbedder.writeDataset(root, 3, 4, 1);
    PixelEmbedder.writeDataset(dir.resolve("other"), 3, 5, 7);
    EmbeddingCache cache = EmbeddingCache.in(dir.resolve("cache"));
    PixelEmbedder e = new PixelEmbedder("a");
    EmbeddingCache.Dataset first = cache.embed(e, ImageFolder.scan(root), null);
    assertEquals(0, first.reused());

    Path changed = root.resolve("class0001/img2.png");
    Files.copy(dir.resolve("other/class0001/img2.png"), changed,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(changed, FileTime.fromMillis(1_000_000_000_000L));
    Files.copy(dir.resolve("other/class0002/img4.png"), root.resolve("class0002/img4.png"));
    Files.delete(root.resolve("class0000/img0.png"));
    EmbeddingCache.Dataset second = cache.embed(e, ImageFolder.scan(root), null);
    assertFalse(second.cached());
    assertEquals(12 + 2, e.embedded.get(), "only the changed and the added image");
    assertEquals(10, second.reused());
    EmbeddingCache.Dataset fresh = EmbeddingCache.none().embed(new PixelEmbedder("a"),
        ImageFolder.scan(root), null);
    assertEquals(fresh.files(), second.files());
    assertArrayEquals(fresh.labels(), second.labels());
    assertArrayEquals(fresh.vectors(), second.vectors());

    EmbeddingCache.Dataset third = cache.embed(e, ImageFolder.scan(root), null);
    assertTrue(third.cached());
    assertEquals(12, third.reused());
    PixelEmbedder other = new PixelEmbedder("b");
    assertEquals(0, cache.embed(other, ImageFolder.scan(root), null).reused(),
        "another embedder's vectors are not lent");
    assertEquals(12, other.embedded.get());
  }

  @Test
  void damagedImagesAreSkippedAndNamedAlsoWhenReadFromTheCache() throws Exception {
    Path root = dir.resolve("data");
    PixelEmbedder.writeDataset(root, 2, 3, 3);
    Path bad = Files.writeString(root.resolve("class0000/broken.png"), "not a png");
    EmbeddingCache cache = EmbeddingCache.in(dir.resolve("cache"));
    PixelEmbedder e = new PixelEmbedder("a");
    List<String> heard = new java.util.ArrayList<>();
    EmbeddingCache.Dataset d = cache.embed(e, ImageFolder.scan(root), new io.github.embeddings4j
        .api.ProgressListener() {
          @Override
          public void onProgress(io.github.embeddings4j.api.Progress p) {}

          @Override
          public void onFailure(io.github.embeddings4j.api.EmbeddingException x) {
            heard.add(x.getMessage());
          }
        });
    assertEquals(6, d.vectors().length);
    assertEquals(1, d.failed().size());
    assertEquals(bad, d.failed().get(0).file());
    assertTrue(d.failed().get(0).reason().contains("cannot decode"), d.failed().get(0).reason());
    assertEquals(1, heard.size());
    assertTrue(heard.get(0).contains("broken.png"), heard.get(0));
    EmbeddingCache.Dataset again = cache.embed(e, ImageFolder.scan(root), null);
    assertTrue(again.cached());
    assertEquals(d.failed(), again.failed());
  }

  @Test
  void aDamagedEntryIsEmbeddedAgainAndReplaced() throws Exception {
    Path root = dir.resolve("data");
    PixelEmbedder.writeDataset(root, 2, 2, 4);
    EmbeddingCache cache = EmbeddingCache.in(dir.resolve("cache"));
    PixelEmbedder e = new PixelEmbedder("a");
    EmbeddingCache.Dataset d = cache.embed(e, ImageFolder.scan(root), null);
    byte[] bytes = Files.readAllBytes(d.entry());
    bytes[bytes.length - 1] ^= 1;
    Files.write(d.entry(), bytes);
    EmbeddingCache.Dataset again = cache.embed(e, ImageFolder.scan(root), null);
    assertFalse(again.cached());
    assertEquals(8, e.embedded.get());
    assertArrayEquals(d.vectors(), again.vectors());
    assertTrue(cache.embed(e, ImageFolder.scan(root), null).cached());
  }

  @Test
  void aCacheThatCannotBeWrittenStillGivesTheVectors() throws Exception {
    Path root = dir.resolve("data");
    PixelEmbedder.writeDataset(root, 2, 2, 5);
    Path notAFolder = Files.writeString(dir.resolve("file"), "x");
    EmbeddingCache.Dataset d = EmbeddingCache.in(notAFolder.resolve("cache"))
        .embed(new PixelEmbedder("a"), ImageFolder.scan(root), null);
    assertEquals(4, d.vectors().length);
    assertEquals(null, d.entry());
    assertTrue(d.cacheProblem() != null && d.cacheProblem().contains("file"),
        String.valueOf(d.cacheProblem()));
  }

  @Test
  void aThousandClassesAreEmbeddedAndLearnt() throws Exception {
    Path root = dir.resolve("many");
    PixelEmbedder.writeDataset(root, 1000, 3, 6);
    EmbeddingCache.Dataset d = EmbeddingCache.in(dir.resolve("cache"))
        .embed(new PixelEmbedder("a"), ImageFolder.scan(root), null);
    assertEquals(3000, d.vectors().length);
    assertEquals(1000, d.classNames().size());
    HeadTrainer.Result r = HeadTrainer.builder().learningRate(0.05).maxEpochs(8).patience(3)
        .batchSize(128).build().fit(d.vectors(), d.labels());
    assertEquals(1000, r.head().classCount());
    assertEquals(1000, r.validationCount(), "one image of each class held out");
    assertTrue(r.unvalidatedClasses().isEmpty());
    assertTrue(r.validationAccuracy() > 0.9, "validation accuracy " + r.validationAccuracy());
  }
}
