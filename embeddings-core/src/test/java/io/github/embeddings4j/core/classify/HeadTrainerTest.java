package io.github.embeddings4j.core.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.train.ClassWeights;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Heads on toy embeddings: what a linear and an MLP head can learn, seeds, search, checks. */
class HeadTrainerTest {

  /** Three well-separated Gaussian clusters in 8 dimensions. */
  static float[][] clusters(int perClass, int[] labelsOut, long seed) {
    Random r = new Random(seed);
    float[][] centres = new float[3][8];
    for (float[] c : centres) {
      for (int j = 0; j < c.length; j++) {
        c[j] = (float) (r.nextGaussian() * 5);
      }
    }
    float[][] x = new float[3 * perClass][];
    for (int i = 0; i < x.length; i++) {
      int label = i % 3;
      labelsOut[i] = label;
      x[i] = new float[8];
      for (int j = 0; j < 8; j++) {
        x[i][j] = centres[label][j] + (float) (r.nextGaussian() * 0.3);
      }
    }
    return x;
  }

  /** Points in the four quadrants; the class is whether x and y have the same sign (XOR). */
  static float[][] xor(int n, int[] labelsOut, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][];
    for (int i = 0; i < n; i++) {
      float a = (float) ((r.nextBoolean() ? 1 : -1) * (0.5 + r.nextDouble()));
      float b = (float) ((r.nextBoolean() ? 1 : -1) * (0.5 + r.nextDouble()));
      x[i] = new float[] {a, b};
      labelsOut[i] = (a > 0) == (b > 0) ? 1 : 0;
    }
    return x;
  }

  @Test
  void linearHeadSeparatesSeparableClassesPerfectly() {
    int[] y = new int[150];
    float[][] x = clusters(50, y, 1);
    HeadTrainer.Result r = HeadTrainer.builder().learningRate(0.01).build().fit(x, y);
    assertEquals(1.0, r.validationAccuracy(), "validation accuracy");
    assertEquals(1.0, r.head().accuracy(x, y), "accuracy on every vector");
    assertEquals(Head.Kind.LINEAR, r.head().kind());
    assertEquals(120, r.trainCount());
    assertEquals(30, r.validationCount());
    int[] fresh = new int[30];
    float[][] unseen = clusters(10, fresh, 1); // same centres, new noise
    assertEquals(1.0, r.head().accuracy(unseen, fresh), "unseen vectors of the same clusters");
    float[] p = r.head().probabilities(x[0]);
    double sum = 0;
    for (float v : p) {
      sum += v;
    }
    assertEquals(1.0, sum, 1e-5, "probabilities sum to 1");
  }

  @Test
  void mlpSolvesXorThatNoLinearHeadCan() {
    int[] y = new int[400];
    float[][] x = xor(400, y, 3);
    HeadTrainer linear = HeadTrainer.builder().learningRate(0.01).maxEpochs(60).build();
    HeadTrainer mlp = linear.toBuilder().head(Head.Kind.MLP).hiddenSize(16).maxEpochs(200)
        .patience(30).build();
    double linearAccuracy = linear.fit(x, y).head().accuracy(x, y);
    HeadTrainer.Result r = mlp.fit(x, y);
    assertTrue(linearAccuracy < 0.75, "a linear head cannot do XOR: " + linearAccuracy);
    assertTrue(r.validationAccuracy() >= 0.98, "MLP validation accuracy "
        + r.validationAccuracy());
    assertTrue(r.head().accuracy(x, y) >= 0.98, "MLP accuracy " + r.head().accuracy(x, y));
    assertEquals(16, r.head().hiddenSize());
  }

  @Test
  void sameSeedGivesTheSameHeadBitForBitAndAnotherSeedAnother() {
    int[] y = new int[200];
    float[][] x = xor(200, y, 5);
    HeadTrainer t = HeadTrainer.builder().head(Head.Kind.MLP).hiddenSize(8).maxEpochs(15)
        .optimizer(HeadTrainer.Optimizer.ADAMW).seed(7).build();
    HeadTrainer.Result a = t.fit(x, y);
    HeadTrainer.Result b = t.fit(x, y);
    assertEquals(a.head(), b.head());
    assertEquals(a.history(), b.history());
    HeadTrainer.Result c = t.toBuilder().seed(8).build().fit(x, y);
    assertNotEquals(a.head(), c.head());
  }

  @Test
  void parallelGradientsGiveTheSameHeadAsOneThread() {
    Random r = new Random(12);
    float[][] x = new float[300][64];
    int[] y = new int[300];
    for (int i = 0; i < x.length; i++) {
      y[i] = i % 5;
      for (int j = 0; j < 64; j++) {
        x[i][j] = (float) r.nextGaussian() + (j % 5 == y[i] ? 1 : 0);
      }
    }
    // 64 vectors x 33,000 parameters per batch: above the threshold, so the slices run in
    // parallel, unless the threshold is raised.
    HeadTrainer t = HeadTrainer.builder().head(Head.Kind.MLP).hiddenSize(500).maxEpochs(3)
        .batchSize(64).build();
    long saved = HeadTrainer.parallelWork;
    Head parallel;
    Head serial;
    try {
      HeadTrainer.parallelWork = 0;
      parallel = t.fit(x, y).head();
      HeadTrainer.parallelWork = Long.MAX_VALUE;
      serial = t.fit(x, y).head();
    } finally {
      HeadTrainer.parallelWork = saved;
    }
    assertEquals(serial, parallel);
  }

  @Test
  void everyOptimizerLearnsTheSeparableSet() {
    int[] y = new int[90];
    float[][] x = clusters(30, y, 11);
    for (HeadTrainer.Optimizer o : HeadTrainer.Optimizer.values()) {
      HeadTrainer.Result r = HeadTrainer.builder().optimizer(o)
          .learningRate(o == HeadTrainer.Optimizer.SGD ? 0.05 : 0.01).build().fit(x, y);
      assertEquals(1.0, r.head().accuracy(x, y), o.label());
    }
    assertEquals(HeadTrainer.Optimizer.ADAMW, HeadTrainer.Optimizer.parse("AdamW"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HeadTrainer.Optimizer.parse("lbfgs"));
    assertTrue(e.getMessage().contains("sgd, adam, adamw"), e.getMessage());
  }

  @Test
  void earlyStoppingKeepsTheBestEpochAndStopsAfterPatience() {
    int[] y = new int[150];
    float[][] x = clusters(50, y, 2);
    HeadTrainer.Result r = HeadTrainer.builder().learningRate(0.05).maxEpochs(500).patience(3)
        .build().fit(x, y);
    assertTrue(r.epochsRun() < 500, "stopped early: " + r.epochsRun());
    assertEquals(r.bestEpoch() + 3, r.epochsRun(), "patience 3 after the best epoch");
    HeadTrainer.Epoch best = r.history().get(r.bestEpoch() - 1);
    for (HeadTrainer.Epoch e : r.history()) {
      assertTrue(e.validationAccuracy() <= best.validationAccuracy(), e + " vs " + best);
    }
  }

  @Test
  void aClassWithOneVectorIsTrainedOnAndListedAsUnvalidated() {
    int[] y0 = new int[60];
    float[][] x0 = clusters(20, y0, 4);
    float[][] x = java.util.Arrays.copyOf(x0, 61);
    int[] y = java.util.Arrays.copyOf(y0, 61);
    x[60] = new float[8];
    java.util.Arrays.fill(x[60], 40f);
    y[60] = 3;
    HeadTrainer.Result r = HeadTrainer.builder().learningRate(0.01).build().fit(x, y);
    assertEquals(List.of(3), r.unvalidatedClasses());
    assertEquals(4, r.head().classCount());
    assertEquals(3, r.head().predict(x[60]), "the lone vector is learnt");
  }

  @Test
  void classesTooSmallToHoldOneOutAreAllListedAndTrainingRunsEveryEpoch() {
    float[][] x = {{0, 1}, {1, 0}, {0, 2}, {2, 0}};
    int[] y = {0, 1, 0, 1};
    HeadTrainer.Result r = HeadTrainer.builder().maxEpochs(4).build().fit(x, y);
    assertEquals(List.of(0, 1), r.unvalidatedClasses());
    assertEquals(0, r.validationCount());
    assertEquals(4, r.epochsRun());
    assertTrue(Double.isNaN(r.validationAccuracy()));
  }

  @Test
  void withoutValidationItTrainsEveryEpochOnEveryVector() {
    int[] y = new int[30];
    float[][] x = clusters(10, y, 6);
    HeadTrainer.Result r = HeadTrainer.builder().validation(0).maxEpochs(7).build().fit(x, y);
    assertEquals(7, r.epochsRun());
    assertEquals(7, r.bestEpoch());
    assertEquals(30, r.trainCount());
    assertTrue(Double.isNaN(r.validationAccuracy()));
  }

  /**
   * Two overlapping Gaussian classes in 4 dimensions, the rare one (label 1) a twentieth of
   * the common one and shifted by one standard deviation along the first axis.
   */
  static float[][] imbalanced(int common, int rare, int[] labelsOut, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[common + rare][];
    for (int i = 0; i < x.length; i++) {
      int label = i < common ? 0 : 1;
      labelsOut[i] = label;
      x[i] = new float[4];
      for (int j = 0; j < 4; j++) {
        x[i][j] = (float) (r.nextGaussian() + (label == 1 && j == 0 ? 1.5 : 0));
      }
    }
    return x;
  }

  @Test
  void balancedWeightsRecoverTheRareClassThatPlainTrainingGivesUp() {
    int[] y = new int[2_100];
    float[][] x = imbalanced(2_000, 100, y, 61);
    int[] testY = new int[2_000];
    float[][] test = imbalanced(1_000, 1_000, testY, 62);   // as many of each, to measure recall
    HeadTrainer.Builder b = HeadTrainer.builder().learningRate(0.01).maxEpochs(60).seed(5);
    HeadTrainer.Result plain = b.build().fit(x, y);
    HeadTrainer.Result balanced = b.classWeights(ClassWeights.BALANCED).build()
        .fit(x, y);
    double[] plainRecall = recalls(plain.head(), test, testY);
    double[] balancedRecall = recalls(balanced.head(), test, testY);
    // Plain cross-entropy all but never predicts the rare class (the prior is 20 to 1); the
    // balanced weights move the boundary halfway between the classes.
    assertTrue(plainRecall[1] < 0.2, "plain recall of the rare class " + plainRecall[1]);
    assertTrue(balancedRecall[1] > 0.6, "balanced recall of the rare class " + balancedRecall[1]);
    double plainBalanced = (plainRecall[0] + plainRecall[1]) / 2;
    double balancedBalanced = (balancedRecall[0] + balancedRecall[1]) / 2;
    assertTrue(balancedBalanced > plainBalanced + 0.15,
        plainBalanced + " -> " + balancedBalanced);
    // The score kept is the balanced accuracy on the validation part, at most 1 and no less
    // than half (two classes).
    assertTrue(balanced.validationAccuracy() > 0.6 && balanced.validationAccuracy() <= 1,
        "balanced accuracy " + balanced.validationAccuracy());
    assertTrue(balanced.trainer().settings().endsWith(" balanced"),
        balanced.trainer().settings());
    assertEquals(ClassWeights.BALANCED, ClassWeights.parse("Balanced"));
    assertThrows(IllegalArgumentException.class, () -> ClassWeights.parse("equal"));
  }

  @Test
  void weightsOfOneForEveryClassGiveThePlainHeadBitForBit() {
    // Balanced weights on balanced classes are all 1: the same head as without weights.
    int[] y = new int[300];
    float[][] x = clusters(100, y, 3);
    HeadTrainer.Builder b = HeadTrainer.builder().maxEpochs(20).validation(0).seed(9);
    Head plain = b.build().fit(x, y).head();
    Head weighted = b.classWeights(ClassWeights.BALANCED).build().fit(x, y).head();
    for (float[] v : x) {
      assertArrayEquals(plain.probabilities(v), weighted.probabilities(v));
    }
  }

  private static double[] recalls(Head head, float[][] x, int[] y) {
    int[] seen = new int[2];
    int[] found = new int[2];
    for (int i = 0; i < x.length; i++) {
      seen[y[i]]++;
      if (head.predict(x[i]) == y[i]) {
        found[y[i]]++;
      }
    }
    return new double[] {(double) found[0] / seen[0], (double) found[1] / seen[1]};
  }

  @Test
  void badInputIsRefusedWithTheValues() {
    HeadTrainer t = HeadTrainer.builder().build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> t.fit(new float[][] {{1, 2}, {3}}, new int[] {0, 1}));
    assertTrue(e.getMessage().contains("vector 1 has 1, vector 0 has 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> t.fit(new float[][] {{1}, {2}}, new int[] {0, 0}));
    assertTrue(e.getMessage().contains("at least 2 classes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> t.fit(new float[][] {{1}, {Float.NaN}}, new int[] {0, 1}));
    assertTrue(e.getMessage().contains("not finite"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> HeadTrainer.builder().validation(1));
    assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
    int[] y = new int[30];
    float[][] x = clusters(10, y, 6);
    Head head = t.fit(x, y).head();
    e = assertThrows(IllegalArgumentException.class, () -> head.predict(new float[3]));
    assertTrue(e.getMessage().contains("3 != 8"), e.getMessage());
  }

  @Test
  void gridSearchTriesEveryCombinationAndKeepsTheBest() {
    int[] y = new int[200];
    float[][] x = xor(200, y, 9);
    HeadTrainer base = HeadTrainer.builder().head(Head.Kind.MLP).maxEpochs(40).patience(10)
        .build();
    HeadSearch s = HeadSearch.grid(base).learningRates(1e-5, 0.02).hiddenSizes(2, 16);
    assertEquals(4, s.configurations().size());
    HeadSearch.Result r = s.run(x, y);
    assertEquals(4, r.trials().size());
    HeadSearch.Trial best = r.best();
    for (HeadSearch.Trial t : r.trials()) {
      assertTrue(t.validationAccuracy() <= best.validationAccuracy());
    }
    assertEquals(0.02, best.trainer().learningRate(), "a rate of 1e-5 learns nothing in 40"
        + " epochs");
    String table = r.toMarkdown();
    assertTrue(table.contains("(best)"), table);
    assertEquals(4 + 2, table.split("\n").length, table);
  }

  @Test
  void randomSearchDrawsASeededSampleWithoutRepetition() {
    HeadTrainer base = HeadTrainer.builder().build();
    HeadSearch s = HeadSearch.random(base, 3, 5).learningRates(1e-3, 1e-2, 1e-1)
        .batchSizes(16, 64).optimizers(HeadTrainer.Optimizer.SGD, HeadTrainer.Optimizer.ADAM);
    List<String> a = s.configurations().stream().map(HeadTrainer::settings).toList();
    List<String> b = HeadSearch.random(base, 3, 5).learningRates(1e-3, 1e-2, 1e-1)
        .batchSizes(16, 64).optimizers(HeadTrainer.Optimizer.SGD, HeadTrainer.Optimizer.ADAM)
        .configurations().stream().map(HeadTrainer::settings).toList();
    assertEquals(a, b);
    assertEquals(3, a.stream().distinct().count());
    assertThrows(IllegalArgumentException.class, () -> HeadSearch.grid(base).hiddenSizes(8));
  }
}
