package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.zoo.dnnl.DnnlGraph;
import io.github.embeddings4j.core.embed.Activations;
import io.github.embeddings4j.core.embed.ForwardPass;
import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.onnx.OrtForward;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the forward pass of a zoo network on the engine asked for, or the fastest measured for
 * the model ({@link Engine#AUTO}), and checks it against DL4J's forward pass on one pseudo-random
 * image: an engine that cannot run the network, or computes something else, gives way to the
 * next, and DL4J's own pass is always last.
 */
final class Engines {

  private static final Logger LOG = LoggerFactory.getLogger(Engines.class);

  /**
   * Largest relative difference from DL4J's forward pass (max |a - b| over max |b|) an engine may
   * show on the check image; float rounding in another summation order stays near 1e-6.
   */
  static final double TOLERANCE = 1e-3;

  private Engines() {}

  /**
   * The engines to try for a model, fastest first, as measured side by side on CPUs
   * (docs/models.md, "Engines"): embedders with their defaults on calls of 16 images, ONNX
   * Runtime against the oneDNN graph executor, ResNet50 1.03x, SqueezeNet 1.17x, VGG16 1.02x
   * (and single images 1.2-1.9x), LeNet and SimpleCNN 1.2-2.4x: ONNX Runtime; Darknet19 0.93x and
   * Xception 0.83x: the executor. Where the two are level ONNX Runtime goes first, one engine
   * being better than two. NASNet (no random initialisation to measure) is built of separable
   * convolutions like Xception, and follows it.
   */
  static List<Engine> preference(ZooModel model, Engine wanted) {
    List<Engine> order = new ArrayList<>();
    if (wanted != Engine.AUTO) {
      order.add(wanted);
    } else if (fastestOnOnnxRuntime(model)) {
      order.add(Engine.ONNX_RUNTIME);
      order.add(Engine.ONEDNN_GRAPH);
    } else {
      order.add(Engine.ONEDNN_GRAPH);
      order.add(Engine.ONNX_RUNTIME);
    }
    if (!order.contains(Engine.DL4J)) {
      order.add(Engine.DL4J);
    }
    return order;
  }

  private static boolean fastestOnOnnxRuntime(ZooModel model) {
    return switch (model) {
      case RESNET50, VGG16, VGG19, SQUEEZENET, LENET, SIMPLE_CNN -> true;
      default -> false;
    };
  }

  /**
   * The engine that runs a network and its first pass.
   *
   * @param engine which engine it is
   * @param pass the pass
   */
  record Chosen(Engine engine, ForwardPass pass) {}

  /**
   * The forward pass for a network.
   *
   * @param model the zoo model (for the default order)
   * @param wanted the engine asked for
   * @param net the truncated network; owned by the result (freed when another engine took it)
   * @param format its input
   * @param helpers whether DL4J's copies get the oneDNN layer helpers
   * @return the first engine that runs the network and agrees with DL4J, and its first pass
   */
  static Chosen choose(ZooModel model, Engine wanted, Model net, InputFormat format,
      boolean helpers) {
    String backend = Nd4j.getBackend().getClass().getSimpleName();
    boolean cpu = backend.equals("CpuBackend");
    boolean last = FeatureNet.channelsLast(net);
    float[] image = null;
    float[] expected = null;
    for (Engine e : preference(model, wanted)) {
      if (e == Engine.DL4J) {
        break;
      }
      if (!cpu || last) {
        LOG.info("{}: DL4J's forward pass ({})", model, !cpu ? "ND4J runs on " + backend
            : "channels-last network");
        break;
      }
      ForwardPass pass = null;
      try {
        pass = build(e, net, format);
        if (expected == null) {
          image = checkImage(format);
          expected = Dl4jForward.activations(FeatureNet.forward(net, Nd4j.create(image,
              new long[] {1, format.channels(), format.height(), format.width()}), false))
              .data();
        }
        Activations actual = pass.forward(image, 1);
        double error = DnnlGraph.relativeError(actual.data(), expected);
        if (error <= TOLERANCE) {
          // The engine holds its own weights: DL4J's copy (ResNet50 100 MB, VGG16 550 MB
          // outside the heap) is not needed any more.
          net.close();
          return new Chosen(e, pass);
        }
        LOG.warn("{}: {} differs from DL4J by {} (relative, more than {}); trying the next"
            + " engine", model, pass.engine(), error, TOLERANCE);
      } catch (DnnlGraph.Unsupported | OnnxExport.Unsupported x) {
        LOG.info("{}: {} cannot run it ({})", model, e, x.getMessage());
      } catch (RuntimeException | LinkageError | ai.onnxruntime.OrtException x) {
        LOG.warn("{}: {} unavailable ({}); trying the next engine", model, e, x.toString());
      }
      if (pass != null) {
        pass.close();
      }
    }
    return new Chosen(Engine.DL4J, new Dl4jForward(net, format, helpers));
  }

  private static ForwardPass build(Engine e, Model net, InputFormat format)
      throws DnnlGraph.Unsupported, OnnxExport.Unsupported, ai.onnxruntime.OrtException {
    if (e == Engine.ONEDNN_GRAPH) {
      DnnlGraph graph = net instanceof ComputationGraph g ? DnnlGraph.compile(g, format)
          : DnnlGraph.compile((MultiLayerNetwork) net, format);
      try {
        return new DnnlForward(graph.runner());
      } catch (RuntimeException | LinkageError x) {
        graph.close();
        throw x;
      }
    }
    byte[] onnx = net instanceof ComputationGraph g ? OnnxExport.export(g, format)
        : OnnxExport.export((MultiLayerNetwork) net, format);
    return OrtForward.open(onnx, "input", "output", new long[] {format.channels(),
        format.height(), format.width()});
  }

  /** A fixed pseudo-random image at the scale of the models' inputs. */
  private static float[] checkImage(InputFormat format) {
    float[] image = new float[format.size()];
    Random random = new Random(20261129L);
    for (int i = 0; i < image.length; i++) {
      image[i] = (float) (random.nextGaussian() * 60);
    }
    return image;
  }
}
