package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.api.ImageSource;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether an embedder's defaults are as fast as the best fixed setting, and what the image path
 * costs, measured side by side in one JVM (issue 23). Each round embeds the same images once
 * with every embedder, in rotating order; a setting's figure is the median over rounds of its
 * time over the defaults' time in the same round (below 1: the setting is faster).
 *
 * <pre>
 * java -cp ... io.github.embeddings4j.core.zoo.DefaultsDuel [model] [images] [rounds]
 *   model   a ZooModel name (default RESNET50), run on the engine Engine.AUTO picks
 *   images  images per call (default 32), decoded 256 x 256 pictures
 *   rounds  measured rounds (default 7), after nine uncounted ones (the JIT, and the tuner's
 *           trials on engines that tune)
 * </pre>
 *
 * <p>Settings: the defaults (batch size as the engine chooses it: the maximum on ONNX Runtime,
 * tuned by {@code BatchTuner} on the others; network copies side by side where the engine
 * allows); each fixed network batch size 1, 2, 4, 8, 16 with one copy, and with
 * two copies where the engine runs copies side by side. Also per round: the defaults given the
 * same images as ready tensors ({@code embedTensors}, no decoding or resizing), and one image per
 * call (batch-1 steadiness: the spread of its rate over rounds).
 */
public final class DefaultsDuel {

  /**
   * Uncounted rounds first: for the JIT and, on engines that tune, enough calls for the tuner's
   * trials at 32 images a call (each size 1, 2, 4, 8, 16 run {@code BatchTuner.RUNS} times, 124
   * images, then a final of up to {@code BatchTuner.FINAL_RUNS} more passes of the sizes near
   * the fastest, at most 155 images).
   */
  private static final int WARM_UP = 9;

  private DefaultsDuel() {}

  /**
   * Runs the duel.
   *
   * @param args model, images per call, rounds
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    ZooModel model = ZooModel.parse(args.length > 0 ? args[0] : "RESNET50");
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    List<ImageSource> images = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      images.add(TestImages.source(256, 256, i));
    }
    Map<String, ZooEmbedder> embedders = new LinkedHashMap<>();
    ZooEmbedder defaults = ZooEmbedder.builder(model).weights(Weights.random(1)).build();
    embedders.put("defaults", defaults);
    boolean copies = defaults.concurrency() > 1;
    for (int b : new int[] {1, 2, 4, 8, 16}) {
      embedders.put("batch " + b + ", 1 copy", ZooEmbedder.builder(model)
          .weights(Weights.random(1)).networkBatchSize(b).concurrency(1).build());
      if (copies) {
        embedders.put("batch " + b + ", 2 copies", ZooEmbedder.builder(model)
            .weights(Weights.random(1)).networkBatchSize(b).concurrency(2).build());
      }
    }
    // The same images as network input, prepared once outside the timing.
    int size = defaults.preprocessor().size();
    float[] tensors = new float[count * size];
    for (int i = 0; i < count; i++) {
      BufferedImage img = TestImages.noise(256, 256, i);
      defaults.preprocessor().write(img, tensors, i * size);
    }
    System.out.printf(Locale.ROOT, "# %s on %s, %d images of 256x256 per call, %d rounds, %d "
        + "cores%n", model, defaults.engine(), count, rounds,
        Runtime.getRuntime().availableProcessors());
    List<String> names = new ArrayList<>(embedders.keySet());
    Map<String, double[]> seconds = new LinkedHashMap<>();
    names.forEach(n -> seconds.put(n, new double[rounds]));
    double[] tensorSeconds = new double[rounds];
    double[] singleRate = new double[rounds];
    for (int r = -WARM_UP; r < rounds; r++) {
      int shift = Math.floorMod(r, names.size());
      for (int j = 0; j < names.size(); j++) {
        String name = names.get((j + shift) % names.size());
        long t0 = System.nanoTime();
        embedders.get(name).embedBatch(images);
        double s = (System.nanoTime() - t0) / 1e9;
        if (r >= 0) {
          seconds.get(name)[r] = s;
        }
      }
      long t0 = System.nanoTime();
      defaults.embedTensors(tensors, count);
      double ts = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      for (int i = 0; i < 8; i++) {
        defaults.embed(images.get(i));
      }
      double single = 8 / ((System.nanoTime() - t0) / 1e9);
      if (r >= 0) {
        tensorSeconds[r] = ts;
        singleRate[r] = single;
      }
    }
    double[] base = seconds.get("defaults");
    System.out.printf(Locale.ROOT, "# defaults settled on network batch %d, %d copies%n",
        defaults.networkBatchSize(), defaults.concurrency());
    System.out.println("| setting | median img/s | setting time / defaults' time (median of "
        + "paired) |");
    System.out.println("|---|---|---|");
    String best = null;
    double bestRatio = Double.MAX_VALUE;
    for (String name : names) {
      double[] s = seconds.get(name);
      double[] ratio = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratio[r] = s[r] / base[r];
      }
      double m = median(ratio);
      if (!name.equals("defaults") && m < bestRatio) {
        bestRatio = m;
        best = name;
      }
      System.out.printf(Locale.ROOT, "| %s | %.2f | %.3f |%n", name, count / median(s), m);
    }
    System.out.printf(Locale.ROOT, "# best fixed setting: %s; defaults / best fixed (speed) = "
        + "%.3f%n", best, bestRatio);
    double[] tensorRatio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      tensorRatio[r] = base[r] / tensorSeconds[r];
    }
    System.out.printf(Locale.ROOT, "# images / ready tensors (time, median of paired): %.3f "
        + "(tensors %.2f img/s)%n", median(tensorRatio), count / median(tensorSeconds));
    double[] sorted = singleRate.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "# one image per call: median %.2f img/s, min %.2f, max %.2f, "
        + "spread %.0f%%%n", median(singleRate), sorted[0], sorted[rounds - 1],
        100 * (sorted[rounds - 1] / sorted[0] - 1));
    for (ZooEmbedder e : embedders.values()) {
      e.close();
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
