package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.zoo.dnnl.DnnlGraph;
import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.embed.Activations;
import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.onnx.OrtForward;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Side by side, in one JVM, on one random-weight network per zoo model: the oneDNN graph
 * executor ({@link DnnlGraph}) against ONNX Runtime running the same network exported by {@link
 * OnnxExport}, on ready input tensors (no image decoding), alternated round by round. Prints the
 * median of the paired ratios (ONNX Runtime / oneDNN executor) and each engine's images per
 * second, and checks that both compute the same activations.
 *
 * <pre>
 * java -cp ... io.github.embeddings4j.core.zoo.EngineDuel [models] [batches] [rounds]
 *   models   comma-separated ZooModel names (default: every model that initialises randomly)
 *   batches  comma-separated batch sizes (default 1,16)
 *   rounds   alternated rounds per point (default 7), after one warm-up pass each
 *   onnx     optional: comma-separated FILE.onnx@GFLOP entries (GFLOP per image, e.g. torchvision
 *            ResNet50 8.18, ViT-B/16 35.1) measured on ONNX Runtime alone through OnnxEmbedder,
 *            or "-" for none
 *   mode     optional: "embedders" measures instead whole embedders with their defaults (batch
 *            size measured, the executor's two runners side by side), one per engine, on calls of
 *            16 decoded 256x256 images, alternated: what a user's code gets
 * </pre>
 *
 * <p>Every rate is also given as a share of the cores' FMA peak ({@link FmaPeak}): the highest
 * rate measured in the same run, between the points (other load only lowers it). Needs {@code --add-modules jdk.incubator.vector}.
 */
public final class EngineDuel {

  private EngineDuel() {}

  /**
   * Runs the duel.
   *
   * @param args models, batch sizes, rounds
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    NativeFlavour.select();
    ZooModel[] models = args.length > 0 ? Arrays.stream(args[0].split(","))
        .map(s -> ZooModel.valueOf(s.trim().toUpperCase(Locale.ROOT))).toArray(ZooModel[]::new)
        : Arrays.stream(ZooModel.values()).filter(ZooModel::supportsRandomInit)
            .toArray(ZooModel[]::new);
    int[] batches = Arrays.stream((args.length > 1 ? args[1] : "1,16").split(","))
        .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    if (args.length > 4 && args[4].equals("embedders")) {
      embedders(models, rounds);
      return;
    }
    FmaPeak.best(1);
    System.out.printf(Locale.ROOT, "# %d cores, ONNX Runtime %s, %s; FMA peak %.1f GFLOP/s"
        + " (%d lanes)%n", Runtime.getRuntime().availableProcessors(), OrtForward.VERSION,
        DnnlGraph.status(), peak(), FmaPeak.lanes());
    System.out.println("| model | input | GFLOP/img | batch | img/s oneDNN executor | img/s ONNX "
        + "Runtime | ORT/executor (median of " + rounds + " paired) | executor, ORT % of FMA"
        + " peak | max rel. diff |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (ZooModel model : models) {
      InputFormat format = model.inputFormat();
      Model net = ModelLoader.load(model, Weights.random(1), format, Path.of("."),
          Duration.ofSeconds(1));
      Model cut = FeatureNet.truncate(net, model.defaultLayer(false));
      if (cut instanceof ComputationGraph cg) {
        cut = BatchNormFolding.fold(cg);
      }
      double gflop = 2 * FlopCount.macsPerImage(cut, format) / 1e9;
      DnnlGraph graph = cut instanceof ComputationGraph cg ? DnnlGraph.compile(cg, format)
          : DnnlGraph.compile((MultiLayerNetwork) cut, format);
      byte[] onnx = cut instanceof ComputationGraph cg ? OnnxExport.export(cg, format)
          : OnnxExport.export((MultiLayerNetwork) cut, format);
      try (DnnlGraph.Runner dnnl = graph.runner();
          OrtForward ort = OrtForward.open(onnx, "input", "output", new long[] {
              format.channels(), format.height(), format.width()})) {
        for (int batch : batches) {
          float[] input = new float[batch * format.size()];
          Random r = new Random(7);
          for (int i = 0; i < input.length; i++) {
            input[i] = (float) (r.nextGaussian() * 50);
          }
          float[] a = dnnl.forward(input, batch).clone();
          Activations b = ort.forward(input, batch);
          double diff = DnnlGraph.relativeError(b.data(), a);
          double[] ratio = new double[rounds];
          double[] rateA = new double[rounds];
          double[] rateB = new double[rounds];
          for (int k = 0; k < rounds; k++) {
            long t0 = System.nanoTime();
            dnnl.forward(input, batch);
            long t1 = System.nanoTime();
            ort.forward(input, batch);
            long t2 = System.nanoTime();
            rateA[k] = batch / ((t1 - t0) / 1e9);
            rateB[k] = batch / ((t2 - t1) / 1e9);
            ratio[k] = rateB[k] / rateA[k];
          }
          double p = peak();
          System.out.printf(Locale.ROOT,
              "| %s | %dx%d | %.2f | %d | %.2f | %.2f | %.2f | %.0f%%, %.0f%% | %.1e |%n",
              model, format.height(), format.width(), gflop, batch, median(rateA),
              median(rateB), median(ratio), 100 * median(rateA) * gflop / p,
              100 * median(rateB) * gflop / p, diff);
        }
      }
      graph.close();
      cut.close();
    }
    if (args.length > 3 && !args[3].equals("-")) {
      System.out.println();
      System.out.println("| ONNX model | GFLOP/img | batch | img/s ONNX Runtime | % of FMA peak |");
      System.out.println("|---|---|---|---|---|");
      for (String entry : args[3].split(",")) {
        String[] fileAndFlops = entry.split("@");
        double gflop = Double.parseDouble(fileAndFlops[1]);
        try (io.github.embeddings4j.core.onnx.OnnxEmbedder e =
            io.github.embeddings4j.core.onnx.OnnxEmbedder.builder(Path.of(fileAndFlops[0]))
                .networkBatchSize(16).build()) {
          int size = e.preprocessor().size();
          for (int batch : batches) {
            float[] input = new float[batch * size];
            Random r = new Random(7);
            for (int i = 0; i < input.length; i++) {
              input[i] = (float) r.nextGaussian();
            }
            e.embedTensors(input, batch);
            double[] rate = new double[rounds];
            for (int k = 0; k < rounds; k++) {
              long t0 = System.nanoTime();
              e.embedTensors(input, batch);
              rate[k] = batch / ((System.nanoTime() - t0) / 1e9);
            }
            double p = peak();
            System.out.printf(Locale.ROOT, "| %s | %.2f | %d | %.2f | %.0f%% |%n",
                Path.of(fileAndFlops[0]).getFileName(), gflop, batch, median(rate),
                100 * median(rate) * gflop / p);
          }
        }
      }
    }
  }

  /** Whole embedders with their defaults, one per fast engine, alternated call by call. */
  private static void embedders(ZooModel[] models, int rounds) throws Exception {
    System.out.println("| model | img/s oneDNN executor (defaults) | img/s ONNX Runtime (defaults)"
        + " | ORT/executor (median of " + rounds + " paired) | network batch chosen (executor,"
        + " ORT) |");
    System.out.println("|---|---|---|---|---|");
    java.util.List<io.github.embeddings4j.api.ImageSource> images = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) {
      images.add(TestImages.source(256, 256, i));
    }
    for (ZooModel model : models) {
      ZooEmbedder.Builder b = ZooEmbedder.builder(model).weights(Weights.random(1));
      try (ZooEmbedder dnnl = b.engine(Engine.ONEDNN_GRAPH).build();
          ZooEmbedder ort = b.engine(Engine.ONNX_RUNTIME).build()) {
        // The batch-size trials: 1, 2, 4, 8 and 16 images, four passes each.
        for (int w = 0; w < 12; w++) {
          dnnl.embedBatch(images);
          ort.embedBatch(images);
        }
        double[] a = new double[rounds];
        double[] o = new double[rounds];
        double[] ratio = new double[rounds];
        for (int k = 0; k < rounds; k++) {
          long t0 = System.nanoTime();
          dnnl.embedBatch(images);
          long t1 = System.nanoTime();
          ort.embedBatch(images);
          long t2 = System.nanoTime();
          a[k] = 16 / ((t1 - t0) / 1e9);
          o[k] = 16 / ((t2 - t1) / 1e9);
          ratio[k] = o[k] / a[k];
        }
        System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %d, %d |%n", model,
            median(a), median(o), median(ratio), dnnl.networkBatchSize(),
            ort.networkBatchSize());
      }
    }
  }

  /** The highest FMA rate measured so far in this run. */
  private static double bestPeak;

  /**
   * The cores' FMA peak: the highest of all measurements so far in this run (three more now,
   * about a second each), since other load only ever lowers a measurement.
   */
  private static double peak() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      bestPeak = Math.max(bestPeak, FmaPeak.gflops(20_000_000));
    }
    return bestPeak;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
