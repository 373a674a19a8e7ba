package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

class ClassWeightsTest {

  @Test
  void balancedWeightsMakeEveryClassWeighTheSameInTotal() {
    int[] counts = {2000, 60, 0, 340};
    double[] w = ClassWeights.BALANCED.weights(counts);
    // n / (C n_c) over the 3 classes present; an absent class weighs nothing.
    assertArrayEquals(new double[] {2400.0 / 6000, 2400.0 / 180, 0, 2400.0 / 1020}, w, 1e-12);
    for (int c : new int[] {0, 1, 3}) {
      assertEquals(800.0, w[c] * counts[c], 1e-9, "class " + c + " in total");
    }
    assertArrayEquals(new double[] {1, 1, 1, 1}, ClassWeights.NONE.weights(counts));
    assertArrayEquals(new double[] {1, 1, 1}, ClassWeights.BALANCED.weights(new int[] {5, 5, 5}));
    assertThrows(IllegalArgumentException.class, () -> ClassWeights.BALANCED.weights(
        new int[] {0, 0}));
    assertThrows(IllegalArgumentException.class, () -> ClassWeights.NONE.weights(
        new int[] {3, -1}));
  }

  @Test
  void scoresAreTheAccuracyOrTheMeanRecall() {
    int[] right = {90, 1, 0};
    int[] total = {100, 10, 0};
    assertEquals(91.0 / 110, ClassWeights.NONE.score(right, total), 1e-12);
    assertEquals((0.9 + 0.1) / 2, ClassWeights.BALANCED.score(right, total), 1e-12);
    assertTrue(Double.isNaN(ClassWeights.BALANCED.score(new int[2], new int[2])));
    assertThrows(IllegalArgumentException.class,
        () -> ClassWeights.NONE.score(new int[] {3}, new int[] {2}));
    assertThrows(IllegalArgumentException.class,
        () -> ClassWeights.NONE.score(new int[] {1}, new int[] {2, 2}));
  }

  @Test
  void namesParseInAnyCaseAndUnknownOnesListTheValidOnes() {
    assertEquals(ClassWeights.BALANCED, ClassWeights.parse(" Balanced"));
    assertEquals(ClassWeights.NONE, ClassWeights.parse("NONE"));
    for (ClassWeights w : ClassWeights.values()) {
      assertEquals(w, ClassWeights.parse(w.label()));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClassWeights.parse("inverse"));
    assertTrue(e.getMessage().contains("'inverse'") && e.getMessage().contains("balanced"),
        e.getMessage());
  }

  @Test
  void tablesNameTheScoreTheEpochsWereComparedBy() {
    assertEquals("validation accuracy", ClassWeights.NONE.scoreName());
    assertEquals("validation balanced accuracy", ClassWeights.BALANCED.scoreName());
    HyperparameterSearch.SearchResult r = new HyperparameterSearch.SearchResult(List.of(
        new HyperparameterSearch.Trial(Hyperparameters.builder()
            .classWeights(ClassWeights.BALANCED).build(), 0.5, 1, 1, 0)));
    assertTrue(r.toMarkdown().contains("| validation balanced accuracy |"), r.toMarkdown());
  }

  @Test
  void theLossIsPlainWhenEveryWeightIsOne() {
    ILossFunction plain = ClassWeights.crossEntropy(new double[] {1, 1, 1});
    assertNull(((LossMCXENT) plain).getWeights());
    ILossFunction weighted = ClassWeights.crossEntropy(new double[] {0.5, 2, 1});
    assertArrayEquals(new float[] {0.5f, 2, 1},
        ((LossMCXENT) weighted).getWeights().toFloatVector());
  }
}
