package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one early-stopping rule the trainers share. */
class EarlyStoppingTest {

  /** Offers the scores in turn, stopping as a trainer does; returns the epochs that were best. */
  private static List<Integer> run(EarlyStopping stopping, double[] accuracy, double[] loss) {
    List<Integer> best = new ArrayList<>();
    for (int e = 1; e <= accuracy.length; e++) {
      if (stopping.offer(e, accuracy[e - 1], loss == null ? Double.NaN : loss[e - 1])) {
        best.add(e);
      } else if (stopping.exhausted()) {
        break;
      }
    }
    return best;
  }

  @Test
  void onAccuracyStopsAfterPatienceEpochsWithoutAHigherAccuracy() {
    EarlyStopping s = EarlyStopping.onAccuracy(2);
    // Epoch 3 ties the best: not better. Epochs 3 and 4 without a gain stop the run at 4.
    assertEquals(List.of(1, 2), run(s, new double[] {0.5, 0.7, 0.7, 0.6, 0.9}, null));
    assertTrue(s.exhausted());
    assertEquals(2, s.bestEpoch());
    assertEquals(0.7, s.bestAccuracy());
    assertEquals(2, s.epochsSinceBest());
  }

  @Test
  void aBetterEpochResetsTheCount() {
    EarlyStopping s = EarlyStopping.onAccuracy(2);
    assertEquals(List.of(1, 3, 5), run(s, new double[] {0.5, 0.4, 0.6, 0.6, 0.8}, null));
    assertFalse(s.exhausted());
    assertEquals(0, s.epochsSinceBest());
  }

  @Test
  void onAccuracyThenLossBreaksTiesByALossGainOfAtLeastTheMinimum() {
    EarlyStopping s = EarlyStopping.onAccuracyThenLoss(2, 0.01);
    double[] accuracy = {1.0, 1.0, 1.0, 1.0, 1.0};
    double[] loss = {0.50, 0.40, 0.395, 0.392, 0.10};
    // Epoch 2 gains 0.1: better. Epochs 3 and 4 gain less than 0.01 over 0.40: the run stops.
    assertEquals(List.of(1, 2), run(s, accuracy, loss));
    assertEquals(2, s.bestEpoch());
    // A higher accuracy wins whatever its loss.
    EarlyStopping t = EarlyStopping.onAccuracyThenLoss(3, 0.01);
    assertEquals(List.of(1, 2), run(t, new double[] {0.5, 0.6}, new double[] {0.1, 9.0}));
  }

  @Test
  void withoutValidationEveryEpochIsTheBestAndNothingStops() {
    EarlyStopping s = EarlyStopping.onAccuracy(1);
    double[] none = {Double.NaN, Double.NaN, Double.NaN};
    assertEquals(List.of(1, 2, 3), run(s, none, null));
    assertFalse(s.exhausted());
    assertEquals(3, s.bestEpoch());
    assertTrue(Double.isNaN(s.bestAccuracy()));
  }

  @Test
  void aResumedRuleGoesOnWhereTheCheckpointLeftIt() {
    EarlyStopping s = EarlyStopping.resumeOnAccuracy(3, 4, 0.8, 2);
    assertFalse(s.exhausted());
    assertFalse(s.offer(7, 0.8, Double.NaN));
    assertTrue(s.exhausted());
    assertEquals(4, s.bestEpoch());
  }

  @Test
  void badSettingsAreRefusedNamingTheValue() {
    assertEquals("patience must be >= 1 epoch: 0", assertThrows(
        IllegalArgumentException.class, () -> EarlyStopping.onAccuracy(0)).getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> EarlyStopping.onAccuracyThenLoss(1, -0.1));
    assertThrows(IllegalArgumentException.class,
        () -> EarlyStopping.onAccuracyThenLoss(1, Double.NaN));
  }
}
