package io.github.embeddings4j.core.onnx;

import static io.github.embeddings4j.core.onnx.OnnxEmbedderTest.assertClose;
import static io.github.embeddings4j.core.onnx.OnnxEmbedderTest.expected;
import static io.github.embeddings4j.core.onnx.OnnxEmbedderTest.fixture;
import static io.github.embeddings4j.core.onnx.OnnxEmbedderTest.flat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.classify.EmbedderSpec;
import io.github.embeddings4j.core.embed.Pooling;
import io.github.embeddings4j.core.io.Checksums;
import io.github.embeddings4j.core.io.Npy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models that keep their weights in external data files, as every ONNX model over 2 GB does:
 * {@code mobile_se_ext.onnx} is {@code mobile_se.onnx} re-saved by {@code onnx.save_model} with
 * all weights in {@code mobile_se_ext.onnx.data} (scripts/onnx/derive_fixtures.py).
 */
class OnnxExternalDataTest {

  private static final String DATA = "mobile_se_ext.onnx.data";

  private static float[] input() throws Exception {
    return flat(Npy.readRows(fixture("mobile_se.input.npy")));
  }

  /** The fixture's two files copied into a folder of the test's own. */
  private static Path copy(Path dir) throws Exception {
    Path model = dir.resolve("mobile_se_ext.onnx");
    Files.copy(fixture("mobile_se_ext.onnx"), model);
    Files.copy(fixture(DATA), dir.resolve(DATA));
    return model;
  }

  @Test
  void theFileNamesItsDataAndHoldsTheSameGraph() throws Exception {
    OnnxModelInfo ext = OnnxModelInfo.parse(Files.readAllBytes(fixture("mobile_se_ext.onnx")));
    OnnxModelInfo inline = OnnxModelInfo.parse(Files.readAllBytes(fixture("mobile_se.onnx")));
    assertEquals(List.of(DATA), ext.externalData());
    assertEquals(List.of(), inline.externalData());
    assertEquals(inline.parameters(), ext.parameters());
    assertEquals(inline.tensors(), ext.tensors());
    assertEquals(inline.inputs().toString(), ext.inputs().toString());
  }

  @Test
  void aModelWithExternalDataGivesTheVectorsOfTheSameModelInOneFile() throws Exception {
    try (OnnxEmbedder ext = OnnxEmbedder.builder(fixture("mobile_se_ext.onnx")).build();
        OnnxEmbedder inline = OnnxEmbedder.builder(fixture("mobile_se.onnx")).build()) {
      float[][] a = ext.embedTensors(input(), 3);
      float[][] b = inline.embedTensors(input(), 3);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(b[i], a[i], "row " + i);
      }
      assertClose(expected("mobile_se.output.npy", 3, new int[] {48}, Pooling.AVG), a,
          "mobile_se_ext against PyTorch");
    }
  }

  @Test
  void anInnerTensorOfAnExternalDataModelCanBeEmbedded() throws Exception {
    List<String> tensors = OnnxModelInfo.parse(Files.readAllBytes(fixture("mobile_se.onnx")))
        .tensors();
    String inner = tensors.get(tensors.size() / 2);
    try (OnnxEmbedder ext = OnnxEmbedder.builder(fixture("mobile_se_ext.onnx")).output(inner)
        .build();
        OnnxEmbedder inline = OnnxEmbedder.builder(fixture("mobile_se.onnx")).output(inner)
            .build()) {
      assertEquals(inline.dimension(), ext.dimension());
      float[][] a = ext.embedTensors(input(), 3);
      float[][] b = inline.embedTensors(input(), 3);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(b[i], a[i], inner + " row " + i);
      }
    }
  }

  @Test
  void theDigestCoversTheDataFileAndAHeadNoticesItChanged(@TempDir Path dir) throws Exception {
    Path model = copy(dir);
    String digest = OnnxEmbedder.sha256(model);
    assertNotEquals(Checksums.sha256(model), digest, "the data file counts");
    try (OnnxEmbedder e = OnnxEmbedder.builder(model).build()) {
      assertEquals(digest, e.sha256());
      assertTrue(e.describe().model().contains(digest), e.describe().model());
    }
    // A model in one file keeps the digest of its bytes, as before.
    assertEquals(Checksums.sha256(fixture("mobile_se.onnx")),
        OnnxEmbedder.sha256(fixture("mobile_se.onnx")));

    EmbedderSpec spec = EmbedderSpec.onnx(model, null, null, null, true);
    spec.verify();
    byte[] data = Files.readAllBytes(dir.resolve(DATA));
    data[data.length / 2] ^= 1;
    Files.write(dir.resolve(DATA), data);
    assertNotEquals(digest, OnnxEmbedder.sha256(model));
    EmbeddingException changed = assertThrows(EmbeddingException.class, spec::verify);
    assertTrue(changed.getMessage().contains("changed"), changed.getMessage());
  }

  @Test
  void aMissingDataFileIsNamedBeforeOnnxRuntimeStarts(@TempDir Path dir) throws Exception {
    Path model = copy(dir);
    Files.delete(dir.resolve(DATA));
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> OnnxEmbedder.builder(model).build());
    String m = e.getMessage();
    assertTrue(m.startsWith(model.toString()), m);
    assertTrue(m.contains(dir.resolve(DATA).toString()) && m.contains("missing")
        && m.contains("beside the model"), m);
    java.io.IOException io = assertThrows(java.io.IOException.class,
        () -> OnnxEmbedder.sha256(model));
    assertTrue(io.getMessage().contains("missing"), io.getMessage());
  }

  @Test
  void aLocationOutsideTheModelsFolderIsRefused(@TempDir Path dir) throws Exception {
    // The same bytes with the location "../obile_se_ext.onnx.data" (same length), and that file
    // present one folder up: refused for where it is, not for being absent.
    byte[] bytes = Files.readAllBytes(fixture("mobile_se_ext.onnx"));
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    assertTrue(text.contains(DATA));
    byte[] moved = text.replace(DATA, "../" + DATA.substring(3))
        .getBytes(StandardCharsets.ISO_8859_1);
    Path models = Files.createDirectory(dir.resolve("models"));
    Path model = models.resolve("m.onnx");
    Files.write(model, moved);
    Files.copy(fixture(DATA), dir.resolve(DATA.substring(3)));
    assertEquals(List.of("../" + DATA.substring(3)), OnnxModelInfo.parse(moved).externalData());
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> OnnxEmbedder.builder(model).build());
    assertTrue(e.getMessage().contains("points outside the model's folder"), e.getMessage());
  }

  @Test
  void aModelInMemoryWithExternalDataSaysHowToLoadIt() throws Exception {
    byte[] bytes = Files.readAllBytes(fixture("mobile_se_ext.onnx"));
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> OnnxEmbedder.builder(bytes, "big-model").build());
    assertTrue(e.getMessage().startsWith("big-model"), e.getMessage());
    assertTrue(e.getMessage().contains(DATA) && e.getMessage().contains(
        "OnnxEmbedder.builder(Path)"), e.getMessage());
  }
}
