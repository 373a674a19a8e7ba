package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.backend.OneDnn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Measures embedder throughput (images per second, end to end from decoded 256 x 256 images:
 * resize, crop, forward pass, pooling) next to this machine's single-precision matrix-multiply
 * rate measured in the same run, and each model's FLOPs per image, which give the ceiling
 * {@code rate / FLOPs}.
 *
 * <p>Run (see docs/models.md for the exact commands and the figures):
 *
 * <pre>
 * java -cp ... io.github.embeddings4j.core.zoo.ZooThroughput [models] [batches] [reps]
 *   models   comma-separated ZooModel names (default SQUEEZENET,RESNET50)
 *   batches  comma-separated batch sizes (default 1,8,16)
 *   reps     measured batches per point, after one warm-up batch (default 3); median reported
 *   mode     "default-only": skip the DL4J-forward-pass twin of each point
 * </pre>
 *
 * <p>The percentage of the ceiling is the median of paired ratios: each measured batch is
 * followed by one 2048 x 2048 product, and each batch's rate is divided by the ceiling of the
 * product after it, so that the machine's drift (other processes, clock) hits both sides of a
 * ratio alike.
 *
 * Random ImageNet-shaped graphs are measured (pretrained weights cannot be downloaded here); the
 * FLOPs are those of the graph measured. The native flavour and oneDNN helpers follow the usual
 * properties ({@code -Djavacpp.platform.extension}, {@code -Dembeddings4j.oneDnnHelpers}).
 */
public final class ZooThroughput {

  private ZooThroughput() {}

