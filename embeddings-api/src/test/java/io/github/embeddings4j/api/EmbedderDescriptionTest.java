package io.github.embeddings4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbedderDescriptionTest {

  static final EmbedderDescription RESNET = EmbedderDescription.builder("resnet50", 2048)
      .weights("random seed=7").layer("flatten_1").pooling("avg").normalized(true)
      .input("224x224x3", "BGR", "IMAGENET_MEAN").sdkVersion("0.1.0").build();

  @Test
  void differencesNameEachFieldWithBothValues() {
    EmbedderDescription other = EmbedderDescription.builder("resnet50", 2048)
        .weights("random seed=8").layer("flatten_1").pooling("avg").normalized(false)
        .input("224x224x3", "BGR", "IMAGENET_MEAN").sdkVersion("0.2.0")
        .extra("engine", "onnxruntime").build();
    assertEquals(List.of("weights: random seed=7 != random seed=8",
        "normalized: true != false", "extra.engine: (none) != onnxruntime"),
        RESNET.differences(other));
    assertTrue(RESNET.matches(RESNET));
  }

  @Test
  void theSdkVersionAndInformationalExtrasAreNotCompared() {
    EmbedderDescription moved = EmbedderDescription.fromMap(new HashMap<>(RESNET.toMap()))
        .withExtra(EmbedderDescription.INFO_PREFIX + "weights_path", "/elsewhere/model.zip");
    Map<String, String> m = new HashMap<>(moved.toMap());
    m.put("sdk_version", "9.9");
    assertTrue(RESNET.matches(EmbedderDescription.fromMap(m)));
  }

  @Test
  void theMapFormRoundTripsAndIsReadable() {
    EmbedderDescription d = RESNET.withExtra("model_sha256", "ab12");
    assertEquals(d, EmbedderDescription.fromMap(d.toMap()));
    assertEquals("resnet50, random seed=7, layer flatten_1, avg pooling, normalized, input "
        + "224x224x3 BGR IMAGENET_MEAN, dimension 2048, model_sha256=ab12", d.toString());
    assertEquals(List.of("model", "weights", "layer", "pooling", "normalized", "input_size",
        "color_order", "scaling", "dimension", "sdk_version", "extra.model_sha256"),
        List.copyOf(d.toMap().keySet()));
    assertThrows(UnsupportedOperationException.class, () -> d.extra().put("x", "y"));
  }

  @Test
  void aReductionKeepsTheEmbedderSetsTheDimensionAndListsTheStepsInOrder() {
    EmbedderDescription once = RESNET.reducedTo(64, "pca 2048 to 64, model sha256=ab");
    assertEquals(64, once.dimension());
    assertEquals("pca 2048 to 64, model sha256=ab", once.extra().get(EmbedderDescription.REDUCTION));
    EmbedderDescription twice = once.reducedTo(8, "pca 64 to 8");
    assertEquals("pca 2048 to 64, model sha256=ab; pca 64 to 8",
        twice.extra().get(EmbedderDescription.REDUCTION));
    assertEquals(RESNET.weights(), twice.weights());
    // Reduced vectors are not the originals, nor another reduction of them.
    assertEquals(List.of("dimension: 2048 != 64",
        "extra.reduction: (none) != pca 2048 to 64, model sha256=ab"), RESNET.differences(once));
    assertEquals(List.of("extra.reduction: pca 2048 to 64, model sha256=ab != pca 2048 to 64, "
        + "model sha256=cd"), once.differences(RESNET.reducedTo(64,
        "pca 2048 to 64, model sha256=cd")));
    assertEquals(once, EmbedderDescription.fromMap(once.toMap()));
    assertThrows(IllegalArgumentException.class, () -> RESNET.reducedTo(0, "pca"));
    assertThrows(IllegalArgumentException.class, () -> RESNET.reducedTo(8, " "));
  }

  @Test
  void misuseIsRefusedWithTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EmbedderDescription.builder("m", 0).build());
    assertEquals("dimension must be at least 1: 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> EmbedderDescription.fromMap(Map.of("dimension", "x")));
    assertEquals("description has no valid dimension: 'x'", e.getMessage());
  }

  @Test
  void theDefaultDescriptionNamesTheClassAndDimension() {
    Embedder e = new Embedder() {
      @Override
      public int dimension() {
        return 4;
      }

      @Override
      public List<EmbeddingResult> embedBatch(List<? extends ImageSource> images) {
        return List.of();
      }

      @Override
      public void close() {}
    };
    assertEquals(4, e.describe().dimension());
    assertEquals(e.getClass().getName(), e.describe().model());
    assertEquals(EmbedderDescription.UNKNOWN, e.describe().weights());
  }
}
