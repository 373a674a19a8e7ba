package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.embed.Pooling;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedder's behaviour on the zoo's small SimpleCNN (random weights, 32 x 32 input). */
class ZooEmbedderTest {

  private static ZooEmbedder embedder;

  @BeforeAll
  static void build() throws EmbeddingException {
    embedder = small().build();
  }

  @AfterAll
  static void close() {
    embedder.close();
  }

  static ZooEmbedder.Builder small() {
    return ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.random(7)).inputSize(32, 32)
        .networkBatchSize(3).concurrency(4);
  }

  @Test
  void dimensionIsKnownBeforeTheFirstImageAndMatchesTheVectors() throws EmbeddingException {
    assertEquals(ZooModel.SIMPLE_CNN.defaultDimension(false), embedder.dimension());
    assertEquals("layer29", embedder.layer());
    assertEquals(embedder.dimension(), embedder.embed(TestImages.source(40, 30, 1)).length);
  }

  @Test
  void vectorsAreUnitLengthWhenNormalised() throws EmbeddingException {
    float[] v = embedder.embed(TestImages.source(32, 32, 2));
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    assertEquals(1.0, Math.sqrt(norm), 1e-5);
  }

  @Test
  void batchAndSingleCallsGiveTheSameVectors() throws EmbeddingException {
    List<ImageSource> sources = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      sources.add(TestImages.source(36, 36, 100 + i));
    }
    // 7 images in network batches of 3: 3 + 3 + 1.
    List<float[]> batch = embedder.embedAll(sources);
    for (int i = 0; i < sources.size(); i++) {
      assertArrayEquals(embedder.embed(sources.get(i)), batch.get(i), 1e-5f, "image " + i);
    }
    assertFalse(java.util.Arrays.equals(batch.get(0), batch.get(1)), "distinct images differ");
  }

  @Test
  void byDefaultTheBatchSizeIsChosenFromMeasuredPassesWithoutChangingTheVectors()
      throws EmbeddingException {
    List<ImageSource> images = new ArrayList<>();
    for (int i = 0; i < 130; i++) {
      images.add(TestImages.source(32 + i % 7, 30, i));
    }
    try (ZooEmbedder auto = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.random(7))
        .inputSize(32, 32).concurrency(1).engine(Engine.ONEDNN_GRAPH).build()) {
      assertEquals(-1, auto.networkBatchSize(), "still measuring");
      // 1, 2, 4, 8 and 16 images per pass, four passes each (124 images), then a final of the
      // sizes near the fastest: 130 images may leave it open, with the best so far in use.
      List<float[]> got = auto.embedAll(images);
      assertTrue(List.of(1, 2, 4, 8, 16).contains(auto.networkBatchSize()),
          "chosen " + auto.networkBatchSize());
      List<float[]> fixed = embedder.embedAll(images);
      for (int i = 0; i < images.size(); i++) {
        assertArrayEquals(fixed.get(i), got.get(i), 1e-5f, "image " + i);
      }
    }
    assertEquals(3, embedder.networkBatchSize(), "a fixed size is kept");
    // ONNX Runtime's rate rises with the batch: the maximum from the first call, no trials.
    try (ZooEmbedder ort = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.random(7))
        .inputSize(32, 32).engine(Engine.ONNX_RUNTIME).build()) {
      assertEquals(16, ort.networkBatchSize());
    }
  }

  @Test
  void aBadItemFailsAloneNamingItsInput() {
    List<ImageSource> sources = List.of(TestImages.source(32, 32, 3),
        ImageSource.of(new byte[] {1, 2, 3, 4}, "garbage.jpg"), TestImages.source(32, 32, 4));
    List<EmbeddingResult> results = embedder.embedBatch(sources);
    assertTrue(results.get(0).isSuccess());
    EmbeddingResult.Failure f = assertInstanceOf(EmbeddingResult.Failure.class, results.get(1));
    assertEquals("garbage.jpg", f.name());
    assertTrue(f.error().getMessage().startsWith("garbage.jpg: "), f.error().getMessage());
    assertTrue(results.get(2).isSuccess());
  }

  @Test
  void batchesRunSideBySideGiveTheSerialResultsInOrder() throws EmbeddingException {
    // 11 items, two of them bad, in network batches of 3: with two copies the call's batches
    // run two at a time (on a machine with at least 2 processors), with one copy one at a time;
    // the results are the same, in the callers' order, failures included.
    List<ImageSource> sources = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      sources.add(i == 4 || i == 9 ? ImageSource.of(new byte[] {9, 9, 9}, "bad-" + i + ".png")
          : TestImages.source(34, 33, 300 + i));
    }
    List<EmbeddingResult> serial;
    List<EmbeddingResult> sideBySide;
    try (ZooEmbedder one = small().concurrency(1).build();
        ZooEmbedder two = small().concurrency(2).build()) {
      serial = one.embedBatch(sources);
      sideBySide = two.embedBatch(sources);
      assertEquals(2, two.concurrency());
    }
    assertEquals(sources.size(), sideBySide.size());
    for (int i = 0; i < sources.size(); i++) {
      EmbeddingResult a = serial.get(i);
      EmbeddingResult b = sideBySide.get(i);
      assertEquals(sources.get(i).name(), b.name(), "item " + i);
      assertEquals(a.isSuccess(), b.isSuccess(), "item " + i);
      if (a instanceof EmbeddingResult.Success sa && b instanceof EmbeddingResult.Success sb) {
        assertArrayEquals(sa.vector(), sb.vector(), 1e-6f, "item " + i);
      }
    }
    assertFalse(sideBySide.get(4).isSuccess());
    assertFalse(sideBySide.get(9).isSuccess());
  }

  @Test
  void maxAndAveragePoolingAreBothAvailable() throws EmbeddingException {
    try (ZooEmbedder max = small().pooling(Pooling.MAX).normalize(false).build();
        ZooEmbedder avg = small().pooling(Pooling.AVG).normalize(false).build()) {
      ImageSource image = TestImages.source(32, 32, 5);
      float[] a = avg.embed(image);
      float[] m = max.embed(image);
      for (int i = 0; i < a.length; i++) {
        assertTrue(m[i] >= a[i] - 1e-5f, "max >= mean in channel " + i);
      }
      assertFalse(java.util.Arrays.equals(a, m));
    }
  }

  @Test
  void aWrongLayerNameListsTheValidOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> small().layer("fc7").build());
    assertTrue(e.getMessage().contains("no layer 'fc7'"), e.getMessage());
    assertTrue(e.getMessage().contains("layer29") && e.getMessage().contains("image_array"),
        e.getMessage());
  }

  @Test
  void anEarlierLayerCanBeChosen() throws EmbeddingException {
    try (ZooEmbedder early = small().layer("layer7").build()) {
      assertEquals(32, early.dimension());
      assertEquals(32, early.embed(TestImages.source(32, 32, 6)).length);
    }
  }

  @Test
  void eightThreadsGetTheSerialVectors() throws Exception {
    List<ImageSource> sources = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      sources.add(TestImages.source(32, 32, 200 + i));
    }
    List<float[]> serial = embedder.embedAll(sources);
    ConcurrentUse.assertEightThreadsGet(serial, embedder, sources, 1e-6f);
  }

  @Test
  void aFolderStreamsThroughInOrderWithProgressAndFailures(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("b/c"));
    ImageIO.write(TestImages.noise(20, 20, 1), "png", dir.resolve("a.png").toFile());
    ImageIO.write(TestImages.noise(20, 20, 2), "jpg", dir.resolve("b/c/d.JPG").toFile());
    Files.write(dir.resolve("b/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    ImageIO.write(TestImages.noise(20, 20, 3), "bmp", dir.resolve("b/e.bmp").toFile());
    Files.writeString(dir.resolve("notes.txt"), "not an image");
    List<EmbeddingResult> seen = new ArrayList<>();
    List<Progress> progress = new ArrayList<>();
    List<EmbeddingException> failures = new ArrayList<>();
    long failed = embedder.embedFolder(dir, seen::add, new ProgressListener() {
      @Override
      public void onProgress(Progress p) {
        progress.add(p);
      }

      @Override
      public void onFailure(EmbeddingException error) {
        failures.add(error);
      }
    });
    List<String> names = seen.stream().map(EmbeddingResult::name).toList();
    assertEquals(List.of("a.png", "b/broken.png", "b/c/d.JPG", "b/e.bmp"), names,
        "relative to the folder, as the CLI's ids");
    assertTrue(failures.get(0).getMessage().contains(dir.resolve("b/broken.png").toString()),
        "the failure itself names the full path");
    assertEquals(1, failed);
    assertEquals(1, failures.size());
    assertFalse(seen.get(1).isSuccess());
    // Batches of 3: progress after 3 and after 4.
    assertEquals(List.of(3L, 4L), progress.stream().map(Progress::completed).toList());
    assertEquals(4, progress.get(1).total());
    assertEquals(1, progress.get(1).failed());
  }

  @Test
  void aClosedEmbedderRefusesWork() throws EmbeddingException {
    ZooEmbedder e = small().build();
    e.close();
    e.close();
    assertThrows(IllegalStateException.class, () -> e.embed(TestImages.source(32, 32, 1)));
  }
}
