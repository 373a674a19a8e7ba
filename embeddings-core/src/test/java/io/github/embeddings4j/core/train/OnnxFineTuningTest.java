package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.Preprocessing;
import io.github.embeddings4j.core.onnx.FineTunedOnnx;
import io.github.embeddings4j.core.onnx.OnnxEmbedder;
import io.github.embeddings4j.core.zoo.Weights;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Fine-tuning a CNN read from ONNX (the importer's fixture, exported by PyTorch) on tiny
 * generated folders, and the ONNX file it writes: its two outputs against the trained graph,
 * the record in its metadata, and embedding with it.
 */
class OnnxFineTuningTest {

  private static final Preprocessing SMALL = Preprocessing.imagenet().toBuilder().size(32, 32)
      .resize(32).build();

  @TempDir static Path shared;
  private static ImageFolder.Splits parts;
  private static FineTuneResult result;

  static Path mix() {
    try {
      return Path.of(OnnxFineTuningTest.class.getResource("/onnx/convnet_mix.onnx").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ZooFineTuner.Builder tuner() {
    return ZooFineTuner.builder(mix()).preprocessing(SMALL)
        .hyperparameters(Hyperparameters.builder().epochs(8).batchSize(6).learningRate(1e-2)
            .patience(8).seed(5).build()).backboneLearningRateScale(1);
  }

  @BeforeAll
  static void fineTune() throws Exception {
    ImageFolder all = ImageFolder.scan(PhotoFolders.write(shared.resolve("data"), 40, 4, 12, 12,
        12));
    parts = all.split(0.75, 0.25, 0, 11);
    result = tuner().build().fit(parts.train(), parts.validation());
  }

  @Test
  void learnsTheFoldersClasses() {
    assertNull(result.model());
    assertEquals(parts.train().classNames(), result.classes());
    assertEquals(parts.train().classNames(), result.onnx().classes());
    assertEquals("/Relu_2", result.onnx().featureLayer());
    assertEquals("/Relu_2", result.embeddingLayer());
    assertTrue(result.bestValidationAccuracy() >= 0.9, result.historyTable());
    assertTrue(result.accuracy(parts.validation()) >= 0.9, result.historyTable());
    assertEquals(FineTunedOnnx.PROBABILITIES, "probabilities");
  }

  @Test
  void savesAnOnnxFileWhoseOutputsAreTheTrainedGraphs(@TempDir Path dir) throws Exception {
    Path tuned = dir.resolve("tuned.onnx");
    result.save(tuned);
    INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 3, 32, 32);
    Map<String, INDArray> acts = result.network().feedForward(x, false);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(tuned.toString(), new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.dup('c').data()
            .asFloat()), x.shape());
        OrtSession.Result r = s.run(Map.of("input", t))) {
      assertEquals(java.util.List.of("embedding", "probabilities"),
          new java.util.ArrayList<>(s.getOutputNames()));
      float[][] embedding = (float[][]) r.get("embedding").get().getValue();
      float[][] probabilities = (float[][]) r.get("probabilities").get().getValue();
      INDArray features = acts.get(result.embeddingLayer());
      INDArray head = acts.get(ZooFineTuner.HEAD_LAYER);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(features.getRow(i).toFloatVector(), embedding[i], 1e-4f);
        assertArrayEquals(head.getRow(i).toFloatVector(), probabilities[i], 1e-5f);
        float sum = 0;
        for (float p : probabilities[i]) {
          sum += p;
        }
        assertEquals(1f, sum, 1e-5f);
      }
      String json = s.getMetadata().getCustomMetadata().get(FineTunedOnnx.METADATA_KEY);
      assertEquals(json, FineTunedOnnx.readJson(tuned));
      assertTrue(json.contains("\"classes\": [\"class0\", \"class1\", \"class2\"]"), json);
      assertTrue(json.contains("\"base_model\": \"convnet_mix.onnx\""), json);
      assertTrue(json.contains(OnnxEmbedder.sha256(mix())), json);
    }
    // The preprocessing comes back from the file's metadata, without a sidecar.
    Preprocessing back = OnnxEmbedder.recordedPreprocessing(tuned).orElseThrow();
    assertEquals(32, back.height());
    assertEquals(32, back.resize());
    assertArrayEquals(SMALL.mean(), back.mean());
    assertArrayEquals(SMALL.std(), back.std());
  }

  @Test
  void embedsWithTheSavedFile(@TempDir Path dir) throws Exception {
    Path tuned = dir.resolve("tuned.onnx");
    result.save(tuned);
    Path image = parts.validation().entries().get(0).file();
    float[] v;
    try (OnnxEmbedder e = OnnxEmbedder.builder(tuned).build()) {
      assertEquals(12, e.dimension());
      v = e.embed(ImageSource.of(image));
    }
    float[] pixels = new float[3 * 32 * 32];
    SMALL.write(ImageDecoder.defaults().decode(ImageSource.of(image)), pixels, 0);
    INDArray in = Nd4j.create(pixels, new long[] {1, 3, 32, 32}, 'c');
    INDArray f = result.network().feedForward(in, false).get(result.embeddingLayer());
    float[] expected = f.div(f.norm2Number()).toFloatVector();
    assertArrayEquals(expected, v, 1e-4f);
  }

  @Test
  void labelsImagesWithItsOwnClassifierAndReadsItsRecordBack(@TempDir Path dir)
      throws Exception {
    Path tuned = dir.resolve("tuned.onnx");
    result.save(tuned);
    FineTunedOnnx back = FineTunedOnnx.read(tuned);
    FineTunedOnnx was = result.onnx();
    assertEquals(was.classes(), back.classes());
    assertEquals(was.baseModel(), back.baseModel());
    assertEquals(was.baseSha256(), back.baseSha256());
    assertEquals(was.featureLayer(), back.featureLayer());
    assertEquals(was.training(), back.training());
    assertEquals(was.preprocessing().values(), back.preprocessing().values());
    assertNull(FineTunedOnnx.read(mix()), "a file not fine-tuned here has no record");

    Path image = parts.validation().entries().get(1).file();
    float[] pixels = new float[3 * 32 * 32];
    SMALL.write(ImageDecoder.defaults().decode(ImageSource.of(image)), pixels, 0);
    float[] expected = result.network().outputSingle(Nd4j.create(pixels,
        new long[] {1, 3, 32, 32}, 'c')).toFloatVector();
    try (io.github.embeddings4j.core.classify.FineTunedClassifier c =
        io.github.embeddings4j.core.classify.FineTunedClassifier.open(tuned)) {
      assertEquals(result.classes(), c.classNames());
      float[] p = c.embedder().embed(ImageSource.of(image));
      assertArrayEquals(expected, p, 1e-5f);
      java.util.List<io.github.embeddings4j.core.classify.ImageClassifier.Prediction> top =
          c.topK(p, 5);
      assertEquals(3, top.size());
      assertTrue(top.get(0).probability() >= top.get(1).probability()
          && top.get(1).probability() >= top.get(2).probability(), top.toString());
      int best = 0;
      for (int i = 1; i < expected.length; i++) {
        best = expected[i] > expected[best] ? i : best;
      }
      assertEquals(result.classes().get(best), top.get(0).className());
      assertThrows(IllegalArgumentException.class, () -> c.topK(new float[2], 1));
    }
    IllegalArgumentException plain = assertThrows(IllegalArgumentException.class,
        () -> io.github.embeddings4j.core.classify.FineTunedClassifier.open(mix()));
    assertTrue(plain.getMessage().contains("not a model fine-tuned by embeddings4j"),
        plain.getMessage());
  }

  @Test
  void freezesTheLayersUpToTheNamedOneAndFineTunesItsOwnResultAgain(@TempDir Path dir)
      throws Exception {
    Path tuned = dir.resolve("tuned.onnx");
    result.save(tuned);
    FineTuneResult again = ZooFineTuner.builder(tuned)
        .freezeUpTo("/depthwise/depthwise.2/Clip")
        .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(6).learningRate(3e-3)
            .seed(5).build())
        .build().fit(parts.train(), null);
    // The file's own preprocessing (32 x 32) was used, from its metadata.
    assertEquals(32, again.onnx().preprocessing().height());
    // Frozen: the stem's convolution is the saved one; the later ones moved.
    INDArray before = io.github.embeddings4j.core.onnx.OnnxImport.read(tuned, 32, 32).network()
        .getLayer("/stem/stem.0/Conv").getParam("W");
    assertEquals(before, again.network().getLayer("/stem/stem.0/Conv").getParam("W"));
    INDArray fcBefore = io.github.embeddings4j.core.onnx.OnnxImport.read(tuned, 32, 32)
        .network().getLayer("/fc1/Gemm").getParam("W");
    assertNotEquals(fcBefore, again.network().getLayer("/fc1/Gemm").getParam("W"));
    // A network with frozen layers is written as ONNX like any other, and computes the same.
    assertSavedFileComputesTheGraph(again, dir.resolve("twice.onnx"));
  }

  /** Saves a result and checks that ONNX Runtime's probabilities are the graph's output. */
  private static void assertSavedFileComputesTheGraph(FineTuneResult r, Path file)
      throws Exception {
    assertSavedFileComputesTheGraph(r, file, 32);
  }

  private static void assertSavedFileComputesTheGraph(FineTuneResult r, Path file, int size)
      throws Exception {
    r.save(file);
    INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, size, size);
    INDArray expected = r.network().outputSingle(x);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.dup('c').data()
            .asFloat()), x.shape());
        OrtSession.Result out = s.run(Map.of("input", t))) {
      float[][] p = (float[][]) out.get("probabilities").get().getValue();
      assertArrayEquals(expected.getRow(0).toFloatVector(), p[0], 1e-5f);
      assertArrayEquals(expected.getRow(1).toFloatVector(), p[1], 1e-5f);
    }
  }

  @Test
  void fineTunesSqueezeExcitationBlocksAndWritesThemBack(@TempDir Path dir) throws Exception {
    Path se = Path.of(OnnxFineTuningTest.class.getResource("/onnx/convnet_se.onnx").toURI());
    FineTuneResult r = ZooFineTuner.builder(se).preprocessing(SMALL)
        .hyperparameters(Hyperparameters.builder().epochs(2).batchSize(6).learningRate(1e-2)
            .seed(5).build()).backboneLearningRateScale(1)
        .build().fit(parts.train(), parts.validation());
    INDArray gate = io.github.embeddings4j.core.onnx.OnnxImport.read(se, 32, 32).network()
        .getLayer("/se/expand/Conv").getParam("W");
    assertNotEquals(gate, r.network().getLayer("/se/expand/Conv").getParam("W"));
    assertSavedFileComputesTheGraph(r, dir.resolve("se.onnx"));
  }

  /**
   * ConvNeXt's and ShuffleNetV2's blocks train (the layer norms' scale and shift, the channel
   * shuffles' gradients) and are written back as ONNX that computes the trained graph.
   */
  @Test
  void fineTunesConvNextAndShuffleNetBlocksAndWritesThemBack(@TempDir Path dir)
      throws Exception {
    for (String fixture : new String[] {"convnet_next", "convnet_shuffle"}) {
      Path model = Path.of(OnnxFineTuningTest.class.getResource("/onnx/" + fixture + ".onnx")
          .toURI());
      FineTuneResult r = ZooFineTuner.builder(model).preprocessing(SMALL)
          .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(6).learningRate(1e-2)
              .seed(5).build()).backboneLearningRateScale(1)
          .build().fit(parts.train(), parts.validation());
      String first = fixture.equals("convnet_next") ? "/stem/stem.1/Add_1"
          : "/stem/stem.0/Conv";
      INDArray before = io.github.embeddings4j.core.onnx.OnnxImport.read(model, 32, 32)
          .network().getLayer(first).getParam("W");
      assertNotEquals(before, r.network().getLayer(first).getParam("W"), fixture);
      assertSavedFileComputesTheGraph(r, dir.resolve(fixture + "-tuned.onnx"));
    }
  }

  /**
   * Vision transformers train: torchvision's ViT (attention, class token, position embedding)
   * with its first block frozen, and the timm/CLIP-style one whole; the attention weights and
   * learned tokens move, the frozen ones do not, and the saved files compute the trained graphs.
   */
  @Test
  void fineTunesVisionTransformersAndWritesThemBack(@TempDir Path dir) throws Exception {
    Path mha = Path.of(OnnxFineTuningTest.class.getResource("/onnx/vit_mha.onnx").toURI());
    String frozen = "/encoder/layers/encoder_layer_0/self_attention";
    String trained = "/encoder/layers/encoder_layer_1/self_attention";
    ComputationGraph before = io.github.embeddings4j.core.onnx.OnnxImport.read(mha, 32, 32)
        .network();
    FineTuneResult r = ZooFineTuner.builder(mha).preprocessing(SMALL).freezeUpTo(frozen)
        .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(6).learningRate(1e-2)
            .seed(5).build()).backboneLearningRateScale(1)
        .build().fit(parts.train(), parts.validation());
    assertEquals(before.getLayer(frozen).getParam("Wq"), r.network().getLayer(frozen)
        .getParam("Wq"));
    assertEquals(before.getLayer("/Concat_2").getParam("P"), r.network().getLayer("/Concat_2")
        .getParam("P"), "the class token comes before the frozen block");
    assertNotEquals(before.getLayer(trained).getParam("Wq"), r.network().getLayer(trained)
        .getParam("Wq"));
    assertSavedFileComputesTheGraph(r, dir.resolve("vit-tuned.onnx"));

    Path pooled = Path.of(OnnxFineTuningTest.class.getResource("/onnx/vit_pooled.onnx")
        .toURI());
    FineTuneResult p = ZooFineTuner.builder(pooled).preprocessing(SMALL)
        .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(6).learningRate(1e-2)
            .seed(5).build()).backboneLearningRateScale(1)
        .build().fit(parts.train(), parts.validation());
    INDArray positions = io.github.embeddings4j.core.onnx.OnnxImport.read(pooled, 32, 32)
        .network().getLayer("/Add").getParam("P");
    assertNotEquals(positions, p.network().getLayer("/Add").getParam("P"));
    assertSavedFileComputesTheGraph(p, dir.resolve("pooled-tuned.onnx"));

    // CLIP's image tower: its projection replaced by the head, after the normed class token.
    Path clip = Path.of(OnnxFineTuningTest.class.getResource("/onnx/vit_clip.onnx").toURI());
    FineTuneResult c = ZooFineTuner.builder(clip).preprocessing(SMALL)
        .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(6).learningRate(1e-2)
            .seed(5).build()).backboneLearningRateScale(1)
        .build().fit(parts.train(), parts.validation());
    assertEquals("/post_layernorm/Add_1", c.onnx().featureLayer());
    assertSavedFileComputesTheGraph(c, dir.resolve("clip-tuned.onnx"));

    // At another size than the export's: the position embedding resampled, then trained.
    Preprocessing at48 = SMALL.toBuilder().size(48, 48).resize(48).build();
    FineTuneResult big = ZooFineTuner.builder(mha).preprocessing(at48)
        .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(6).learningRate(1e-2)
            .seed(5).build())
        .build().fit(parts.train(), parts.validation());
    assertEquals(37, big.network().getLayer("/encoder/Add").getParam("P").size(1),
        "a class token and 6 x 6 patches");
    assertSavedFileComputesTheGraph(big, dir.resolve("vit-48.onnx"), 48);
  }

  /**
   * A file that takes channels-last images (tf2onnx's layout for Keras CNNs) fine-tunes at its
   * own size by default; the saved file takes them channels first, and its record says so.
   */
  @Test
  void fineTunesAChannelsLastFileAndSavesItChannelsFirst(@TempDir Path dir) throws Exception {
    Path model = Path.of(OnnxFineTuningTest.class.getResource("/onnx/convnet_nhwc.onnx")
        .toURI());
    ZooFineTuner.Builder b = ZooFineTuner.builder(model)
        .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(6).learningRate(1e-2)
            .seed(5).build());
    Preprocessing given = SMALL.toBuilder().channelsLast(true).build();
    assertEquals(32, ((Preprocessing) b.format()).height(), "the export's own size");
    FineTuneResult r = ZooFineTuner.builder(model).preprocessing(given)
        .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(6).learningRate(1e-2)
            .seed(5).build()).build().fit(parts.train(), parts.validation());
    assertEquals(SMALL, r.onnx().preprocessing());
    assertSavedFileComputesTheGraph(r, dir.resolve("nhwc-tuned.onnx"));
  }

  /**
   * A checkpoint holds the imported graph's own layers (gate, hard sigmoid, channel slices) in
   * DL4J's JSON: a run killed after its first epoch resumes to the weights of an uninterrupted
   * one.
   */
  @Test
  void resumingAfterAKillGivesTheWeightsOfAnUninterruptedRun(@TempDir Path dir)
      throws Exception {
    for (String fixture : new String[] {"convnet_se.onnx", "convnet_mix.onnx",
        "vit_mha.onnx"}) {
      Path model = Path.of(OnnxFineTuningTest.class.getResource("/onnx/" + fixture).toURI());
      java.util.function.Supplier<ZooFineTuner.Builder> tuner = () -> ZooFineTuner
          .builder(model).preprocessing(SMALL).hyperparameters(Hyperparameters.builder()
              .epochs(2).batchSize(6).learningRate(1e-2).seed(5).build());
      FineTuneResult whole = tuner.get().checkpoint(dir.resolve(fixture + ".a")).build()
          .fit(parts.train(), parts.validation());
      Path ckpt = dir.resolve(fixture + ".b");
      assertThrows(ZooFineTuner.Halted.class, () -> tuner.get().checkpoint(ckpt)
          .haltAfterEpoch(1).build().fit(parts.train(), parts.validation()));
      FineTuneResult resumed = tuner.get().checkpoint(ckpt).resume(true).build()
          .fit(parts.train(), parts.validation());
      assertEquals(2, resumed.history().size());
      assertEquals(whole.network().params(), resumed.network().params(), fixture);
    }
  }

  @Test
  void takesTheExportedSizeWhenNothingElseSaysOne() {
    // convnet_mix was exported at a fixed 32 x 32 and has no sidecar: imagenet at 32 x 32,
    // the resize in proportion (256/224 of 32 = 37).
    Preprocessing p = (Preprocessing) ZooFineTuner.builder(mix()).format();
    assertEquals(32, p.height());
    assertEquals(37, p.resize());
    assertArrayEquals(Preprocessing.imagenet().mean(), p.mean());
    Preprocessing q = (Preprocessing) ZooFineTuner.builder(mix()).inputSize(48, 48).format();
    assertEquals(48, q.height());
    assertEquals(55, q.resize());
  }

  @Test
  void searchesHyperparametersOfAnOnnxModel() throws Exception {
    ZooFineTuneSearch.Result found = ZooFineTuneSearch.grid(SearchSpace.builder()
        .learningRates(1e-2, 1e-3).build(), java.util.Arrays.asList(null, "/pool/MaxPool"))
        .run(ZooFineTuner.builder(mix()).preprocessing(SMALL).hyperparameters(
            Hyperparameters.builder().epochs(1).batchSize(6).seed(5).build()),
            parts.train(), parts.validation());
    assertEquals(4, found.trials().size());
    assertEquals("convnet_mix.onnx", found.bestResult().onnx().baseModel());
  }

  @Test
  void refusesSettingsThatDoNotApplyToOnnxModels(@TempDir Path dir) throws IOException {
    assertThrows(IllegalStateException.class,
        () -> ZooFineTuner.builder(mix()).weights(Weights.random(1)));
    assertThrows(IllegalStateException.class,
        () -> ZooFineTuner.builder(io.github.embeddings4j.core.zoo.ZooModel.SQUEEZENET)
            .preprocessing(SMALL));
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> ZooFineTuner.builder(dir.resolve("none.onnx")).build());
    assertTrue(missing.getMessage().contains("none.onnx"), missing.getMessage());
    IllegalArgumentException layer = assertThrows(IllegalArgumentException.class,
        () -> tuner().featureLayer("/nope").build().fit(parts.train(), null));
    assertTrue(layer.getMessage().contains("no layer '/nope' in ")
        && layer.getMessage().contains("convnet_mix.onnx"), layer.getMessage());
    Files.createDirectories(dir);
  }
}
