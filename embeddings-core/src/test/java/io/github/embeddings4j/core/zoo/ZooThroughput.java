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
 * </pre>
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
    int[] batches = Arrays.stream((args.length > 1 ? args[1] : "1,8,16").split(","))
        .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;

    double gemm = sgemmGflops();
    System.out.printf(Locale.ROOT, "# flavour '%s', oneDNN helpers %s, cores %d, SGEMM 2048^2 "
            + "%.1f GFLOP/s%n", flavour.isEmpty() ? "plain" : flavour, OneDnn.enabled() ? "on"
            : "off", Runtime.getRuntime().availableProcessors(), gemm);
    System.out.println("| model | layer | dim | input | GFLOP/img | batch | img/s | ceiling img/s "
        + "| % of ceiling |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (ZooModel model : models) {
      for (int batch : batches) {
        try (ZooEmbedder e = ZooEmbedder.builder(model).weights(Weights.random(1))
            .networkBatchSize(batch).concurrency(1).build()) {
          double gflop = 2 * FlopCount.macsPerImage(e.prototypeForMeasurement(), e.inputFormat())
              / 1e9;
          List<ImageSource> images = new ArrayList<>();
          for (int i = 0; i < batch; i++) {
            images.add(TestImages.source(256, 256, i));
          }
          e.embedBatch(images); // warm-up: workspaces, JIT
          double[] rates = new double[reps];
          for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            e.embedBatch(images);
            rates[r] = batch / ((System.nanoTime() - t0) / 1e9);
          }
          Arrays.sort(rates);
          double rate = rates[reps / 2];
          double ceiling = gemm / gflop;
          System.out.printf(Locale.ROOT, "| %s | %s | %d | %dx%d | %.2f | %d | %.2f | %.1f | %.0f%% |%n",
              model, e.layer(), e.dimension(), e.inputFormat().height(), e.inputFormat().width(),
              gflop, batch, rate, ceiling, 100 * rate / ceiling);
        }
      }
    }
  }

  /** The median rate of five 2048 x 2048 float matrix products, in GFLOP/s. */
  static double sgemmGflops() {
    int n = 2048;
    Nd4j.getRandom().setSeed(1);
    INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(DataType.FLOAT, n, n);
    a.mmuli(b, c);
    double[] rates = new double[5];
    for (int i = 0; i < rates.length; i++) {
      long t0 = System.nanoTime();
      a.mmuli(b, c);
      rates[i] = 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }
    Arrays.sort(rates);
    return rates[2];
  }
}
