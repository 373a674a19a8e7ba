package io.github.embeddings4j.core.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns a convolutional network saved as ONNX (torchvision's and timm's CNNs as {@code
 * torch.onnx.export} writes them, Keras CNNs through tf2onnx) into a Deeplearning4j graph with
 * the file's weights, so that it can be trained: {@link
 * io.github.embeddings4j.core.train.ZooFineTuner#builder(Path)} fine-tunes it on labelled photos.
 * The graph computes what ONNX Runtime computes on the file (checked to about 1e-5 relative on
 * the committed fixture and, in docs/training.md, on eight torchvision families).
 *
 * <p>Operators understood: {@code Conv} (plain, depthwise, and grouped, the last as one
 * convolution per group), {@code BatchNormalization}, {@code Relu}, {@code LeakyRelu}, {@code
 * Clip} to {@code [0, 6]} or {@code [0, inf)}, {@code Sigmoid}, {@code HardSigmoid}, {@code
 * HardSwish}, {@code Tanh}, {@code MaxPool}, {@code AveragePool}, {@code GlobalAveragePool},
 * {@code GlobalMaxPool}, {@code Add} of two computed tensors, {@code Mul} of two computed
 * tensors of one shape (SiLU, hard-swish) or of a map and one factor per channel
 * (squeeze-and-excitation, {@link ChannelScale}; hard sigmoids with {@link
 * HardSigmoidActivation}), {@code Concat} of channels, zero {@code Pad},
 * {@code Flatten} and the {@code Reshape} that flattens, {@code Gemm}, {@code Softmax}, and
 * {@code Identity}/{@code Dropout}. That covers ResNet, ResNeXt, Wide ResNet, RegNet, VGG,
 * AlexNet, DenseNet, SqueezeNet, MobileNetV2 and V3, and EfficientNet. Any other operator (the
 * attention of vision transformers, ConvNeXt's layer norms) is refused with an {@link
 * IllegalArgumentException} that names it, its node, and what still works with the file
 * (embedding through ONNX Runtime, and heads on its frozen embeddings).
 *
 * <p>BatchNorm layers that the exporter folded into the convolutions ({@code torch.onnx.export}
 * of a model in {@code eval()} mode does) train as the convolutions' biases; export with {@code
 * training=torch.onnx.TrainingMode.PRESERVE} to keep them as layers that learn their batch
 * statistics.
 */
public final class OnnxImport {

  /**
   * A graph read from an ONNX file.
   *
   * @param network the graph, initialised with the file's weights (float32)
   * @param input the name of its image input ({@code [N, C, H, W]})
   * @param output the vertex that gives the file's output
   * @param classifier the last dense layer (the file's classifier), or {@code null} when the
   *     graph does not end in one
   * @param features the vertex whose output the classifier reads (the pooled features for
   *     ResNet-like networks), or the output when there is no classifier
   * @param channels the input's channels
   */
  public record Imported(ComputationGraph network, String input, String output, String classifier,
      String features, int channels) {}

  /** An activation's shape for one image: a map {@code c x h x w}, or a vector of {@code c}. */
  private record Shape(long c, long h, long w, boolean flat) {
    long size() {
      return flat ? c : c * h * w;
    }

    @Override
    public String toString() {
      return flat ? "[" + c + "]" : "[" + c + ", " + h + ", " + w + "]";
    }
  }

  private final OnnxGraph g;
  private final Path file;
  private final ComputationGraphConfiguration.GraphBuilder b;
  private final Map<String, String> vertexOf = new HashMap<>();
  private final Map<String, Shape> shapeOf = new HashMap<>();
  private final Map<String, Map<String, INDArray>> params = new LinkedHashMap<>();
  private final Set<String> names = new LinkedHashSet<>();
  private final List<String> denseLayers = new ArrayList<>();
  private final Map<String, String> inputOfLayer = new HashMap<>();
  /** The nodes that read each tensor. */
  private final Map<String, List<OnnxGraph.Node>> consumers = new HashMap<>();

  private OnnxImport(OnnxGraph g, Path file) {
    this.g = g;
    this.file = file;
    this.b = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
        .weightInit(WeightInit.XAVIER).graphBuilder();
  }

