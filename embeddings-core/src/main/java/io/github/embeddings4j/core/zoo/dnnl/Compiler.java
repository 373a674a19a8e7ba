package io.github.embeddings4j.core.zoo.dnnl;

import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.zoo.dnnl.DnnlGraph.Unsupported;
import io.github.embeddings4j.core.zoo.dnnl.Op.Activation;
import io.github.embeddings4j.core.zoo.dnnl.Op.Add;
import io.github.embeddings4j.core.zoo.dnnl.Op.Concat;
import io.github.embeddings4j.core.zoo.dnnl.Op.Conv;
import io.github.embeddings4j.core.zoo.dnnl.Op.Eltwise;
import io.github.embeddings4j.core.zoo.dnnl.Op.Norm;
import io.github.embeddings4j.core.zoo.dnnl.Op.Pool;
import io.github.embeddings4j.core.zoo.dnnl.Op.Window;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
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
 * Compiles a DL4J network into a {@link Program}: one vertex at a time in topological order, each
 * layer becomes an {@link Op} or folds into the one before it. The fusions: a batch norm after a
 * convolution that nothing else reads goes into the convolution's weights and bias; an activation
 * becomes a post-op of the convolution, batch norm or addition before it; a two-input addition
 * becomes the {@code sum} post-op of the convolution that produces its later input; zero padding
 * goes into the next convolution's padding; dropout and merges of one input are the identity.
 * Anything else throws {@link Unsupported} naming the vertex.
 *
 * <p>One instance is the state of one compilation: tensors, ops, and which names read which
 * tensor.
 */
final class Compiler {

  /** The live layer of each name, for its parameters. */
  private final java.util.function.Function<String, org.deeplearning4j.nn.api.Layer> graph;
  private final Map<String, Integer> consumers;
  private final Map<String, InputType> types;
  private final String out;
  private final List<Tensor> tensors = new ArrayList<>();
  private final List<Op> ops = new ArrayList<>();
  private final Map<String, Integer> tensorOf = new HashMap<>();
  /** Per tensor, how many vertices read it (through every name that stands for it). */
  private final Map<Integer, Integer> readers = new HashMap<>();
  /** The op that produced each tensor (none for the input). */
  private final Map<Integer, Op> producer = new HashMap<>();
  /** Zero padding (top, bottom, left, right) to fold into the convolution that reads it. */
  private final Map<String, long[]> pendingPad = new HashMap<>();

  private Compiler(java.util.function.Function<String, org.deeplearning4j.nn.api.Layer> graph,
      Map<String, Integer> consumers, Map<String, InputType> types, String out) {
    this.graph = graph;
    this.consumers = consumers;
    this.types = types;
    this.out = out;
  }

