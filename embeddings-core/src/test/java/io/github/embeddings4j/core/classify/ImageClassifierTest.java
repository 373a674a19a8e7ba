package io.github.embeddings4j.core.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.io.DamagedFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A classifier's file, its embedder checks and its predictions. */
class ImageClassifierTest {

  @TempDir Path dir;

  private static ImageClassifier trained(Head.Kind kind, EmbedderSpec spec) {
    int[] y = new int[90];
    float[][] x = HeadTrainerTest.clusters(30, y, 21);
    HeadTrainer.Result r = HeadTrainer.builder().head(kind).hiddenSize(6).learningRate(0.01)
        .build().fit(x, y);
    EmbedderDescription d = EmbedderDescription.builder("toy", 8).weights("w1").build();
    return ImageClassifier.of(r.head(), List.of("ant", "bee", "cat"), d, spec)
        .withTraining(r);
  }

  @Test
  void savedAndLoadedItPredictsExactlyTheSame() throws Exception {
    for (Head.Kind kind : Head.Kind.values()) {
      Path spec = Files.write(dir.resolve("model-" + kind + ".zip"), new byte[] {1, 2, 3});
      ImageClassifier c = trained(kind, EmbedderSpec.trained(spec));
      Path file = dir.resolve("head-" + kind + ".e4j");
      c.save(file);
      ImageClassifier back = ImageClassifier.load(file);
      assertEquals(c.head(), back.head());
      assertEquals(c.classNames(), back.classNames());
      assertEquals(c.embedder(), back.embedder());
      assertEquals(c.spec(), back.spec());
      assertEquals(c.info(), back.info());
      int[] y = new int[30];
      for (float[] v : HeadTrainerTest.clusters(10, y, 21)) {
        assertArrayEquals(c.head().probabilities(v), back.head().probabilities(v));
        assertEquals(c.topK(v, 3), back.topK(v, 3));
      }
      assertEquals(kind.name().toLowerCase(), back.info().get("head"));
      assertEquals("1.0", back.info().get("validation_accuracy"));
    }
  }

  @Test
  void topKIsOrderedByProbabilityAndNamesTheClasses() {
    ImageClassifier c = trained(Head.Kind.LINEAR, null);
    int[] y = new int[3];
    float[][] x = HeadTrainerTest.clusters(1, y, 21);
    for (int i = 0; i < 3; i++) {
      List<ImageClassifier.Prediction> top = c.topK(x[i], 5);
      assertEquals(3, top.size(), "no more than the classes");
      assertEquals(y[i], top.get(0).label());
      assertEquals(c.classNames().get(y[i]), top.get(0).className());
      assertTrue(top.get(0).probability() >= top.get(1).probability());
      assertTrue(top.get(1).probability() >= top.get(2).probability());
      assertEquals(top.get(0), c.predict(x[i]));
    }
    assertThrows(IllegalArgumentException.class, () -> c.topK(x[0], 0));
  }

