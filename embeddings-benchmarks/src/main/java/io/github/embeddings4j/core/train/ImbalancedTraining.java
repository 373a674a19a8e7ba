package io.github.embeddings4j.core.train;

import io.github.embeddings4j.core.classify.ImbalancedHeads;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Training a network when one class is rare: the SDK's small CNN ({@code train}'s network) on
 * every Fashion-MNIST training image of nine classes and a share of the tenth ({@code Shirt}),
 * with {@link ClassWeights#NONE} and {@code BALANCED}, several seeds each, the order of the two
 * alternated; measured on the whole test set (1,000 of each class): accuracy, balanced accuracy
 * and the rare class's recall. The same rows are drawn as by {@code ImbalancedHeads}. Not a
 * test; the figures are in {@code docs/training.md}.
 *
 * <pre>
 * java -cp embeddings-benchmarks/target/benchmarks.jar \
 *   io.github.embeddings4j.core.train.ImbalancedTraining 0.02 2 3
 * </pre>
 *
 * <p>Arguments: the rare class's share of its training images (default 0.02), seeds (2),
 * epochs at most (3). Hyperparameters otherwise those of the {@code train} command: Adam, rate
 * 0.002, batch 128, L2 1e-4, dropout 0.5, patience 2, 10% held out (stratified) to choose the
 * epoch.
 */
public final class ImbalancedTraining {

  private ImbalancedTraining() {}

  /** The rare class: Shirt, as in {@link ImbalancedHeads}. */
  static final int RARE = ImbalancedHeads.RARE;

  /**
   * Runs the measurement.
   *
   * @param args the share, the number of seeds and the epochs
   * @throws Exception if Fashion-MNIST cannot be read
   */
  public static void main(String[] args) throws Exception {
    double share = args.length > 0 ? Double.parseDouble(args[0]) : 0.02;
    int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    FashionMnist.Split data = FashionMnist.load(FashionMnist.defaultDirectory());
    LabeledImages all = data.train();
    LabeledImages test = data.test();
    LabeledImages train = all.subset(ImbalancedHeads.keptRows(all, share));
    long rare = IntStream.of(train.labels()).filter(l -> l == RARE).count();
    System.out.printf(Locale.ROOT, "Fashion-MNIST, %d training images, %d of them %s (%.0f%% of"
        + " its images), small CNN (128), Adam lr 0.002, batch 128, at most %d epochs%n",
        train.size(), rare, FashionMnist.CLASS_NAMES.get(RARE), 100 * share, epochs);
    for (int s = 0; s < seeds; s++) {
      for (ClassWeights w : s % 2 == 0
          ? new ClassWeights[] {ClassWeights.NONE, ClassWeights.BALANCED}
          : new ClassWeights[] {ClassWeights.BALANCED, ClassWeights.NONE}) {
        long seed = 100 + s;
        LabeledImages.Holdout parts = train.holdOut(0.1, seed);
        Hyperparameters h = Hyperparameters.builder().learningRate(0.002).batchSize(128)
            .epochs(epochs).patience(2).seed(seed).classWeights(w).build();
        long t0 = System.nanoTime();
        TrainingResult r = EmbeddingTrainer.builder().architecture(Architecture.smallCnn(128))
            .hyperparameters(h).classes(10).build().train(parts.train(), parts.validation());
        int[] predicted = r.embedder().predict(test);
        int[] seen = new int[10];
        int[] found = new int[10];
        for (int i = 0; i < predicted.length; i++) {
          seen[test.label(i)]++;
          found[test.label(i)] += predicted[i] == test.label(i) ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "seed %d %-8s accuracy %.4f, balanced accuracy %.4f,"
            + " %s recall %.3f, kept epoch %d of %d, %.0f s%n", seed, w.label(),
            ClassWeights.NONE.score(found, seen), ClassWeights.BALANCED.score(found, seen),
            FashionMnist.CLASS_NAMES.get(RARE), (double) found[RARE] / seen[RARE],
            r.bestEpoch(), r.history().size(), (System.nanoTime() - t0) / 1e9);
        r.embedder().close();
      }
    }
  }
}