  /**
   * Runs the measurement.
   *
   * @param args models, batch sizes, repetitions
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    String flavour = NativeFlavour.select();
    List<ZooModel> models = new ArrayList<>();
    for (String m : (args.length > 0 ? args[0] : "SQUEEZENET,RESNET50").split(",")) {
      models.add(ZooModel.valueOf(m.trim().toUpperCase(Locale.ROOT)));
    }
    // A batch written "16a" is handed over 16 at a time to an embedder with its defaults, as a
    // user's code gets it: the network batch measured (BatchTuner) and the images shared among
    // network copies run side by side; "16" runs one forward pass of 16 at a time.
    String[] batchSpecs = (args.length > 1 ? args[1] : "1,8,16").split(",");
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;

    double gemm = sgemmGflops();
    System.out.printf(Locale.ROOT, "# flavour '%s', oneDNN helpers %s, cores %d, SGEMM 2048^2 "
            + "%.1f GFLOP/s%n", flavour.isEmpty() ? "plain" : flavour, OneDnn.enabled() ? "on"
            : "off", Runtime.getRuntime().availableProcessors(), gemm);
    boolean sideBySide = !(args.length > 3 && args[3].equals("default-only"));
    if (sideBySide) {
      System.out.println("# each point is measured on DL4J's forward pass (oneDNN helpers on a "
          + "oneDNN build) and with the defaults (the oneDNN graph executor where the model "
          + "compiles), interleaved, in this JVM");
    }
    System.out.println("| model | layer | dim | input | GFLOP/img | executor | batch | img/s"
        + (sideBySide ? " DL4J | img/s default | default/DL4J" : "")
        + " | SGEMM GFLOP/s | ceiling img/s | % of ceiling |");
    System.out.println(sideBySide ? "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        : "|---|---|---|---|---|---|---|---|---|---|---|");
    for (ZooModel model : models) {
      for (String spec : batchSpecs) {
        boolean auto = spec.trim().endsWith("a");
        int batch = Integer.parseInt(spec.trim().replace("a", ""));
        List<ImageSource> images = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          images.add(TestImages.source(256, 256, i));
        }
        ZooEmbedder.Builder b = ZooEmbedder.builder(model).weights(Weights.random(1));
        if (!auto) {
          // One forward pass of exactly this many images at a time: the network's own rate.
          b.networkBatchSize(batch).concurrency(1);
        }
        try (ZooEmbedder on = b.build();
            ZooEmbedder off = sideBySide ? b.engine(Engine.DL4J).build() : null) {
          double gflop = 2 * FlopCount.macsPerImage(on.prototypeForMeasurement(), on.inputFormat())
              / 1e9;
          on.embedBatch(images); // warm-up: workspaces, JIT
          for (int w = 0; auto && w < 160 / batch; w++) {
            on.embedBatch(images); // the tuner's trial passes (1..16 images, four each)
            if (off != null) {
              off.embedBatch(images);
            }
          }
          if (off != null) {
            off.embedBatch(images);
          }
          double[] rateOn = new double[reps];
          double[] rateOff = new double[reps];
          double[] gemms = new double[reps];
          double[] share = new double[reps];
          for (int r = 0; r < reps; r++) {
            // Interleaved, so that load from other processes hits both alike.
            rateOn[r] = rate(on, images);
            gemms[r] = GEMM.once();
            share[r] = rateOn[r] * gflop / gemms[r];
            if (off != null) {
              rateOff[r] = rate(off, images);
            }
          }
          Arrays.sort(rateOn);
          Arrays.sort(rateOff);
          Arrays.sort(gemms);
          Arrays.sort(share);
          double best = rateOn[reps / 2];
          double gemmHere = gemms[reps / 2];
          double ceiling = gemmHere / gflop;
          String rates = sideBySide
              ? String.format(Locale.ROOT, "%.2f | %.2f | %.2f", rateOff[reps / 2], best,
                  best / rateOff[reps / 2])
              : String.format(Locale.ROOT, "%.2f", best);
          System.out.printf(Locale.ROOT,
              "| %s | %s | %d | %dx%d | %.2f | %s | %s | %s | %.1f | %.1f | %.0f%% |%n",
              model, on.layer(), on.dimension(), on.inputFormat().height(),
              on.inputFormat().width(), gflop, on.engine(),
              auto ? batch + " (defaults: network batch "
                  + on.networkBatchSize() + ", " + on.concurrency() + " copies)"
                  : String.valueOf(batch), rates, gemmHere, ceiling,
              100 * share[reps / 2]);
        }
      }
    }
  }

  private static double rate(ZooEmbedder e, List<ImageSource> images) {
    long t0 = System.nanoTime();
    e.embedBatch(images);
    return images.size() / ((System.nanoTime() - t0) / 1e9);
  }

  /** 2048 x 2048 float products on matrices allocated once, warmed up when first used. */
  private static final class Gemm {
    private static final int N = 2048;
    private INDArray a;
    private INDArray b;
    private INDArray c;

    /** One product's rate, in GFLOP/s. */
    double once() {
      if (a == null) {
        Nd4j.getRandom().setSeed(1);
        a = Nd4j.rand(DataType.FLOAT, N, N);
        b = Nd4j.rand(DataType.FLOAT, N, N);
        c = Nd4j.create(DataType.FLOAT, N, N);
        for (int i = 0; i < 5; i++) {
          Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        }
      }
      long t0 = System.nanoTime();
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      return 2.0 * N * N * N / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }
  }

  private static final Gemm GEMM = new Gemm();

  /** The median rate of seven 2048 x 2048 float matrix products after five, in GFLOP/s. */
  static double sgemmGflops() {
    int n = 2048;
    Nd4j.getRandom().setSeed(1);
    INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(DataType.FLOAT, n, n);
    // Five products first: the first few after a pause run at half speed (thread wake-up, page
    // faults, clock ramp-up), which would flatter the ratio of whatever is measured against it.
    for (int i = 0; i < 5; i++) {
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
    }
    double[] rates = new double[7];
    for (int i = 0; i < rates.length; i++) {
      long t0 = System.nanoTime();
      // Nd4j.gemm: with the oneDNN build 2.4x INDArray.mmuli on the same matrices; the
      // ceiling is the faster one.
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      rates[i] = 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }
    Arrays.sort(rates);
    return rates[3];
  }
}
