package io.github.embeddings4j.core.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.image.InputFormat;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.common.resources.ResourceType;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsTest {

  private static final ImageSource IMAGE = TestImages.source(40, 40, 11);

  private static float[] embed(ZooEmbedder.Builder b) throws EmbeddingException {
    try (ZooEmbedder e = b.build()) {
      return e.embed(IMAGE);
    }
  }

  private static ZooEmbedder.Builder simple(Weights w) {
    return ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(w).inputSize(32, 32);
  }

  @Test
  void randomWeightsAreReproducibleFromTheSeed() throws EmbeddingException {
    float[] a = embed(simple(Weights.random(5)));
    assertArrayEquals(a, embed(simple(Weights.random(5))));
    assertFalse(Arrays.equals(a, embed(simple(Weights.random(6)))));
  }

  @Test
  void aSavedLayerStackLoadsBackToTheSameEmbeddings(@TempDir Path dir) throws Exception {
    InputFormat small = ZooModel.SIMPLE_CNN.inputFormat().withSize(32, 32);
    Model net = (Model) ZooModel.SIMPLE_CNN.dl4j(5, small).init();
    File file = dir.resolve("simplecnn.zip").toFile();
    ModelSerializer.writeModel(net, file, false);
    float[] fromFile = embed(simple(Weights.file(file.toPath())).layer("layer29"));
    assertArrayEquals(embed(simple(Weights.random(5))), fromFile, 1e-6f);
  }

  @Test
  void aSavedGraphLoadsBackToTheSameEmbeddings(@TempDir Path dir) throws Exception {
    InputFormat small = ZooModel.SQUEEZENET.inputFormat().withSize(64, 64);
    // the graph Weights.random builds: the zoo's, repaired (RandomInit)
    Model net = RandomInit.repair((Model) ZooModel.SQUEEZENET.dl4j(8, small).init());
    Path file = dir.resolve("squeezenet.zip");
    ModelSerializer.writeModel(net, file.toFile(), false);
    ZooEmbedder.Builder fromFile = ZooEmbedder.builder(ZooModel.SQUEEZENET)
        .weights(Weights.file(file)).inputSize(64, 64);
    ZooEmbedder.Builder random = ZooEmbedder.builder(ZooModel.SQUEEZENET)
        .weights(Weights.random(8)).inputSize(64, 64);
    assertArrayEquals(embed(random), embed(fromFile.layer("fire9")), 1e-6f);
    // Without a layer, a loaded graph without the Keras names falls back to its last
    // convolutional output.
    try (ZooEmbedder e = ZooEmbedder.builder(ZooModel.SQUEEZENET).weights(Weights.file(file))
        .inputSize(64, 64).build()) {
      assertEquals("conv10_act", e.layer());
      assertEquals(1000, e.dimension());
    }
  }

  @Test
  void aFileThatIsNoModelIsRefusedByName(@TempDir Path dir) throws Exception {
    Path text = Files.writeString(dir.resolve("model.zip"), "not a zip");
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> simple(Weights.file(text)).build());
    assertTrue(e.getMessage().startsWith(text + ": not a model file"), e.getMessage());
    Path missing = dir.resolve("missing.zip");
    e = assertThrows(EmbeddingException.class, () -> simple(Weights.file(missing)).build());
    assertEquals(missing + ": no such model file", e.getMessage());
  }

  @Test
  void kerasFilesAreRecognisedByTheirHdf5Signature(@TempDir Path dir) throws Exception {
    Path h5 = dir.resolve("model.bin");
    Files.write(h5, new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 0, 0});
    assertTrue(ModelLoader.isHdf5(h5));
    assertTrue(ModelLoader.isHdf5(Files.writeString(dir.resolve("x.h5"), "")));
    assertFalse(ModelLoader.isHdf5(Files.writeString(dir.resolve("x.zip"), "PK")));
    // A damaged HDF5 file fails through Keras import with the file named.
    EmbeddingException e = assertThrows(EmbeddingException.class, () -> ModelLoader.loadFile(h5));
    assertTrue(e.getMessage().startsWith(h5 + ": cannot load model"), e.getMessage());
  }

  /**
   * A Keras 2 file (written by {@code src/test/resources/keras/make_keras_h5.py} with h5py, the
   * layout Keras 2.2 saves: channels-last convolution, global average pooling, dense softmax)
   * imports through the local-file path, and its embeddings equal the same network computed here
   * in plain Java from the formulas that generated its weights.
   */
  @Test
  void aKerasFileImportsAndEmbedsAsKerasWould() throws Exception {
    Path h5 = Path.of(WeightsTest.class.getResource("/keras/tiny-cnn.h5").toURI());
    java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(8, 8,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        image.setRGB(x, y, (x * 30) << 16 | (y * 30) << 8 | ((x * y * 4) & 255));
      }
    }
    float[] pooled;
    float[] probabilities;
    try (ZooEmbedder e = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.file(h5))
        .inputSize(8, 8).layer("pool").normalize(false).build()) {
      assertEquals(4, e.dimension());
      pooled = e.embed(ImageSource.of(image, "gradient"));
    }
    try (ZooEmbedder e = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.file(h5))
        .inputSize(8, 8).layer("dense").normalize(false).build()) {
      probabilities = e.embed(ImageSource.of(image, "gradient"));
    }
    // Keras' computation: x[h][w][c] = RGB / 255 (SimpleCNN's input format), valid 3x3 conv,
    // ReLU, mean over the 6x6 positions, then softmax(pooled . kernel + bias).
    double[] expected = new double[4];
    for (int f = 0; f < 4; f++) {
      for (int oy = 0; oy < 6; oy++) {
        for (int ox = 0; ox < 6; ox++) {
          double sum = 0.05 * (f - 1.5);
          for (int ky = 0; ky < 3; ky++) {
            for (int kx = 0; kx < 3; kx++) {
              int rgb = image.getRGB(ox + kx, oy + ky);
              double[] px = {(rgb >> 16 & 255) / 255.0, (rgb >> 8 & 255) / 255.0,
                  (rgb & 255) / 255.0};
              for (int c = 0; c < 3; c++) {
                sum += px[c] * 0.5 * Math.sin(1 + ((ky * 3 + kx) * 3 + c) * 4 + f);
              }
            }
          }
          expected[f] += Math.max(0, sum) / 36;
        }
      }
    }
    for (int f = 0; f < 4; f++) {
      assertEquals(expected[f], pooled[f], 1e-5, "pooled[" + f + "]");
    }
    // The convolution's own channels-last activations, average-pooled by the embedder, give the
    // same vector as Keras' pooling layer.
    try (ZooEmbedder e = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.file(h5))
        .inputSize(8, 8).layer("conv").normalize(false).build()) {
      assertEquals(4, e.dimension());
      assertArrayEquals(pooled, e.embed(ImageSource.of(image, "gradient")), 1e-6f);
    }
    double[] logits = new double[5];
    double norm = 0;
    for (int k = 0; k < 5; k++) {
      logits[k] = 0.01 * k;
      for (int j = 0; j < 4; j++) {
        logits[k] += expected[j] * 0.3 * Math.cos(1 + j * 5 + k);
      }
      norm += Math.exp(logits[k]);
    }
    for (int k = 0; k < 5; k++) {
      assertEquals(Math.exp(logits[k]) / norm, probabilities[k], 1e-5, "softmax[" + k + "]");
    }
  }

  @Test
  void theCacheLayoutIsTheZoos() {
    Path base = DL4JResources.getBaseDirectory().toPath();
    PretrainedFile f = PretrainedFile.of(ZooModel.RESNET50.dl4j(0, ZooModel.RESNET50.inputFormat()),
        PretrainedSet.IMAGENET, base);
    assertEquals(DL4JResources.getDirectory(ResourceType.ZOO_MODEL, "resnet50").toPath()
        .resolve("resnet50_dl4j_inference.v3.zip"), f.file());
    assertEquals(3914447815L, f.checksum());
    assertTrue(f.url().endsWith("/models/resnet50_dl4j_inference.v3.zip"), f.url());
  }

  @Test
  void offlineImageNetFailsFastSayingWhatToPlaceWhere(@TempDir Path cache) {
    String base = DL4JResources.getBaseDownloadURL();
    // A port nothing listens on: the refusal is immediate, on any machine, network or not.
    DL4JResources.setBaseDownloadURL("http://127.0.0.1:9/");
    try {
      EmbeddingException e = assertThrows(EmbeddingException.class,
          () -> ZooEmbedder.builder(ZooModel.SQUEEZENET).weights(Weights.imagenet())
              .cacheDirectory(cache).downloadTimeout(Duration.ofSeconds(2)).build());
      Path expected = cache.resolve("models/squeezenet/squeezenet_dl4j_inference.v2.zip");
      assertTrue(e.getMessage().contains("place it at " + expected
          + " (Adler-32 checksum 3711411239)"), e.getMessage());
      assertTrue(e.getMessage().contains("http://127.0.0.1:9/models/squeezenet_dl4j_inference"
          + ".v2.zip"), e.getMessage());
      assertFalse(Files.exists(expected));
    } finally {
      DL4JResources.setBaseDownloadURL(base);
    }
  }

  @Test
  void aPlacedFileWithTheWrongChecksumIsRefusedAndKept(@TempDir Path cache) throws Exception {
    Path placed = cache.resolve("models/squeezenet/squeezenet_dl4j_inference.v2.zip");
    Files.createDirectories(placed.getParent());
    Model net = (Model) ZooModel.SQUEEZENET.dl4j(1, ZooModel.SQUEEZENET.inputFormat()).init();
    ModelSerializer.writeModel(net, placed.toFile(), false);
    long actual = PretrainedFile.adler32(placed);
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> ZooEmbedder.builder(ZooModel.SQUEEZENET).weights(Weights.imagenet())
            .cacheDirectory(cache).build());
    assertEquals(placed + ": weights file has Adler-32 checksum " + actual
        + ", expected 3711411239; replace it with "
        + DL4JResources.getURLString("models/squeezenet_dl4j_inference.v2.zip"), e.getMessage());
    assertTrue(Files.exists(placed), "a file the user placed is not deleted");
  }

  @Test
  void aPlacedFileWithTheRightChecksumIsUsedWithoutNetwork(@TempDir Path cache) throws Exception {
    // The zoo's real files cannot be had here, so the checksum expected is the placed file's.
    Path placed = cache.resolve("models/simplecnn/simplecnn.zip");
    Files.createDirectories(placed.getParent());
    InputFormat small = ZooModel.SIMPLE_CNN.inputFormat().withSize(32, 32);
    ModelSerializer.writeModel((Model) ZooModel.SIMPLE_CNN.dl4j(5, small).init(), placed.toFile(),
        false);
    PretrainedFile file = new PretrainedFile("simplecnn", "http://127.0.0.1:9/simplecnn.zip",
        PretrainedFile.adler32(placed), placed);
    assertEquals(placed, file.ensure(Duration.ofSeconds(1)));
    try (ZooEmbedder e = simple(Weights.file(file.ensure(Duration.ofSeconds(1))))
        .layer("layer29").build()) {
      assertArrayEquals(embed(simple(Weights.random(5))), e.embed(IMAGE), 1e-6f);
    }
  }
}
