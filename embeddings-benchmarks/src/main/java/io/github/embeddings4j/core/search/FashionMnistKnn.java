package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.classify.KnnClassifier;
import io.github.embeddings4j.core.classify.KnnClassifier.Vote;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.vector.VectorMath;
import java.util.Locale;

/**
 * kNN on Fashion-MNIST raw pixels, all 60,000 training images against all 10,000 test images,
 * in the settings of scikit-learn's reference figures (issue 3). Not a test; see {@code
 * docs/vector-math.md} for the command and the figures.
 *
 * <p>Arguments: optionally the number of test images (default all).
 */
public final class FashionMnistKnn {

  private FashionMnistKnn() {}

  private record Setting(String name, StandardMetric metric, Vote vote, double sklearn) {}

  /**
   * Runs the three raw-pixel settings and prints accuracy and wall time.
   *
   * @param args optionally the number of test images
   * @throws Exception if the data cannot be read
   */
  public static void main(String[] args) throws Exception {
    long t0 = System.nanoTime();
    FashionMnist.Split data = FashionMnist.load(FashionMnist.defaultDirectory());
    LabeledImages train = data.train();
    LabeledImages test = args.length > 0 ? data.test().head(Integer.parseInt(args[0]))
        : data.test();
    float[][] x = vectors(train);
    float[][] q = vectors(test);
    int[] y = train.labels();
    System.out.printf(Locale.ROOT, "kernels=%s processors=%d train=%d test=%d load %.1f s%n",
        VectorMath.kernelsName(), Runtime.getRuntime().availableProcessors(), x.length,
        q.length, (System.nanoTime() - t0) / 1e9);
    Setting[] settings = {
        new Setting("k=5 manhattan distance-weighted", StandardMetric.MANHATTAN, Vote.DISTANCE,
            0.8615),
        new Setting("k=5 euclidean distance-weighted", StandardMetric.EUCLIDEAN, Vote.DISTANCE,
            0.8577),
        new Setting("k=5 cosine uniform", StandardMetric.COSINE, Vote.MAJORITY, 0.8578),
    };
    System.out.println("setting | ours | scikit-learn | difference (points) | wall s");
    for (Setting s : settings) {
      long start = System.nanoTime();
      KnnClassifier<float[]> knn = KnnClassifier.fit(x, y, s.metric(), 5, s.vote());
      int[] predicted = knn.predictAll(q);
      double seconds = (System.nanoTime() - start) / 1e9;
      int correct = 0;
      for (int i = 0; i < q.length; i++) {
        if (predicted[i] == test.label(i)) {
          correct++;
        }
      }
      double acc = correct / (double) q.length;
      System.out.printf(Locale.ROOT, "%s | %.4f | %.4f | %+.2f | %.1f%n", s.name(), acc,
          s.sklearn(), 100 * (acc - s.sklearn()), seconds);
    }
    System.out.println("PCA-50 then k=5 euclidean distance-weighted | (reduce package) | 0.8600"
        + " | | ");
  }

  private static float[][] vectors(LabeledImages images) {
    float[][] v = new float[images.size()][];
    for (int i = 0; i < v.length; i++) {
      v[i] = images.vector(i);
    }
    return v;
  }
}
