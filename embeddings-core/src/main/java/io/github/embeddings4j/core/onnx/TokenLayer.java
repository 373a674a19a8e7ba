package io.github.embeddings4j.core.onnx;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What the layers on a transformer's tokens ({@link SelfAttention}, {@link TokenParameter})
 * have in common: named parameters kept in DL4J's flattened array, DL4J's updaters,
 * regularisation and fine-tuning settings (it is a {@link BaseLayer}), and a forward and
 * backward pass of their own, written out with ND4J operations. (DL4J's SameDiff layers, which
 * work out the backward pass, give parameter gradients twice too large in 1.0.0-M2.1, its own
 * {@code SelfAttentionLayer} included: DL4J's gradient check fails on them.)
 */
abstract class TokenLayer extends BaseLayer {

  private static final long serialVersionUID = 1L;

  /** The parameters, by name, in the order of the flattened array. */
  abstract Map<String, long[]> shapes();

  /** Whether a parameter is a bias (left out of weight regularisation). */
  abstract boolean isBias(String name);

  /** Sets the parameters' first values (before any import or training). */
  abstract void initialise(Map<String, INDArray> params);

  /** The output for input {@code x}. */
  abstract INDArray forward(Map<String, INDArray> params, INDArray x);

  /**
   * The backward pass: writes each parameter's gradient into {@code grads} and returns the
   * gradient of the input.
   */
  abstract INDArray backward(Map<String, INDArray> params, INDArray x, INDArray epsilon,
      Map<String, INDArray> grads);

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int index, INDArray paramsView,
      boolean initializeParams, DataType dataType) {
    Impl layer = new Impl(conf, dataType);
    layer.setListeners(listeners);
    layer.setIndex(index);
    layer.setParamsViewArray(paramsView);
    layer.setParamTable(initializer().init(conf, paramsView, initializeParams));
    layer.setConf(conf);
    return layer;
  }

  @Override
  public ParamInitializer initializer() {
    return PARAMS;
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    // The sizes are fixed when the layer is made.
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    return null;
  }

  @Override
  public boolean isPretrainParam(String paramName) {
    return false;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType out = getOutputType(-1, inputType);
    long params = PARAMS.numParams(this);
    return new LayerMemoryReport.Builder(layerName, getClass(), inputType, out)
        .standardMemory(params, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
  }

  /** The parameters of any token layer: views of the flattened array, in {@link #shapes}. */
  private static final ParamInitializer PARAMS = new ParamInitializer() {

    private TokenLayer of(Layer l) {
      return (TokenLayer) l;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
      return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
      long n = 0;
      for (long[] s : of(layer).shapes().values()) {
        long k = 1;
        for (long d : s) {
          k *= d;
        }
        n += k;
      }
      return n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
      return new ArrayList<>(of(layer).shapes().keySet());
    }

    @Override
    public List<String> weightKeys(Layer layer) {
      List<String> out = new ArrayList<>();
      for (String k : of(layer).shapes().keySet()) {
        if (!of(layer).isBias(k)) {
          out.add(k);
        }
      }
      return out;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
      List<String> out = new ArrayList<>();
      for (String k : of(layer).shapes().keySet()) {
        if (of(layer).isBias(k)) {
          out.add(k);
        }
      }
      return out;
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
      return of(layer).shapes().containsKey(key) && !of(layer).isBias(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
      return of(layer).shapes().containsKey(key) && of(layer).isBias(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray view,
        boolean initialize) {
      Map<String, INDArray> out = views(conf.getLayer(), view);
      for (String k : out.keySet()) {
        conf.addVariable(k); // what DL4J's setParams and its listeners go by
      }
      if (initialize) {
        of(conf.getLayer()).initialise(out);
      }
      return out;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf,
        INDArray view) {
      return views(conf.getLayer(), view);
    }

    private Map<String, INDArray> views(Layer layer, INDArray view) {
      Map<String, INDArray> out = new LinkedHashMap<>();
      long at = 0;
      INDArray flat = view.reshape(view.length());
      for (Map.Entry<String, long[]> e : of(layer).shapes().entrySet()) {
        long k = 1;
        for (long d : e.getValue()) {
          k *= d;
        }
        // Column-major, as DL4J's own layers: its setParams copies flattened values so.
        out.put(e.getKey(), flat.get(NDArrayIndex.interval(at, at + k)).reshape('f',
            e.getValue()));
        at += k;
      }
      return out;
    }
  };

  /** The layer in a live network. */
  static final class Impl extends org.deeplearning4j.nn.layers.BaseLayer<TokenLayer> {

    Impl(NeuralNetConfiguration conf, DataType dataType) {
      super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
      assertInputSet(false);
      INDArray y = layerConf().forward(params, input);
      INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, y.dataType(),
          y.shape(), 'c');
      return out.assign(y);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon,
        LayerWorkspaceMgr workspaceMgr) {
      assertInputSet(true);
      INDArray dx = layerConf().backward(params, input, epsilon, gradientViews);
      Gradient g = new DefaultGradient(gradientsFlattened);
      for (String k : layerConf().shapes().keySet()) {
        g.gradientForVariable().put(k, gradientViews.get(k));
      }
      INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD,
          dx.dataType(), dx.shape(), 'c');
      return new Pair<>(g, out.assign(dx));
    }

    @Override
    public boolean isPretrainLayer() {
      return false;
    }

    @Override
    public Type type() {
      return Type.FEED_FORWARD;
    }
  }
}