  /**
   * Reads an ONNX CNN as a Deeplearning4j graph for images of one size.
   *
   * @param model the {@code .onnx} file
   * @param height the input height; another than the one an export fixed works where the
   *     network's weights do not depend on it (global pooling before the classifier, as in
   *     ResNet or EfficientNet; not VGG, whose first dense layer reads a map of fixed size)
   * @param width the input width
   * @return the graph and the names of its parts
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is not an ONNX model, has not exactly one image
   *     input and one output, or uses an operator listed above as refused; the message names the
   *     file, the node and the operator
   */
  public static Imported read(Path model, int height, int width) throws IOException {
    Objects.requireNonNull(model, "model");
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("input size must be positive: " + height + "x" + width);
    }
    OnnxGraph g;
    try {
      g = OnnxGraph.read(model);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(model + ": " + e.getMessage(), e);
    }
    return new OnnxImport(g, model).convert(height, width);
  }

  private Imported convert(int height, int width) {
    for (OnnxGraph.Node n : g.nodes) {
      if (!SUPPORTED.contains(n.op())) {
        throw unsupported(n, "the operator " + n.op() + " has no Deeplearning4j layer here");
      }
    }
    String outTensor = g.outputs.size() == 1 ? g.outputs.get(0)
        : g.outputs.contains(FineTunedOnnx.PROBABILITIES) ? FineTunedOnnx.PROBABILITIES : null;
    if (g.inputs.size() != 1 || outTensor == null) {
      throw refuse("it has " + g.inputs.size() + " inputs and outputs " + g.outputs
          + "; fine-tuning reads networks with one image input and one output (or a file"
          + " fine-tuned here, whose classifier gives '" + FineTunedOnnx.PROBABILITIES + "')");
    }
    String input = g.inputs.keySet().iterator().next();
    long[] dims = g.inputs.get(input);
    if (dims.length != 4) {
      throw refuse("its input '" + input + "' has shape " + Arrays.toString(dims)
          + "; an image input is [N, C, H, W]");
    }
    if (dims[1] != 1 && dims[1] != 3) {
      throw refuse("its input '" + input + "' has " + dims[1] + " channels (shape "
          + Arrays.toString(dims) + "); an image input [N, C, H, W] has 1 or 3");
    }
    // An export fixes the size it was traced at; the layers decide what they accept (a dense
    // layer after a map of another size is refused below, naming the sizes).
    int channels = (int) dims[1];
    String in = unique(input);
    b.addInputs(in).setInputTypes(InputType.convolutional(height, width, channels));
    vertexOf.put(input, in);
    shapeOf.put(input, new Shape(channels, height, width, false));
    for (OnnxGraph.Node n : g.nodes) {
      for (String t : n.inputs()) {
        consumers.computeIfAbsent(t, k -> new ArrayList<>()).add(n);
      }
    }
    for (OnnxGraph.Node n : g.nodes) {
      convert(n);
    }
    String output = vertexOf.get(outTensor);
    if (output == null || output.equals(in)) {
      throw refuse("its output '" + outTensor + "' is not computed from the image");
    }
    b.setOutputs(output);
    ComputationGraph net = new ComputationGraph(b.build());
    net.init();
    for (Map.Entry<String, Map<String, INDArray>> e : params.entrySet()) {
      Map<String, INDArray> table = net.getLayer(e.getKey()).paramTable();
      if (!table.keySet().equals(e.getValue().keySet())) {
        throw new IllegalStateException(e.getKey() + ": parameters " + table.keySet()
            + " against " + e.getValue().keySet());
      }
      for (Map.Entry<String, INDArray> p : e.getValue().entrySet()) {
        INDArray into = table.get(p.getKey());
        // Vectors are rows or plain vectors depending on the layer: the same values either way.
        boolean sameShape = Arrays.equals(into.shape(), p.getValue().shape());
        if (!sameShape && !(into.length() == p.getValue().length() && !p.getKey().equals("W"))) {
          throw new IllegalStateException(e.getKey() + "." + p.getKey() + ": shape "
              + Arrays.toString(into.shape()) + " against "
              + Arrays.toString(p.getValue().shape()));
        }
        into.assign(sameShape ? p.getValue() : p.getValue().reshape(into.shape()));
      }
    }
    String classifier = null;
    String features = output;
    if (!denseLayers.isEmpty()) {
      classifier = denseLayers.get(denseLayers.size() - 1);
      features = inputOfLayer.get(classifier);
    }
    return new Imported(net, in, output, classifier, features, channels);
  }

  private void convert(OnnxGraph.Node n) {
    switch (n.op()) {
      case "Conv" -> conv(n);
      case "BatchNormalization" -> batchNorm(n);
      case "Relu" -> activation(n, Activation.RELU.getActivationFunction());
      case "LeakyRelu" -> activation(n, new ActivationLReLU(n.real("alpha", 0.01f)));
      case "Sigmoid" -> activation(n, Activation.SIGMOID.getActivationFunction());
      case "Tanh" -> activation(n, Activation.TANH.getActivationFunction());
      case "Clip" -> clip(n);
      case "HardSigmoid" -> hardSigmoid(n, n.real("alpha", 0.2f), n.real("beta", 0.5f),
          n.outputs().get(0));
      case "HardSwish" -> hardSwish(n);
      case "Mul" -> mul(n);
      case "MaxPool", "AveragePool" -> pool(n);
      case "GlobalAveragePool", "GlobalMaxPool" -> globalPool(n);
      case "Add", "Sum" -> add(n);
      case "Slice" -> slice(n);
      case "Concat" -> concat(n);
      case "Pad" -> pad(n);
      case "Flatten" -> flatten(n);
      case "Reshape" -> reshape(n);
      case "Gemm" -> gemm(n);
      case "Softmax" -> softmax(n);
      case "Identity", "Dropout" -> alias(n, source(n, 0));
      default -> throw unsupported(n, "the operator " + n.op() + " has no Deeplearning4j layer"
          + " here");
    }
  }

  // ---- operators -------------------------------------------------------------------------

  private void conv(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = map(n, x);
    OnnxGraph.Tensor w = weights(n, 1, 4);
    OnnxGraph.Tensor bias = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()
        ? weights(n, 2, 1) : null;
    int outC = (int) w.dims()[0];
    int groups = (int) n.integer("group", 1);
    int kh = (int) w.dims()[2];
    int kw = (int) w.dims()[3];
    int[] stride = pair(n, "strides", 1);
    int[] dilation = pair(n, "dilations", 1);
    if (s.c() % groups != 0 || w.dims()[1] * groups != s.c() || outC % groups != 0) {
      throw unsupported(n, "weights " + Arrays.toString(w.dims()) + " in " + groups
          + " groups do not fit an input of " + s.c() + " channels");
    }
    int[] pads = even(pads(n, s, new int[] {kh, kw}, stride, dilation), s, new int[] {kh, kw},
        stride, dilation);
    String into = padIfUneven(n, x, s, pads);
    Shape in = shapeOf.get(into == null ? x : into);
    String from = into == null ? vertexOf.get(x) : into;
    int ph = into == null ? pads[0] : 0;
    int pw = into == null ? pads[1] : 0;
    long oh = (in.h() + 2L * ph - (long) dilation[0] * (kh - 1) - 1) / stride[0] + 1;
    long ow = (in.w() + 2L * pw - (long) dilation[1] * (kw - 1) - 1) / stride[1] + 1;
    Shape out = new Shape(outC, oh, ow, false);
    String name = unique(n.label());
    float[] wv = w.floats();
    int inC = (int) s.c();
    if (groups == 1) {
      b.addLayer(name, new ConvolutionLayer.Builder(kh, kw).nIn(inC).nOut(outC)
          .stride(stride).padding(ph, pw).dilation(dilation)
          .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY)
          .hasBias(bias != null).build(), from);
      params.put(name, convParams(wv, new long[] {outC, inC, kh, kw}, bias, outC));
    } else if (groups == inC) {
      int multiplier = outC / inC;
      b.addLayer(name, new DepthwiseConvolution2D.Builder(kh, kw).nIn(inC).nOut(outC)
          .depthMultiplier(multiplier).stride(stride).padding(ph, pw).dilation(dilation)
          .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY)
          .hasBias(bias != null).build(), from);
      // ONNX: [c * multiplier + m][0][y][x]; DL4J: [y][x][c][m].
      float[] dw = new float[wv.length];
      for (int c = 0; c < inC; c++) {
        for (int m = 0; m < multiplier; m++) {
          for (int y = 0; y < kh; y++) {
            for (int xx = 0; xx < kw; xx++) {
              dw[((y * kw + xx) * inC + c) * multiplier + m] =
                  wv[((c * multiplier + m) * kh + y) * kw + xx];
            }
          }
        }
      }
      params.put(name, weightsAndBias(Nd4j.create(dw, new long[] {kh, kw, inC, multiplier}, 'c'),
          bias));
    } else {
      // Grouped: one convolution per group on its channels, then the groups side by side.
      int gin = inC / groups;
      int gout = outC / groups;
      String[] parts = new String[groups];
      for (int k = 0; k < groups; k++) {
        String sub = unique(name + "/group" + k + "/in");
        b.addVertex(sub, new ChannelSlice(k * gin, (k + 1) * gin - 1), from);
        String conv = unique(name + "/group" + k);
        b.addLayer(conv, new ConvolutionLayer.Builder(kh, kw).nIn(gin).nOut(gout)
            .stride(stride).padding(ph, pw).dilation(dilation)
            .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY)
            .hasBias(bias != null).build(), sub);
        float[] part = Arrays.copyOfRange(wv, k * gout * gin * kh * kw,
            (k + 1) * gout * gin * kh * kw);
        OnnxGraph.Tensor pb = bias == null ? null : new OnnxGraph.Tensor(bias.name(),
            new long[] {gout}, Arrays.copyOfRange(bias.floats(), k * gout, (k + 1) * gout), null);
        params.put(conv, convParams(part, new long[] {gout, gin, kh, kw}, pb, gout));
        parts[k] = conv;
      }
      b.addVertex(name, new MergeVertex(), parts);
    }
    define(n, name, out);
  }

  private static Map<String, INDArray> convParams(float[] w, long[] shape,
      OnnxGraph.Tensor bias, int out) {
    return weightsAndBias(Nd4j.create(w, shape, 'c'), bias);
  }

  /** DL4J's parameter names: "W" for the weights, "b" for the bias (a row). */
  private static Map<String, INDArray> weightsAndBias(INDArray w, OnnxGraph.Tensor bias) {
    Map<String, INDArray> p = new LinkedHashMap<>();
    p.put("W", w);
    if (bias != null) {
      p.put("b", row(bias.floats()));
    }
    return p;
  }

  private void batchNorm(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = shapeOf.get(x);
    float[] gamma = weights(n, 1, 1).floats();
    float[] beta = weights(n, 2, 1).floats();
    float[] mean = weights(n, 3, 1).floats();
    float[] var = weights(n, 4, 1).floats();
    if (gamma.length != s.c()) {
      throw unsupported(n, "its scale has " + gamma.length + " values for " + s.c()
          + " channels");
    }
    String name = unique(n.label());
    b.addLayer(name, new BatchNormalization.Builder().nIn(s.c()).nOut(s.c())
        .eps(n.real("epsilon", 1e-5f)).decay(n.real("momentum", 0.9f)).useLogStd(false)
        .build(), vertexOf.get(x));
    params.put(name, Map.of("gamma", row(gamma), "beta", row(beta), "mean", row(mean), "var",
        row(var)));
    define(n, name, s);
  }

  private static INDArray row(float[] v) {
    return Nd4j.create(v, new long[] {1, v.length}, 'c');
  }

  private void activation(OnnxGraph.Node n, IActivation f) {
    String x = source(n, 0);
    String name = unique(n.label());
    b.addLayer(name, new ActivationLayer.Builder().activation(f).build(), vertexOf.get(x));
    define(n, name, shapeOf.get(x));
  }

  private void clip(OnnxGraph.Node n) {
    float lo = n.real("min", Float.NEGATIVE_INFINITY);
    float hi = n.real("max", Float.POSITIVE_INFINITY);
    if (n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()) {
      lo = scalar(n, 1);
    }
    if (n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()) {
      hi = scalar(n, 2);
    }
    if (lo == 0 && hi == 6) {
      activation(n, Activation.RELU6.getActivationFunction());
    } else if (lo == 0 && hi == Float.POSITIVE_INFINITY) {
      activation(n, Activation.RELU.getActivationFunction());
    } else if (lo == -1 && hi == 1) {
      activation(n, Activation.HARDTANH.getActivationFunction());
    } else {
      throw unsupported(n, "Clip to [" + lo + ", " + hi + "]: only [0, 6], [0, inf) and"
          + " [-1, 1] have layers");
    }
  }

  private void pool(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = map(n, x);
    long[] k = n.ints("kernel_shape");
    if (k == null || k.length != 2) {
      throw unsupported(n, "a pooling needs a 2-d kernel_shape");
    }
    int[] kernel = {(int) k[0], (int) k[1]};
    int[] stride = pair(n, "strides", 1);
    int[] dilation = pair(n, "dilations", 1);
    boolean max = n.op().equals("MaxPool");
    if (n.integer("ceil_mode", 0) != 0) {
      int[] pads = pads(n, s, kernel, stride, dilation);
      for (int d = 0; d < 2; d++) {
        long size = d == 0 ? s.h() : s.w();
        long span = size + pads[d] + pads[d + 2] - (long) dilation[d] * (kernel[d] - 1) - 1;
        if (span % stride[d] != 0) {
          throw unsupported(n, "ceil_mode=1 gives another output size than floor here ("
              + s + " input); export at an input size where they agree, or without ceil_mode");
        }
      }
    }
    int[] pads = even(pads(n, s, kernel, stride, dilation), s, kernel, stride, dilation);
    if (pads[0] != pads[2] || pads[1] != pads[3]) {
      throw unsupported(n, "uneven padding " + Arrays.toString(pads) + " of a pooling");
    }
    SubsamplingLayer.Builder layer = new SubsamplingLayer.Builder(max ? PoolingType.MAX
        : PoolingType.AVG).kernelSize(kernel).stride(stride).padding(pads[0], pads[1])
        .dilation(dilation).convolutionMode(ConvolutionMode.Truncate);
    if (!max) {
      layer.avgPoolIncludePadInDivisor(n.integer("count_include_pad", 0) != 0);
    }
    String name = unique(n.label());
    b.addLayer(name, layer.build(), vertexOf.get(x));
    long oh = (s.h() + 2L * pads[0] - (long) dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
    long ow = (s.w() + 2L * pads[1] - (long) dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1;
    define(n, name, new Shape(s.c(), oh, ow, false));
  }

  private void globalPool(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = map(n, x);
    String name = unique(n.label());
    // ONNX keeps [N, C, 1, 1]. A vector where only flattening reads it (the classifier's
    // input); a 1 x 1 map where convolutions read it (squeeze-and-excitation).
    boolean flat = true;
    for (OnnxGraph.Node c : consumers.getOrDefault(n.outputs().get(0), List.of())) {
      flat &= c.op().equals("Flatten") || c.op().equals("Reshape");
    }
    b.addLayer(name, new GlobalPoolingLayer.Builder(n.op().equals("GlobalMaxPool")
        ? PoolingType.MAX : PoolingType.AVG).collapseDimensions(flat).build(), vertexOf.get(x));
    define(n, name, new Shape(s.c(), 1, 1, flat));
  }

  /** ONNX's HardSigmoid with its own slope and offset, the result named {@code out}. */
  private String hardSigmoid(OnnxGraph.Node n, float alpha, float beta, String out) {
    String x = source(n, 0);
    String name = unique(n.label() + (out.equals(n.outputs().get(0)) ? "" : "/gate"));
    b.addLayer(name, new ActivationLayer.Builder().activation(new HardSigmoidActivation(alpha,
        beta)).build(), vertexOf.get(x));
    vertexOf.put(out, name);
    shapeOf.put(out, shapeOf.get(x));
    return name;
  }

  /** x * hardsigmoid(x), with PyTorch's slope 1/6 (ONNX's HardSwish, opset 14). */
  private void hardSwish(OnnxGraph.Node n) {
    String x = source(n, 0);
    String gate = hardSigmoid(n, 1f / 6, 0.5f, n.outputs().get(0) + "/gate");
    String name = unique(n.label());
    b.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Product), vertexOf.get(x), gate);
    define(n, name, shapeOf.get(x));
  }

  /**
   * A product of two computed tensors: of equal shapes (SiLU's {@code x * sigmoid(x)},
   * hard-swish), or a map times a factor per channel (squeeze-and-excitation's gate).
   */
  private void mul(OnnxGraph.Node n) {
    if (n.inputs().size() != 2) {
      throw unsupported(n, "Mul of " + n.inputs().size() + " tensors");
    }
    String a = source(n, 0);
    String c = source(n, 1);
    Shape sa = shapeOf.get(a);
    Shape sc = shapeOf.get(c);
    String name = unique(n.label());
    if (sa.equals(sc)) {
      b.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Product), vertexOf.get(a),
          vertexOf.get(c));
      define(n, name, sa);
      return;
    }
    boolean aGate = !sa.flat() && sa.h() == 1 && sa.w() == 1;
    Shape map = aGate ? sc : sa;
    Shape gate = aGate ? sa : sc;
    if (map.flat() || gate.flat() || gate.h() != 1 || gate.w() != 1 || gate.c() != map.c()) {
      throw unsupported(n, "Mul of shapes " + sa + " and " + sc + ": only equal shapes and a"
          + " map times one factor per channel have a vertex");
    }
    b.addVertex(name, new ChannelScale(), vertexOf.get(aGate ? c : a),
        vertexOf.get(aGate ? a : c));
    define(n, name, map);
  }

  private void add(OnnxGraph.Node n) {
    if (n.inputs().size() == 1) {
      alias(n, source(n, 0));
      return;
    }
    if (n.inputs().size() != 2) {
      throw unsupported(n, n.op() + " of " + n.inputs().size() + " tensors");
    }
    String a = source(n, 0);
    String c = source(n, 1);
    if (!shapeOf.get(a).equals(shapeOf.get(c))) {
      throw unsupported(n, "Add of shapes " + shapeOf.get(a) + " and " + shapeOf.get(c)
          + ": only equal shapes (residual connections) have a vertex");
    }
    String name = unique(n.label());
    b.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), vertexOf.get(a),
        vertexOf.get(c));
    define(n, name, shapeOf.get(a));
  }

  /** Channels {@code from..to} of a map (what this SDK writes for a grouped convolution). */
  private void slice(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = map(n, x);
    long[] starts = constant(n, 1).longs();
    long[] ends = constant(n, 2).longs();
    long[] axes = n.inputs().size() > 3 ? constant(n, 3).longs() : new long[] {0};
    long[] steps = n.inputs().size() > 4 ? constant(n, 4).longs() : new long[] {1};
    if (starts == null || ends == null || starts.length != 1 || axes.length != 1
        || (axes[0] != 1 && axes[0] != -3) || steps[0] != 1) {
      throw unsupported(n, "Slice other than of channels with step 1");
    }
    long from = Math.max(0, starts[0] < 0 ? starts[0] + s.c() : starts[0]);
    long to = Math.min(s.c(), ends[0] < 0 ? ends[0] + s.c() : ends[0]);
    if (to <= from) {
      throw unsupported(n, "an empty Slice");
    }
    String name = unique(n.label());
    b.addVertex(name, new ChannelSlice((int) from, (int) to - 1), vertexOf.get(x));
    define(n, name, new Shape(to - from, s.h(), s.w(), false));
  }

  private void concat(OnnxGraph.Node n) {
    long axis = n.integer("axis", 1);
    List<String> in = new ArrayList<>();
    long channels = 0;
    Shape first = null;
    for (int i = 0; i < n.inputs().size(); i++) {
      String x = source(n, i);
      Shape s = shapeOf.get(x);
      if (first == null) {
        first = s;
      }
      if (s.flat() != first.flat() || (!s.flat() && (s.h() != first.h() || s.w() != first.w()))) {
        throw unsupported(n, "Concat of shapes " + first + " and " + s);
      }
      channels += s.c();
      in.add(vertexOf.get(x));
    }
    if (axis != 1 && axis != -3 + (first.flat() ? 2 : 0)) {
      throw unsupported(n, "Concat along axis " + axis + ": only channels (axis 1) have a"
          + " vertex");
    }
    String name = unique(n.label());
    b.addVertex(name, new MergeVertex(), in.toArray(String[]::new));
    define(n, name, new Shape(channels, first.h(), first.w(), first.flat()));
  }

  private void pad(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = map(n, x);
    String mode = n.text("mode", "constant");
    long[] p = n.inputs().size() > 1 ? constant(n, 1).longs() : n.ints("pads");
    float value = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? scalar(n, 2)
        : n.real("value", 0f);
    if (p == null || p.length != 8) {
      throw unsupported(n, "Pad needs 8 pads for a [N, C, H, W] tensor");
    }
    if (p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0) {
      throw unsupported(n, "Pad of the batch or channel axes");
    }
    boolean none = p[2] == 0 && p[3] == 0 && p[6] == 0 && p[7] == 0;
    if (none) {
      alias(n, x);
      return;
    }
    if (!mode.equals("constant") || value != 0) {
      throw unsupported(n, "Pad in mode '" + mode + "' with value " + value + ": only zero"
          + " padding has a layer");
    }
    String name = unique(n.label());
    b.addLayer(name, new ZeroPaddingLayer.Builder((int) p[2], (int) p[6], (int) p[3],
        (int) p[7]).build(), vertexOf.get(x));
    define(n, name, new Shape(s.c(), s.h() + p[2] + p[6], s.w() + p[3] + p[7], false));
  }

  private void flatten(OnnxGraph.Node n) {
    if (n.integer("axis", 1) != 1) {
      throw unsupported(n, "Flatten from axis " + n.integer("axis", 1) + ": only axis 1 (one"
          + " vector per image) is understood");
    }
    flat(n, source(n, 0));
  }

  private void reshape(OnnxGraph.Node n) {
    String x = source(n, 0);
    OnnxGraph.Tensor to = constant(n, 1);
    long[] t = to.longs();
    Shape s = shapeOf.get(x);
    boolean flattens = t != null && t.length == 2 && (t[0] == 0 || t[0] == -1 || t[0] == 1)
        && (t[1] == -1 || t[1] == s.size());
    if (!flattens) {
      throw unsupported(n, "Reshape to " + Arrays.toString(t) + ": only the reshape to one"
          + " vector per image is understood");
    }
    flat(n, x);
  }

  /** A flattened tensor: the vertex itself; the dense layer after it flattens a map (c, h, w). */
  private void flat(OnnxGraph.Node n, String x) {
    Shape s = shapeOf.get(x);
    vertexOf.put(n.outputs().get(0), vertexOf.get(x));
    shapeOf.put(n.outputs().get(0), new Shape(s.size(), 1, 1, true));
  }

  private void gemm(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = shapeOf.get(x);
    if (!s.flat()) {
      throw unsupported(n, "Gemm of a feature map " + s + ": flatten it first");
    }
    if (n.integer("transA", 0) != 0 || n.real("alpha", 1f) != 1f || n.real("beta", 1f) != 1f) {
      throw unsupported(n, "Gemm with transA, alpha or beta: only y = x B (+ C) has a layer");
    }
    OnnxGraph.Tensor w = weights(n, 1, 2);
    boolean transB = n.integer("transB", 0) != 0;
    long nIn = transB ? w.dims()[1] : w.dims()[0];
    long nOut = transB ? w.dims()[0] : w.dims()[1];
    if (nIn != s.c()) {
      throw refuse("node '" + n.label() + "' (Gemm) has weights " + Arrays.toString(w.dims())
          + (transB ? " (transposed)" : "") + " for " + nIn + " inputs, but gets " + s.c()
          + " at this input size: the network reads a map of fixed size here; train at the"
          + " size it was exported at" + exportedSize());
    }
    OnnxGraph.Tensor bias = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()
        ? weights(n, 2, -1) : null;
    if (bias != null && bias.size() != nOut) {
      throw unsupported(n, "a bias of shape " + Arrays.toString(bias.dims()) + " for " + nOut
          + " outputs");
    }
    String name = unique(n.label());
    b.addLayer(name, new DenseLayer.Builder().nIn(nIn).nOut(nOut)
        .activation(Activation.IDENTITY).hasBias(bias != null).build(), vertexOf.get(x));
    INDArray wa = Nd4j.create(w.floats(), w.dims(), 'c');
    if (transB) {
      wa = wa.transpose().dup('c');
    }
    params.put(name, weightsAndBias(wa, bias));
    denseLayers.add(name);
    inputOfLayer.put(name, vertexOf.get(x));
    define(n, name, new Shape(nOut, 1, 1, true));
  }

  private void softmax(OnnxGraph.Node n) {
    String x = source(n, 0);
    if (!shapeOf.get(x).flat()) {
      throw unsupported(n, "Softmax of a feature map");
    }
    activation(n, Activation.SOFTMAX.getActivationFunction());
  }

  // ---- helpers ---------------------------------------------------------------------------

  private void alias(OnnxGraph.Node n, String x) {
    vertexOf.put(n.outputs().get(0), vertexOf.get(x));
    shapeOf.put(n.outputs().get(0), shapeOf.get(x));
  }

  private void define(OnnxGraph.Node n, String vertex, Shape s) {
    vertexOf.put(n.outputs().get(0), vertex);
    shapeOf.put(n.outputs().get(0), s);
  }

  /** The tensor computed upstream that input {@code i} of {@code n} reads. */
  private String source(OnnxGraph.Node n, int i) {
    if (n.inputs().size() <= i) {
      throw unsupported(n, "it has no input " + i);
    }
    String t = n.inputs().get(i);
    if (!vertexOf.containsKey(t)) {
      throw unsupported(n, g.constants.containsKey(t) ? "its input '" + t + "' is a constant"
          + " where a computed tensor is expected" : "its input '" + t + "' is not computed"
          + " before it");
    }
    return t;
  }

  private Shape map(OnnxGraph.Node n, String x) {
    Shape s = shapeOf.get(x);
    if (s.flat()) {
      throw unsupported(n, n.op() + " of a vector " + s + " (after global pooling or"
          + " flattening): a layer needs a feature map here");
    }
    return s;
  }

  private OnnxGraph.Tensor constant(OnnxGraph.Node n, int i) {
    String t = n.inputs().get(i);
    OnnxGraph.Tensor v = g.constants.get(t);
    if (v == null) {
      throw unsupported(n, "its input '" + t + "' is computed where a constant is expected");
    }
    return v;
  }

  private OnnxGraph.Tensor weights(OnnxGraph.Node n, int i, int rank) {
    OnnxGraph.Tensor v = constant(n, i);
    if (v.floats() == null || (rank > 0 && v.dims().length != rank)) {
      throw unsupported(n, "its weights '" + v.name() + "' have shape "
          + Arrays.toString(v.dims()) + (v.floats() == null ? " and no float values" : ""));
    }
    return v;
  }

  private float scalar(OnnxGraph.Node n, int i) {
    OnnxGraph.Tensor v = constant(n, i);
    if (v.size() != 1) {
      throw unsupported(n, "input '" + v.name() + "' should hold one value");
    }
    return v.floats() != null ? v.floats()[0] : v.longs() != null ? v.longs()[0] : 0;
  }

  private static int[] pair(OnnxGraph.Node n, String attribute, int otherwise) {
    long[] v = n.ints(attribute);
    if (v == null || v.length == 0) {
      return new int[] {otherwise, otherwise};
    }
    if (v.length != 2) {
      throw new IllegalArgumentException(n.label() + ": " + attribute + " "
          + Arrays.toString(v) + " is not 2-d");
    }
    return new int[] {(int) v[0], (int) v[1]};
  }

  /** {top, left, bottom, right}, from {@code pads} or {@code auto_pad}. */
  private int[] pads(OnnxGraph.Node n, Shape s, int[] kernel, int[] stride, int[] dilation) {
    String auto = n.text("auto_pad", "NOTSET");
    if (auto.equals("NOTSET") || auto.isEmpty()) {
      long[] p = n.ints("pads");
      if (p == null || p.length == 0) {
        return new int[4];
      }
      if (p.length != 4) {
        throw unsupported(n, "pads " + Arrays.toString(p) + " are not 2-d");
      }
      return new int[] {(int) p[0], (int) p[1], (int) p[2], (int) p[3]};
    }
    if (auto.equals("VALID")) {
      return new int[4];
    }
    int[] out = new int[4];
    for (int d = 0; d < 2; d++) {
      long size = d == 0 ? s.h() : s.w();
      long o = (size + stride[d] - 1) / stride[d];
      long total = Math.max(0, (o - 1) * stride[d] + (long) dilation[d] * (kernel[d] - 1) + 1
          - size);
      long small = total / 2;
      long large = total - small;
      boolean upper = auto.equals("SAME_UPPER");
      out[d] = (int) (upper ? small : large);
      out[d + 2] = (int) (upper ? large : small);
    }
    return out;
  }

  /**
   * Uneven padding made even where that changes nothing: when padding both sides by the start's
   * amount gives the same output size, the windows are the same ones (a window reaches into
   * the end padding only if the output has a window there), so DL4J's symmetric padding
   * computes the same values. This is what exporters write for a stride that leaves a pixel
   * over (and what this SDK's own export writes for DL4J's truncating mode).
   */
  private static int[] even(int[] pads, Shape s, int[] kernel, int[] stride, int[] dilation) {
    int[] out = pads.clone();
    for (int d = 0; d < 2; d++) {
      if (pads[d] == pads[d + 2]) {
        continue;
      }
      long size = d == 0 ? s.h() : s.w();
      long eff = (long) dilation[d] * (kernel[d] - 1) + 1;
      long onnx = (size + pads[d] + pads[d + 2] - eff) / stride[d] + 1;
      long symmetric = (size + 2L * pads[d] - eff) / stride[d] + 1;
      if (onnx == symmetric) {
        out[d + 2] = pads[d];
      }
    }
    return out;
  }

  /** A zero-padding layer before a convolution whose padding is uneven; null when even. */
  private String padIfUneven(OnnxGraph.Node n, String x, Shape s, int[] pads) {
    if (pads[0] == pads[2] && pads[1] == pads[3]) {
      return null;
    }
    String name = unique(n.label() + "/pad");
    b.addLayer(name, new ZeroPaddingLayer.Builder(pads[0], pads[2], pads[1], pads[3]).build(),
        vertexOf.get(x));
    shapeOf.put(name, new Shape(s.c(), s.h() + pads[0] + pads[2], s.w() + pads[1] + pads[3],
        false));
    return name;
  }

  private String unique(String base) {
    String name = base.isEmpty() ? "node" : base;
    int k = 1;
    while (!names.add(name)) {
      name = base + "_" + (++k);
    }
    return name;
  }

  private IllegalArgumentException unsupported(OnnxGraph.Node n, String why) {
    Set<String> ops = new TreeSet<>();
    for (OnnxGraph.Node m : g.nodes) {
      ops.add(m.op());
    }
    ops.removeAll(SUPPORTED);
    return new IllegalArgumentException(file + ": node '" + n.label() + "' (" + n.op() + "): "
        + why + (ops.isEmpty() ? "" : "; the graph also uses " + String.join(", ", ops)
        + ", which fine-tuning cannot train") + ". This network can still embed through ONNX"
        + " Runtime, and a head can be trained on its frozen embeddings (classify fit).");
  }

  /** " (H x W)" when the export fixed its input size, else empty. */
  private String exportedSize() {
    long[] d = g.inputs.values().iterator().next();
    return d.length == 4 && d[2] > 0 && d[3] > 0 ? " (" + d[2] + "x" + d[3] + ")" : "";
  }

  private IllegalArgumentException refuse(String why) {
    return new IllegalArgumentException(file + ": " + why);
  }

  /**
   * The operators among {@code operators} that this importer has no trainable layer for: what
   * makes a model impossible to fine-tune, known without reading its weights (some operators it
   * converts have conditions, checked by {@link #read}).
   *
   * @param operators operator names, e.g. {@code OnnxModelInfo.operators().keySet()}
   * @return those it cannot convert, sorted; empty when every one has a layer
   */
  public static List<String> untrainable(java.util.Collection<String> operators) {
    Set<String> out = new TreeSet<>(operators);
    out.removeAll(SUPPORTED);
    out.remove("Constant");
    return List.copyOf(out);
  }

  /** The operators this importer converts (some with conditions; see the class description). */
  static final Set<String> SUPPORTED = Set.of("Conv", "BatchNormalization", "Relu", "LeakyRelu",
      "Sigmoid", "Tanh", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
      "Add", "Sum", "Slice", "Concat", "Pad", "Flatten", "Reshape", "Gemm", "Softmax",
      "Identity", "Dropout", "Mul", "HardSigmoid", "HardSwish");
}
