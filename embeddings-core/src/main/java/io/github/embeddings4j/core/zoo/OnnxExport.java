package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.onnx.OnnxProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
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
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
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
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Writes a Deeplearning4j network (graph or layer stack, channels-first, float) as an ONNX model
 * for one input size and any batch size, so that ONNX Runtime can run the zoo's CNNs. Each DL4J
 * layer becomes the ONNX operators that compute the same thing (convolutions with DL4J's
 * padding for its convolution mode, separable convolutions as a grouped and a 1x1 convolution,
 * dense layers over the map as DL4J flattens it, batch norms as a scale and shift); ONNX Runtime
 * then fuses what it can itself. A layer it does not know is an {@link Unsupported} naming it.
 */
public final class OnnxExport {

  /** The operator set written. */
  static final int OPSET = 13;

  /** A network that this exporter cannot write, with the vertex and the reason. */
  public static final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message);
    }
  }

  /** The shape of one image's activation: a map {@code c x h x w}, or a vector of {@code c}. */
  private record Shape(long c, long h, long w, boolean flat) {}

  private final OnnxProto.Graph g = new OnnxProto.Graph("embeddings4j");
  private final Map<String, String> tensorOf = new HashMap<>();
  private final Map<String, Shape> shapes = new HashMap<>();
  private final java.util.function.Function<String, org.deeplearning4j.nn.api.Layer> live;
  private final Map<String, InputType> types;

  /**
   * Whether batch norms are written as ONNX BatchNormalization nodes with their statistics
   * (files meant to be trained again) rather than as a scale and shift.
   */
  private boolean keepBatchNorm;

  private OnnxExport(java.util.function.Function<String, org.deeplearning4j.nn.api.Layer> live,
      Map<String, InputType> types) {
    this.live = live;
    this.types = types;
  }

  /**
   * Exports a graph with one image input and one output.
   *
   * @param graph the network (truncated, batch norms folded or not)
   * @param format the input size
   * @return the ONNX model, input {@code "input"} {@code [batch, c, h, w]}, output {@code "output"}
   * @throws Unsupported naming the first vertex that has no ONNX counterpart here
   */
  static byte[] export(ComputationGraph graph, InputFormat format) throws Unsupported {
    ComputationGraphConfiguration conf = graph.getConfiguration();
    if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
      throw new Unsupported("the graph has " + conf.getNetworkInputs().size() + " inputs and "
          + conf.getNetworkOutputs().size() + " outputs");
    }
    checkType(graph.params());
    Map<String, InputType> types;
    try {
      types = conf.clone().getLayerActivationTypes(InputType.convolutional(format.height(),
          format.width(), format.channels()));
    } catch (RuntimeException e) {
      throw new Unsupported("shapes unknown for a " + format.height() + "x" + format.width()
          + " image: " + e.getMessage());
    }
    OnnxExport x = new OnnxExport(graph::getLayer, types);
    String in = conf.getNetworkInputs().get(0);
    x.start(in, format);
    for (String name : conf.getTopologicalOrderStr()) {
      if (!name.equals(in)) {
        x.vertex(name, conf.getVertices().get(name), conf.getVertexInputs().get(name));
      }
    }
    return x.finish(conf.getNetworkOutputs().get(0));
  }

  /**
   * Exports a graph with one image input and the outputs of the named vertices, for the
   * fine-tuner of imported ONNX networks, which writes its result as ONNX again.
   *
   * @param graph the network
   * @param channels the input's channels
   * @param height the input height
   * @param width the input width
   * @param outputs the vertices whose outputs the file gives, each under its ONNX name (in order)
   * @param metadata the model's {@code metadata_props}
   * @return the ONNX model, input {@code "input"} {@code [batch, c, h, w]}
   * @throws Unsupported naming the first vertex that has no ONNX counterpart here
   */
  public static byte[] export(ComputationGraph graph, int channels, int height, int width,
      Map<String, String> outputs, Map<String, String> metadata) throws Unsupported {
    ComputationGraphConfiguration conf = graph.getConfiguration();
    if (conf.getNetworkInputs().size() != 1) {
      throw new Unsupported("the graph has " + conf.getNetworkInputs().size() + " inputs");
    }
    checkType(graph.params());
    Map<String, InputType> types;
    try {
      types = conf.clone().getLayerActivationTypes(InputType.convolutional(height, width,
          channels));
    } catch (RuntimeException e) {
      throw new Unsupported("shapes unknown for a " + height + "x" + width + " image: "
          + e.getMessage());
    }
    OnnxExport x = new OnnxExport(graph::getLayer, types);
    x.keepBatchNorm = true;
    String in = conf.getNetworkInputs().get(0);
    x.start(in, channels, height, width);
    for (String name : conf.getTopologicalOrderStr()) {
      if (!name.equals(in)) {
        x.vertex(name, conf.getVertices().get(name), conf.getVertexInputs().get(name));
      }
    }
    for (Map.Entry<String, String> o : outputs.entrySet()) {
      x.output(o.getKey(), o.getValue());
    }
    return x.g.model(OPSET, metadata);
  }

  /**
   * Exports a layer stack whose first layer takes images.
   *
   * @param net the network (truncated)
   * @param format the input size
   * @return the ONNX model, as for a graph
   * @throws Unsupported naming the first layer that has no ONNX counterpart here
   */
  static byte[] export(MultiLayerNetwork net, InputFormat format) throws Unsupported {
    checkType(net.params());
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
    Map<String, org.deeplearning4j.nn.api.Layer> layers = new HashMap<>();
    Map<String, InputType> types = new HashMap<>();
    String[] names = new String[n];
    for (int i = 0; i < n; i++) {
      names[i] = "layer" + i;
      layers.put(names[i], net.getLayer(i));
      types.put(names[i], list.get(i));
    }
    OnnxExport x = new OnnxExport(layers::get, types);
    x.start("input", format);
    for (int i = 0; i < n; i++) {
      x.vertex(names[i], new LayerVertex(conf.getConf(i), conf.getInputPreProcess(i)),
          List.of(i == 0 ? "input" : names[i - 1]));
    }
    return x.finish(names[n - 1]);
  }

  private static void checkType(INDArray params) throws Unsupported {
    if (params == null || params.dataType() != DataType.FLOAT) {
      throw new Unsupported("the network's parameters are not float");
    }
  }

  private void start(String in, InputFormat format) {
    start(in, format.channels(), format.height(), format.width());
  }

  private void start(String in, int channels, int height, int width) {
    g.input("input", new long[] {-1, channels, height, width});
    tensorOf.put(in, "input");
    shapes.put(in, new Shape(channels, height, width, false));
  }

  private byte[] finish(String out) throws Unsupported {
    output(out, "output");
    return g.model(OPSET);
  }

  private void output(String vertex, String name) throws Unsupported {
    Shape s = shapes.get(vertex);
    String tensor = tensorOf.get(vertex);
    // A layer named as the output already writes that tensor (a file this class wrote, read
    // back and written again); any other tensor of that name would be written twice.
    if (!tensor.equals(name)) {
      if (tensorOf.containsValue(name)) {
        throw new Unsupported("the output name '" + name + "' is the name of another layer's"
            + " output; name the output otherwise");
      }
      g.node("Identity", List.of(tensor), name);
    }
    g.output(name, s.flat ? 2 : 4);
  }

  private void vertex(String name, GraphVertex v, List<String> from) throws Unsupported {
    if (v instanceof org.deeplearning4j.nn.conf.graph.FrozenVertex f) {
      v = f.getUnderlying(); // frozen for training: computes the same
    }
    if (v instanceof LayerVertex lv) {
      layer(name, lv.getLayerConf().getLayer(), lv.getPreProcessor(), from.get(0));
    } else if (v instanceof ElementWiseVertex ew) {
      String op = switch (ew.getOp()) {
        case Add -> "Sum";
        case Product -> "Mul";
        case Max -> "Max";
        case Average -> "Mean";
        case Subtract -> "Sub";
        default -> null;
      };
      if (op == null || (!op.equals("Sum") && !op.equals("Max") && !op.equals("Mean")
          && from.size() != 2)) {
        throw new Unsupported(name + ": element-wise " + ew.getOp() + " of " + from.size()
            + " inputs");
      }
      List<String> ins = new ArrayList<>();
      for (String f : from) {
        ins.add(tensorOf.get(f));
      }
      emit(name, op, ins, shapes.get(from.get(0)));
    } else if (v instanceof MergeVertex mv) {
      if (from.size() == 1) {
        alias(name, from.get(0));
        return;
      }
      if (mv.getMergeAxis() != 1) {
        throw new Unsupported(name + ": merge along axis " + mv.getMergeAxis());
      }
      List<String> ins = new ArrayList<>();
      long c = 0;
      Shape first = shapes.get(from.get(0));
      for (String f : from) {
        ins.add(tensorOf.get(f));
        c += shapes.get(f).c;
      }
      emit(name, "Concat", ins, new Shape(c, first.h, first.w, first.flat),
          OnnxProto.integer("axis", 1));
    } else if (v instanceof io.github.embeddings4j.core.onnx.ChannelScale) {
      emit(name, "Mul", List.of(tensorOf.get(from.get(0)), tensorOf.get(from.get(1))),
          shapes.get(from.get(0)));
    } else if (v instanceof io.github.embeddings4j.core.onnx.ChannelSlice cs) {
      Shape src = shapes.get(from.get(0));
      g.initializer(name + ".starts", new long[] {cs.getFrom()});
      g.initializer(name + ".ends", new long[] {cs.getTo() + 1L});
      g.initializer(name + ".axes", new long[] {1});
      emit(name, "Slice", List.of(tensorOf.get(from.get(0)), name + ".starts", name + ".ends",
          name + ".axes"), new Shape(cs.getTo() - cs.getFrom() + 1L, src.h, src.w, src.flat));
    } else if (v instanceof io.github.embeddings4j.core.onnx.ChannelNorm cn) {
      // (x - mean) / sqrt(var + eps) over the channels (axis 1), spelled out as PyTorch
      // exports a layer norm before opset 17
      Shape src = shapes.get(from.get(0));
      String x = tensorOf.get(from.get(0));
      OnnxProto.Attribute axes = OnnxProto.ints("axes", 1);
      g.node("ReduceMean", List.of(x), name + "/mean", axes);
      g.node("Sub", List.of(x, name + "/mean"), name + "/centred");
      g.node("Mul", List.of(name + "/centred", name + "/centred"), name + "/square");
      g.node("ReduceMean", List.of(name + "/square"), name + "/var", axes);
      g.node("Add", List.of(name + "/var", scalar(name + ".eps", cn.getEps())),
          name + "/var_eps");
      g.node("Sqrt", List.of(name + "/var_eps"), name + "/std");
      emit(name, "Div", List.of(name + "/centred", name + "/std"), src);
    } else if (v instanceof io.github.embeddings4j.core.onnx.ChannelShuffle cs) {
      // As PyTorch writes ShuffleNet's: a 5-d view, its two group axes swapped, flattened back
      // (0 in a shape copies the batch size).
      Shape src = shapes.get(from.get(0));
      long groups = cs.getGroups();
      g.initializer(name + ".grouped", new long[] {0, groups, src.c / groups, src.h, src.w});
      g.initializer(name + ".back", new long[] {0, src.c, src.h, src.w});
      g.node("Reshape", List.of(tensorOf.get(from.get(0)), name + ".grouped"), name + "/view");
      g.node("Transpose", List.of(name + "/view"), name + "/transpose",
          OnnxProto.ints("perm", 0, 2, 1, 3, 4));
      emit(name, "Reshape", List.of(name + "/transpose", name + ".back"), src);
    } else if (v instanceof io.github.embeddings4j.core.onnx.TokenVertex tv) {
      Shape src = shapes.get(from.get(0));
      String x = tensorOf.get(from.get(0));
      if (tv.getSelect() < 0) {
        // A map's positions as tokens: [N, C, H, W] as [N, C, 1, H * W].
        g.initializer(name + ".tokens", new long[] {0, src.c, 1, src.h * src.w});
        emit(name, "Reshape", List.of(x, name + ".tokens"), new Shape(src.c, 1,
            src.h * src.w, false));
      } else {
        g.initializer(name + ".index", new long[] {tv.getSelect()});
        g.node("Gather", List.of(x, name + ".index"), name + "/token",
            OnnxProto.integer("axis", 3));
        emit(name, "Flatten", List.of(name + "/token"), new Shape(src.c, 1, 1, true),
            OnnxProto.integer("axis", 1));
      }
    } else {
      throw new Unsupported(name + ": " + v.getClass().getSimpleName());
    }
  }

  private void layer(String name, Layer layer, InputPreProcessor pre, String src)
      throws Unsupported {
    if (layer instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
      layer = f.getLayer(); // frozen for training: computes the same
    } else if (layer instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop f) {
      layer = f.getUnderlying();
    }
    Shape s = shapes.get(src);
    String x = tensorOf.get(src);
    if (pre != null && !(pre instanceof CnnToFeedForwardPreProcessor f
        && f.getFormat() != CNN2DFormat.NHWC) && !(pre instanceof FeedForwardToCnnPreProcessor r
            && !s.flat && r.getNumChannels() == s.c && r.getInputHeight() == s.h
            && r.getInputWidth() == s.w)) {
      throw new Unsupported(name + ": input preprocessor " + pre.getClass().getSimpleName());
    }
    Class<?> kind = layer.getClass();
    if (kind == ConvolutionLayer.class) {
      ConvolutionLayer c = (ConvolutionLayer) layer;
      if (c.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
        throw new Unsupported(name + ": channels-last convolution");
      }
      Shape d = map(name);
      org.deeplearning4j.nn.api.Layer l = live.apply(name);
      INDArray w = l.getParam("W");
      long[] wd = w.shape();
      if (wd.length != 4 || wd[1] != s.c || wd[0] != d.c) {
        throw new Unsupported(name + ": weights of shape " + java.util.Arrays.toString(wd));
      }
      List<String> ins = new ArrayList<>(List.of(x, weight(name + ".W", wd, w)));
      if (c.hasBias()) {
        INDArray b = l.getParam("b");
        ins.add(weight(name + ".b", new long[] {d.c}, b));
      }
      String y = emit(main(name, c.getActivationFn(), ".conv"), "Conv", ins, d, window(name,
          c.getConvolutionMode(),
          c.getKernelSize(), c.getStride(), c.getDilation(), c.getPadding(), s, d));
      activation(name, c.getActivationFn(), y, d);
    } else if (kind == DepthwiseConvolution2D.class) {
      depthwise(name, (DepthwiseConvolution2D) layer, x, s);
    } else if (kind == SeparableConvolution2D.class) {
      separable(name, (SeparableConvolution2D) layer, x, s);
    } else if (kind == DenseLayer.class || kind == OutputLayer.class) {
      FeedForwardLayer dl = (FeedForwardLayer) layer;
      if (dl instanceof DenseLayer dense && dense.hasLayerNorm()) {
        throw new Unsupported(name + ": dense layer with layer normalisation");
      }
      org.deeplearning4j.nn.api.Layer l = live.apply(name);
      INDArray w = l.getParam("W");
      long in = s.c * s.h * s.w;
      if (w.rank() != 2 || w.size(0) != in) {
        throw new Unsupported(name + ": weights of shape " + java.util.Arrays.toString(w.shape())
            + " for " + in + " inputs");
      }
      Shape d = new Shape(w.size(1), 1, 1, true);
      String flat = s.flat ? x : emit(name + ".flatten", "Flatten", List.of(x),
          new Shape(in, 1, 1, true), OnnxProto.integer("axis", 1));
      List<String> ins = new ArrayList<>(List.of(flat, weight(name + ".W", w.shape(), w)));
      if (l.paramTable().containsKey("b")) {
        ins.add(weight(name + ".b", new long[] {d.c}, l.getParam("b")));
      }
      String y = emit(main(name, dl.getActivationFn(), ".gemm"), "Gemm", ins, d);
      activation(name, dl.getActivationFn(), y, d);
    } else if (kind == BatchNormalization.class) {
      if (((BatchNormalization) layer).getCnn2DFormat() == CNN2DFormat.NHWC) {
        throw new Unsupported(name + ": channels-last batch norm");
      }
      if (keepBatchNorm && !s.flat) {
        BatchNormalization bn = (BatchNormalization) layer;
        org.deeplearning4j.nn.api.Layer l = live.apply(name);
        INDArray var = bn.isUseLogStd()
            ? org.nd4j.linalg.ops.transforms.Transforms.pow(Nd4j.valueArrayOf(
                l.getParam("log10stdev").shape(), 10.0, l.getParam("log10stdev").dataType()),
                l.getParam("log10stdev").mul(2), false).subi(bn.getEps())
            : l.getParam("var");
        long[] v = {s.c};
        emit(name, "BatchNormalization", List.of(x, weight(name + ".gamma", v,
            l.getParam("gamma")), weight(name + ".beta", v, l.getParam("beta")),
            weight(name + ".mean", v, l.getParam("mean")), weight(name + ".var", v, var)), s,
            OnnxProto.real("epsilon", (float) bn.getEps()),
            OnnxProto.real("momentum", (float) bn.getDecay()));
        return;
      }
      double[][] st = BatchNormFolding.scaleShift(live.apply(name), s.c);
      long[] shape = s.flat ? new long[] {s.c} : new long[] {s.c, 1, 1};
      String scaled = emit(name + ".scale", "Mul", List.of(x, constant(name + ".gamma", shape,
          st[0])), s);
      emit(name, "Add", List.of(scaled, constant(name + ".beta", shape, st[1])), s);
    } else if (kind == SubsamplingLayer.class) {
      SubsamplingLayer p = (SubsamplingLayer) layer;
      if (p.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
        throw new Unsupported(name + ": channels-last pooling");
      }
      Shape d = map(name);
      List<OnnxProto.Attribute> a = new ArrayList<>(List.of(window(name,
          p.getConvolutionMode(), p.getKernelSize(), p.getStride(), new int[] {1, 1},
          p.getPadding(), s, d)));
      if (p.getDilation()[0] != 1 || p.getDilation()[1] != 1) {
        throw new Unsupported(name + ": dilated pooling");
      }
      a.add(OnnxProto.ints("kernel_shape", p.getKernelSize()[0], p.getKernelSize()[1]));
      String op;
      if (p.getPoolingType() == PoolingType.MAX) {
        op = "MaxPool";
      } else if (p.getPoolingType() == PoolingType.AVG) {
        op = "AveragePool";
        a.add(OnnxProto.integer("count_include_pad", p.isAvgPoolIncludePadInDivisor() ? 1 : 0));
      } else {
        throw new Unsupported(name + ": " + p.getPoolingType() + " pooling");
      }
      emit(name, op, List.of(x), d, a.toArray(OnnxProto.Attribute[]::new));
    } else if (kind == GlobalPoolingLayer.class) {
      GlobalPoolingLayer p = (GlobalPoolingLayer) layer;
      int[] dims = p.getPoolingDimensions();
      String op = p.getPoolingType() == PoolingType.MAX ? "GlobalMaxPool"
          : p.getPoolingType() == PoolingType.AVG ? "GlobalAveragePool" : null;
      if (op == null || s.flat || (dims != null && !java.util.Arrays.equals(dims,
          new int[] {2, 3}))) {
        throw new Unsupported(name + ": global " + p.getPoolingType() + " pooling over "
            + java.util.Arrays.toString(dims));
      }
      if (!p.isCollapseDimensions()) {
        emit(name, op, List.of(x), new Shape(s.c, 1, 1, false)); // a 1 x 1 map, as ONNX keeps it
        return;
      }
      String pooled = emit(name + ".pool", op, List.of(x), new Shape(s.c, 1, 1, false));
      emit(name, "Flatten", List.of(pooled), new Shape(s.c, 1, 1, true),
          OnnxProto.integer("axis", 1));
    } else if (kind == ZeroPaddingLayer.class) {
      ZeroPaddingLayer z = (ZeroPaddingLayer) layer;
      if (z.getDataFormat() == CNN2DFormat.NHWC) {
        throw new Unsupported(name + ": channels-last zero padding");
      }
      int[] p = z.getPadding();
      g.initializer(name + ".pads", new long[] {0, 0, p[0], p[2], 0, 0, p[1], p[3]});
      emit(name, "Pad", List.of(x, name + ".pads"), new Shape(s.c, s.h + p[0] + p[1],
          s.w + p[2] + p[3], false));
    } else if (kind == ActivationLayer.class) {
      activation(name, ((ActivationLayer) layer).getActivationFn(), x, s);
    } else if (kind == org.deeplearning4j.nn.conf.layers.PReLULayer.class) {
      INDArray slope = live.apply(name).getParam("W");
      long[] shape = slope.length() == 1 ? new long[] {1} : new long[] {s.c, 1, 1};
      emit(name, "PRelu", List.of(x, weight(name + ".slope", shape, slope)), s);
    } else if (kind == DropoutLayer.class) {
      alias(name, src);
    } else if (kind == org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer
        .class && s.flat) {
      // x * w + b per value of a vector (a layer norm's scale and shift on a vector)
      org.deeplearning4j.nn.api.Layer l = live.apply(name);
      long[] v = {s.c};
      String scaled = emit(name + ".scale", "Mul", List.of(x, weight(name + ".W", v,
          l.getParam("W"))), s);
      String y = emit(main(name, ((FeedForwardLayer) layer).getActivationFn(), ".shift"), "Add",
          List.of(scaled, weight(name + ".b", v, l.getParam("b"))), s);
      activation(name, ((FeedForwardLayer) layer).getActivationFn(), y, s);
    } else if (kind == io.github.embeddings4j.core.onnx.SelfAttention.class) {
      attention(name, (io.github.embeddings4j.core.onnx.SelfAttention) layer, x, s);
    } else if (kind == io.github.embeddings4j.core.onnx.TokenParameter.class) {
      tokenParameter(name, (io.github.embeddings4j.core.onnx.TokenParameter) layer, x, s);

    } else {
      throw new Unsupported(name + ": " + kind.getSimpleName());
    }
  }

  /**
   * Multi-head self-attention on tokens held as {@code [N, C, 1, T]}, written as PyTorch's
   * {@code scaled_dot_product_attention} spells it out: the tokens as {@code [N, T, C]}, three
   * projections split into heads {@code [N, H, T, d]}, {@code softmax(q k^T * scale) v}, the
   * heads joined, the output projection, and back to {@code [N, C, 1, T]}.
   */
  private void attention(String name, io.github.embeddings4j.core.onnx.SelfAttention a,
      String x, Shape s) {
    org.deeplearning4j.nn.api.Layer l = live.apply(name);
    long c = a.getSize();
    long t = a.getTokens();
    long h = a.getHeads();
    g.initializer(name + ".seq", new long[] {0, c, t});
    g.initializer(name + ".heads", new long[] {0, t, h, c / h});
    g.initializer(name + ".joined", new long[] {0, t, c});
    g.initializer(name + ".map", new long[] {0, c, 1, t});
    g.node("Reshape", List.of(x, name + ".seq"), name + "/seq");
    g.node("Transpose", List.of(name + "/seq"), name + "/tokens",
        OnnxProto.ints("perm", 0, 2, 1));
    String[] parts = {"q", "k", "v"};
    long[][] perms = {{0, 2, 1, 3}, {0, 2, 3, 1}, {0, 2, 1, 3}};
    for (int i = 0; i < 3; i++) {
      String p = name + "/" + parts[i];
      g.node("MatMul", List.of(name + "/tokens", weight(name + ".W" + parts[i], new long[] {c,
          c}, l.getParam("W" + parts[i]))), p + "_proj");
      g.node("Add", List.of(p + "_proj", weight(name + ".b" + parts[i], new long[] {c},
          l.getParam("b" + parts[i]))), p + "_biased");
      g.node("Reshape", List.of(p + "_biased", name + ".heads"), p + "_heads");
      g.node("Transpose", List.of(p + "_heads"), p, OnnxProto.ints("perm", perms[i]));
    }
    g.node("MatMul", List.of(name + "/q", name + "/k"), name + "/scores");
    g.node("Mul", List.of(name + "/scores", scalar(name + ".scale", a.getScale())),
        name + "/scaled");
    g.node("Softmax", List.of(name + "/scaled"), name + "/weights",
        OnnxProto.integer("axis", -1));
    g.node("MatMul", List.of(name + "/weights", name + "/v"), name + "/mixed");
    g.node("Transpose", List.of(name + "/mixed"), name + "/by_token",
        OnnxProto.ints("perm", 0, 2, 1, 3));
    g.node("Reshape", List.of(name + "/by_token", name + ".joined"), name + "/joined");
    g.node("MatMul", List.of(name + "/joined", weight(name + ".Wo", new long[] {c, c},
        l.getParam("Wo"))), name + "/o_proj");
    g.node("Add", List.of(name + "/o_proj", weight(name + ".bo", new long[] {c},
        l.getParam("bo"))), name + "/out");
    g.node("Transpose", List.of(name + "/out"), name + "/channels",
        OnnxProto.ints("perm", 0, 2, 1));
    emit(name, "Reshape", List.of(name + "/channels", name + ".map"), s);
  }

  /**
   * A learned class token before the tokens {@code [N, C, 1, T]} ({@code Expand} of the token
   * to the batch, {@code Concat} along the tokens), or a position embedding added to them.
   */
  private void tokenParameter(String name, io.github.embeddings4j.core.onnx.TokenParameter p,
      String x, Shape s) {
    INDArray v = live.apply(name).getParam("P");
    long c = p.getSize();
    if (p.getKind() == io.github.embeddings4j.core.onnx.TokenParameter.Kind.POSITIONS) {
      emit(name, "Add", List.of(x, weight(name + ".positions", new long[] {1, c, 1,
          p.getTokens()}, v)), s);
      return;
    }
    g.initializer(name + ".first", new long[] {0});
    g.initializer(name + ".one", new long[] {1});
    g.initializer(name + ".rest", new long[] {c, 1, 1});
    g.node("Shape", List.of(x), name + "/shape");
    g.node("Slice", List.of(name + "/shape", name + ".first", name + ".one"), name + "/batch");
    g.node("Concat", List.of(name + "/batch", name + ".rest"), name + "/expanded_shape",
        OnnxProto.integer("axis", 0));
    g.node("Expand", List.of(weight(name + ".token", new long[] {1, c, 1, 1}, v),
        name + "/expanded_shape"), name + "/token");
    emit(name, "Concat", List.of(name + "/token", x), new Shape(c, 1, s.w + 1, false),
        OnnxProto.integer("axis", 3));
  }

  /**
   * A depthwise-separable convolution: a grouped convolution with one group per input channel
   * ({@code depthMultiplier} filters each), then a 1x1 convolution with the bias and activation.
   */
  private void separable(String name, SeparableConvolution2D c, String x, Shape s)
      throws Unsupported {
    if (c.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
      throw new Unsupported(name + ": channels-last separable convolution");
    }
    Shape d = map(name);
    org.deeplearning4j.nn.api.Layer l = live.apply(name);
    INDArray w = l.getParam("W");
    INDArray pw = l.getParam("pW");
    long[] wd = w.shape();
    int m = c.getDepthMultiplier();
    int in = (int) s.c;
    if (wd.length != 4 || wd[0] != m || wd[1] != in || pw.size(0) != d.c
        || pw.size(1) != (long) in * m) {
      throw new Unsupported(name + ": separable weights of shape "
          + java.util.Arrays.toString(wd) + " and " + java.util.Arrays.toString(pw.shape()));
    }
    int k2 = (int) (wd[2] * wd[3]);
    // DL4J: W[j][c] makes output channel c*m + j, which ONNX's groups hold at [c*m + j][0].
    float[] dl4j = w.castTo(DataType.FLOAT).dup('c').data().asFloat();
    float[] grouped = new float[dl4j.length];
    for (int j = 0; j < m; j++) {
      for (int ch = 0; ch < in; ch++) {
        System.arraycopy(dl4j, (j * in + ch) * k2, grouped, (ch * m + j) * k2, k2);
      }
    }
    g.initializer(name + ".W", new long[] {(long) in * m, 1, wd[2], wd[3]}, grouped);
    List<OnnxProto.Attribute> a = new ArrayList<>(List.of(window(name, c.getConvolutionMode(),
        c.getKernelSize(), c.getStride(), c.getDilation(), c.getPadding(), s, d)));
    a.add(OnnxProto.integer("group", in));
    String depth = emit(name + ".depthwise", "Conv", List.of(x, name + ".W"),
        new Shape((long) in * m, d.h, d.w, false), a.toArray(OnnxProto.Attribute[]::new));
    List<String> ins = new ArrayList<>(List.of(depth, weight(name + ".pW", pw.shape(), pw)));
    if (c.hasBias()) {
      ins.add(weight(name + ".b", new long[] {d.c}, l.getParam("b")));
    }
    String y = emit(main(name, c.getActivationFn(), ".pointwise"), "Conv", ins, d);
    activation(name, c.getActivationFn(), y, d);
  }

  /**
   * A depthwise convolution: ONNX's grouped convolution with one group per input channel,
   * {@code depthMultiplier} filters each (DL4J's weights {@code [kh, kw, c, m]} make output
   * channel {@code c * m + j}, which ONNX holds at {@code [c * m + j][0]}).
   */
  private void depthwise(String name, DepthwiseConvolution2D c, String x, Shape s)
      throws Unsupported {
    if (c.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
      throw new Unsupported(name + ": channels-last depthwise convolution");
    }
    Shape d = map(name);
    org.deeplearning4j.nn.api.Layer l = live.apply(name);
    INDArray w = l.getParam("W");
    long[] wd = w.shape();
    int in = (int) s.c;
    int m = c.getDepthMultiplier();
    if (wd.length != 4 || wd[2] != in || wd[3] != m || d.c != (long) in * m) {
      throw new Unsupported(name + ": depthwise weights of shape "
          + java.util.Arrays.toString(wd));
    }
    int kh = (int) wd[0];
    int kw = (int) wd[1];
    float[] dl4j = w.castTo(DataType.FLOAT).dup('c').data().asFloat();
    float[] grouped = new float[dl4j.length];
    for (int ch = 0; ch < in; ch++) {
      for (int j = 0; j < m; j++) {
        for (int y = 0; y < kh; y++) {
          for (int xx = 0; xx < kw; xx++) {
            grouped[((ch * m + j) * kh + y) * kw + xx] = dl4j[((y * kw + xx) * in + ch) * m + j];
          }
        }
      }
    }
    g.initializer(name + ".W", new long[] {(long) in * m, 1, kh, kw}, grouped);
    List<OnnxProto.Attribute> a = new ArrayList<>(List.of(window(name, c.getConvolutionMode(),
        c.getKernelSize(), c.getStride(), c.getDilation(), c.getPadding(), s, d)));
    a.add(OnnxProto.integer("group", in));
    List<String> ins = new ArrayList<>(List.of(x, name + ".W"));
    if (c.hasBias()) {
      ins.add(weight(name + ".b", new long[] {d.c}, l.getParam("b")));
    }
    String y = emit(main(name, c.getActivationFn(), ".conv"), "Conv", ins, d,
        a.toArray(OnnxProto.Attribute[]::new));
    activation(name, c.getActivationFn(), y, d);
  }

  /**
   * The name of a layer's main node: the layer's own when no activation follows (so that a
   * network read from ONNX keeps its node names when written again), else with a suffix.
   */
  private static String main(String name, IActivation a, String suffix) {
    return a == null || a instanceof ActivationIdentity ? name : name + suffix;
  }

  /** The activation after a layer's output {@code y}; the layer's name then stands for it. */
  private void activation(String name, IActivation a, String y, Shape d) throws Unsupported {
    if (a == null || a instanceof ActivationIdentity) {
      tensorOf.put(name, y);
      shapes.put(name, d);
    } else if (a instanceof ActivationReLU r) {
      if ((r.getMax() != null && r.getMax() != 0) || (r.getThreshold() != null
          && r.getThreshold() != 0) || (r.getNegativeSlope() != null
          && r.getNegativeSlope() != 0)) {
        throw new Unsupported(name + ": ReLU with a maximum, threshold or slope");
      }
      emit(name, "Relu", List.of(y), d);
    } else if (a instanceof ActivationLReLU l) {
      emit(name, "LeakyRelu", List.of(y), d, OnnxProto.real("alpha", (float) l.getAlpha()));
    } else if (a instanceof ActivationTanH) {
      emit(name, "Tanh", List.of(y), d);
    } else if (a instanceof ActivationSigmoid) {
      emit(name, "Sigmoid", List.of(y), d);
    } else if (a instanceof ActivationReLU6 || a instanceof ActivationHardTanH) {
      boolean six = a instanceof ActivationReLU6;
      emit(name, "Clip", List.of(y, scalar(name + ".min", six ? 0 : -1),
          scalar(name + ".max", six ? 6 : 1)), d);
    } else if (a instanceof io.github.embeddings4j.core.onnx.HardSigmoidActivation h) {
      emit(name, "HardSigmoid", List.of(y), d, OnnxProto.real("alpha", (float) h.getAlpha()),
          OnnxProto.real("beta", (float) h.getBeta()));
    } else if (a instanceof io.github.embeddings4j.core.onnx.AffineActivation f) {
      g.node("Mul", List.of(y, scalar(name + ".scale", f.getScale())), name + "/scaled");
      emit(name, "Add", List.of(name + "/scaled", scalar(name + ".shift", f.getShift())), d);
    } else if (a instanceof org.nd4j.linalg.activations.impl.ActivationELU e) {
      emit(name, "Elu", List.of(y), d, OnnxProto.real("alpha", (float) e.getAlpha()));
    } else if (a instanceof org.nd4j.linalg.activations.impl.ActivationSELU) {
      emit(name, "Selu", List.of(y), d);
    } else if (a instanceof org.nd4j.linalg.activations.impl.ActivationSoftPlus) {
      emit(name, "Softplus", List.of(y), d);
    } else if (a instanceof org.nd4j.linalg.activations.impl.ActivationMish) {
      // x tanh(softplus(x)): Mish is an operator only from opset 18
      g.node("Softplus", List.of(y), name + "/softplus");
      g.node("Tanh", List.of(name + "/softplus"), name + "/tanh");
      emit(name, "Mul", List.of(y, name + "/tanh"), d);
    } else if (a instanceof io.github.embeddings4j.core.onnx.GeluActivation) {
      // x (1 + erf(x / sqrt 2)) / 2, as PyTorch exports nn.GELU() before opset 20
      g.node("Div", List.of(y, scalar(name + ".sqrt2", Math.sqrt(2))), name + "/div");
      g.node("Erf", List.of(name + "/div"), name + "/erf");
      g.node("Add", List.of(name + "/erf", scalar(name + ".one", 1)), name + "/add");
      g.node("Mul", List.of(y, name + "/add"), name + "/mul");
      emit(name, "Mul", List.of(name + "/mul", scalar(name + ".half", 0.5)), d);
    } else if (a instanceof ActivationSoftmax && d.flat) {
      emit(name, "Softmax", List.of(y), d, OnnxProto.integer("axis", 1));
    } else {
      throw new Unsupported(name + ": activation " + a);
    }
  }

  /** Adds a node whose output the vertex {@code name} stands for. */
  private String emit(String name, String op, List<String> inputs, Shape out,
      OnnxProto.Attribute... attributes) {
    g.node(op, inputs, name, attributes);
    tensorOf.put(name, name);
    shapes.put(name, out);
    return name;
  }

  private void alias(String name, String src) {
    tensorOf.put(name, tensorOf.get(src));
    shapes.put(name, shapes.get(src));
  }

  private String weight(String tensor, long[] shape, INDArray values) {
    g.initializer(tensor, shape, values.castTo(DataType.FLOAT).dup('c').data().asFloat());
    return tensor;
  }

  /** A float scalar constant; returns its name. */
  private String scalar(String tensor, double value) {
    return constant(tensor, new long[0], new double[] {value});
  }

  private String constant(String tensor, long[] shape, double[] values) {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    g.initializer(tensor, shape, f);
    return tensor;
  }

  private Shape map(String name) throws Unsupported {
    if (!(types.get(name) instanceof InputType.InputTypeConvolutional c)) {
      throw new Unsupported(name + ": output " + types.get(name) + " is not a feature map");
    }
    return new Shape(c.getChannels(), c.getHeight(), c.getWidth(), false);
  }

  /**
   * Strides, dilations and the padding that gives DL4J's output size for its convolution mode:
   * "same" pads the total evenly with the odd pixel at the end; "truncate" pads as configured
   * and drops what does not fill a last window (ONNX's floor does the same with no end padding).
   */
  private static OnnxProto.Attribute[] window(String name, ConvolutionMode mode, int[] kernel,
      int[] stride, int[] dilation, int[] pad, Shape src, Shape out) throws Unsupported {
    long[] in = {src.h, src.w};
    long[] o = {out.h, out.w};
    long[] begin = new long[2];
    long[] end = new long[2];
    for (int i = 0; i < 2; i++) {
      long eff = (long) (kernel[i] - 1) * dilation[i] + 1;
      if (mode == ConvolutionMode.Same) {
        begin[i] = Math.max(0, (o[i] - 1) * stride[i] + eff - in[i]) / 2;
      } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
        begin[i] = pad[i];
      } else {
        throw new Unsupported(name + ": convolution mode " + mode);
      }
      end[i] = Math.max(0, (o[i] - 1) * stride[i] + eff - in[i] - begin[i]);
      if ((in[i] + begin[i] + end[i] - eff) / stride[i] + 1 != o[i]) {
        throw new Unsupported(name + ": no ONNX padding gives DL4J's output size " + o[i]
            + " from " + in[i]);
      }
    }
    OnnxProto.Attribute strides = OnnxProto.ints("strides", stride[0], stride[1]);
    OnnxProto.Attribute pads = OnnxProto.ints("pads", begin[0], begin[1], end[0], end[1]);
    // AveragePool has no dilations before opset 19: pooling is never dilated here.
    return dilation[0] == 1 && dilation[1] == 1 ? new OnnxProto.Attribute[] {strides, pads}
        : new OnnxProto.Attribute[] {strides, pads,
            OnnxProto.ints("dilations", dilation[0], dilation[1])};
  }
}
