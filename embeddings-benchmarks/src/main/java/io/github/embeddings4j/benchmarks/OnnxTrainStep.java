package io.github.embeddings4j.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.backend.OneDnn;
import io.github.embeddings4j.core.onnx.OnnxImport;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A lab program for fine-tuning ONNX CNNs: reads a model with {@link OnnxImport}, checks its
 * output against ONNX Runtime on the same seeded batch, replaces its classifier with one of
 * {@code classes} outputs (as the fine-tuner does: softmax, cross-entropy, Adam) and times
 * training steps on a seeded random batch. {@code bin/onnx_finetune_bench.py} runs it in
 * alternation with the same steps in PyTorch.
 *
 * <p>Arguments: the {@code .onnx} file, image size, batch size, steps timed (0: only the check
 * against ONNX Runtime), warm-up steps, classes. Prints one JSON line.
 */
public final class OnnxTrainStep {

  static {
    NativeFlavour.select();
  }

  private OnnxTrainStep() {}

  /**
   * Runs the measurement.
   *
   * @param args model, size, batch, steps, warm-up steps, classes
   * @throws Exception if the model cannot be read or run
   */
  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    int size = Integer.parseInt(args[1]);
    int batch = Integer.parseInt(args[2]);
    int steps = Integer.parseInt(args[3]);
    int warmup = Integer.parseInt(args[4]);
    int classes = Integer.parseInt(args[5]);
    long t0 = System.nanoTime();
    OnnxImport.Imported im = OnnxImport.read(model, size, size);
    double importSeconds = (System.nanoTime() - t0) / 1e9;

    SplittableRandom r = new SplittableRandom(3);
    float[] x = new float[batch * 3 * size * size];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    INDArray in = Nd4j.create(x, new long[] {batch, 3, size, size}, 'c');
    float[] ours = im.network().outputSingle(in).dup('c').data().asFloat();
    double maxDiff = 0;
    double maxRef = 0;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), in.shape());
        OrtSession.Result res = s.run(Map.of(s.getInputNames().iterator().next(), t))) {
      float[][] ref = (float[][]) res.get(0).getValue();
      int n = ref[0].length;
      for (int i = 0; i < batch; i++) {
        for (int j = 0; j < n; j++) {
          maxDiff = Math.max(maxDiff, Math.abs(ref[i][j] - ours[i * n + j]));
          maxRef = Math.max(maxRef, Math.abs(ref[i][j]));
        }
      }
    } catch (ai.onnxruntime.OrtException e) {
      // An export fixed at another size: ONNX Runtime takes only that one; no check.
      maxDiff = Double.NaN;
      maxRef = Double.NaN;
    }

    if (steps == 0) {
      System.out.printf(Locale.ROOT, "{\"engine\": \"embeddings4j\", \"model\": \"%s\","
          + " \"size\": %d, \"import_s\": %.2f, \"max_abs_diff_vs_ort\": %.3g,"
          + " \"max_abs_output\": %.3g, \"relative\": %.3g, \"vertices\": %d}%n",
          model.getFileName(), size, importSeconds, maxDiff, maxRef, maxDiff / maxRef,
          im.network().getVertices().length);
      return;
    }
    // The classifier replaced, as the fine-tuner does it.
    ComputationGraph base = im.network();
    long dimension = base.getLayer(im.classifier()).getParam("W").size(0);
    TransferLearning.GraphBuilder g = new TransferLearning.GraphBuilder(base)
        .fineTuneConfiguration(new FineTuneConfiguration.Builder().seed(1)
            .updater(new Adam(1e-4)).build())
        .removeVertexAndConnections(im.classifier());
    // Features that are a 1 x 1 map the file flattens (ConvNeXt's normed head) are pooled
    // into a vector first, as the fine-tuner does.
    String into = im.features();
    if (base.getConfiguration().clone().getLayerActivationTypes(
        org.deeplearning4j.nn.conf.inputs.InputType.convolutional(size, size, im.channels()))
        .get(into) instanceof org.deeplearning4j.nn.conf.inputs.InputType.InputTypeConvolutional) {
      g.addLayer("pool", new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
          org.deeplearning4j.nn.conf.layers.PoolingType.AVG).build(), into);
      into = "pool";
    }
    ComputationGraph net = g.addLayer("head", new OutputLayer.Builder(
            LossFunctions.LossFunction.MCXENT).nIn(dimension).nOut(classes)
            .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), into)
        .setOutputs("head").build();
    OneDnn.attachIfEnabled(net);
    float[] y = new float[batch * classes];
    for (int i = 0; i < batch; i++) {
      y[i * classes + r.nextInt(classes)] = 1;
    }
    DataSet data = new DataSet(in, Nd4j.create(y, new long[] {batch, classes}, 'c'));
    for (int i = 0; i < warmup; i++) {
      net.fit(data);
    }
    t0 = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      net.fit(data);
    }
    double ms = (System.nanoTime() - t0) / 1e6 / steps;
    System.out.printf(Locale.ROOT, "{\"engine\": \"embeddings4j\", \"model\": \"%s\", \"size\": %d,"
        + " \"batch\": %d, \"ms_per_step\": %.1f, \"images_per_s\": %.2f, \"loss\": %.4f,"
        + " \"import_s\": %.2f, \"max_abs_diff_vs_ort\": %.3g, \"max_abs_output\": %.3g,"
        + " \"vertices\": %d}%n", model.getFileName(), size, batch, ms, batch * 1000 / ms,
        net.score(), importSeconds, maxDiff, maxRef, net.getVertices().length);
  }
}
