package io.github.embeddings4j.core.classify;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How fast {@link HeadTrainer} trains: vectors per second and GFLOP/s per epoch for a linear
 * and an MLP head on synthetic clustered embeddings, on all cores and on one (the same heads,
 * bit for bit). Not a test; the figures belong in {@code docs/notes.md}.
 *
 * <p>Arguments: vectors (default 20000), dimension (2048), classes (100), hidden units (256),
 * epochs (3), batch size (64).
 */
public final class HeadThroughput {

  private HeadThroughput() {}

  /**
   * Runs the measurement and prints one line per head and thread setting.
   *
   * @param args vectors, dimension, classes, hidden, epochs, batch
   */
  public static void main(String[] args) {
    int n = arg(args, 0, 20_000);
    int d = arg(args, 1, 2048);
    int classes = arg(args, 2, 100);
    int hidden = arg(args, 3, 256);
    int epochs = arg(args, 4, 3);
    int batch = arg(args, 5, 64);
    SplittableRandom r = new SplittableRandom(7);
    float[][] centres = new float[classes][d];
    for (float[] c : centres) {
      for (int j = 0; j < d; j++) {
        c[j] = (float) r.nextDouble(-1, 1);
      }
    }
    float[][] x = new float[n][d];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % classes;
      for (int j = 0; j < d; j++) {
        x[i][j] = centres[y[i]][j] + (float) r.nextDouble(-2, 2);
      }
    }
    System.out.printf(Locale.ROOT, "vectors=%d dimension=%d classes=%d hidden=%d epochs=%d"
        + " batch=%d processors=%d%n", n, d, classes, hidden, epochs, batch,
        Runtime.getRuntime().availableProcessors());
    System.out.println("| head | threads | seconds/epoch | vectors/s | GFLOP/s | validation"
        + " accuracy |");
    System.out.println("|---|---|---:|---:|---:|---:|");
    for (Head.Kind kind : Head.Kind.values()) {
      HeadTrainer t = HeadTrainer.builder().head(kind).hiddenSize(hidden).batchSize(batch)
          .maxEpochs(epochs).patience(epochs).validation(0.1).seed(1).build();
      long params = kind == Head.Kind.MLP ? (long) d * hidden + (long) hidden * classes
          : (long) d * classes;
      for (boolean parallel : new boolean[] {true, false}) {
        long saved = HeadTrainer.parallelWork;
        HeadTrainer.parallelWork = parallel ? saved : Long.MAX_VALUE;
        try {
          t.fit(slice(x, 2000), java.util.Arrays.copyOf(y, 2000)); // warm-up
          HeadTrainer.Result res = t.fit(x, y);
          double perEpoch = res.seconds() / res.epochsRun();
          // forward 2 flops per weight, backward 4 (gradient and the error passed down)
          double flops = 6.0 * params * res.trainCount();
          System.out.printf(Locale.ROOT, "| %s | %s | %.2f | %.0f | %.2f | %.4f |%n",
              kind == Head.Kind.MLP ? "mlp(" + hidden + ")" : "linear",
              parallel ? "all" : "1", perEpoch, res.trainCount() / perEpoch,
              flops / perEpoch / 1e9, res.validationAccuracy());
        } finally {
          HeadTrainer.parallelWork = saved;
        }
      }
    }
  }

  private static float[][] slice(float[][] x, int n) {
    return java.util.Arrays.copyOf(x, Math.min(n, x.length));
  }

  private static int arg(String[] args, int i, int fallback) {
    return args.length > i ? Integer.parseInt(args[i]) : fallback;
  }
}
