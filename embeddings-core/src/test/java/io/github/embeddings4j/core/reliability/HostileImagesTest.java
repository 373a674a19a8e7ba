package io.github.embeddings4j.core.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-image corpus through the embedder: every sound picture gets the vector it gets
 * alone, every broken one a failure naming the file and saying what is wrong, and the batch
 * finishes.
 */
class HostileImagesTest {

  private static ZooEmbedder embedder;
  private static List<Corpus.Entry> corpus;
  @TempDir static Path folder;

  @BeforeAll
  static void setUp() throws Exception {
    corpus = Corpus.writeTo(folder);
    embedder = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.random(9))
        .inputSize(32, 32).networkBatchSize(4).build();
  }

  @AfterAll
  static void tearDown() {
    embedder.close();
  }

  @Test
  void eachFileGetsAVectorOrItsOwnClearErrorAndTheBatchFinishes() throws Exception {
    List<ImageSource> sources = new ArrayList<>();
    for (Corpus.Entry e : corpus) {
      sources.add(ImageSource.of(folder.resolve(e.name())));
    }
    List<EmbeddingResult> results = assertTimeoutPreemptively(Duration.ofMinutes(2),
        () -> embedder.embedBatch(sources));
    assertEquals(corpus.size(), results.size());
    for (int i = 0; i < corpus.size(); i++) {
      Corpus.Entry e = corpus.get(i);
      EmbeddingResult r = results.get(i);
      String path = folder.resolve(e.name()).toString();
      assertEquals(path, r.name());
      if (e.good()) {
        EmbeddingResult.Success s = assertInstanceOf(EmbeddingResult.Success.class, r,
            () -> e.name() + ": " + r);
        assertUnitAndFinite(e.name(), s.vector());
        // The same vector as the picture alone, from its bytes: no state leaks between items
        // (the 12-megapixel one is left out: decoding it twice costs seconds).
        if (!e.name().startsWith("huge")) {
          float[] alone = embedder.embed(ImageSource.of(e.bytes(), e.name()));
          assertArrayEquals(alone, s.vector(), 1e-5f, e.name());
        }
      } else {
        EmbeddingResult.Failure f = assertInstanceOf(EmbeddingResult.Failure.class, r,
            () -> e.name() + " was embedded");
        String message = f.error().getMessage();
        System.out.println("hostile " + e.name() + " -> " + message); // for reliability.md
        assertTrue(message.startsWith(path + ": "), message);
        assertTrue(message.toLowerCase(Locale.ROOT).contains(e.reason()),
            e.name() + ": expected '" + e.reason() + "' in: " + message);
        assertEquals(path, f.error().input());
      }
    }
  }

  @Test
  void aStreamOfTheCorpusReportsEachFailureOnceAndCountsThem() throws Exception {
    List<EmbeddingException> reported = new ArrayList<>();
    List<EmbeddingResult> seen = new ArrayList<>();
    long failed = embedder.embedFolder(folder, seen::add, new ProgressListener() {
      @Override
      public void onProgress(io.github.embeddings4j.api.Progress p) {}

      @Override
      public void onFailure(EmbeddingException error) {
        reported.add(error);
      }
    });
    long bad = corpus.stream().filter(e -> !e.good()).count();
    assertEquals(bad, failed);
    assertEquals(bad, reported.size());
    assertEquals(corpus.size(), seen.size());
    assertEquals(corpus.size() - bad, seen.stream().filter(EmbeddingResult::isSuccess).count());
  }

  @Test
  void theDecompressionBombIsRefusedBeforeAnyPixelIsAllocated() {
    Corpus.Entry bomb = corpus.stream().filter(e -> e.name().equals("bomb.png")).findFirst()
        .orElseThrow();
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
        java.lang.management.ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    EmbeddingResult r = embedder.embedBatch(List.of(ImageSource.of(bomb.bytes(), "bomb.png")))
        .get(0);
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    EmbeddingResult.Failure f = assertInstanceOf(EmbeddingResult.Failure.class, r);
    assertTrue(f.error().getMessage().contains("50000 x 50000"), f.error().getMessage());
    // 2.5 gigapixels would be 10 GB; the refusal costs next to nothing.
    assertTrue(allocated < 32L << 20, "allocated " + allocated + " bytes");
  }

  private static void assertUnitAndFinite(String name, float[] v) {
    assertEquals(embedder.dimension(), v.length, name);
    double norm = 0;
    for (float x : v) {
      assertTrue(Float.isFinite(x), name + ": " + x);
      norm += (double) x * x;
    }
    assertEquals(1.0, Math.sqrt(norm), 1e-4, name);
  }
}
