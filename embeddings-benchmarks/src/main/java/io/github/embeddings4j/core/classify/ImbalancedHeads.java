package io.github.embeddings4j.core.classify;

import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.train.ClassWeights;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A linear head on Fashion-MNIST pixels when one class is rare in training: every training
 * image of nine classes and a share of the tenth ({@code Shirt}, the class most often taken for
 * others), trained with {@link ClassWeights#NONE} and {@code BALANCED}, several seeds
 * each, alternated; measured on the whole test set (1,000 of each class): accuracy,
 * balanced accuracy and the rare class's recall. Not a test; the figures are in {@code
 * docs/transfer-learning.md}.
 *
 * <pre>
 * java -cp embeddings-benchmarks/target/benchmarks.jar \
 *   io.github.embeddings4j.core.classify.ImbalancedHeads 0.02 3
 * </pre>
 *
 * <p>Arguments: the rare class's share of its training images (default 0.02), seeds (3).
 */
public final class ImbalancedHeads {

  private ImbalancedHeads() {}

  /** The rare class: Shirt. */
  public static final int RARE = 6;

  /**
   * The training rows of the measurement: every image of the nine other classes and a seeded
   * share of {@link #RARE}'s, in order; {@code ImbalancedTraining} trains on the same rows.
   *
   * @param train Fashion-MNIST's training images
   * @param share the share of the rare class kept
   * @return the kept row numbers, increasing
   */
  public static int[] keptRows(LabeledImages train, double share) {
    SplittableRandom pick = new SplittableRandom(11);
    return IntStream.range(0, train.size())
        .filter(i -> train.label(i) != RARE || pick.nextDouble() < share).toArray();
  }

  /**
   * Runs the measurement.
   *
   * @param args the share and the number of seeds
   * @throws Exception if Fashion-MNIST cannot be read
   */
  public static void main(String[] args) throws Exception {
    double share = args.length > 0 ? Double.parseDouble(args[0]) : 0.02;
    int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    FashionMnist.Split data = FashionMnist.load(FashionMnist.defaultDirectory());
    LabeledImages train = data.train();
    LabeledImages test = data.test();
    int[] kept = keptRows(train, share);
    float[][] x = new float[kept.length][];
    int[] y = new int[kept.length];
    int rare = 0;
    for (int t = 0; t < kept.length; t++) {
      x[t] = scaled(train.vector(kept[t]));
      y[t] = train.label(kept[t]);
      rare += y[t] == RARE ? 1 : 0;
    }
    float[][] tx = new float[test.size()][];
    for (int i = 0; i < tx.length; i++) {
      tx[i] = scaled(test.vector(i));
    }
    System.out.printf(Locale.ROOT, "Fashion-MNIST pixels, %d training images, %d of them %s"
        + " (%.0f%% of its images), linear head, Adam lr 0.001, batch 64, patience 10%n",
        x.length, rare, FashionMnist.CLASS_NAMES.get(RARE), 100 * share);
    for (int s = 0; s < seeds; s++) {
      for (ClassWeights w : s % 2 == 0
          ? new ClassWeights[] {ClassWeights.NONE, ClassWeights.BALANCED}
          : new ClassWeights[] {ClassWeights.BALANCED, ClassWeights.NONE}) {
        long t0 = System.nanoTime();
        HeadTrainer.Result r = HeadTrainer.builder().classWeights(w).seed(100 + s).build()
            .fit(x, y);
        int[] seen = new int[10];
        int[] found = new int[10];
        int right = 0;
        for (int i = 0; i < tx.length; i++) {
          int label = test.label(i);
          seen[label]++;
          if (r.head().predict(tx[i]) == label) {
            found[label]++;
            right++;
          }
        }
        double balanced = 0;
        for (int c = 0; c < 10; c++) {
          balanced += (double) found[c] / seen[c] / 10;
        }
        System.out.printf(Locale.ROOT, "seed %d %-8s accuracy %.4f, balanced accuracy %.4f,"
            + " %s recall %.3f, %d epochs, %.1f s%n", 100 + s, w.label(),
            (double) right / tx.length, balanced, FashionMnist.CLASS_NAMES.get(RARE),
            (double) found[RARE] / seen[RARE], r.epochsRun(), (System.nanoTime() - t0) / 1e9);
      }
    }
  }

  private static float[] scaled(float[] pixels) {
    for (int j = 0; j < pixels.length; j++) {
      pixels[j] /= 255f;
    }
    return pixels;
  }
}
