package io.github.embeddings4j.core.backend;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches on DL4J's oneDNN layer helpers for convolution, pooling and batch normalisation.
 *
 * <p>DL4J 1.0.0-M2.1 bundles oneDNN in its {@code -onednn-*} native builds but never uses it from
 * the layers: the check that would attach the helpers looks for a class that is gone from M2.1
 * ({@code org.nd4j.nativeblas.Nd4jCpu$Environment}). Each layer keeps its helper in a private
 * field, {@code helper}; this class fills that field with the oneDNN helper, which is what the
 * layer would have done had the check passed. Measured here: SqueezeNet and ResNet50 inference
 * 1.7&ndash;1.9&times; faster, outputs equal to the plain path within 1e-6 relative (the
 * equivalence test of this package checks it on every build).
 *
 * <p>It is attempted only on a oneDNN build ({@link NativeFlavour#isOneDnn()}); the system
 * property {@value #PROPERTY}{@code =false} turns it off. Any reflective failure leaves the
 * layer as it was (the slower, plain path), logged once.
 */
public final class OneDnn {

  /** Set to {@code false} to keep DL4J's own (helper-less) layers on a oneDNN build. */
  public static final String PROPERTY = "embeddings4j.oneDnnHelpers";

  private static final Logger LOG = LoggerFactory.getLogger(OneDnn.class);

  private static volatile boolean warned;

  private OneDnn() {}

  /**
   * Whether helpers are attached by default in this JVM: a oneDNN build is loaded and the
   * property {@value #PROPERTY} is not {@code false}.
   *
   * @return {@code true} when {@link #attachIfEnabled(Model)} attaches helpers
   */
  public static boolean enabled() {
    return NativeFlavour.isOneDnn() && !"false".equalsIgnoreCase(System.getProperty(PROPERTY));
  }

  /**
   * Attaches the helpers when {@link #enabled()}.
   *
   * @param model a {@link ComputationGraph} or {@link MultiLayerNetwork}
   * @return how many layers got a helper
   */
  public static int attachIfEnabled(Model model) {
    return enabled() ? attach(model) : 0;
  }

  /**
   * Attaches the oneDNN helpers to every plain 2-D convolution, pooling and batch-normalisation
   * layer of a float model. The helpers run libnd4j's own {@code conv2d}, {@code maxpool2d},
   * {@code batchnorm} operations, which a oneDNN build executes with oneDNN and other builds with
   * their generic code. The helpers' own {@code checkSupported()} is not consulted: in M2.1 it
   * always answers no (the missing class above).
   *
   * @param model a {@link ComputationGraph} or {@link MultiLayerNetwork}
   * @return how many layers got a helper
   */
  public static int attach(Model model) {
    Layer[] layers;
    if (model instanceof ComputationGraph graph) {
      layers = graph.getLayers();
    } else if (model instanceof MultiLayerNetwork net) {
      layers = net.getLayers();
    } else {
      return 0;
    }
    DataType type = model.params().dataType();
    if (type != DataType.FLOAT) {
      // The helpers are written for float networks only.
      return 0;
    }
    int attached = 0;
    for (Layer layer : layers) {
      try {
        attached += attach(layer, type) ? 1 : 0;
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        if (!warned) {
          warned = true;
          LOG.warn("oneDNN helpers not attached ({}); layers run on DL4J's plain path", e.toString());
        }
        return attached;
      }
    }
    return attached;
  }

  private static boolean attach(Layer layer, DataType type) throws ReflectiveOperationException {
    Object helper;
    Class<?> owner;
    // Exact classes: subclasses (separable, depthwise, 1-D, deconvolution) have their own helpers
    // or none, and the 2-D helpers would compute the wrong thing for them.
    if (layer.getClass() == ConvolutionLayer.class) {
      helper = new MKLDNNConvHelper(type);
      owner = ConvolutionLayer.class;
    } else if (layer.getClass() == SubsamplingLayer.class) {
      helper = new MKLDNNSubsamplingHelper(type);
      owner = SubsamplingLayer.class;
    } else if (layer.getClass() == BatchNormalization.class) {
      helper = new MKLDNNBatchNormHelper(type);
      owner = BatchNormalization.class;
    } else {
      return false;
    }
    Field field = owner.getDeclaredField("helper");
    field.setAccessible(true);
    field.set(layer, helper);
    return true;
  }
}
