package io.github.embeddings4j.core.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.classify.KnnClassifier.Vote;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.search.BinaryIndex;
import io.github.embeddings4j.core.search.FlatIndex;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The voting rules on hand-made neighbours, and a small real classification. */
class KnnClassifierTest {

  private static final int[] LABELS = {0, 1, 1, 2, 2, 0, 3};

  private static KnnClassifier<float[]> classifier(Vote vote) {
    FlatIndex index = FlatIndex.builder(1).build();
    index.add(0L, new float[] {0});
    return KnnClassifier.on(index, id -> LABELS[(int) id], 3, vote);
  }

  @Test
  void majorityCountsNeighboursAndBreaksTiesBySmallerLabel() {
    KnnClassifier<float[]> c = classifier(Vote.MAJORITY);
    // ids 1, 2 are class 1; id 3 class 2.
    assertEquals(1, c.decide(List.of(new Neighbor(3, 0.1), new Neighbor(1, 0.5),
        new Neighbor(2, 0.9))));
    // one vote each for classes 2, 1 and 3: the smallest label wins.
    assertEquals(1, c.decide(List.of(new Neighbor(3, 0.1), new Neighbor(1, 0.2),
        new Neighbor(6, 0.3))));
  }

  @Test
  void distanceVotesWeighOneOverDistance() {
    KnnClassifier<float[]> c = classifier(Vote.DISTANCE);
    // class 2 at 0.1 (weight 10) beats class 1 at 0.5 and 0.9 (2 + 1.11).
    assertEquals(2, c.decide(List.of(new Neighbor(3, 0.1), new Neighbor(1, 0.5),
        new Neighbor(2, 0.9))));
    // class 1 at 0.2 and 0.2 (10) beats class 2 at 0.125 (8).
    assertEquals(1, c.decide(List.of(new Neighbor(3, 0.125), new Neighbor(1, 0.2),
        new Neighbor(2, 0.2))));
    // equal weights (4 and 2 + 2): the smaller label, 1, wins.
    assertEquals(1, c.decide(List.of(new Neighbor(1, 0.5), new Neighbor(2, 0.5),
        new Neighbor(3, 0.25))));
  }

  @Test
  void exactMatchesDecideAloneUnderDistanceVotes() {
    KnnClassifier<float[]> c = classifier(Vote.DISTANCE);
    // one exact match of class 3 outvotes two very close class-1 neighbours.
    assertEquals(3, c.decide(List.of(new Neighbor(6, 0.0), new Neighbor(1, 1e-9),
        new Neighbor(2, 1e-9))));
    // two exact matches of different classes tie: the smaller label.
    assertEquals(0, c.decide(List.of(new Neighbor(6, 0.0), new Neighbor(5, 0.0),
        new Neighbor(3, 1e-9))));
  }

  @Test
  void nanNeighboursDoNotVoteUnlessNothingElseCan() {
    KnnClassifier<float[]> c = classifier(Vote.DISTANCE);
    assertEquals(2, c.decide(List.of(new Neighbor(3, 4.0), new Neighbor(1, Double.NaN),
        new Neighbor(2, Double.NaN))));
    assertEquals(1, c.decide(List.of(new Neighbor(1, Double.NaN), new Neighbor(2, Double.NaN),
        new Neighbor(3, Double.NaN))));
  }

  @Test
  void badSettingsAreRefused() {
    FlatIndex dot = FlatIndex.builder(2).metric(StandardMetric.DOT_PRODUCT).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KnnClassifier.on(dot, id -> 0, 3, Vote.DISTANCE));
    assertTrue(e.getMessage().contains("metric 'dot'"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> KnnClassifier.on(dot, id -> 0, 0, Vote.MAJORITY));
    IllegalArgumentException counts = assertThrows(IllegalArgumentException.class,
        () -> KnnClassifier.fit(new float[2][1], new int[3], StandardMetric.EUCLIDEAN, 1,
            Vote.MAJORITY));
    assertEquals("vectors and labels differ in number: 2 != 3", counts.getMessage());
    assertThrows(IllegalStateException.class,
        () -> KnnClassifier.on(FlatIndex.builder(1).build(), id -> 0, 1, Vote.MAJORITY)
            .predict(new float[1]));
  }

  @Test
  void worksOnBinaryCodes() {
    BinaryIndex index = BinaryIndex.builder(1).build();
    index.add(0L, new long[] {0b0000});
    index.add(1L, new long[] {0b0001});
    index.add(2L, new long[] {0b1111});
    int[] labels = {4, 4, 9};
    KnnClassifier<long[]> c = KnnClassifier.on(index, id -> labels[(int) id], 1, Vote.MAJORITY);
    assertArrayEquals(new int[] {4, 9}, c.predictAll(new long[][] {{0b0011}, {0b1110}}));
  }

  @Test
  void classifiesFashionMnistWellAboveChance() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(FashionMnist.defaultDirectory()),
        "Fashion-MNIST not installed");
    FashionMnist.Split data = FashionMnist.load(FashionMnist.defaultDirectory());
    LabeledImages train = data.train().head(2000);
    LabeledImages test = data.test().head(300);
    float[][] x = new float[train.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = train.vector(i);
    }
    float[][] q = new float[test.size()][];
    for (int i = 0; i < q.length; i++) {
      q[i] = test.vector(i);
    }
    KnnClassifier<float[]> knn = KnnClassifier.fit(x, train.labels(), StandardMetric.MANHATTAN,
        5, Vote.DISTANCE);
    int[] predicted = knn.predictAll(q);
    int correct = 0;
    for (int i = 0; i < q.length; i++) {
      if (predicted[i] == test.label(i)) {
        correct++;
      }
      if (i < 20) {
        assertEquals(predicted[i], knn.predict(q[i]), "query " + i);
      }
    }
    // Chance is 0.10; 5-NN on raw pixels of 2,000 training images is far above it.
    double accuracy = correct / (double) q.length;
    assertTrue(accuracy > 0.70, "accuracy " + accuracy);
  }
}