  @Test
  void aDamagedFileIsRefusedWithItsName() throws Exception {
    Path file = dir.resolve("head.e4j");
    trained(Head.Kind.MLP, null).save(file);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(file, bytes);
    DamagedFileException e = assertThrows(DamagedFileException.class,
        () -> ImageClassifier.load(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    Path truncated = dir.resolve("short.e4j");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, 30));
    e = assertThrows(DamagedFileException.class, () -> ImageClassifier.load(truncated));
    assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());
  }

  @Test
  void aModelFileThatChangedIsRefusedWithBothChecksums() throws Exception {
    Path model = Files.write(dir.resolve("model.onnx"), new byte[] {9, 9, 9});
    Path file = dir.resolve("head.e4j");
    trained(Head.Kind.LINEAR, EmbedderSpec.onnx(model, "imagenet", null, "avg", true))
        .save(file);
    ImageClassifier c = ImageClassifier.load(file);
    String recorded = c.spec().settings().get("sha256");
    Files.write(model, new byte[] {9, 9, 8});
    EmbeddingException e = assertThrows(EmbeddingException.class, c::openEmbedder);
    assertTrue(e.getMessage().contains(model.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("changed since the head was trained"), e.getMessage());
    assertTrue(e.getMessage().contains(recorded), e.getMessage());
    Path moved = Files.write(dir.resolve("moved.onnx"), new byte[] {9, 9, 8});
    e = assertThrows(EmbeddingException.class, () -> c.openEmbedder(moved));
    assertTrue(e.getMessage().contains(moved.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("changed since the head was trained"), e.getMessage());
    assertEquals(moved.toAbsolutePath().toString(), c.spec().withFile(moved).settings()
        .get("file"));
    assertEquals(recorded, c.spec().withFile(moved).settings().get("sha256"));
    Files.delete(model);
    e = assertThrows(EmbeddingException.class, c::openEmbedder);
    assertTrue(e.getMessage().contains("cannot be read"), e.getMessage());
  }

  @Test
  void anotherEmbedderIsRefusedAndTheRightOneClassifiesImages() throws Exception {
    Path root = dir.resolve("data");
    PixelEmbedder.writeDataset(root, 3, 6, 5);
    PixelEmbedder pixels = new PixelEmbedder("a");
    EmbeddingCache.Dataset d = EmbeddingCache.none().embed(pixels, ImageFolder.scan(root), null);
    HeadTrainer.Result r = HeadTrainer.builder().learningRate(0.01).build().fit(d.vectors(),
        d.labels());
    ImageClassifier c = ImageClassifier.of(r.head(), d.classNames(), pixels.describe(), null);
    assertNull(c.spec());
    EmbeddingException none = assertThrows(EmbeddingException.class, c::openEmbedder);
    assertTrue(none.getMessage().contains("no way to build its embedder"), none.getMessage());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> c.classify(new PixelEmbedder("b"), List.of(), 1));
    assertTrue(e.getMessage().contains("weights: a != b"), e.getMessage());
    Path bad = Files.writeString(dir.resolve("bad.png"), "not a picture");
    List<ImageClassifier.Classified> out = c.classify(pixels, List.of(
        ImageSource.of(root.resolve("class0001/img0.png")), ImageSource.of(bad)), 2);
    assertEquals("class0001", out.get(0).top().get(0).className());
    assertEquals(2, out.get(0).top().size());
    assertNull(out.get(0).error());
    assertTrue(out.get(1).top().isEmpty());
    assertTrue(out.get(1).error().getMessage().contains("bad.png"), out.get(1).error()
        .getMessage());
  }

  @Test
  void aHeadRebuildsItsEmbedderWithTheOrientationSettingItWasTrainedWith() throws Exception {
    EmbedderSpec spec = EmbedderSpec.zoo("lenet", "random", 7, null, null, true, null);
    for (boolean turned : new boolean[] {true, false}) {
      EmbedderDescription described;
      try (io.github.embeddings4j.core.zoo.ZooEmbedder e = io.github.embeddings4j.core.zoo
          .ZooEmbedder.builder(io.github.embeddings4j.core.zoo.ZooModel.LENET)
          .weights(io.github.embeddings4j.core.zoo.Weights.random(7))
          .decoder(io.github.embeddings4j.core.image.ImageDecoder.builder()
              .applyOrientation(turned).build()).build()) {
        described = e.describe();
      }
      int[] y = new int[30];
      float[][] x = new float[30][described.dimension()];
      java.util.Random random = new java.util.Random(3);
      for (int i = 0; i < x.length; i++) {
        y[i] = i % 3;
        for (int j = 0; j < x[i].length; j++) {
          x[i][j] = (float) random.nextGaussian() + y[i];
        }
      }
      HeadTrainer.Result r = HeadTrainer.builder().maxEpochs(3).build().fit(x, y);
      // A head without the key stands for every head trained before orientations were read.
      ImageClassifier c = ImageClassifier.of(r.head(), List.of("a", "b", "c"), described, spec);
      Path file = dir.resolve("head-" + turned + ".e4j");
      c.save(file);
      try (io.github.embeddings4j.api.Embedder opened = ImageClassifier.load(file)
          .openEmbedder()) {
        assertEquals(turned, opened.describe().extra().containsKey(
            io.github.embeddings4j.core.image.ImageDecoder.ORIENTATION_KEY));
        assertTrue(described.matches(opened.describe()));
      }
    }
  }
}
