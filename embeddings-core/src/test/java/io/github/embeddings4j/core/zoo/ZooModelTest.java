package io.github.embeddings4j.core.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.backend.NativeFlavour;
import org.deeplearning4j.nn.api.Model;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The facts in {@link ZooModel} against the graphs the zoo really builds. */
class ZooModelTest {

  @BeforeAll
  static void chooseFlavour() {
    NativeFlavour.select();
  }

  private static void assertFacts(ZooModel model) {
    Model net = (Model) model.dl4j(1, model.inputFormat()).init();
    String layer = model.defaultLayer(false);
    assertTrue(FeatureNet.layerNames(net).contains(layer), model + " has " + layer);
    assertEquals(model.defaultDimension(false),
        FeatureNet.dimension(net, layer, model.inputFormat()), model + " dimension");
    net.close();
  }

  /** The graphs of up to 25 M parameters: quick enough for every build. */
  @ParameterizedTest
  @EnumSource(names = {"RESNET50", "SQUEEZENET", "XCEPTION", "DARKNET19", "LENET", "SIMPLE_CNN"})
  void initLayerAndDimensionMatchTheZooGraph(ZooModel model) {
    assertFacts(model);
  }

  /**
   * VGG16 and VGG19 have 138 M and 144 M parameters (over 0.5 GB each, several seconds to
   * initialise on 2 cores): run with {@code -Dembeddings4j.slowTests=true}.
   */
  @ParameterizedTest
  @EnumSource(names = {"VGG16", "VGG19"})
  @EnabledIfSystemProperty(named = "embeddings4j.slowTests", matches = "true")
  void vggFactsMatchTheZooGraph(ZooModel model) {
    assertFacts(model);
  }

  @Test
  void nasNetCannotBeRandomlyInitialisedAndSaysSo() {
    assertFalse(ZooModel.NASNET_MOBILE.supportsRandomInit());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ZooEmbedder.builder(ZooModel.NASNET_MOBILE).weights(Weights.random(1)).build());
    assertTrue(e.getMessage().contains("use pretrained weights"), e.getMessage());
  }

  @Test
  void weightSetsTheModelLacksAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ZooEmbedder.builder(ZooModel.RESNET50).weights(Weights.pretrained(PretrainedSet.MNIST))
            .build());
    assertEquals("the model zoo has no MNIST weights for RESNET50; it has [IMAGENET]",
        e.getMessage());
  }

  /** One full-size forward pass of each default-suite large model, random weights. */
  @ParameterizedTest
  @EnumSource(names = {"RESNET50", "SQUEEZENET"})
  void fullSizeEmbeddingsAreFiniteUnitVectors(ZooModel model) throws EmbeddingException {
    try (ZooEmbedder e = ZooEmbedder.builder(model).weights(Weights.random(2)).build()) {
      assertEquals(model.inputFormat(), e.inputFormat());
      float[] v = e.embed(TestImages.source(300, 250, 9));
      assertEquals(model.defaultDimension(false), v.length);
      double norm = 0;
      for (float x : v) {
        assertTrue(Float.isFinite(x));
        norm += x * x;
      }
      assertEquals(1.0, norm, 1e-4);
    }
  }
}
