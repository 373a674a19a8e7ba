package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import java.io.IOException;
import java.nio.file.Files;

/** Small, fixed subsets of Fashion-MNIST, loaded once; tests skip when it is not installed. */
final class TestData {

  private static FashionMnist.Split data;
  private static TrainingResult trained;

  private TestData() {}

  static synchronized FashionMnist.Split fashionMnist() throws IOException {
    assumeTrue(Files.isDirectory(FashionMnist.defaultDirectory()),
        "Fashion-MNIST not installed at " + FashionMnist.defaultDirectory());
    if (data == null) {
      data = FashionMnist.load(FashionMnist.defaultDirectory());
    }
    return data;
  }

  /** The first {@code n} training images. */
  static LabeledImages train(int n) throws IOException {
    return fashionMnist().train().head(n);
  }

  /** {@code n} training images from the end of the set, disjoint from {@link #train(int)}. */
  static LabeledImages validation(int n) throws IOException {
    LabeledImages all = fashionMnist().train();
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = all.size() - n + i;
    }
    return all.subset(idx);
  }

  /**
   * A small CNN (embedding 32) trained for 4 epochs on 300 images with a seed, validated on
   * 150 others; shared by the tests that need a trained network.
   */
  static synchronized TrainingResult trainedSmallCnn() throws IOException {
    if (trained == null) {
      trained = EmbeddingTrainer.builder()
          .architecture(Architecture.smallCnn(32))
          .hyperparameters(Hyperparameters.builder().epochs(4).batchSize(32).seed(1).build())
          .build().train(train(300), validation(150));
    }
    return trained;
  }
}