  /** See {@link DnnlGraph#compile(ComputationGraph, InputFormat)}. */
  static Program compile(ComputationGraph graph, InputFormat format) throws Unsupported {
    ComputationGraphConfiguration conf = graph.getConfiguration();
    if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
      throw new Unsupported("the graph has " + conf.getNetworkInputs().size() + " inputs and "
          + conf.getNetworkOutputs().size() + " outputs");
    }
    checkBackendAndType(graph.params());
    String in = conf.getNetworkInputs().get(0);
    Map<String, InputType> types;
    try {
      types = conf.clone().getLayerActivationTypes(image(format));
    } catch (RuntimeException e) {
      throw shapesUnknown(format, e);
    }
    Map<String, List<String>> inputs = conf.getVertexInputs();
    Map<String, Integer> consumers = new HashMap<>();
    for (List<String> list : inputs.values()) {
      for (String s : list) {
        consumers.merge(s, 1, Integer::sum);
      }
    }
    Compiler k = new Compiler(graph::getLayer, consumers, types,
        conf.getNetworkOutputs().get(0));
    k.input(in, format);
    for (String name : conf.getTopologicalOrderStr()) {
      if (!name.equals(in)) {
        k.vertex(name, conf.getVertices().get(name), inputs.get(name));
      }
    }
    return k.program();
  }

  /** See {@link DnnlGraph#compile(MultiLayerNetwork, InputFormat)}: a graph of one chain. */
  static Program compile(MultiLayerNetwork net, InputFormat format) throws Unsupported {
    checkBackendAndType(net.params());
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    List<InputType> list;
    try {
      list = conf.clone().getLayerActivationTypes(image(format));
    } catch (RuntimeException e) {
      throw shapesUnknown(format, e);
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
    k.input(in, format);
    for (int i = 0; i < n; i++) {
      k.vertex(names[i], new LayerVertex(conf.getConf(i), conf.getInputPreProcess(i)),
          List.of(i == 0 ? in : names[i - 1]));
    }
    return k.program();
  }

  private static InputType image(InputFormat format) {
    return InputType.convolutional(format.height(), format.width(), format.channels());
  }

  private static Unsupported shapesUnknown(InputFormat format, RuntimeException e) {
    return new Unsupported("shapes unknown for a " + format.height() + "x" + format.width()
        + " image: " + e.getMessage());
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

  /** The image input: tensor 0, named {@code name}. */
  private void input(String name, InputFormat format) {
    tensors.add(new Tensor(format.channels(), format.height(), format.width()));
    define(name, 0);
  }

  /** The compiled program, which ends at the output vertex. */
  private Program program() throws Unsupported {
    if (ops.isEmpty()) {
      throw new Unsupported("nothing to compute");
    }
    return new Program(tensors, ops, 0, tensorOf.get(out));
  }

  /** A new tensor made by {@code name}. */
  private void define(String name, int tensor) {
    tensorOf.put(name, tensor);
    readers.put(tensor, consumers.getOrDefault(name, 0));
  }

  /** {@code name} computes nothing new: it stands for the tensor its only input reads. */
  private void alias(String name, int tensor) {
    tensorOf.put(name, tensor);
    readers.merge(tensor, consumers.getOrDefault(name, 0) - 1, Integer::sum);
  }

  /** Whether a tensor is read by exactly one vertex (so a post-op may change it). */
  private boolean readOnce(int tensor) {
    return readers.getOrDefault(tensor, 0) == 1;
  }

  private void add(Op op, Tensor shape, String name) {
    tensors.add(shape);
    ops.add(op);
    producer.put(op.dst, op);
    define(name, op.dst);
  }

  private void vertex(String name, GraphVertex v, List<String> from) throws Unsupported {
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
    return p instanceof FeedForwardToCnnPreProcessor r && !t.flat()
        && r.getNumChannels() == t.c() && r.getInputHeight() == t.h() && r.getInputWidth() == t.w();
  }

  private void layer(String name, Layer layer, String src, InputType type) throws Unsupported {
    int srcTensor = tensorOf.get(src);
    if (layer.getClass() == ConvolutionLayer.class) {
      convolution(name, (ConvolutionLayer) layer, src, srcTensor, type);
    } else if (layer.getClass() == SeparableConvolution2D.class) {
      separable(name, (SeparableConvolution2D) layer, src, srcTensor, type);
    } else if (layer.getClass() == DenseLayer.class) {
      dense(name, (DenseLayer) layer, srcTensor);
    } else if (layer.getClass() == BatchNormalization.class) {
      batchNorm(name, (BatchNormalization) layer, srcTensor);
    } else if (layer.getClass() == SubsamplingLayer.class) {
      pooling(name, (SubsamplingLayer) layer, srcTensor, type);
    } else if (layer.getClass() == GlobalPoolingLayer.class) {
      globalPooling(name, (GlobalPoolingLayer) layer, srcTensor);
    } else if (layer.getClass() == ZeroPaddingLayer.class) {
      zeroPadding(name, (ZeroPaddingLayer) layer, src, srcTensor);
    } else if (layer.getClass() == ActivationLayer.class) {
      activation(name, eltwise(name, ((ActivationLayer) layer).getActivationFn()), srcTensor);
    } else if (layer.getClass() == DropoutLayer.class) {
      alias(name, srcTensor);
    } else {
      throw new Unsupported(name + ": " + layer.getClass().getSimpleName());
    }
  }

  private void convolution(String name, ConvolutionLayer c, String src, int srcTensor,
      InputType type) throws Unsupported {
    Tensor s = tensors.get(srcTensor);
    if (c.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
      throw new Unsupported(name + ": channels-last convolution");
    }
    Tensor d = shape(name, type);
    Window win = window(name, c, src, s, d);
    org.deeplearning4j.nn.api.Layer live = graph.apply(name);
    INDArray w = live.getParam("W");
    INDArray b = c.hasBias() ? live.getParam("b") : null;
    long[] wd = w.shape();
    if (wd.length != 4 || wd[1] != s.c() || wd[0] != d.c()) {
      throw new Unsupported(name + ": weights of shape " + java.util.Arrays.toString(wd));
    }
    Conv op = new Conv(name, srcTensor, tensors.size(), w.castTo(DataType.FLOAT).dup('c'),
        b == null ? null : b.dup('c').data().asFloat(), wd, win,
        eltwise(name, c.getActivationFn()));
    add(op, d, name);
  }

  /**
   * A batch norm: folded into the convolution before it when nothing else reads that
   * convolution's result, else an operation of its own.
   */
  private void batchNorm(String name, BatchNormalization bn, int srcTensor) throws Unsupported {
    Tensor s = tensors.get(srcTensor);
    if (bn.getCnn2DFormat() == CNN2DFormat.NHWC) {
      throw new Unsupported(name + ": channels-last batch norm");
    }
    double[][] st = scaleShift(graph.apply(name), s.c());
    if (producer.get(srcTensor) instanceof Conv c && c.takesBatchNorm()
        && readOnce(srcTensor)) {
      c.fold(st[0], st[1]);
      alias(name, srcTensor);
    } else {
      float[] scale = new float[(int) s.c()];
      float[] shift = new float[(int) s.c()];
      for (int i = 0; i < scale.length; i++) {
        scale[i] = (float) st[0][i];
        shift[i] = (float) st[1][i];
      }
      add(new Norm(name, srcTensor, tensors.size(), scale, shift), s, name);
    }
  }

  private void pooling(String name, SubsamplingLayer sl, int srcTensor, InputType type)
      throws Unsupported {
    Tensor s = tensors.get(srcTensor);
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
    Window win = window(name, sl.getConvolutionMode(), sl.getKernelSize(), sl.getStride(),
        new int[] {1, 1}, sl.getPadding(), new long[4], s, d);
    add(new Pool(name, srcTensor, tensors.size(), alg, win), d, name);
  }

  /** Global pooling: a pooling window as large as the map. */
  private void globalPooling(String name, GlobalPoolingLayer g, int srcTensor)
      throws Unsupported {
    Tensor s = tensors.get(srcTensor);
    dnnl.algorithm alg = g.getPoolingType() == PoolingType.MAX ? dnnl.algorithm.pooling_max
        : g.getPoolingType() == PoolingType.AVG ? dnnl.algorithm.pooling_avg_exclude_padding
        : null;
    int[] dims = g.getPoolingDimensions();
    if (alg == null || (dims != null && !java.util.Arrays.equals(dims, new int[] {2, 3}))) {
      throw new Unsupported(name + ": global " + g.getPoolingType() + " pooling over "
          + java.util.Arrays.toString(dims));
    }
    add(new Pool(name, srcTensor, tensors.size(), alg, new Window(new long[] {s.h(), s.w()},
        new long[] {1, 1}, new long[2], new long[2], new long[2])), new Tensor(s.c(), 1, 1),
        name);
  }

  /** Zero padding: computes nothing, but waits to be folded into the convolution after it. */
  private void zeroPadding(String name, ZeroPaddingLayer z, String src, int srcTensor)
      throws Unsupported {
    int[] zp = z.getPadding();
    if (name.equals(out) || z.getDataFormat() == CNN2DFormat.NHWC) {
      throw new Unsupported(name + ": zero padding not folded into a convolution");
    }
    long[] prior = pendingPad.getOrDefault(src, new long[4]);
    pendingPad.put(name, new long[] {prior[0] + zp[0], prior[1] + zp[1], prior[2] + zp[2],
        prior[3] + zp[3]});
    alias(name, srcTensor);
  }

  /** A convolution's window, with the zero padding waiting before it folded in. */
  private Window window(String name, ConvolutionLayer c, String src, Tensor in, Tensor out)
      throws Unsupported {
    return window(name, c.getConvolutionMode(), c.getKernelSize(), c.getStride(),
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
    int in = (int) s.c();
    if (wd.length != 4 || wd[0] != m || wd[1] != in || pw.size(0) != d.c()
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
    tensors.add(new Tensor((long) in * m, d.h(), d.w()));
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
    long in = s.c() * s.h() * s.w();
    if (w.rank() != 2 || w.size(0) != in) {
      throw new Unsupported(name + ": weights of shape " + java.util.Arrays.toString(w.shape())
          + " for " + in + " inputs");
    }
    long out = w.size(1);
    // DL4J's W is [in, out]; oneDNN's [out, in] (with in as c, h, w over a feature map).
    INDArray t = w.castTo(DataType.FLOAT).transpose().dup('c');
    long[] wd = s.flat() ? new long[] {out, in} : new long[] {out, s.c(), s.h(), s.w()};
    add(Conv.dense(name, srcTensor, tensors.size(), t,
        b == null ? null : b.dup('c').data().asFloat(), wd,
        eltwise(name, layer.getActivationFn())), new Tensor(out, 1, 1, true), name);
  }

  private void activation(String name, Eltwise e, int srcTensor) {
    Op prev = producer.get(srcTensor);
    if (e == null) {
      alias(name, srcTensor);
    } else if (prev instanceof Norm nrm && !nrm.relu && readOnce(srcTensor)
        && e.algorithm() == dnnl.algorithm.eltwise_relu && e.alpha() == 0f) {
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
      if (t.h() != first.h() || t.w() != first.w()) {
        throw new Unsupported(name + ": merge of different spatial sizes");
      }
      c += t.c();
    }
    add(new Concat(name, srcs, tensors.size()), new Tensor(c, first.h(), first.w()), name);
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
    long[] in = {src.h() + zero[0] + zero[1], src.w() + zero[2] + zero[3]};
    long[] o = {out.h(), out.w()};
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
}
