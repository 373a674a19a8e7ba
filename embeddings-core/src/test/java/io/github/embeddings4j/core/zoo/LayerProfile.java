package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.backend.OneDnn;
import io.github.embeddings4j.core.image.InputFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a zoo graph's forward pass spends its time, layer by layer: every vertex is run alone on
 * its real input (from one full forward pass), a few times, and the median kept; convolutions
 * are grouped by kernel size and reported as GFLOP/s. The sum of the vertices is printed beside
 * one whole forward pass, so the per-layer overhead of the graph shows as the difference.
 *
 * <pre>
 * java -cp ... io.github.embeddings4j.core.zoo.LayerProfile [model] [batch] [reps] [size]
 * </pre>
 *
 * Defaults: RESNET50, 16, 3, the model's standard input. The graph is the embedder's own (cut at
 * the embedding layer, batch norms folded, oneDNN helpers attached as configured).
 */
public final class LayerProfile {

  private LayerProfile() {}

  /**
   * Runs the profile.
   *
   * @param args model, batch, repetitions, input size
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    NativeFlavour.select();
    ZooModel model = ZooModel.valueOf(args.length > 0 ? args[0] : "RESNET50");
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    ZooEmbedder.Builder b = ZooEmbedder.builder(model).weights(Weights.random(1))
        .networkBatchSize(batch).concurrency(1).engine(Engine.DL4J);
    if (args.length > 3) {
      int s = Integer.parseInt(args[3]);
      b.inputSize(s, s);
    }
    try (ZooEmbedder e = b.build()) {
      ComputationGraph g = (ComputationGraph) e.prototypeForMeasurement();
      InputFormat f = e.inputFormat();
      INDArray input = Nd4j.rand(DataType.FLOAT, batch, 3, f.height(), f.width()).muli(255);
      System.out.printf(Locale.ROOT, "# %s batch %d input %dx%d, oneDNN helpers %s%n", model,
          batch, f.height(), f.width(), OneDnn.enabled());
      g.output(input);
      double whole = median(reps, () -> g.output(input));
      Map<String, INDArray> acts = g.feedForward(new INDArray[] {input}, false, false);
      Map<String, double[]> byKind = new TreeMap<>();
      List<String> rows = new ArrayList<>();
      double sum = 0;
      LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
      Map<String, List<String>> inputsOf = g.getConfiguration().getVertexInputs();
      for (int idx : g.topologicalSortOrder()) {
        GraphVertex v = g.getVertices()[idx];
        if (v.isInputVertex()) {
          continue;
        }
        List<String> ins = inputsOf.get(v.getVertexName());
        INDArray[] in = ins.stream().map(n -> acts.containsKey(n) ? acts.get(n) : input)
            .toArray(INDArray[]::new);
        Runnable run;
        String kind;
        double macs = 0;
        if (v.hasLayer()) {
          Layer l = v.getLayer();
          var conf = l.conf().getLayer();
          kind = conf.getClass().getSimpleName();
          if (conf instanceof ConvolutionLayer c) {
            int[] k = c.getKernelSize();
            INDArray out = acts.get(v.getVertexName());
            kind = "conv " + k[0] + "x" + k[1] + " s" + c.getStride()[0];
            macs = (double) out.length() * k[0] * k[1] * c.getNIn();
          }
          run = () -> {
            l.setInput(in[0], mgr);
            l.activate(false, mgr);
          };
        } else {
          kind = v.getClass().getSimpleName();
          run = () -> {
            v.setInputs(in);
            v.doForward(false, mgr);
          };
        }
        run.run();
        double t = median(reps, run);
        if (v.hasLayer() && v.getLayer() instanceof org.deeplearning4j.nn.layers.convolution
            .ConvolutionLayer && System.getProperty("builtin") != null) {
          java.lang.reflect.Field hf = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer
              .class.getDeclaredField("helper");
          hf.setAccessible(true);
          Object h = hf.get(v.getLayer());
          hf.set(v.getLayer(), null);
          run.run();
          double tb = median(reps, run);
          hf.set(v.getLayer(), h);
          System.out.printf(Locale.ROOT, "BUILTIN %-28s oneDNN %8.2f ms builtin %8.2f ms%n",
              v.getVertexName(), t * 1e3, tb * 1e3);
        }
        sum += t;
        double[] k = byKind.computeIfAbsent(kind, x -> new double[3]);
        k[0] += t;
        k[1] += macs;
        k[2]++;
        rows.add(String.format(Locale.ROOT, "%-28s %-22s %8.2f ms %7.1f GFLOP/s %s",
            v.getVertexName(), kind, t * 1e3, macs > 0 ? 2 * macs / t / 1e9 : 0.0,
            Arrays.toString(acts.get(v.getVertexName()).shape())));
      }
      rows.forEach(System.out::println);
      System.out.println();
      System.out.println("| kind | count | ms | share of sum | GFLOP/s |");
      System.out.println("|---|---:|---:|---:|---:|");
      for (Map.Entry<String, double[]> k : byKind.entrySet()) {
        double[] x = k.getValue();
        System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f%% | %s |%n", k.getKey(),
            (int) x[2], x[0] * 1e3, 100 * x[0] / sum,
            x[1] > 0 ? String.format(Locale.ROOT, "%.1f", 2 * x[1] / x[0] / 1e9) : "");
      }
      System.out.printf(Locale.ROOT, "%nsum of vertices %.1f ms, whole forward pass %.1f ms "
          + "(%.2f img/s)%n", sum * 1e3, whole * 1e3, batch / whole);
    }
  }

  private static double median(int reps, Runnable r) {
    double[] t = new double[reps];
    for (int i = 0; i < reps; i++) {
      long s = System.nanoTime();
      r.run();
      t[i] = (System.nanoTime() - s) / 1e9;
    }
    Arrays.sort(t);
    return t[reps / 2];
  }
}
