package io.github.embeddings4j.core.zoo.dnnl;

import io.github.embeddings4j.core.image.InputFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.concat;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A convolutional graph compiled for oneDNN: the forward pass of a DL4J {@link ComputationGraph}
 * (inference only, up to its output vertex) as a list of oneDNN primitives that keep their
 * activations in oneDNN's own blocked layout from the first convolution to the last.
 *
 * <p>Why: with DL4J's oneDNN layer helpers ({@code core.backend.OneDnn}) every convolution
 * reorders its input out of plain NCHW into the blocked layout and its output back, every
 * residual addition and ReLU is a separate pass over memory, and DL4J does Java work between
 * layers; ResNet50's 1x1 convolutions ran at a third of the machine's matrix-product rate. Here
 * the weights are reordered once, each activation stays blocked, an activation layer after a
 * convolution becomes that convolution's post-op, and a residual addition (with the ReLU after
 * it) becomes the {@code sum} post-op of the convolution that produces its last input, written in
 * place over the other input when nothing else still reads it. docs/models.md has the figures.
 *
 * <p>What compiles: plain and depthwise-separable 2-D convolutions (channels first, any stride,
 * dilation, padding and {@link ConvolutionMode} except {@code Causal}; activation identity, ReLU,
 * leaky ReLU, tanh or sigmoid), batch norms (folded into the convolution before them where that
 * computes the same, else oneDNN's batch norm with a following ReLU fused), max and average
 * pooling, global max and average pooling, zero padding before a convolution, activation layers,
 * two-input additions, channel concatenations, dense layers (inner products) and dropout (the
 * identity at inference), in a graph or a layer stack. A network with anything else (other
 * layers or preprocessors, several inputs) is not compiled: {@code compile} throws {@link
 * Unsupported} naming the vertex, and the caller keeps DL4J's own forward pass.
 *
 * <p>Threads: the compiled graph (its weights, reordered once per layout) is shared; each thread
 * runs its own {@link Runner}, which holds its activation buffers.
 */
public final class DnnlGraph implements AutoCloseable {

  /** Set to {@code false} to keep DL4J's own forward pass for every model. */
  static final String PROPERTY = "embeddings4j.oneDnnGraph";

  /**
   * The largest relative difference from DL4J's forward pass (max absolute difference over the
   * largest absolute DL4J output) accepted when an embedder checks a compiled graph. Measured:
   * 1e-6 to 3e-6 on random ResNet50 and SqueezeNet graphs (DnnlGraphTest); float sums in another
   * order, not a different computation, differ by that much.
   */
  public static final double TOLERANCE = 1e-3;

  private static volatile engine cpu;

  /** Why a graph did not compile. */
  public static final class Unsupported extends Exception {
    Unsupported(String message) {
      super(message);
    }
  }

  /** An activation as a oneDNN element-wise algorithm. */
  private record Eltwise(dnnl.algorithm algorithm, float alpha, float beta) {}

  /**
   * Where a convolution or pooling window goes: its size, stride, dilation (oneDNN's: 0 is
   * none) and padding before (top, left) and after (bottom, right).
   */
  private record Window(long[] kernel, long[] stride, long[] dilation, long[] padL,
      long[] padR) {}

  /** One value a vertex produces: channels, height and width of one image. */
  private record Tensor(long c, long h, long w, boolean flat) {
    Tensor(long c, long h, long w) {
      this(c, h, w, false);
    }
  }

  /** One operation of the program, on tensor indices. */
  private abstract static class Op {
    final String name;
    final int dst;

    Op(String name, int dst) {
      this.name = name;
      this.dst = dst;
    }

    abstract int[] inputs();
  }

  private static final class Conv extends Op {
    final int src;
    /**
     * The weights as DL4J holds them ({@code oihw}; {@code goihw} for a grouped convolution), a
     * float array of their own outside the heap, until the first layout is packed.
     */
    INDArray weights;
    float[] bias;
    /** {@code [o, i, kh, kw]}, or {@code [groups, o/groups, i/groups, kh, kw]}. */
    final long[] weightDims;
    /** Null for a dense layer. */
    final Window window;
    Eltwise own;
    /**
     * A dense layer (oneDNN's inner product) rather than a convolution: no stride or padding,
     * weights {@code [o, c, h, w]} over a feature map or {@code [o, i]} over a vector.
     */
    boolean dense;
    /** The tensor added to the convolution's result (a residual addition), or -1. */
    int sum = -1;
    /** The activation after the addition (or after {@link #own} when there is none). */
    Eltwise after;
    /** Reordered weights: one memory per layout that a plan's primitive asked for. */
    final List<memory> packed = new ArrayList<>();
    memory biasMemory;

    Conv(String name, int src, int dst, INDArray weights, float[] bias, long[] weightDims,
        Window window, Eltwise own) {
      super(name, dst);
      this.src = src;
      this.weights = weights;
      this.bias = bias;
      this.weightDims = weightDims;
      this.window = window;
      this.own = own;
    }

    @Override
    int[] inputs() {
      return sum < 0 ? new int[] {src} : new int[] {src, sum};
    }

    /** A dense layer with weights {@code [o, ...]}. */
    static Conv dense(String name, int src, int dst, INDArray weights, float[] bias,
        long[] weightDims, Eltwise own) {
      Conv c = new Conv(name, src, dst, weights, bias, weightDims, null, own);
      c.dense = true;
      return c;
    }

    /** The number of output channels. */
    long outChannels() {
      return weightDims.length == 5 ? weightDims[0] * weightDims[1] : weightDims[0];
    }

    /** Whether a batch norm after it can be folded into its weights and bias. */
    boolean takesBatchNorm() {
      return own == null && sum < 0 && after == null && weights != null;
    }

    /** Folds {@code y = x·s + t} per output channel into the weights and bias. */
    void fold(double[] s, double[] t) {
      int out = (int) outChannels();
      float[] scale = new float[out];
      float[] b = new float[out];
      for (int o = 0; o < out; o++) {
        scale[o] = (float) s[o];
        b[o] = (float) ((bias == null ? 0 : bias[o]) * s[o] + t[o]);
      }
      // Each output channel's weights are one contiguous run: scale the rows of [out, rest].
      weights.reshape('c', out, weights.length() / out)
          .muliColumnVector(Nd4j.create(scale, new long[] {out, 1}, 'c'));
      bias = b;
    }
  }

  /** A batch norm left standing (not after a convolution it folds into): a per-channel affine map. */
  private static final class Norm extends Op {
    final int src;
    final float[] scale;
    final float[] shift;
    /** A ReLU after it, fused. */
    boolean relu;
    /** oneDNN's arguments: mean 0 and variance 1 (so that it computes x·scale + shift). */
    memory mean;
    memory variance;
    memory scaleShift;

    Norm(String name, int src, int dst, float[] scale, float[] shift) {
      super(name, dst);
      this.src = src;
      this.scale = scale;
      this.shift = shift;
    }

    @Override
    int[] inputs() {
      return new int[] {src};
    }

    synchronized void prepare() {
      if (scaleShift != null) {
        return;
      }
      engine e = engine();
      int c = scale.length;
      float[] ones = new float[c];
      java.util.Arrays.fill(ones, 1f);
      mean = filled(new float[c], e, new long[] {c}, memory.format_tag.a);
      variance = filled(ones, e, new long[] {c}, memory.format_tag.a);
      float[] ss = new float[2 * c];
      System.arraycopy(scale, 0, ss, 0, c);
      System.arraycopy(shift, 0, ss, c, c);
      scaleShift = filled(ss, e, new long[] {2, c}, memory.format_tag.ab);
    }
  }

  /** A oneDNN-allocated memory holding {@code values}. */
  private static memory filled(float[] values, engine e, long[] dims, memory.format_tag tag) {
    memory m = new memory(desc(dims, tag), e);
    new FloatPointer(m.get_data_handle()).capacity(values.length).put(values);
    return m;
  }

  private static final class Pool extends Op {
    final int src;
    final dnnl.algorithm algorithm;
    final Window window;

    Pool(String name, int src, int dst, dnnl.algorithm algorithm, Window window) {
      super(name, dst);
      this.src = src;
      this.algorithm = algorithm;
      this.window = window;
    }

    @Override
    int[] inputs() {
      return new int[] {src};
    }
  }

  private static final class Activation extends Op {
    final int src;
    final Eltwise eltwise;

    Activation(String name, int src, int dst, Eltwise eltwise) {
      super(name, dst);
      this.src = src;
      this.eltwise = eltwise;
    }

    @Override
    int[] inputs() {
      return new int[] {src};
    }
  }

  private static final class Add extends Op {
    final int a;
    final int b;
    Eltwise after;

    Add(String name, int a, int b, int dst) {
      super(name, dst);
      this.a = a;
      this.b = b;
    }

    @Override
    int[] inputs() {
      return new int[] {a, b};
    }
  }

  private static final class Concat extends Op {
    final int[] srcs;

    Concat(String name, int[] srcs, int dst) {
      super(name, dst);
      this.srcs = srcs;
    }

    @Override
    int[] inputs() {
      return srcs.clone();
    }
  }

  private final List<Tensor> tensors;
  private final List<Op> ops;
  private final int input;
  private final int output;
  /** Per tensor, the index of the last op that reads it ({@code ops.size()} for the output). */
  private final int[] lastUse;

  private DnnlGraph(List<Tensor> tensors, List<Op> ops, int input, int output) {
    this.tensors = tensors;
    this.ops = ops;
    this.input = input;
    this.output = output;
    this.lastUse = new int[tensors.size()];
    java.util.Arrays.fill(lastUse, -1);
    for (int i = 0; i < ops.size(); i++) {
      for (int t : ops.get(i).inputs()) {
        lastUse[t] = i;
      }
    }
    lastUse[output] = ops.size();
  }

  /** Runners not yet closed: the weights stay until the last one is. */
  private int openRunners;
  private boolean closing;
  private boolean released;

  /**
   * Frees the packed weights (native memory: ResNet50 about 100 MB, VGG16 550 MB) once every
   * runner is closed; runners still running finish first, and no new runner can start.
   */
  @Override
  public synchronized void close() {
    closing = true;
    freeIfDone();
  }

  /** Whether the weights have been freed. */
  synchronized boolean released() {
    return released;
  }

  private void freeIfDone() {
    if (!closing || openRunners > 0 || released) {
      return;
    }
    released = true;
    for (Op op : ops) {
      if (op instanceof Conv c) {
        synchronized (c) {
          c.packed.forEach(memory::close);
          c.packed.clear();
          if (c.biasMemory != null) {
            c.biasMemory.close();
            c.biasMemory = null;
          }
          if (c.weights != null) {
            c.weights.close();
            c.weights = null;
          }
        }
      } else if (op instanceof Norm nrm) {
        synchronized (nrm) {
          for (memory m : new memory[] {nrm.mean, nrm.variance, nrm.scaleShift}) {
            if (m != null) {
              m.close();
            }
          }
          nrm.mean = null;
          nrm.variance = null;
          nrm.scaleShift = null;
        }
      }
    }
  }

  /**
   * What the executor is in this JVM, for reports: "on (oneDNN 2.5.2, avx512_core)", "off
   * (...)" when the property turns it off, or "unavailable (...)" when oneDNN cannot load.
   */
  public static String status() {
    if (!enabled()) {
      return "off (-D" + PROPERTY + "=false)";
    }
    try {
      org.bytedeco.dnnl.dnnl_version_t v = dnnl.dnnl_version();
      return "on (oneDNN " + v.major() + "." + v.minor() + "." + v.patch() + ", "
          + dnnl.get_effective_cpu_isa() + ")";
    } catch (RuntimeException | LinkageError e) {
      return "unavailable (" + e + ")";
    }
  }

  /** Whether the executor is allowed in this JVM (the property is not {@code false}). */
  public static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY));
  }

  /** max |actual - expected| over max |expected|: float error relative to the output's scale. */
  public static double relativeError(float[] actual, float[] expected) {
    if (actual.length != expected.length) {
      return Double.POSITIVE_INFINITY;
    }
    double scale = 0;
    double err = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      err = Math.max(err, Math.abs(actual[i] - expected[i]));
    }
    return scale == 0 ? err : err / scale;
  }

  /** The number of operations after fusion (for logs and tests). */
  public int operations() {
    return ops.size();
  }

  /** The number of residual additions fused into a convolution (for logs and tests). */
  public int fusedAdditions() {
    int n = 0;
    for (Op op : ops) {
      if (op instanceof Conv c && c.sum >= 0) {
        n++;
      }
    }
    return n;
  }

  /** The bytes every tensor of a batch of {@code n} would take if each had its own buffer. */
  long tensorBytes(int n) {
    long sum = 0;
    for (Tensor t : tensors) {
      sum += 4L * n * t.c * t.h * t.w;
    }
    return sum;
  }

  /** The output of one image: channels, height, width. */
  public long[] outputShape() {
    Tensor t = tensors.get(output);
    return new long[] {t.c, t.h, t.w};
  }

  /**
   * Compiles a float graph with one image input and one output.
   *
   * @param graph the graph, cut after its output and with batch norms folded where possible
   * @param format the input size
   * @return the compiled graph
   * @throws Unsupported naming the first vertex that oneDNN cannot run here
   */
  public static DnnlGraph compile(ComputationGraph graph, InputFormat format)
      throws Unsupported {
    ComputationGraphConfiguration conf = graph.getConfiguration();
    if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
      throw new Unsupported("the graph has " + conf.getNetworkInputs().size() + " inputs and "
          + conf.getNetworkOutputs().size() + " outputs");
    }
    checkBackendAndType(graph.params());
    String in = conf.getNetworkInputs().get(0);
    Map<String, InputType> types;
    try {
      types = conf.clone().getLayerActivationTypes(InputType.convolutional(format.height(),
          format.width(), format.channels()));
    } catch (RuntimeException e) {
      throw new Unsupported("shapes unknown for a " + format.height() + "x" + format.width()
          + " image: " + e.getMessage());
    }
    Map<String, List<String>> inputs = conf.getVertexInputs();
    Map<String, Integer> consumers = new HashMap<>();
    for (List<String> list : inputs.values()) {
      for (String s : list) {
        consumers.merge(s, 1, Integer::sum);
      }
    }
    String out = conf.getNetworkOutputs().get(0);

    Compiler k = new Compiler(graph::getLayer, consumers, types, out);
    k.tensors.add(new Tensor(format.channels(), format.height(), format.width()));
    k.define(in, 0);
    for (String name : conf.getTopologicalOrderStr()) {
      if (!name.equals(in)) {
        k.vertex(name, conf.getVertices().get(name), inputs.get(name));
      }
    }
    if (k.ops.isEmpty()) {
      throw new Unsupported("nothing to compute");
    }
    return new DnnlGraph(k.tensors, k.ops, 0, k.tensorOf.get(out));
  }

  /**
   * Compiles a float layer stack ({@code MultiLayerNetwork}) whose first layer takes images: the
   * same as a graph whose vertices form one chain.
   *
   * @param net the network, cut after its output layer
   * @param format the input size
   * @return the compiled network
   * @throws Unsupported naming the first layer that oneDNN cannot run here
   */
  public static DnnlGraph compile(MultiLayerNetwork net, InputFormat format)
      throws Unsupported {
    checkBackendAndType(net.params());
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    List<InputType> list;
    try {
      list = conf.clone().getLayerActivationTypes(InputType.convolutional(format.height(),
          format.width(), format.channels()));
    } catch (RuntimeException e) {
      throw new Unsupported("shapes unknown for a " + format.height() + "x" + format.width()
          + " image: " + e.getMessage());
    }
    int n = net.getnLayers();
    String[] names = new String[n];
    Map<String, org.deeplearning4j.nn.api.Layer> live = new HashMap<>();
    Map<String, InputType> types = new HashMap<>();
    Map<String, Integer> consumers = new HashMap<>();
    String in = "input";
    consumers.put(in, 1);
    for (int i = 0; i < n; i++) {
      String name = conf.getConf(i).getLayer().getLayerName();
      names[i] = name == null || name.equals(in) ? String.valueOf(i) : name;
      live.put(names[i], net.getLayer(i));
      types.put(names[i], list.get(i));
      consumers.put(names[i], i < n - 1 ? 1 : 0);
    }
    Compiler k = new Compiler(live::get, consumers, types, names[n - 1]);
    k.tensors.add(new Tensor(format.channels(), format.height(), format.width()));
    k.define(in, 0);
    for (int i = 0; i < n; i++) {
      k.vertex(names[i], new LayerVertex(conf.getConf(i), conf.getInputPreProcess(i)),
          List.of(i == 0 ? in : names[i - 1]));
    }
    if (k.ops.isEmpty()) {
      throw new Unsupported("nothing to compute");
    }
    return new DnnlGraph(k.tensors, k.ops, 0, k.tensorOf.get(names[n - 1]));
  }

  /** Refuses a network ND4J runs on a GPU, or whose parameters are not float. */
  private static void checkBackendAndType(INDArray params) throws Unsupported {
    String backend = org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName();
    if (!backend.equals("CpuBackend")) {
      // On ND4J's CUDA backend the network stays where ND4J runs it, on the GPU.
      throw new Unsupported("ND4J runs on " + backend + ", not the CPU");
    }
    if (params == null || params.dataType() != DataType.FLOAT) {
      throw new Unsupported("the network's parameters are not float");
    }
  }

  /** The state of one compilation: tensors, ops, and which names read which tensor. */
  private static final class Compiler {
    /** The live layer of each name, for its parameters. */
    final java.util.function.Function<String, org.deeplearning4j.nn.api.Layer> graph;
    final Map<String, Integer> consumers;
    final Map<String, InputType> types;
    final String out;
    final List<Tensor> tensors = new ArrayList<>();
    final List<Op> ops = new ArrayList<>();
    final Map<String, Integer> tensorOf = new HashMap<>();
    /** Per tensor, how many vertices read it (through every name that stands for it). */
    final Map<Integer, Integer> readers = new HashMap<>();
    /** The op that produced each tensor (none for the input). */
    final Map<Integer, Op> producer = new HashMap<>();
    /** Zero padding (top, bottom, left, right) to fold into the convolution that reads it. */
    final Map<String, long[]> pendingPad = new HashMap<>();

    Compiler(java.util.function.Function<String, org.deeplearning4j.nn.api.Layer> graph,
        Map<String, Integer> consumers, Map<String, InputType> types,
        String out) {
      this.graph = graph;
      this.consumers = consumers;
      this.types = types;
      this.out = out;
    }

    /** A new tensor made by {@code name}. */
    void define(String name, int tensor) {
      tensorOf.put(name, tensor);
      readers.put(tensor, consumers.getOrDefault(name, 0));
    }

    /** {@code name} computes nothing new: it stands for the tensor its only input reads. */
    void alias(String name, int tensor) {
      tensorOf.put(name, tensor);
      readers.merge(tensor, consumers.getOrDefault(name, 0) - 1, Integer::sum);
    }

    /** Whether a tensor is read by exactly one vertex (so a post-op may change it). */
    boolean readOnce(int tensor) {
      return readers.getOrDefault(tensor, 0) == 1;
    }

    void add(Op op, Tensor shape, String name) {
      tensors.add(shape);
      ops.add(op);
      producer.put(op.dst, op);
      define(name, op.dst);
    }

    void vertex(String name, GraphVertex v, List<String> from) throws Unsupported {
      InputType type = types.get(name);
      Layer layer = v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
      boolean plainConv = layer != null && (layer.getClass() == ConvolutionLayer.class
          || layer.getClass() == SeparableConvolution2D.class);
      for (String f : from) {
        if (pendingPad.containsKey(f) && !plainConv) {
          throw new Unsupported(f + ": zero padding before " + name + ", not a convolution");
        }
      }
      if (v instanceof LayerVertex lv) {
        if (lv.getPreProcessor() != null && !(layer.getClass() == DenseLayer.class
            && lv.getPreProcessor() instanceof CnnToFeedForwardPreProcessor flatten
            && flatten.getFormat() != CNN2DFormat.NHWC) && !sameMap(lv.getPreProcessor(),
                tensors.get(tensorOf.get(from.get(0))))) {
          throw new Unsupported(name + ": input preprocessor "
              + lv.getPreProcessor().getClass().getSimpleName());
        }
        layer(name, layer, from.get(0), type);
      } else if (v instanceof ElementWiseVertex ew) {
        addition(name, ew, from);
      } else if (v instanceof MergeVertex mv) {
        merge(name, mv, from);
      } else {
        throw new Unsupported(name + ": " + v.getClass().getSimpleName());
      }
    }

    /**
     * Whether a preprocessor leaves a feature map as it is: DL4J's zoo puts a
     * feed-forward-to-CNN reshape before VGG's first convolution, the identity on an image batch.
     */
    private static boolean sameMap(org.deeplearning4j.nn.conf.InputPreProcessor p, Tensor t) {
      return p instanceof FeedForwardToCnnPreProcessor r && !t.flat
          && r.getNumChannels() == t.c && r.getInputHeight() == t.h && r.getInputWidth() == t.w;
    }

    private void layer(String name, Layer layer, String src, InputType type) throws Unsupported {
      int srcTensor = tensorOf.get(src);
      Tensor s = tensors.get(srcTensor);
      if (layer.getClass() == ConvolutionLayer.class) {
        ConvolutionLayer c = (ConvolutionLayer) layer;
        if (c.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
          throw new Unsupported(name + ": channels-last convolution");
        }
        Tensor d = shape(name, type);
        Window win = window(name, c, src, s, d);
        org.deeplearning4j.nn.api.Layer live = graph.apply(name);
        INDArray w = live.getParam("W");
        INDArray b = c.hasBias() ? live.getParam("b") : null;
        long[] wd = w.shape();
        if (wd.length != 4 || wd[1] != s.c || wd[0] != d.c) {
          throw new Unsupported(name + ": weights of shape " + java.util.Arrays.toString(wd));
        }
        Conv op = new Conv(name, srcTensor, tensors.size(), w.castTo(DataType.FLOAT).dup('c'),
            b == null ? null : b.dup('c').data().asFloat(), wd, win,
            eltwise(name, c.getActivationFn()));
        add(op, d, name);
      } else if (layer.getClass() == SeparableConvolution2D.class) {
        separable(name, (SeparableConvolution2D) layer, src, srcTensor, type);
      } else if (layer.getClass() == DenseLayer.class) {
        dense(name, (DenseLayer) layer, srcTensor);
      } else if (layer.getClass() == BatchNormalization.class) {
        BatchNormalization bn = (BatchNormalization) layer;
        if (bn.getCnn2DFormat() == CNN2DFormat.NHWC) {
          throw new Unsupported(name + ": channels-last batch norm");
        }
        double[][] st = scaleShift(graph.apply(name), s.c);
        if (producer.get(srcTensor) instanceof Conv c && c.takesBatchNorm()
            && readOnce(srcTensor)) {
          c.fold(st[0], st[1]);
          alias(name, srcTensor);
        } else {
          float[] scale = new float[(int) s.c];
          float[] shift = new float[(int) s.c];
          for (int i = 0; i < scale.length; i++) {
            scale[i] = (float) st[0][i];
            shift[i] = (float) st[1][i];
          }
          add(new Norm(name, srcTensor, tensors.size(), scale, shift), s, name);
        }
      } else if (layer.getClass() == SubsamplingLayer.class) {
        SubsamplingLayer sl = (SubsamplingLayer) layer;
        if (sl.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
          throw new Unsupported(name + ": channels-last pooling");
        }
        if (sl.getDilation()[0] != 1 || sl.getDilation()[1] != 1) {
          throw new Unsupported(name + ": dilated pooling");
        }
        dnnl.algorithm alg;
        if (sl.getPoolingType() == PoolingType.MAX) {
          alg = dnnl.algorithm.pooling_max;
        } else if (sl.getPoolingType() == PoolingType.AVG) {
          alg = sl.isAvgPoolIncludePadInDivisor() ? dnnl.algorithm.pooling_avg_include_padding
              : dnnl.algorithm.pooling_avg_exclude_padding;
        } else {
          throw new Unsupported(name + ": " + sl.getPoolingType() + " pooling");
        }
        Tensor d = shape(name, type);
        Window win = DnnlGraph.window(name, sl.getConvolutionMode(), sl.getKernelSize(),
            sl.getStride(), new int[] {1, 1}, sl.getPadding(), new long[4], s, d);
        add(new Pool(name, srcTensor, tensors.size(), alg, win), d, name);
      } else if (layer.getClass() == GlobalPoolingLayer.class) {
        GlobalPoolingLayer g = (GlobalPoolingLayer) layer;
        dnnl.algorithm alg = g.getPoolingType() == PoolingType.MAX ? dnnl.algorithm.pooling_max
            : g.getPoolingType() == PoolingType.AVG ? dnnl.algorithm.pooling_avg_exclude_padding
            : null;
        int[] dims = g.getPoolingDimensions();
        if (alg == null || (dims != null && !java.util.Arrays.equals(dims, new int[] {2, 3}))) {
          throw new Unsupported(name + ": global " + g.getPoolingType() + " pooling over "
              + java.util.Arrays.toString(dims));
        }
        add(new Pool(name, srcTensor, tensors.size(), alg, new Window(new long[] {s.h, s.w},
            new long[] {1, 1}, new long[2], new long[2], new long[2])), new Tensor(s.c, 1, 1),
            name);
      } else if (layer.getClass() == ZeroPaddingLayer.class) {
        ZeroPaddingLayer z = (ZeroPaddingLayer) layer;
        int[] zp = z.getPadding();
        if (name.equals(out) || z.getDataFormat() == CNN2DFormat.NHWC) {
          throw new Unsupported(name + ": zero padding not folded into a convolution");
        }
        long[] prior = pendingPad.getOrDefault(src, new long[4]);
        pendingPad.put(name, new long[] {prior[0] + zp[0], prior[1] + zp[1], prior[2] + zp[2],
            prior[3] + zp[3]});
        alias(name, srcTensor);
      } else if (layer.getClass() == ActivationLayer.class) {
        activation(name, eltwise(name, ((ActivationLayer) layer).getActivationFn()), srcTensor);
      } else if (layer.getClass() == DropoutLayer.class) {
        alias(name, srcTensor);
      } else {
        throw new Unsupported(name + ": " + layer.getClass().getSimpleName());
      }
    }

    /** A convolution's window, with the zero padding waiting before it folded in. */
    private Window window(String name, ConvolutionLayer c, String src, Tensor in, Tensor out)
        throws Unsupported {
      return DnnlGraph.window(name, c.getConvolutionMode(), c.getKernelSize(), c.getStride(),
          c.getDilation(), c.getPadding(), pendingPad.getOrDefault(src, new long[4]), in, out);
    }

    /**
     * A depthwise-separable convolution: a grouped convolution with one group per input channel
     * ({@code depthMultiplier} filters each), then a 1x1 convolution with the bias and activation.
     */
    private void separable(String name, SeparableConvolution2D c, String src, int srcTensor,
        InputType type) throws Unsupported {
      if (c.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
        throw new Unsupported(name + ": channels-last separable convolution");
      }
      Tensor s = tensors.get(srcTensor);
      Tensor d = shape(name, type);
      Window win = window(name, c, src, s, d);
      org.deeplearning4j.nn.api.Layer live = graph.apply(name);
      INDArray w = live.getParam("W");
      INDArray pw = live.getParam("pW");
      INDArray b = c.hasBias() ? live.getParam("b") : null;
      long[] wd = w.shape();
      int m = c.getDepthMultiplier();
      int in = (int) s.c;
      if (wd.length != 4 || wd[0] != m || wd[1] != in || pw.size(0) != d.c
          || pw.size(1) != (long) in * m) {
        throw new Unsupported(name + ": separable weights of shape "
            + java.util.Arrays.toString(wd) + " and " + java.util.Arrays.toString(pw.shape()));
      }
      int kh = (int) wd[2];
      int kw = (int) wd[3];
      // DL4J: W[j][c][y][x] makes output channel c*m + j; oneDNN's groups: [c][j][1][y][x].
      float[] dl4j = w.dup('c').data().asFloat();
      float[] grouped = new float[dl4j.length];
      int k2 = kh * kw;
      for (int j = 0; j < m; j++) {
        for (int ch = 0; ch < in; ch++) {
          System.arraycopy(dl4j, (j * in + ch) * k2, grouped, (ch * m + j) * k2, k2);
        }
      }
      Conv depth = new Conv(name + " (depthwise)", srcTensor, tensors.size(),
          Nd4j.create(grouped, new long[] {in, m, 1, kh, kw}, 'c'), null,
          new long[] {in, m, 1, kh, kw}, win, null);
      tensors.add(new Tensor((long) in * m, d.h, d.w));
      ops.add(depth);
      producer.put(depth.dst, depth);
      readers.put(depth.dst, 1);
      add(new Conv(name, depth.dst, tensors.size(), pw.castTo(DataType.FLOAT).dup('c'),
          b == null ? null : b.dup('c').data().asFloat(), pw.shape(), new Window(
              new long[] {1, 1}, new long[] {1, 1}, new long[2], new long[2], new long[2]),
          eltwise(name, c.getActivationFn())), d, name);
    }

    /**
     * A dense layer: oneDNN's inner product over the feature map as DL4J flattens it (channels,
     * then rows, then columns) or over the vector before it.
     */
    private void dense(String name, DenseLayer layer, int srcTensor) throws Unsupported {
      if (layer.hasLayerNorm()) {
        throw new Unsupported(name + ": dense layer with layer normalisation");
      }
      Tensor s = tensors.get(srcTensor);
      org.deeplearning4j.nn.api.Layer live = graph.apply(name);
      INDArray w = live.getParam("W");
      INDArray b = layer.hasBias() ? live.getParam("b") : null;
      long in = s.c * s.h * s.w;
      if (w.rank() != 2 || w.size(0) != in) {
        throw new Unsupported(name + ": weights of shape " + java.util.Arrays.toString(w.shape())
            + " for " + in + " inputs");
      }
      long out = w.size(1);
      // DL4J's W is [in, out]; oneDNN's [out, in] (with in as c, h, w over a feature map).
      INDArray t = w.castTo(DataType.FLOAT).transpose().dup('c');
      long[] wd = s.flat ? new long[] {out, in} : new long[] {out, s.c, s.h, s.w};
      add(Conv.dense(name, srcTensor, tensors.size(), t,
          b == null ? null : b.dup('c').data().asFloat(), wd,
          eltwise(name, layer.getActivationFn())), new Tensor(out, 1, 1, true), name);
    }

    private void activation(String name, Eltwise e, int srcTensor) {
      Op prev = producer.get(srcTensor);
      if (e == null) {
        alias(name, srcTensor);
      } else if (prev instanceof Norm nrm && !nrm.relu && readOnce(srcTensor)
          && e.algorithm == dnnl.algorithm.eltwise_relu && e.alpha == 0f) {
        nrm.relu = true;
        alias(name, srcTensor);
      } else if (prev instanceof Conv conv && conv.after == null && readOnce(srcTensor)) {
        // Nothing else reads the convolution's result (or the addition fused into it): it can
        // go through the activation before it is written.
        if (conv.sum < 0 && conv.own == null) {
          conv.own = e;
        } else {
          conv.after = e;
        }
        alias(name, srcTensor);
      } else if (prev instanceof Add add && add.after == null && readOnce(srcTensor)) {
        add.after = e;
        alias(name, srcTensor);
      } else {
        add(new Activation(name, srcTensor, tensors.size(), e), tensors.get(srcTensor), name);
      }
    }

    private void addition(String name, ElementWiseVertex ew, List<String> from)
        throws Unsupported {
      if (ew.getOp() != ElementWiseVertex.Op.Add || from.size() != 2) {
        throw new Unsupported(name + ": element-wise " + ew.getOp() + " of " + from.size()
            + " inputs");
      }
      int a = tensorOf.get(from.get(0));
      int b = tensorOf.get(from.get(1));
      if (!tensors.get(a).equals(tensors.get(b))) {
        throw new Unsupported(name + ": addition of " + tensors.get(a) + " and "
            + tensors.get(b));
      }
      // Fuse into the convolution that produced the later of the two inputs, when nothing else
      // reads that convolution's result.
      Conv into = null;
      int other = -1;
      for (int k = 0; k < 2; k++) {
        int mine = k == 0 ? a : b;
        int theirs = k == 0 ? b : a;
        if (mine != theirs && producer.get(mine) instanceof Conv c && !c.dense && c.sum < 0
            && c.after == null && readOnce(mine)
            && ops.indexOf(c) > indexOf(ops, producer, theirs)) {
          into = c;
          other = theirs;
        }
      }
      if (into != null) {
        into.sum = other;
        alias(name, into.dst);
      } else {
        add(new Add(name, a, b, tensors.size()), tensors.get(a), name);
      }
    }

    private void merge(String name, MergeVertex mv, List<String> from) throws Unsupported {
      if (from.size() == 1) {
        alias(name, tensorOf.get(from.get(0)));
        return;
      }
      if (mv.getMergeAxis() != 1) {
        throw new Unsupported(name + ": merge along axis " + mv.getMergeAxis());
      }
      int[] srcs = new int[from.size()];
      long c = 0;
      Tensor first = tensors.get(tensorOf.get(from.get(0)));
      for (int k = 0; k < srcs.length; k++) {
        srcs[k] = tensorOf.get(from.get(k));
        Tensor t = tensors.get(srcs[k]);
        if (t.h != first.h || t.w != first.w) {
          throw new Unsupported(name + ": merge of different spatial sizes");
        }
        c += t.c;
      }
      add(new Concat(name, srcs, tensors.size()), new Tensor(c, first.h, first.w), name);
    }
  }

  /**
   * A batch norm at inference as a per-channel affine map {@code y = x·s + t}: {@code s = gamma /
   * sqrt(var + eps)}, {@code t = beta − mean·s}, where {@code var = 10^(2·log10stdev)} for a
   * layer that stores its deviation's logarithm (DL4J's default), as DL4J computes it.
   *
   * <p>The zoo package's {@code BatchNormFolding} computes the same to fold batch norms in the
   * DL4J graph. It is written here again rather than shared so that this package does not import
   * the zoo package that imports it, nor widen either's public surface; both are checked against
   * DL4J's own forward pass ({@code DnnlGraphTest}, {@code BatchNormFoldingTest}), which is the
   * reference either would have to match anyway.
   *
   * @param bn the batch-normalisation layer
   * @param channels its channel count
   * @return {@code {s, t}}
   */
  private static double[][] scaleShift(org.deeplearning4j.nn.api.Layer bn, long channels) {
    BatchNormalization bnConf = (BatchNormalization) bn.conf().getLayer();
    int out = (int) channels;
    double[] mean = bn.getParam("mean").castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] std = new double[out];
    if (bn.paramTable().containsKey("log10stdev")) {
      double[] log10 = bn.getParam("log10stdev").castTo(DataType.DOUBLE).dup('c').data()
          .asDouble();
      // DL4J squares the stored deviation into a variance and adds eps like any other.
      for (int i = 0; i < out; i++) {
        std[i] = Math.sqrt(Math.pow(10, 2 * log10[i]) + bnConf.getEps());
      }
    } else {
      double[] var = bn.getParam("var").castTo(DataType.DOUBLE).dup('c').data().asDouble();
      for (int i = 0; i < out; i++) {
        std[i] = Math.sqrt(var[i] + bnConf.getEps());
      }
    }
    double[] gamma = new double[out];
    double[] beta = new double[out];
    if (bnConf.isLockGammaBeta()) {
      java.util.Arrays.fill(gamma, bnConf.getGamma());
      java.util.Arrays.fill(beta, bnConf.getBeta());
    } else {
      gamma = bn.getParam("gamma").castTo(DataType.DOUBLE).dup('c').data().asDouble();
      beta = bn.getParam("beta").castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
    double[] s = new double[out];
    double[] t = new double[out];
    for (int o = 0; o < out; o++) {
      s[o] = gamma[o] / std[o];
      t[o] = beta[o] - mean[o] * s[o];
    }
    return new double[][] {s, t};
  }
  private static int indexOf(List<Op> ops, Map<Integer, Op> producer, int tensor) {
    Op op = producer.get(tensor);
    return op == null ? -1 : ops.indexOf(op);
  }

  private static Tensor shape(String name, InputType type) throws Unsupported {
    if (!(type instanceof InputType.InputTypeConvolutional c)) {
      throw new Unsupported(name + ": output " + type + " is not a feature map");
    }
    return new Tensor(c.getChannels(), c.getHeight(), c.getWidth());
  }

  /**
   * A window as DL4J places it for a mode, over an input with extra zero padding {@code zero}
   * (top, bottom, left, right) folded in.
   */
  private static Window window(String name, ConvolutionMode mode, int[] kernel, int[] stride,
      int[] dilation, int[] pad, long[] zero, Tensor src, Tensor out) throws Unsupported {
    long[] in = {src.h + zero[0] + zero[1], src.w + zero[2] + zero[3]};
    long[] o = {out.h, out.w};
    long[] l = new long[2];
    long[] r = new long[2];
    for (int i = 0; i < 2; i++) {
      long eff = (long) (kernel[i] - 1) * dilation[i] + 1;
      if (mode == ConvolutionMode.Same) {
        long total = Math.max(0, (o[i] - 1) * stride[i] + eff - in[i]);
        l[i] = total / 2;
      } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
        l[i] = pad[i];
      } else {
        throw new Unsupported(name + ": convolution mode " + mode);
      }
      // Whatever the mode, the right padding that makes oneDNN's output size DL4J's.
      r[i] = (o[i] - 1) * stride[i] + eff - in[i] - l[i];
      if (r[i] + stride[i] <= 0 || l[i] < 0) {
        throw new Unsupported(name + ": padding " + l[i] + "/" + r[i] + " for stride "
            + stride[i]);
      }
    }
    l[0] += zero[0];
    r[0] += zero[1];
    l[1] += zero[2];
    r[1] += zero[3];
    return new Window(new long[] {kernel[0], kernel[1]}, new long[] {stride[0], stride[1]},
        new long[] {dilation[0] - 1L, dilation[1] - 1L}, l, r);
  }

  private static Eltwise eltwise(String name, IActivation a) throws Unsupported {
    if (a == null || a instanceof ActivationIdentity) {
      return null;
    }
    if (a instanceof ActivationReLU r) {
      if ((r.getMax() != null && r.getMax() != 0) || (r.getThreshold() != null
          && r.getThreshold() != 0) || (r.getNegativeSlope() != null
          && r.getNegativeSlope() != 0)) {
        throw new Unsupported(name + ": ReLU with a maximum, threshold or slope");
      }
      return new Eltwise(dnnl.algorithm.eltwise_relu, 0f, 0f);
    }
    if (a instanceof ActivationLReLU l) {
      return new Eltwise(dnnl.algorithm.eltwise_relu, (float) l.getAlpha(), 0f);
    }
    if (a instanceof ActivationTanH) {
      return new Eltwise(dnnl.algorithm.eltwise_tanh, 0f, 0f);
    }
    if (a instanceof ActivationSigmoid) {
      return new Eltwise(dnnl.algorithm.eltwise_logistic, 0f, 0f);
    }
    throw new Unsupported(name + ": activation " + a);
  }

  static engine engine() {
    engine e = cpu;
    if (e == null) {
      synchronized (DnnlGraph.class) {
        e = cpu;
        if (e == null) {
          e = new engine(engine.kind.cpu, 0);
          cpu = e;
        }
      }
    }
    return e;
  }

  private static memory.desc desc(long[] dims, memory.format_tag tag) {
    return new memory.desc(dims, memory.data_type.f32, tag);
  }

  private static long[] dims(int n, Tensor t) {
    return t.flat ? new long[] {n, t.c} : new long[] {n, t.c, t.h, t.w};
  }

  /** The weights of a convolution in the layout a primitive asks for, reordered once. */
  private memory packedWeights(Conv op, memory.desc wanted, stream s) {
    synchronized (op) {
      for (memory m : op.packed) {
        if (m.get_desc().equals(wanted)) {
          return m;
        }
      }
      engine e = engine();
      memory m = new memory(wanted, e);
      if (op.packed.isEmpty()) {
        Pointer plain = op.weights.data().addressPointer();
        memory.format_tag tag = switch (op.weightDims.length) {
          case 5 -> memory.format_tag.goihw;
          case 4 -> memory.format_tag.oihw;
          default -> memory.format_tag.oi;
        };
        memory user = new memory(desc(op.weightDims, tag), e, plain);
        new reorder(user, m).execute(s, user, m);
        s._wait();
        user.close();
        // From now on other layouts are reordered from the first: DL4J's layout can go.
        op.weights.close();
        op.weights = null;
      } else {
        memory from = op.packed.get(0);
        new reorder(from, m).execute(s, from, m);
        s._wait();
      }
      op.packed.add(m);
      if (op.bias != null && op.biasMemory == null) {
        op.biasMemory = filled(op.bias, e, new long[] {op.outChannels()}, memory.format_tag.a);
      }
      return m;
    }
  }

  /**
   * A new runner of this graph, for one thread at a time.
   *
   * @return a runner that holds its own stream and activation buffers
   * @throws IllegalStateException if the graph was closed
   */
  public Runner runner() {
    return new Runner();
  }

  /** A thread's own executor: its stream and activation buffers, one plan per batch size. */
  public final class Runner implements AutoCloseable {
    private final stream stream;
    private boolean closed;

    /**
     * A runner of this graph.
     *
     * @throws IllegalStateException if the graph was closed
     */
    private Runner() {
      synchronized (DnnlGraph.this) {
        if (closing) {
          throw new IllegalStateException("the compiled graph was closed");
        }
        openRunners++;
      }
      stream = new stream(engine());
    }

    private final Map<Integer, Plan> plans = new HashMap<>();
    /** Buffers shared by all plans of this runner (one plan runs at a time). */
    private final List<memory> arena = new ArrayList<>();
    private int generation;

    /** The bytes of activation buffers this runner holds (shared by its batch sizes). */
    long bufferBytes() {
      long sum = 0;
      for (memory m : arena) {
        sum += m == null ? 0 : m.get_desc().get_size();
      }
      return sum;
    }

    /** The compiled graph this runner runs. */
    public DnnlGraph graph() {
      return DnnlGraph.this;
    }

    /**
     * Runs one batch.
     *
     * @param input {@code n} images, NCHW, as the DL4J graph takes them
     * @param n the number of images
     * @return the output, NCHW, {@code n} times {@link #outputShape()}'s product
     */
    public float[] forward(float[] input, int n) {
      Plan plan = plans.get(n);
      if (plan == null) {
        plan = new Plan(n);
        plans.put(n, plan);
      }
      return plan.run(input);
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      for (Plan p : plans.values()) {
        p.close();
      }
      plans.clear();
      for (memory m : arena) {
        if (m != null) {
          m.close();
        }
      }
      arena.clear();
      stream.close();
      synchronized (DnnlGraph.this) {
        openRunners--;
        freeIfDone();
      }
    }

    /** Grows (or adds) arena buffer {@code i} to at least {@code bytes}. */
    private void reserve(int i, long bytes) {
      while (arena.size() <= i) {
        arena.add(null);
      }
      memory m = arena.get(i);
      if (m == null || m.get_desc().get_size() < bytes) {
        if (m != null) {
          m.close();
        }
        // A flat f32 buffer, allocated (and aligned) by oneDNN.
        arena.set(i, new memory(desc(new long[] {(bytes + 3) / 4}, memory.format_tag.a),
            engine()));
        generation++;
      }
    }

    /** The primitives and memories of one batch size. */
    private final class Plan implements AutoCloseable {
      private final List<primitive> steps = new ArrayList<>();
      private final List<IntMemoryMap> args = new ArrayList<>();
      /** Memories on arena buffers, with the buffer each sits on, rebound when one grows. */
      private final List<memory> bound = new ArrayList<>();
      private final List<Integer> boundTo = new ArrayList<>();
      private final memory in;
      private final FloatPointer inData;
      private final memory out;
      private final FloatPointer outData;
      private final int inLength;
      private final int outLength;
      private int boundGeneration = -1;

      Plan(int n) {
        engine e = engine();
        memory.desc[] descs = new memory.desc[tensors.size()];
        memory[] mems = new memory[tensors.size()];
        int[] bufferOf = new int[tensors.size()];
        java.util.Arrays.fill(bufferOf, -1);
        List<Long> sizes = new ArrayList<>();
        List<Boolean> free = new ArrayList<>();

        Tensor ti = tensors.get(input);
        descs[input] = desc(dims(n, ti), memory.format_tag.nchw);
        in = new memory(descs[input], e);
        mems[input] = in;
        inLength = (int) (n * ti.c * ti.h * ti.w);
        inData = new FloatPointer(in.get_data_handle()).capacity(inLength);

        for (int i = 0; i < ops.size(); i++) {
          Op op = ops.get(i);
          Tensor td = tensors.get(op.dst);
          memory.desc any = desc(dims(n, td), memory.format_tag.any);
          if (op instanceof Conv c) {
            Tensor ts = tensors.get(c.src);
            boolean inPlace = c.sum >= 0 && lastUse[c.sum] == i && c.sum != input
                && c.sum != c.src;
            memory.desc dstDesc = inPlace ? descs[c.sum] : any;
            primitive_attr attr = new primitive_attr();
            post_ops po = new post_ops();
            if (c.own != null) {
              po.append_eltwise(1f, c.own.algorithm, c.own.alpha, c.own.beta);
            }
            if (c.sum >= 0) {
              po.append_sum();
            }
            if (c.after != null) {
              po.append_eltwise(1f, c.after.algorithm, c.after.alpha, c.after.beta);
            }
            attr.set_post_ops(po);
            memory.desc pSrc;
            memory.desc pWeights;
            memory.desc pDst;
            primitive prim;
            // oneDNN's inner product takes another path for one row than for several, and its
            // sums differ in the last bits: one image runs as two identical rows, so that an
            // image's vector does not depend on how many images share its pass.
            int rows = c.dense && n == 1 ? 2 : n;
            if (c.dense) {
              dstDesc = desc(dims(rows, tensors.get(op.dst)), memory.format_tag.any);
              memory.desc srcAny = desc(dims(rows, ts), memory.format_tag.any);
              memory.desc wAny = desc(c.weightDims, memory.format_tag.any);
              inner_product_forward.desc id = c.bias != null
                  ? new inner_product_forward.desc(dnnl.prop_kind.forward_inference, srcAny,
                      wAny, desc(new long[] {c.outChannels()}, memory.format_tag.a), dstDesc)
                  : new inner_product_forward.desc(dnnl.prop_kind.forward_inference, srcAny,
                      wAny, dstDesc);
              inner_product_forward.primitive_desc pd =
                  new inner_product_forward.primitive_desc(id, attr, e);
              pSrc = pd.src_desc();
              pWeights = pd.weights_desc();
              pDst = pd.dst_desc();
              prim = new inner_product_forward(pd);
            } else {
              convolution_forward.primitive_desc pd;
              try {
                pd = convolution(c, n, dstDesc, attr, e);
              } catch (RuntimeException refused) {
                if (!inPlace) {
                  throw refused;
                }
                // No kernel writes this layout: add on a copy instead of in place.
                inPlace = false;
                pd = convolution(c, n, any, attr, e);
              }
              pSrc = pd.src_desc();
              pWeights = pd.weights_desc();
              pDst = pd.dst_desc();
              prim = new convolution_forward(pd);
            }
            if (rows != n) {
              oneRowAsTwo(c, op.dst, pSrc, pDst, packedWeights(c, pWeights, stream), prim, mems,
                  descs, bufferOf, sizes, free);
            } else {
              memory src = convert(mems[c.src], descs[c.src], pSrc, sizes, free);
              memory weights = packedWeights(c, pWeights, stream);
              memory dst;
              if (inPlace) {
                descs[op.dst] = descs[c.sum];
                bufferOf[op.dst] = bufferOf[c.sum];
                bufferOf[c.sum] = -1; // ownership moves to the result
                dst = mems[c.sum];
              } else {
                descs[op.dst] = pDst;
                dst = allocate(op.dst, descs[op.dst], bufferOf, sizes, free);
                if (c.sum >= 0) {
                  // The addend is still read later: copy it into the result first.
                  // (The reorder converts the layout where the two differ.)
                  memory addend = mems[c.sum];
                  add(new reorder(addend, dst), map(dnnl.DNNL_ARG_FROM, addend, dnnl.DNNL_ARG_TO,
                      dst));
                }
              }
              mems[op.dst] = dst;
              IntMemoryMap m = map(dnnl.DNNL_ARG_SRC, src, dnnl.DNNL_ARG_WEIGHTS, weights,
                  dnnl.DNNL_ARG_DST, dst);
              if (c.bias != null) {
                m.put(dnnl.DNNL_ARG_BIAS, c.biasMemory);
              }
              add(prim, m);
            }
          } else if (op instanceof Pool p) {
            pooling_forward.desc pd0 = new pooling_forward.desc(dnnl.prop_kind.forward_inference,
                p.algorithm, descs[p.src], any, p.window.stride(), p.window.kernel(),
                p.window.padL(), p.window.padR());
            pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(pd0, e);
            descs[op.dst] = pd.dst_desc();
            memory dst = allocate(op.dst, descs[op.dst], bufferOf, sizes, free);
            mems[op.dst] = dst;
            add(new pooling_forward(pd), map(dnnl.DNNL_ARG_SRC, mems[p.src], dnnl.DNNL_ARG_DST,
                dst));
          } else if (op instanceof Norm nrm) {
            nrm.prepare();
            int flags = dnnl.dnnl_use_global_stats | dnnl.dnnl_use_scaleshift
                | (nrm.relu ? dnnl.dnnl_fuse_norm_relu : 0);
            batch_normalization_forward.primitive_desc pd =
                new batch_normalization_forward.primitive_desc(
                    new batch_normalization_forward.desc(dnnl.prop_kind.forward_inference.value,
                        descs[nrm.src], 0f, flags), e);
            descs[op.dst] = pd.dst_desc();
            memory dst = allocate(op.dst, descs[op.dst], bufferOf, sizes, free);
            mems[op.dst] = dst;
            IntMemoryMap m = map(dnnl.DNNL_ARG_SRC, mems[nrm.src], dnnl.DNNL_ARG_DST, dst,
                dnnl.DNNL_ARG_MEAN, nrm.mean);
            m.put(dnnl.DNNL_ARG_VARIANCE, nrm.variance);
            m.put(dnnl.DNNL_ARG_SCALE_SHIFT, nrm.scaleShift);
            add(new batch_normalization_forward(pd), m);
          } else if (op instanceof Activation a) {
            eltwise_forward.desc ed = new eltwise_forward.desc(dnnl.prop_kind.forward_inference,
                a.eltwise.algorithm, descs[a.src], a.eltwise.alpha, a.eltwise.beta);
            eltwise_forward.primitive_desc pd = new eltwise_forward.primitive_desc(ed, e);
            descs[op.dst] = descs[a.src];
            memory dst = allocate(op.dst, descs[op.dst], bufferOf, sizes, free);
            mems[op.dst] = dst;
            add(new eltwise_forward(pd), map(dnnl.DNNL_ARG_SRC, mems[a.src], dnnl.DNNL_ARG_DST,
                dst));
          } else if (op instanceof Add a) {
            memory.desc da = descs[a.a];
            memory srcB = convert(mems[a.b], descs[a.b], da, sizes, free);
            primitive_attr attr = new primitive_attr();
            if (a.after != null) {
              post_ops po = new post_ops();
              po.append_eltwise(1f, a.after.algorithm, a.after.alpha, a.after.beta);
              attr.set_post_ops(po);
            }
            binary.primitive_desc pd = new binary.primitive_desc(
                new binary.desc(dnnl.algorithm.binary_add, da, da, da), attr, e);
            descs[op.dst] = da;
            memory dst = allocate(op.dst, da, bufferOf, sizes, free);
            mems[op.dst] = dst;
            add(new binary(pd), map(dnnl.DNNL_ARG_SRC_0, mems[a.a], dnnl.DNNL_ARG_SRC_1, srcB,
                dnnl.DNNL_ARG_DST, dst));
          } else if (op instanceof Concat c) {
            memory.desc srcs = new memory.desc(c.srcs.length);
            for (int k = 0; k < c.srcs.length; k++) {
              srcs.getPointer(k).put(descs[c.srcs[k]]);
            }
            concat.primitive_desc pd = new concat.primitive_desc(1, srcs, e);
            descs[op.dst] = pd.dst_desc();
            memory dst = allocate(op.dst, descs[op.dst], bufferOf, sizes, free);
            mems[op.dst] = dst;
            IntMemoryMap m = new IntMemoryMap();
            for (int k = 0; k < c.srcs.length; k++) {
              m.put(dnnl.DNNL_ARG_MULTIPLE_SRC + k, mems[c.srcs[k]]);
            }
            m.put(dnnl.DNNL_ARG_DST, dst);
            add(new concat(pd), m);
          }
          // Buffers whose tensors nothing reads any more are free for the next ops.
          for (int t : op.inputs()) {
            if (lastUse[t] == i && bufferOf[t] >= 0) {
              free.set(bufferOf[t], true);
              bufferOf[t] = -1;
            }
          }
          for (int k : tempOf) {
            free.set(k, true);
          }
          tempOf.clear();
        }
        Tensor to = tensors.get(output);
        memory.desc plain = desc(dims(n, to), to.flat ? memory.format_tag.nc
            : memory.format_tag.nchw);
        out = new memory(plain, e);
        outLength = (int) (n * to.c * to.h * to.w);
        outData = new FloatPointer(out.get_data_handle()).capacity(outLength);
        add(new reorder(mems[output], out), map(dnnl.DNNL_ARG_FROM, mems[output],
            dnnl.DNNL_ARG_TO, out));
        for (int k = 0; k < sizes.size(); k++) {
          reserve(k, sizes.get(k));
        }
      }

      /** The primitive descriptor of a convolution over a batch of {@code n}. */
      private convolution_forward.primitive_desc convolution(Conv c, int n, memory.desc dst,
          primitive_attr attr, engine e) {
        memory.desc src = desc(dims(n, tensors.get(c.src)), memory.format_tag.any);
        memory.desc weights = desc(c.weightDims, memory.format_tag.any);
        Window w = c.window;
        convolution_forward.desc cd = c.bias != null
            ? new convolution_forward.desc(dnnl.prop_kind.forward_inference,
                dnnl.algorithm.convolution_direct, src, weights,
                desc(new long[] {c.outChannels()}, memory.format_tag.a), dst, w.stride(),
                w.dilation(), w.padL(), w.padR())
            : new convolution_forward.desc(dnnl.prop_kind.forward_inference,
                dnnl.algorithm.convolution_direct, src, weights, dst, w.stride(), w.dilation(),
                w.padL(), w.padR());
        return new convolution_forward.primitive_desc(cd, attr, e);
      }

      /**
       * A dense layer on one image as an inner product over two copies of its row; the result
       * is the first row, copied into the tensor's own buffer.
       */
      private void oneRowAsTwo(Conv c, int dstTensor, memory.desc twoSrc, memory.desc twoDst,
          memory weights, primitive prim, memory[] mems, memory.desc[] descs, int[] bufferOf,
          List<Long> sizes, List<Boolean> free) {
        Tensor ts = tensors.get(c.src);
        int k = take(twoSrc.get_size(), sizes, free);
        tempOf.add(k);
        memory two = bind(twoSrc, k);
        long[] one = dims(1, ts);
        for (long row = 0; row < 2; row++) {
          long[] at = new long[one.length];
          at[0] = row;
          memory part = bind(twoSrc.submemory_desc(one, at), k);
          add(new reorder(mems[c.src], part), map(dnnl.DNNL_ARG_FROM, mems[c.src],
              dnnl.DNNL_ARG_TO, part));
        }
        int kd = take(twoDst.get_size(), sizes, free);
        tempOf.add(kd);
        memory wide = bind(twoDst, kd);
        IntMemoryMap m = map(dnnl.DNNL_ARG_SRC, two, dnnl.DNNL_ARG_WEIGHTS, weights,
            dnnl.DNNL_ARG_DST, wide);
        if (c.bias != null) {
          m.put(dnnl.DNNL_ARG_BIAS, c.biasMemory);
        }
        add(prim, m);
        long[] oneOut = dims(1, tensors.get(dstTensor));
        descs[dstTensor] = desc(oneOut, oneOut.length == 2 ? memory.format_tag.nc
            : memory.format_tag.nchw);
        memory dst = allocate(dstTensor, descs[dstTensor], bufferOf, sizes, free);
        mems[dstTensor] = dst;
        memory first = bind(twoDst.submemory_desc(oneOut, new long[oneOut.length]), kd);
        add(new reorder(first, dst), map(dnnl.DNNL_ARG_FROM, first, dnnl.DNNL_ARG_TO, dst));
      }

      /** Arena buffers used only within the current op (layout conversions). */
      private final List<Integer> tempOf = new ArrayList<>();

      private void add(primitive p, IntMemoryMap m) {
        steps.add(p);
        args.add(m);
      }

      private IntMemoryMap map(int k1, memory m1, int k2, memory m2) {
        IntMemoryMap m = new IntMemoryMap();
        m.put(k1, m1);
        m.put(k2, m2);
        return m;
      }

      private IntMemoryMap map(int k1, memory m1, int k2, memory m2, int k3, memory m3) {
        IntMemoryMap m = map(k1, m1, k2, m2);
        m.put(k3, m3);
        return m;
      }

      /** A memory for a tensor on a free arena buffer (the smallest that fits, or a new one). */
      private memory allocate(int tensor, memory.desc d, int[] bufferOf, List<Long> sizes,
          List<Boolean> free) {
        int k = take(d.get_size(), sizes, free);
        bufferOf[tensor] = k;
        return bind(d, k);
      }

      private int take(long bytes, List<Long> sizes, List<Boolean> free) {
        int best = -1;
        for (int k = 0; k < sizes.size(); k++) {
          if (free.get(k) && (best < 0 || fits(sizes.get(k), bytes, sizes.get(best)))) {
            best = k;
          }
        }
        if (best < 0) {
          sizes.add(bytes);
          free.add(false);
          return sizes.size() - 1;
        }
        sizes.set(best, Math.max(sizes.get(best), bytes));
        free.set(best, false);
        return best;
      }

      /** Whether a buffer of {@code size} is a better pick than {@code than} for {@code bytes}. */
      private boolean fits(long size, long bytes, long than) {
        boolean fitsNow = size >= bytes;
        boolean fitsThen = than >= bytes;
        if (fitsNow != fitsThen) {
          return fitsNow;
        }
        // Both fit: the smaller; neither: the larger (it grows least).
        return fitsNow ? size < than : size > than;
      }

      /** A memory with a descriptor on arena buffer {@code k}, bound when the plan first runs. */
      private memory bind(memory.desc d, int k) {
        memory m = new memory(d, engine(), (Pointer) null);
        bound.add(m);
        boundTo.add(k);
        return m;
      }

      /** The memory in the layout {@code want}: itself, or a reorder into a temporary buffer. */
      private memory convert(memory m, memory.desc have, memory.desc want, List<Long> sizes,
          List<Boolean> free) {
        if (have.equals(want)) {
          return m;
        }
        int k = take(want.get_size(), sizes, free);
        tempOf.add(k);
        memory t = bind(want, k);
        add(new reorder(m, t), map(dnnl.DNNL_ARG_FROM, m, dnnl.DNNL_ARG_TO, t));
        return t;
      }

      float[] run(float[] input) {
        if (boundGeneration != generation) {
          for (int k = 0; k < bound.size(); k++) {
            bound.get(k).set_data_handle(arena.get(boundTo.get(k)).get_data_handle());
          }
          boundGeneration = generation;
        }
        inData.put(input, 0, inLength);
        for (int k = 0; k < steps.size(); k++) {
          steps.get(k).execute(stream, args.get(k));
        }
        stream._wait();
        float[] result = new float[outLength];
        outData.get(result);
        return result;
      }

      @Override
      public void close() {
        for (primitive p : steps) {
          p.close();
        }
        for (IntMemoryMap m : args) {
          m.close();
        }
        for (memory m : bound) {
          m.close();
        }
        in.close();
        out.close();
      }
    }
  }
}
