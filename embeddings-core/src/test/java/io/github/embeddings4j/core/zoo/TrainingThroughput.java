package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.backend.OneDnn;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Measures training throughput of zoo CNNs (images per second through full training steps:
 * forward, backward, Adam update, on random data, as {@code ZooFineTuner} runs them) and the
 * share of the cores' FMA peak ({@link FmaPeak}, measured in the same run) the steps reach,
 * counting a training step as three forward passes (forward, gradients of activations and of
 * weights): {@code 3 x 2 x MACs} per image, MACs of convolutions and dense layers by {@link
 * FlopCount}.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... io.github.embeddings4j.core.zoo.TrainingThroughput \
 *     [models] [batch] [steps] [size]
 *   models  comma-separated ZooModel names (default SQUEEZENET,RESNET50)
 *   batch   images per step (default 16)
 *   steps   measured steps per model after two warm-up steps (default 5); median reported
 *   size    input side in pixels (default 224)
 * </pre>
 */
public final class TrainingThroughput {

  private TrainingThroughput() {}

  /**
   * Runs the measurement and prints a Markdown table.
   *
   * @param args models, batch, steps, size
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    String flavour = NativeFlavour.select();
    String[] models = (args.length > 0 ? args[0] : "SQUEEZENET,RESNET50").split(",");
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int size = args.length > 3 ? Integer.parseInt(args[3]) : 224;
    double peak = FmaPeak.best(5);
    System.out.printf(Locale.ROOT, "native flavour %s, %d cores, FMA peak %.1f GFLOP/s, batch %d,"
        + " %dx%d, %d steps (median)%n%n", flavour, Runtime.getRuntime().availableProcessors(),
        peak, batch, size, size, steps);
    System.out.println("| model | img/s (training) | GFLOP per image (3x forward) | GFLOP/s | "
        + "share of FMA peak |\n|---|---:|---:|---:|---:|");
    for (String name : models) {
      ZooModel m = ZooModel.valueOf(name.trim().toUpperCase(Locale.ROOT));
      Model loaded = m.network(Weights.random(42), size, size, null);
      ComputationGraph net = loaded instanceof MultiLayerNetwork mln ? mln.toComputationGraph()
          : (ComputationGraph) loaded;
      OneDnn.attachIfEnabled(net);
      double gflopPerImage = 3 * 2 * FlopCount.macsPerImage(net, m.inputFormat()
          .withSize(size, size)) / 1e9;
      Random random = new Random(1);
      float[] x = new float[batch * 3 * size * size];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (random.nextGaussian() * 60);
      }
      long classes = net.getOutputLayer(0).getParam("b") != null
          ? net.getOutputLayer(0).getParam("b").length() : 1000;
      float[] y = new float[(int) (batch * classes)];
      for (int i = 0; i < batch; i++) {
        y[(int) (i * classes + random.nextInt((int) classes))] = 1;
      }
      DataSet ds = new DataSet(Nd4j.create(x, new long[] {batch, 3, size, size}, 'c'),
          Nd4j.create(y, new long[] {batch, classes}, 'c'));
      for (int i = 0; i < 2; i++) {
        net.fit(ds);
      }
      double[] rates = new double[steps];
      for (int i = 0; i < steps; i++) {
        long t = System.nanoTime();
        net.fit(ds);
        rates[i] = batch / ((System.nanoTime() - t) / 1e9);
      }
      Arrays.sort(rates);
      double rate = rates[steps / 2];
      System.out.printf(Locale.ROOT, "| %s | %.1f | %.2f | %.1f | %.1f%% |%n", m.zooName(), rate,
          gflopPerImage, rate * gflopPerImage, 100 * rate * gflopPerImage / peak);
      net.close();
    }
  }
}
