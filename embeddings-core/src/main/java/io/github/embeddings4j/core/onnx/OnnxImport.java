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
import org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer;
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
 * Turns a convolutional network or a vision transformer saved as ONNX (torchvision's and timm's
 * CNNs and ViTs as {@code torch.onnx.export} writes them, Keras CNNs through tf2onnx) into a
 * Deeplearning4j graph with the file's weights, so that it can be trained: {@link
 * io.github.embeddings4j.core.train.ZooFineTuner#builder(Path)} fine-tunes it on labelled photos.
 * The graph computes what ONNX Runtime computes on the file (checked to about 1e-5 relative on
 * the committed fixtures and, in docs/training.md, on twenty-one torchvision networks).
 *
 * <p>Operators understood: {@code Conv} (plain, depthwise, and grouped, the last as one
 * convolution per group), {@code BatchNormalization}, {@code Relu}, {@code LeakyRelu}, {@code
 * Clip} to {@code [0, 6]} or {@code [0, inf)}, {@code Sigmoid}, {@code HardSigmoid}, {@code
 * HardSwish}, {@code Tanh}, {@code Elu}, {@code Selu}, {@code Softplus}, {@code Mish}, {@code
 * PRelu} (DL4J's PReLU layer, its slopes learned), the exact GELU ({@code Gelu}, or as PyTorch
 * writes it before opset 20: {@code Div}, {@code Erf}, {@code Add}, {@code Mul}, {@code Mul};
 * {@link GeluActivation}), {@code MaxPool} and {@code AveragePool} (with {@code ceil_mode} where
 * its extra window falls as DL4J's "same" mode places it: GoogLeNet's, timm's ResNet-D shortcuts),
 * {@code GlobalAveragePool}, {@code GlobalMaxPool}, {@code ReduceMean}/{@code ReduceMax} over
 * height and width, {@code Add} of two computed tensors, {@code Mul} of two computed tensors of
 * one shape (SiLU, hard-swish) or of a map and one factor per channel (squeeze-and-excitation,
 * {@link ChannelScale}; hard sigmoids with {@link HardSigmoidActivation}), {@code Mul}, {@code
 * Add}, {@code Sub} and {@code Div} of a map and a constant per channel (a 1 x 1 depthwise
 * convolution that trains) or one constant value (a fixed {@link AffineActivation}), {@code Sub}
 * of two maps of one shape, {@code Concat}, {@code Split} and {@code Slice} of channels, zero
 * {@code Pad}, {@code Flatten} and the {@code Reshape} that flattens, {@code Gemm}, {@code
 * Softmax}, {@code Identity}/{@code Dropout}; {@code Transpose} of a map to channels-last and
 * back, and between them a layer norm over the channels spelled out ({@code ReduceMean}, {@code
 * Sub}, {@code Pow}, {@code ReduceMean}, {@code Add}, {@code Sqrt}, {@code Div}: {@link
 * ChannelNorm}) and {@code MatMul} by a constant (a 1 x 1 convolution), as ConvNeXt has them;
 * ShuffleNet's channel shuffle ({@code Reshape} to {@code [N, g, C/g, H, W]}, {@code Transpose [0,
 * 2, 1, 3, 4]}, {@code Reshape} back: {@link ChannelShuffle}); and the integer arithmetic an
 * export computes from shapes ({@code Shape}, {@code Gather}, {@code Unsqueeze}, {@code Squeeze},
 * {@code Cast}, {@code Concat}, {@code Add}, {@code Sub}, {@code Mul}, {@code Div}, {@code Slice}
 * of such values), worked out for the size the graph is read at. That covers ResNet, ResNeXt, Wide
 * ResNet, RegNet, VGG, AlexNet, DenseNet, SqueezeNet, MobileNetV2 and V3, EfficientNet (V1 and
 * V2), MNASNet, ShuffleNetV2, GoogLeNet, Inception v3 and ConvNeXt. An input of shape {@code [N,
 * H, W, C]} (tf2onnx's layout) is the channels-last view of the graph's {@code [N, C, H, W]} input
 * ({@link Imported#channelsLast()}).
 *
 * <p>Vision transformers: the tokens {@code [N, T, C]} are held as the map {@code [N, C, 1, T]},
 * so that their layer norms ({@link ChannelNorm}), MLPs (1 x 1 convolutions), GELUs and residual
 * additions are the layers above. The patch embedding's {@code Reshape} to {@code [N, C, H * W]}
 * ({@link TokenVertex}); a class token ({@code Expand} of a constant {@code [1, 1, C]} to the
 * batch, {@code Concat} before the tokens) and a position embedding (a constant {@code [1, T, C]}
 * added), both learned ({@link TokenParameter}); multi-head self-attention however the exporter
 * spelled it out (one {@link SelfAttention} layer per {@code Softmax} between two products of
 * projected tokens, {@link AttentionBlocks}: PyTorch 1.13's {@code nn.MultiheadAttention}
 * batch-second with one fused projection, timm's fused {@code qkv} unbound, CLIP's three
 * projections); the class token taken for the head ({@code Gather} of token 0) or the mean over
 * the tokens ({@code ReduceMean} over axis 1), and a layer norm of that vector (CLIP's); a class
 * embedding of one dimension broadcast by {@code Expand}, and {@code Gather} of a constant table
 * by constant indices (an {@code nn.Embedding} of position ids) worked out at import. Checked on
 * torchvision's ViT-B/16 (docs/training.md) and on the committed fixtures. Read at another image
 * size than the export's, a
 * position embedding made for a square grid of patches is resampled to the new grid as timm and
 * Hugging Face do ({@link PositionGrid}: bicubic, the class token's row kept).
 *
 * <p>Any other operator or arrangement (masks or biases added to attention scores, relative
 * position tables, windowed attention as in Swin) is refused with an {@link
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
   * @param channelsLast whether the file's input is {@code [N, H, W, C]} (tf2onnx's usual
   *     layout); the graph here always takes {@code [N, C, H, W]}, and so does a file it is
   *     written back to
   */
  public record Imported(ComputationGraph network, String input, String output, String classifier,
      String features, int channels, boolean channelsLast) {}

  /**
   * An activation's shape for one image: a map {@code c x h x w}, or a vector of {@code c}. A
   * map marked {@code last} is the file's channels-last view of it (after {@code Transpose [0,
   * 2, 3, 1]}), which the graph here still holds as {@code [N, C, H, W]}: operators along the
   * file's last axis work on the channels.
   */
  private record Shape(long c, long h, long w, boolean flat, boolean last, boolean seq) {
    Shape(long c, long h, long w, boolean flat) {
      this(c, h, w, flat, false, false);
    }

    Shape(long c, long h, long w, boolean flat, boolean last) {
      this(c, h, w, flat, last, false);
    }

    /** A transformer's {@code t} tokens of {@code c} channels: the map {@code [c, 1, t]}. */
    static Shape tokens(long c, long t, boolean last) {
      return new Shape(c, 1, t, false, last, true);
    }

    /** The dimensions after the batch as the file sees them. */
    long[] fileDims() {
      return flat ? new long[] {c} : seq ? (last ? new long[] {w, c} : new long[] {c, w})
          : last ? new long[] {h, w, c} : new long[] {c, h, w};
    }

    long size() {
      return flat ? c : c * h * w;
    }

    @Override
    public String toString() {
      return flat ? "[" + c + "]" : seq ? (last ? "[" + w + ", " + c + "]" : "[" + c + ", " + w
          + "]") + " (" + w + " tokens)" : last ? "[" + h + ", " + w + ", " + c + "] (channels"
          + " last)" : "[" + c + ", " + h + ", " + w + "]";
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
  /** Integer tensors worked out from the maps' sizes, and the file's constants. */
  private final ShapeValues known;
  /** Nodes converted ahead of their turn, as part of a pattern that starts before them. */
  private final Set<OnnxGraph.Node> done = java.util.Collections.newSetFromMap(
      new java.util.IdentityHashMap<>());
  /** The attention blocks of a transformer, found before the nodes are converted. */
  private AttentionBlocks attention;
  /** The grid of patches a transformer's tokens were made from: rows and columns. */
  private long[] grid;
  /** Constants repeated for each image ({@code Expand}), by tensor: a class token to be. */
  private final Map<String, OnnxGraph.Tensor> learned = new HashMap<>();
  /** The 5-d steps of a channel shuffle not yet reshaped back, by tensor. */
  private final Map<String, Shuffle> shuffles = new HashMap<>();

  /** A map {@code x} seen as {@code groups} rows of channels, perhaps transposed already. */
  private record Shuffle(String x, int groups, boolean transposed) {}

  private OnnxImport(OnnxGraph g, Path file) {
    this.g = g;
    this.file = file;
    this.known = new ShapeValues(g.constants);
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
          + "; an image input is [N, C, H, W] or [N, H, W, C]");
    }
    boolean last = channelsLast(dims);
    if (!last && dims[1] != 1 && dims[1] != 3) {
      throw refuse("its input '" + input + "' has shape " + Arrays.toString(dims) + "; an image"
          + " input [N, C, H, W] or [N, H, W, C] has 1 or 3 channels");
    }
    // An export fixes the size it was traced at; the layers decide what they accept (a dense
    // layer after a map of another size is refused below, naming the sizes). A channels-last
    // input is the view of a channels-first one here: its Transpose to [N, C, H, W] costs
    // nothing.
    int channels = (int) (last ? dims[3] : dims[1]);
    String in = unique(input);
    b.addInputs(in).setInputTypes(InputType.convolutional(height, width, channels));
    vertexOf.put(input, in);
    shapeOf.put(input, new Shape(channels, height, width, false, last));
    for (OnnxGraph.Node n : g.nodes) {
      for (String t : n.inputs()) {
        consumers.computeIfAbsent(t, k -> new ArrayList<>()).add(n);
      }
    }
    attention = new AttentionBlocks(g, known, consumers);
    Map<OnnxGraph.Node, AttentionBlocks.Block> blocks = attention.find();
    for (OnnxGraph.Node n : g.nodes) {
      if (attention.refused().containsKey(n)) {
        throw unsupported(n, attention.refused().get(n));
      }
    }
    for (Map.Entry<OnnxGraph.Node, AttentionBlocks.Block> e : blocks.entrySet()) {
      done.addAll(e.getValue().nodes());
      done.remove(e.getKey());
    }
    for (OnnxGraph.Node n : g.nodes) {
      if (blocks.containsKey(n)) {
        attention(n, blocks.get(n));
      } else if (!done.contains(n)) {
        convert(n);
      }
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
    return new Imported(net, in, output, classifier, features, channels, last);
  }

  private void convert(OnnxGraph.Node n) {
    if (n.op().equals("Shape") && known.get(n.inputs().get(0)) != null) {
      // The shape of a shape value (PyTorch's expand(n, -1, -1) asks for it).
      long[] d = known.get(n.inputs().get(0)).dims();
      known.put(new OnnxGraph.Tensor(n.outputs().get(0), new long[] {d.length}, null, d));
      return;
    }
    if (n.op().equals("Shape")) {
      String x = source(n, 0);
      known.shape(n, shapeOf.get(x).fileDims());
      return;
    }
    try {
      if (known.fold(n)) {
        return;
      }
    } catch (IllegalArgumentException e) {
      throw unsupported(n, e.getMessage());
    }
    switch (n.op()) {
      case "Conv" -> conv(n);
      case "BatchNormalization" -> batchNorm(n);
      case "Relu" -> activation(n, Activation.RELU.getActivationFunction());
      case "LeakyRelu" -> activation(n, new ActivationLReLU(n.real("alpha", 0.01f)));
      case "Sigmoid" -> activation(n, Activation.SIGMOID.getActivationFunction());
      case "Tanh" -> activation(n, Activation.TANH.getActivationFunction());
      case "Elu" -> activation(n, new org.nd4j.linalg.activations.impl.ActivationELU(
          n.real("alpha", 1f)));
      case "Selu" -> selu(n);
      case "Softplus" -> activation(n, Activation.SOFTPLUS.getActivationFunction());
      case "Mish" -> activation(n, Activation.MISH.getActivationFunction());
      case "Gelu" -> {
        if (!n.text("approximate", "none").equals("none")) {
          throw unsupported(n, "Gelu with approximate='" + n.text("approximate", "none")
              + "': only the exact GELU has an activation here");
        }
        activation(n, new GeluActivation());
      }
      case "PRelu" -> prelu(n);
      case "Clip" -> clip(n);
      case "HardSigmoid" -> hardSigmoid(n, n.real("alpha", 0.2f), n.real("beta", 0.5f),
          n.outputs().get(0));
      case "HardSwish" -> hardSwish(n);
      case "Mul" -> mul(n);
      case "MaxPool", "AveragePool" -> pool(n);
      case "GlobalAveragePool", "GlobalMaxPool" -> globalPool(n);
      case "Add", "Sum" -> add(n);
      case "Slice" -> slice(n);
      case "Split" -> split(n);
      case "Concat" -> concat(n);
      case "Pad" -> pad(n);
      case "Flatten" -> flatten(n);
      case "Reshape" -> reshape(n);
      case "Transpose" -> transpose(n);
      case "ReduceMean", "ReduceMax" -> reduce(n);
      case "MatMul" -> matmul(n);
      case "LayerNormalization" -> layerNormalization(n);
      case "Div" -> {
        if (!gelu(n) && !constantOperand(n)) {
          throw unsupported(n, "Div of two maps has no layer (an exact GELU, x * (1 + erf(x /"
              + " sqrt 2)) * 0.5, and a division by constants are understood)");
        }
      }
      case "Sub" -> elementWise(n, ElementWiseVertex.Op.Subtract);
      case "Gemm" -> gemm(n);
      case "Softmax" -> softmax(n);
      case "Identity", "Dropout" -> alias(n, source(n, 0));
      case "Gather" -> gather(n);
      case "Expand" -> expand(n);
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
    activation(n, source(n, 0), f);
  }

  private void activation(OnnxGraph.Node n, String x, IActivation f) {
    String name = unique(n.label());
    b.addLayer(name, new ActivationLayer.Builder().activation(f).build(), vertexOf.get(x));
    define(n, name, shapeOf.get(x));
  }

  /** SELU with ONNX's (and DL4J's) constants; others are refused. */
  private void selu(OnnxGraph.Node n) {
    float alpha = n.real("alpha", 1.67326319217681884765625f);
    float gamma = n.real("gamma", 1.05070102214813232421875f);
    if (Math.abs(alpha - 1.6732632) > 1e-6 || Math.abs(gamma - 1.0507010) > 1e-6) {
      throw unsupported(n, "Selu with alpha " + alpha + " and gamma " + gamma + ": only the"
          + " standard constants have an activation here");
    }
    activation(n, Activation.SELU.getActivationFunction());
  }

  /** PReLU with one learned slope per channel, or one for all: DL4J's PReLU layer. */
  private void prelu(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = map(n, x);
    OnnxGraph.Tensor slope = weights(n, 1, -1);
    boolean shared = slope.size() == 1;
    if (!shared && perChannel(slope, s) == null) {
      throw unsupported(n, "PRelu slopes of shape " + Arrays.toString(slope.dims()) + ": only"
          + " one per channel, or one, have a layer");
    }
    String name = unique(n.label());
    b.addLayer(name, new org.deeplearning4j.nn.conf.layers.PReLULayer.Builder()
        .inputShape(s.c(), s.h(), s.w()).sharedAxes(shared ? new long[] {1, 2, 3}
            : new long[] {2, 3}).build(), vertexOf.get(x));
    Map<String, INDArray> p = new LinkedHashMap<>();
    p.put("W", Nd4j.create(slope.floats(), shared ? new long[] {1, 1, 1}
        : new long[] {s.c(), 1, 1}, 'c'));
    params.put(name, p);
    define(n, name, s);
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
    int[] given = pads(n, s, kernel, stride, dilation);
    ConvolutionMode mode = ConvolutionMode.Truncate;
    if (n.integer("ceil_mode", 0) != 0 && !ceilIsFloor(s, given, kernel, stride, dilation)) {
      // A pooling whose ceil_mode adds a last window: that window reaches past the input,
      // and max pooling ignores what lies outside. DL4J's "same" mode places its windows the
      // same way when it pads the start by as much and gives the same count (GoogLeNet's
      // 3 x 3, stride 2 poolings at any size).
      // An average over the extra window divides by the pixels inside the map; so does "same"
      // when it leaves its padding out of the divisor, which is right wherever the file pads
      // nothing or leaves its padding out too (timm's ResNet-D shortcut).
      boolean divisorAgrees = max || n.integer("count_include_pad", 0) == 0
          || Arrays.stream(given).allMatch(p -> p == 0);
      if (!divisorAgrees || !sameIsCeil(s, given, kernel, stride, dilation)) {
        throw unsupported(n, "ceil_mode=1 gives another output size than floor here (" + s
            + " input), and no layer places the extra window the same way; export at an"
            + " input size where they agree, or without ceil_mode");
      }
      mode = ConvolutionMode.Same;
    }
    int[] pads = mode == ConvolutionMode.Same ? new int[4]
        : even(given, s, kernel, stride, dilation);
    if (pads[0] != pads[2] || pads[1] != pads[3]) {
      throw unsupported(n, "uneven padding " + Arrays.toString(pads) + " of a pooling");
    }
    SubsamplingLayer.Builder layer = new SubsamplingLayer.Builder(max ? PoolingType.MAX
        : PoolingType.AVG).kernelSize(kernel).stride(stride).padding(pads[0], pads[1])
        .dilation(dilation).convolutionMode(mode);
    if (!max) {
      layer.avgPoolIncludePadInDivisor(mode != ConvolutionMode.Same
          && n.integer("count_include_pad", 0) != 0);
    }
    String name = unique(n.label());
    b.addLayer(name, layer.build(), vertexOf.get(x));
    long oh = mode == ConvolutionMode.Same ? ceilDiv(s.h(), stride[0])
        : (s.h() + 2L * pads[0] - (long) dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
    long ow = mode == ConvolutionMode.Same ? ceilDiv(s.w(), stride[1])
        : (s.w() + 2L * pads[1] - (long) dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1;
    define(n, name, new Shape(s.c(), oh, ow, false));
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /** Whether rounding the window count up gives the count rounding down gives, on both axes. */
  private static boolean ceilIsFloor(Shape s, int[] pads, int[] kernel, int[] stride,
      int[] dilation) {
    for (int d = 0; d < 2; d++) {
      long size = d == 0 ? s.h() : s.w();
      long span = size + pads[d] + pads[d + 2] - (long) dilation[d] * (kernel[d] - 1) - 1;
      if (span % stride[d] != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether DL4J's "same" pooling has ceil_mode's windows on both axes: as many (ceil of size
   * over stride), starting as far before the input (half the total padding, rounded down).
   */
  private static boolean sameIsCeil(Shape s, int[] pads, int[] kernel, int[] stride,
      int[] dilation) {
    for (int d = 0; d < 2; d++) {
      long size = d == 0 ? s.h() : s.w();
      long eff = (long) dilation[d] * (kernel[d] - 1) + 1;
      long span = size + pads[d] + pads[d + 2] - eff;
      // PyTorch drops a last window that would start in the end padding.
      long ceil = ceilDiv(Math.max(0, span), stride[d]) + 1;
      if ((ceil - 1) * stride[d] >= size + pads[d]) {
        ceil--;
      }
      long same = ceilDiv(size, stride[d]);
      long total = Math.max(0, (same - 1) * stride[d] + eff - size);
      if (ceil != same || total / 2 != pads[d]) {
        return false;
      }
    }
    return true;
  }

  private void globalPool(OnnxGraph.Node n) {
    String x = source(n, 0);
    // ONNX keeps [N, C, 1, 1]. A vector where only flattening reads it (the classifier's
    // input); a 1 x 1 map where convolutions read it (squeeze-and-excitation).
    globalPool(n, x, map(n, x), n.op().equals("GlobalMaxPool"), onlyFlattened(n));
  }

  /** Whether only flattening reads the node's output. */
  private boolean onlyFlattened(OnnxGraph.Node n) {
    boolean flat = true;
    for (OnnxGraph.Node c : consumers.getOrDefault(n.outputs().get(0), List.of())) {
      flat &= c.op().equals("Flatten") || c.op().equals("Reshape");
    }
    return flat;
  }

  private void globalPool(OnnxGraph.Node n, String x, Shape s, boolean max, boolean flat) {
    String name = unique(n.label());
    b.addLayer(name, new GlobalPoolingLayer.Builder(max ? PoolingType.MAX : PoolingType.AVG)
        .collapseDimensions(flat).build(), vertexOf.get(x));
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
    if (constantOperand(n)) {
      return;
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
    if (map.flat() || gate.flat() || map.last() || gate.last() || gate.h() != 1 || gate.w() != 1
        || gate.c() != map.c()) {
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
    elementWise(n, ElementWiseVertex.Op.Add);
  }

  /**
   * A sum or difference of two tensors: of equal shapes (residual connections) an element-wise
   * vertex, with a constant what {@link #constantOperand} makes.
   */
  private void elementWise(OnnxGraph.Node n, ElementWiseVertex.Op op) {
    if (n.inputs().size() != 2) {
      throw unsupported(n, n.op() + " of " + n.inputs().size() + " tensors");
    }
    if (constantOperand(n)) {
      return;
    }
    String a = source(n, 0);
    String c = source(n, 1);
    if (!shapeOf.get(a).equals(shapeOf.get(c))) {
      throw unsupported(n, n.op() + " of shapes " + shapeOf.get(a) + " and " + shapeOf.get(c)
          + ": only equal shapes (residual connections) have a vertex");
    }
    String name = unique(n.label());
    b.addVertex(name, new ElementWiseVertex(op), vertexOf.get(a), vertexOf.get(c));
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

  /**
   * Channels cut into consecutive parts ({@code torch.chunk} and {@code split} as PyTorch 2
   * exports them; 1.13 wrote {@code Slice}s): one {@link ChannelSlice} per output.
   */
  private void split(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = map(n, x);
    long axis = n.integer("axis", 0);
    if (axis != 1 && axis != -3) {
      throw unsupported(n, "Split along axis " + axis + ": only channels (axis 1) have a"
          + " vertex");
    }
    int parts = n.outputs().size();
    long[] sizes = n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()
        ? constant(n, 1).longs() : n.ints("split");
    if (sizes == null || sizes.length == 0) {
      // Equal parts, the last smaller if they do not divide (opset 18's num_outputs).
      long each = (s.c() + parts - 1) / parts;
      sizes = new long[parts];
      for (int i = 0; i < parts; i++) {
        sizes[i] = Math.max(0, Math.min(each, s.c() - i * each));
      }
    }
    if (sizes.length != parts || Arrays.stream(sizes).sum() != s.c()
        || Arrays.stream(sizes).anyMatch(k -> k < 1)) {
      throw unsupported(n, "Split of " + s.c() + " channels into " + Arrays.toString(sizes)
          + " for " + parts + " outputs");
    }
    long from = 0;
    for (int i = 0; i < parts; i++) {
      String out = n.outputs().get(i);
      String name = unique(n.label() + "/" + i);
      b.addVertex(name, new ChannelSlice((int) from, (int) (from + sizes[i] - 1)),
          vertexOf.get(x));
      vertexOf.put(out, name);
      shapeOf.put(out, new Shape(sizes[i], s.h(), s.w(), false));
      from += sizes[i];
    }
  }

  private void concat(OnnxGraph.Node n) {
    long axis = n.integer("axis", 1);
    if (n.inputs().size() == 2 && learned.containsKey(n.inputs().get(0))) {
      classToken(n, axis);
      return;
    }
    List<String> in = new ArrayList<>();
    long channels = 0;
    Shape first = null;
    for (int i = 0; i < n.inputs().size(); i++) {
      String x = source(n, i);
      Shape s = shapeOf.get(x);
      if (s.last()) {
        throw unsupported(n, "Concat of a channels-last view " + s);
      }
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

  /**
   * A transformer's multi-head self-attention, from its input tokens {@code [N, T, C]} to its
   * output ({@link AttentionBlocks}): one {@link SelfAttention} layer, its heads worked out
   * from the shapes inside the block.
   */
  private void attention(OnnxGraph.Node last, AttentionBlocks.Block blk) {
    OnnxGraph.Node at = blk.softmax();
    if (!vertexOf.containsKey(blk.entry())) {
      throw unsupported(at, "the attention's input '" + blk.entry() + "' is not computed"
          + " before it");
    }
    Shape s = shapeOf.get(blk.entry());
    if (!s.seq() || !s.last()) {
      throw unsupported(at, "attention over " + s + ": only a transformer's tokens [N, T, C]"
          + " have an attention layer here");
    }
    long c = s.c();
    long[] entryDims = {ShapeValues.BATCH, s.w(), c};
    Map<String, long[]> memo = new HashMap<>();
    long[] q;
    long[] out;
    try {
      q = attention.dims(blk, blk.scores().inputs().get(0), entryDims, memo);
      out = attention.dims(blk, blk.exit(), entryDims, memo);
    } catch (IllegalArgumentException e) {
      throw unsupported(at, "the attention block's shapes cannot be worked out: "
          + e.getMessage());
    }
    long headSize = q[q.length - 1];
    long t = s.w();
    long bt = ShapeValues.BATCH;
    Shape view = Arrays.equals(out, entryDims) ? s
        : Arrays.equals(out, new long[] {bt, c, t}) ? Shape.tokens(c, t, false)
        : Arrays.equals(out, new long[] {bt, c, 1, t}) ? new Shape(c, 1, t, false) : null;
    if (view == null || headSize < 1 || c % headSize != 0) {
      throw unsupported(at, "an attention block from '" + blk.entry() + "' " + dims(entryDims)
          + " to '" + blk.exit() + "' " + dims(out) + " with heads of " + headSize
          + " channels: only attention that gives tokens of the shape it reads, in heads that"
          + " divide the channels, has a layer");
    }
    Map<String, INDArray> p = new LinkedHashMap<>();
    AttentionBlocks.Operand[] ops = {blk.q(), blk.k(), blk.v()};
    for (int i = 0; i < 3; i++) {
      AttentionBlocks.Projection proj = ops[i].projection();
      int part = attention.part(blk, ops[i], c);
      if (proj.in() != c || (part < 0 ? proj.out() != c : part > 2 || proj.out() != 3 * c)) {
        throw unsupported(proj.node(), "the attention's " + "qkv".charAt(i) + " projection"
            + " has weights for " + proj.in() + " -> " + proj.out() + " channels (part " + part
            + ") on tokens of " + c + " channels");
      }
      put(p, i, proj.part(part, (int) c), c);
    }
    AttentionBlocks.Projection o = blk.o();
    if (o.in() != c || o.out() != c) {
      throw unsupported(o.node(), "the attention's output projection has weights for "
          + o.in() + " -> " + o.out() + " channels on tokens of " + c + " channels");
    }
    put(p, 3, o.part(-1, (int) c), c);
    // Named after the block: "/encoder/layers/encoder_layer_0/self_attention".
    String block = at.label().replaceAll("/?Softmax[^/]*$", "");
    String name = unique(block.isEmpty() ? at.label() : block);
    b.addLayer(name, new SelfAttention((int) c, (int) (c / headSize), (int) s.w(),
        blk.scale()), vertexOf.get(blk.entry()));
    params.put(name, p);
    define(last, name, view);
  }

  private static void put(Map<String, INDArray> p, int i, float[][] weightAndBias, long c) {
    p.put(SelfAttention.WEIGHTS[i], Nd4j.create(weightAndBias[0], new long[] {c, c}, 'c'));
    p.put(SelfAttention.BIASES[i], weightAndBias[1] == null ? Nd4j.zeros(DataType.FLOAT, 1, c)
        : Nd4j.create(weightAndBias[1], new long[] {1, c}, 'c'));
  }

  /**
   * Rows of a constant table picked by constant indices ({@code Gather} of two constants, as an
   * export without constant folding writes {@code nn.Embedding(position_ids)}): a constant.
   */
  private void lookUp(OnnxGraph.Node n, OnnxGraph.Tensor table, OnnxGraph.Tensor index) {
    long[] d = table.dims();
    int axis = (int) n.integer("axis", 0);
    axis = axis < 0 ? axis + d.length : axis;
    if (index.longs() == null || axis < 0 || axis >= d.length) {
      throw unsupported(n, "Gather of a constant along axis " + axis + " by non-integer"
          + " indices");
    }
    long outer = 1;
    long inner = 1;
    for (int i = 0; i < axis; i++) {
      outer *= d[i];
    }
    for (int i = axis + 1; i < d.length; i++) {
      inner *= d[i];
    }
    long[] idx = index.longs();
    float[] out = new float[(int) (outer * idx.length * inner)];
    int at = 0;
    for (long o = 0; o < outer; o++) {
      for (long k : idx) {
        long row = k < 0 ? k + d[axis] : k;
        if (row < 0 || row >= d[axis]) {
          throw unsupported(n, "Gather of row " + k + " of " + d[axis]);
        }
        System.arraycopy(table.floats(), (int) ((o * d[axis] + row) * inner), out, at,
            (int) inner);
        at += (int) inner;
      }
    }
    long[] dims = new long[d.length - 1 + index.dims().length];
    int j = 0;
    for (int i = 0; i < axis; i++) {
      dims[j++] = d[i];
    }
    for (long v : index.dims()) {
      dims[j++] = v;
    }
    for (int i = axis + 1; i < d.length; i++) {
      dims[j++] = d[i];
    }
    known.put(new OnnxGraph.Tensor(n.outputs().get(0), dims, out, null));
  }

  /**
   * A learned token put before a transformer's tokens: {@code Concat} along the tokens of
   * {@code [N, T, C]} with a constant {@code [1, 1, C]} expanded to the batch ({@link #expand}).
   */
  private void classToken(OnnxGraph.Node n, long axis) {
    OnnxGraph.Tensor token = learned.get(n.inputs().get(0));
    String x = source(n, 1);
    Shape s = shapeOf.get(x);
    boolean tokens = s.seq() && s.last() && (axis == 1 || axis == -2);
    boolean row = !s.flat() && !s.last() && s.h() == 1 && (axis == 3 || axis == -1);
    if (!tokens && !row || token.size() != s.c()) {
      throw unsupported(n, "Concat of a learned tensor " + Arrays.toString(token.dims())
          + " and " + s + " along axis " + axis + ": only a class token [1, 1, C] before the"
          + " tokens [N, T, C] of a transformer has a layer");
    }
    String name = unique(n.label());
    b.addLayer(name, new TokenParameter(TokenParameter.Kind.CLASS_TOKEN, (int) s.c(),
        (int) s.w()), vertexOf.get(x));
    params.put(name, Map.of(TokenParameter.PARAM, Nd4j.create(token.floats(),
        new long[] {1, s.c()}, 'c')));
    define(n, name, new Shape(s.c(), 1, s.w() + 1, false, s.last(), s.seq()));
  }

  /**
   * A constant repeated for each image ({@code Expand} to {@code [N, 1, 1]}, how PyTorch
   * writes {@code class_token.expand(n, -1, -1)}): kept until the {@code Concat} that puts it
   * before the tokens ({@link #classToken}).
   */
  private void expand(OnnxGraph.Node n) {
    OnnxGraph.Tensor t = known.get(n.inputs().get(0));
    OnnxGraph.Tensor shape = n.inputs().size() > 1 ? known.get(n.inputs().get(1)) : null;
    long[] to = shape == null ? null : shape.longs();
    boolean perImage = t != null && t.floats() != null && to != null
        && to.length >= t.dims().length && to.length > 1 && to[0] == ShapeValues.BATCH;
    if (perImage && to.length > t.dims().length) {
      // Broadcast from the right, as numpy: CLIP's class embedding [C] expanded to [N, 1, C].
      long[] dims = new long[to.length];
      Arrays.fill(dims, 1);
      System.arraycopy(t.dims(), 0, dims, to.length - t.dims().length, t.dims().length);
      t = new OnnxGraph.Tensor(t.name(), dims, t.floats(), null);
    }
    perImage = perImage && t.dims()[0] == 1;
    for (int i = 1; perImage && i < to.length; i++) {
      perImage = to[i] == 1 || to[i] == -1 || to[i] == t.dims()[i];
    }
    if (!perImage) {
      throw unsupported(n, "Expand of " + (t == null ? "a computed tensor" : "a constant "
          + Arrays.toString(t.dims())) + " to " + dims(to) + ": only a learned constant"
          + " repeated for each image (a transformer's class token) is understood");
    }
    learned.put(n.outputs().get(0), t);
  }

  /**
   * One token of a transformer's tokens {@code [N, T, C]} ({@code Gather} along axis 1 with
   * one index, as {@code x[:, 0]} reads the class token): a vector per image.
   */
  private void gather(OnnxGraph.Node n) {
    OnnxGraph.Tensor table = known.get(n.inputs().get(0));
    if (table != null && table.floats() != null) {
      lookUp(n, table, constant(n, 1));
      return;
    }
    String x = source(n, 0);
    Shape s = shapeOf.get(x);
    OnnxGraph.Tensor index = constant(n, 1);
    long axis = n.integer("axis", 0);
    long k = index.longs() != null && index.size() == 1 ? index.longs()[0] : Long.MIN_VALUE;
    // The tokens [N, T, C] along axis 1 with one index, or (as files written here hold them)
    // [N, C, 1, T] along axis 3, where an index [k] keeps the axis for a Flatten to follow.
    boolean tokens = s.seq() && s.last() && (axis == 1 || axis == -2)
        && index.dims().length == 0;
    boolean row = !s.flat() && !s.last() && s.h() == 1 && (axis == 3 || axis == -1)
        && index.dims().length <= 1;
    if (!tokens && !row || k == Long.MIN_VALUE || k < -s.w() || k >= s.w()) {
      throw unsupported(n, "Gather along axis " + axis + " of " + s + ": only one token of a"
          + " transformer's tokens [N, T, C] (x[:, 0]) has a vertex");
    }
    String name = unique(n.label());
    b.addVertex(name, new TokenVertex((int) (k < 0 ? k + s.w() : k)), vertexOf.get(x));
    define(n, name, new Shape(s.c(), 1, 1, true));
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

  /**
   * A reshape to one vector per image, a reshape that changes nothing, or a step of a channel
   * shuffle ({@code [N, g, C / g, H, W]}, and back to {@code [N, C, H, W]} after the
   * transpose).
   */
  private void reshape(OnnxGraph.Node n) {
    String in = n.inputs().get(0);
    long[] t = constant(n, 1).longs();
    Shuffle pending = shuffles.get(in);
    if (pending != null) {
      Shape s = shapeOf.get(pending.x());
      if (!pending.transposed() || !sameMap(t, s)) {
        throw unsupported(n, "Reshape to " + dims(t) + " of a " + (pending.transposed()
            ? "transposed " : "") + "5-d view of " + s + ": only ShuffleNet's channel shuffle"
            + " (Reshape to [N, g, C/g, H, W], Transpose [0, 2, 1, 3, 4], Reshape back) is"
            + " understood");
      }
      String name = unique(n.label());
      b.addVertex(name, new ChannelShuffle(pending.groups()), vertexOf.get(pending.x()));
      define(n, name, s);
      return;
    }
    String x = source(n, 0);
    Shape s = shapeOf.get(x);
    if (s.last() && s.h() * s.w() != 1) {
      throw unsupported(n, "Reshape of a channels-last view " + s);
    }
    boolean batch = t != null && t.length > 0 && (t[0] == 0 || t[0] == -1 || t[0] == 1
        || t[0] == ShapeValues.BATCH);
    int groups = !s.flat() && batch && t.length == 5 ? groups(t, s) : 0;
    if (batch && t.length == 2 && (t[1] == -1 || t[1] == s.size())) {
      flat(n, x);
    } else if (batch && !s.flat() && !s.last() && s.h() == 1 && t.length == 3 && t[1] == s.c()
        && (t[2] == -1 || t[2] == s.w())) {
      // A row of tokens [N, C, 1, T] (as files written here hold them) as [N, C, T].
      vertexOf.put(n.outputs().get(0), vertexOf.get(x));
      shapeOf.put(n.outputs().get(0), Shape.tokens(s.c(), s.w(), false));
    } else if (batch && s.seq() && t.length == 4 && t[1] == s.c() && t[2] == 1 && (t[3] == -1
        || t[3] == s.w())) {
      // Tokens [N, C, T] as the row [N, C, 1, T].
      vertexOf.put(n.outputs().get(0), vertexOf.get(x));
      shapeOf.put(n.outputs().get(0), new Shape(s.c(), 1, s.w(), false));
    } else if (batch && !s.flat() && !s.last() && !s.seq() && t[1] == s.c() && (t.length == 3
        && (t[2] == -1 || t[2] == s.h() * s.w()) || t.length == 4 && t[2] == 1
        && t[3] == s.h() * s.w() && s.h() != 1)) {
      // A vision transformer's patches: the map [N, C, H, W] as H * W tokens.
      String name = unique(n.label());
      b.addVertex(name, new TokenVertex(-1), vertexOf.get(x));
      grid = new long[] {s.h(), s.w()};
      define(n, name, t.length == 3 ? Shape.tokens(s.c(), s.h() * s.w(), false)
          : new Shape(s.c(), 1, s.h() * s.w(), false));
    } else if (!s.flat() && sameMap(t, s)) {
      alias(n, x);
    } else if (groups > 0) {
      shuffles.put(n.outputs().get(0), new Shuffle(x, groups, false));
    } else {
      throw unsupported(n, "Reshape of " + s + " to " + dims(t) + ": only the reshape to one"
          + " vector per image and ShuffleNet's channel shuffle are understood");
    }
  }

  /** Whether a reshape to {@code t} gives the map {@code s} its own shape. */
  private static boolean sameMap(long[] t, Shape s) {
    if (t == null || t.length != 4 || s.flat()) {
      return false;
    }
    long[] want = {s.c(), s.h(), s.w()};
    int free = 0;
    for (int i = 1; i < 4; i++) {
      free += t[i] == -1 ? 1 : 0;
      if (t[i] != -1 && t[i] != want[i - 1]) {
        return false;
      }
    }
    return free <= 1 && (t[0] == 0 || t[0] == -1 || t[0] == ShapeValues.BATCH);
  }

  /** The groups of a reshape of {@code s} to {@code [N, g, C / g, H, W]}; 0 if it is not. */
  private static int groups(long[] t, Shape s) {
    if (t[3] != s.h() && t[3] != -1 || t[4] != s.w() && t[4] != -1) {
      return 0;
    }
    long g = t[1] == -1 && t[2] > 0 ? s.c() / t[2] : t[1];
    long per = t[2] == -1 && t[1] > 0 ? s.c() / t[1] : t[2];
    return g > 0 && per > 0 && g * per == s.c() ? (int) g : 0;
  }

  /** A shape value for a message: the batch size as N. */
  private static String dims(long[] t) {
    if (t == null) {
      return "?";
    }
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < t.length; i++) {
      out.append(i == 0 ? "" : ", ").append(t[i] == ShapeValues.BATCH ? "N" : t[i]);
    }
    return out.append(']').toString();
  }

  /**
   * A map to its channels-last view ({@code perm [0, 2, 3, 1]}, as ConvNeXt's layer norms and
   * MatMuls read it) and back ({@code [0, 3, 1, 2]}), which change nothing here; or the
   * transpose of a channel shuffle's 5-d view. No other transpose has a layer.
   */
  private void transpose(OnnxGraph.Node n) {
    long[] perm = n.ints("perm");
    Shuffle pending = shuffles.get(n.inputs().get(0));
    if (pending != null) {
      if (pending.transposed() || !Arrays.equals(perm, new long[] {0, 2, 1, 3, 4})) {
        throw unsupported(n, "Transpose " + Arrays.toString(perm) + " of a 5-d view: only"
            + " ShuffleNet's channel shuffle [0, 2, 1, 3, 4] is understood");
      }
      shuffles.put(n.outputs().get(0), new Shuffle(pending.x(), pending.groups(), true));
      return;
    }
    OnnxGraph.Tensor weight = known.get(n.inputs().get(0));
    if (weight != null && weight.floats() != null && perm != null
        && perm.length == weight.dims().length) {
      // A weight the export transposes at run time (MatMul's, without constant folding).
      known.put(ShapeValues.transposed(n.outputs().get(0), weight, perm));
      return;
    }
    String x = source(n, 0);
    Shape s = shapeOf.get(x);
    if (s.seq() && Arrays.equals(perm, new long[] {0, 2, 1})) {
      // [N, C, T] and [N, T, C] are views of the same tokens here.
      vertexOf.put(n.outputs().get(0), vertexOf.get(x));
      shapeOf.put(n.outputs().get(0), Shape.tokens(s.c(), s.w(), !s.last()));
      return;
    }
    boolean toLast = !s.flat() && !s.seq() && !s.last()
        && Arrays.equals(perm, new long[] {0, 2, 3, 1});
    boolean toFirst = s.last() && !s.seq() && Arrays.equals(perm, new long[] {0, 3, 1, 2});
    if (!toLast && !toFirst) {
      throw unsupported(n, "Transpose " + (perm == null ? "" : Arrays.toString(perm) + " ")
          + "of " + s + ": only a map to channels-last and back, and ShuffleNet's channel"
          + " shuffle, are understood");
    }
    vertexOf.put(n.outputs().get(0), vertexOf.get(x));
    shapeOf.put(n.outputs().get(0), new Shape(s.c(), s.h(), s.w(), false, toLast));
  }

  /** A mean or maximum over height and width: global pooling, as {@code x.mean([2, 3])}. */
  private void reduce(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = shapeOf.get(x);
    long[] axes = n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()
        ? constant(n, 1).longs() : n.ints("axes");
    boolean channels = axes != null && axes.length == 1 && (s.flat() ? axes[0] == 1
        || axes[0] == -1 : s.last() ? axes[0] == -1 || axes[0] == (s.seq() ? 2 : 3)
        : axes[0] == 1 || axes[0] == (s.seq() ? -2 : -3));
    if (channels && n.op().equals("ReduceMean") && n.integer("keepdims", 1) != 0) {
      layerNorm(n, x, s);
      return;
    }
    if (s.flat()) {
      throw unsupported(n, n.op() + " of a vector " + s + ": only maps have height and width"
          + " to pool");
    }
    long[] sorted = axes == null ? null : axes.clone();
    if (sorted != null) {
      for (int i = 0; i < sorted.length; i++) {
        sorted[i] = sorted[i] < 0 ? sorted[i] + (s.seq() ? 3 : 4) : sorted[i];
      }
      Arrays.sort(sorted);
    }
    // Height and width: axes 2, 3 of a map; 1, 2 of its channels-last view (tf2onnx's
    // GlobalAveragePooling2D); the tokens of a transformer's sequence (axis 1 of [N, T, C]).
    boolean tokens = s.seq() && Arrays.equals(sorted, new long[] {s.last() ? 1 : 2});
    if (!tokens && !Arrays.equals(sorted, s.last() ? new long[] {1, 2} : new long[] {2, 3})) {
      throw unsupported(n, n.op() + " over axes " + (axes == null ? "all" : Arrays.toString(
          axes)) + ": only the mean or maximum over height and width (or a transformer's"
          + " tokens) has a layer");
    }
    boolean keep = n.integer("keepdims", 1) != 0;
    boolean flat = !keep || onlyFlattened(n);
    globalPool(n, x, s, n.op().equals("ReduceMax"), flat);
    if (!flat && s.last()) {
      shapeOf.put(n.outputs().get(0), new Shape(s.c(), 1, 1, false, true));
    }
  }

  /** A flattened tensor: the vertex itself; the dense layer after it flattens a map (c, h, w). */
  private void flat(OnnxGraph.Node n, String x) {
    Shape s = shapeOf.get(x);
    if (s.last() && s.h() * s.w() != 1) {
      throw unsupported(n, "flattening a channels-last view " + s + ": the values would be"
          + " in another order");
    }
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

  /**
   * A layer norm across channels as an export spells it out, starting at its first mean:
   * {@code d = x - mean(x)}, {@code d / sqrt(mean(d^2) + eps)}; the scale and shift after it
   * are a per-channel {@code Mul} and {@code Add} ({@link #scaleShift}).
   */
  private void layerNorm(OnnxGraph.Node mean, String x, Shape s) {
    String why = "ReduceMean over the channels is understood only as the start of a layer norm"
        + " ((x - mean) / sqrt(mean((x - mean)^2) + eps))";
    OnnxGraph.Node sub = onlyReader(mean.outputs().get(0));
    if (sub == null || !sub.op().equals("Sub") || !sub.inputs().equals(List.of(x,
        mean.outputs().get(0)))) {
      throw unsupported(mean, why);
    }
    String d = sub.outputs().get(0);
    OnnxGraph.Node square = null;
    OnnxGraph.Node div = null;
    for (OnnxGraph.Node r : consumers.getOrDefault(d, List.of())) {
      if (r.op().equals("Pow") && r.inputs().get(0).equals(d) && isScalar(r.inputs().get(1),
          2) || r.op().equals("Mul") && r.inputs().equals(List.of(d, d))) {
        square = r;
      } else if (r.op().equals("Div") && r.inputs().get(0).equals(d)) {
        div = r;
      } else {
        throw unsupported(mean, why);
      }
    }
    OnnxGraph.Node var = square == null ? null : onlyReader(square.outputs().get(0));
    OnnxGraph.Node plus = var == null ? null : onlyReader(var.outputs().get(0));
    OnnxGraph.Node sqrt = plus == null ? null : onlyReader(plus.outputs().get(0));
    if (div == null || var == null || !var.op().equals("ReduceMean")
        || !Arrays.equals(var.ints("axes"), mean.ints("axes"))
        || plus == null || !plus.op().equals("Add") || plus.inputs().size() != 2
        || scalarOf(plus.inputs().get(1)) == null || sqrt == null
        || !sqrt.op().equals("Sqrt") || onlyReader(sqrt.outputs().get(0)) != div
        || !div.inputs().get(1).equals(sqrt.outputs().get(0))) {
      throw unsupported(mean, why);
    }
    String name = unique(div.label());
    b.addVertex(name, new ChannelNorm(scalarOf(plus.inputs().get(1))), vertexOf.get(x));
    define(div, name, s);
    done.addAll(List.of(sub, square, var, plus, sqrt, div));
  }

  /**
   * ONNX's own {@code LayerNormalization} (opset 17, what PyTorch writes for {@code
   * nn.LayerNorm} from that opset on) over the channels of a channels-last view.
   */
  private void layerNormalization(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = shapeOf.get(x);
    long axis = n.integer("axis", -1);
    if (!s.last() || axis != -1 && axis != 3) {
      throw unsupported(n, "LayerNormalization of " + s + " along axis " + axis + ": only"
          + " the channels of a channels-last view (after Transpose [0, 2, 3, 1]) have a"
          + " layer");
    }
    boolean hasShift = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty();
    float[] scale = perChannel(weights(n, 1, -1), s);
    float[] shift = hasShift ? perChannel(weights(n, 2, -1), s) : null;
    if (scale == null || hasShift && shift == null) {
      throw unsupported(n, "a scale or bias that is not one value per channel");
    }
    String norm = unique(n.label() + "/norm");
    b.addVertex(norm, new ChannelNorm(n.real("epsilon", 1e-5f)), vertexOf.get(x));
    shapeOf.put(norm, s);
    vertexOf.put(norm, norm);
    scaleShift(n, norm, s, scale, shift);
  }

  /** A product or sum with a per-channel constant: a 1 x 1 depthwise convolution. */
  private boolean constantOperand(OnnxGraph.Node n) {
    if (n.inputs().size() != 2) {
      return false;
    }
    int k = known.get(n.inputs().get(0)) != null ? 0 : known.get(n.inputs().get(1)) != null ? 1
        : -1;
    if (k < 0) {
      return false;
    }
    String x = source(n, 1 - k);
    Shape s = shapeOf.get(x);
    OnnxGraph.Tensor c = known.get(n.inputs().get(k));
    String op = n.op();
    boolean inverse = k == 0 && (op.equals("Sub") || op.equals("Div")); // c - x, c / x
    if (c.floats() != null && c.size() == 1) {
      // One value: a fixed affine map (Keras' Rescaling, hard-swish's + 3 and / 6).
      double v = c.floats()[0];
      if (op.equals("Div") && (inverse || v == 0)) {
        throw unsupported(n, inverse ? "Div of a constant by a map has no layer"
            : "Div by zero");
      }
      double scale = switch (op) {
        case "Mul" -> v;
        case "Div" -> 1 / v;
        case "Sub" -> inverse ? -1 : 1;
        default -> 1;
      };
      double shift = switch (op) {
        case "Add" -> v;
        case "Sub" -> inverse ? v : -v;
        default -> 0;
      };
      activation(n, x, new AffineActivation(scale, shift));
      return true;
    }
    // A table of one row per token [1, T, C] (or [1, C, 1, T], as files written here hold
    // it): a position embedding, resampled when the tokens here are not the file's.
    long[] d = c.dims();
    if (op.equals("Add") && s.h() == 1 && !s.flat() && c.floats() != null && d[0] == 1
        && (s.seq() && s.last() && d.length == 3 && d[2] == s.c() && d[1] > 1
        || !s.last() && d.length == 4 && d[1] == s.c() && d[2] == 1 && d[3] > 1)) {
      positions(n, x, s, resampled(n, c, s));
      return true;
    }
    float[] v = inverse ? null : perChannel(c, s);
    if (v == null) {
      throw unsupported(n, op + " of " + s + " and a constant of shape " + Arrays.toString(
          c.dims()) + ": only one value, or one per channel (after the map), has a layer");
    }
    float[] w = v.clone();
    for (int i = 0; i < w.length; i++) {
      w[i] = op.equals("Sub") ? -w[i] : op.equals("Div") ? 1 / w[i] : w[i];
    }
    boolean product = op.equals("Mul") || op.equals("Div");
    scaleShift(n, x, s, product ? w : null, product ? null : w);
    return true;
  }

  /**
   * A position embedding: a constant {@code [1, T, C]} added to a transformer's tokens, which
   * trains ({@link TokenParameter.Kind#POSITIONS}).
   */
  /**
   * A position embedding made for another image size, as the table {@code [1, T, C]} for the
   * tokens here: the square grid of patches it was made for resampled to this one ({@link
   * PositionGrid}), the rows before the grid (a class token's) kept. Refused, naming the sizes,
   * when the tokens do not come from a patch grid or the table's do not make a square one.
   */
  private OnnxGraph.Tensor resampled(OnnxGraph.Node n, OnnxGraph.Tensor c, Shape s) {
    boolean rows = c.dims().length == 4; // [1, C, 1, T] as files written here hold it
    long was = rows ? c.dims()[3] : c.dims()[1];
    if (was == s.w()) {
      return c;
    }
    int channels = (int) s.c();
    float[] table = !rows ? c.floats() : ShapeValues.transposed(c.name(), new OnnxGraph.Tensor(
        c.name(), new long[] {channels, was}, c.floats(), null), new long[] {1, 0}).floats();
    long prefix = grid == null ? -1 : s.w() - grid[0] * grid[1];
    int side = prefix < 0 ? -1 : PositionGrid.side(was - prefix);
    if (side < 0) {
      throw refuse("node '" + n.label() + "' (" + n.op() + ") adds a position embedding for "
          + was + " tokens to " + s + (grid == null ? "" : " (" + grid[0] + "x" + grid[1]
          + " patches)") + ": it is not a square grid of patches to resample; train at the size"
          + " it was exported at" + exportedSize());
    }
    float[] v = PositionGrid.resample(table, channels, (int) prefix, side, (int) grid[0],
        (int) grid[1]);
    return new OnnxGraph.Tensor(c.name(), new long[] {1, s.w(), channels}, v, null);
  }

  private void positions(OnnxGraph.Node n, String x, Shape s, OnnxGraph.Tensor c) {
    String name = unique(n.label());
    b.addLayer(name, new TokenParameter(TokenParameter.Kind.POSITIONS, (int) s.c(),
        (int) s.w()), vertexOf.get(x));
    INDArray v = c.dims().length == 4 ? Nd4j.create(c.floats(), new long[] {s.c(), s.w()}, 'c')
        : Nd4j.create(c.floats(), new long[] {s.w(), s.c()}, 'c').transpose().dup('c');
    params.put(name, Map.of(TokenParameter.PARAM, v));
    define(n, name, s);
  }

  /**
   * {@code x * scale + shift} per channel as a 1 x 1 depthwise convolution, whose weights and
   * bias train as PyTorch's layer-norm affine and layer scale do. A product whose only reader
   * adds a per-channel constant takes that as its bias.
   */
  private void scaleShift(OnnxGraph.Node n, String x, Shape s, float[] scale, float[] shift) {
    OnnxGraph.Node out = n;
    Added next = scale != null && shift == null ? constantAddedAfter(n) : null;
    float[] v = next == null ? null : perChannel(next.value(), s);
    if (v != null) {
      shift = v;
      out = next.node();
      done.add(out);
    }
    int c = (int) s.c();
    float[] w = scale != null ? scale : filled(c, 1f);
    String name = unique(out.label());
    if (s.flat()) {
      // Of a vector (CLIP's norm of its class token): one weight and bias per value.
      b.addLayer(name, new ElementWiseMultiplicationLayer.Builder().nIn(c).nOut(c)
          .activation(Activation.IDENTITY).build(), vertexOf.get(x));
      params.put(name, Map.of("W", row(w), "b", row(shift != null ? shift : new float[c])));
      define(out, name, s);
      return;
    }
    b.addLayer(name, new DepthwiseConvolution2D.Builder(1, 1).nIn(c).nOut(c).depthMultiplier(1)
        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY)
        .hasBias(shift != null).build(), vertexOf.get(x));
    Map<String, INDArray> p = new LinkedHashMap<>();
    p.put("W", Nd4j.create(w, new long[] {1, 1, c, 1}, 'c'));
    if (shift != null) {
      p.put("b", row(shift));
    }
    params.put(name, p);
    define(out, name, s);
  }

  private static float[] filled(int n, float v) {
    float[] out = new float[n];
    Arrays.fill(out, v);
    return out;
  }

  /** The constant's values when it holds one per channel of {@code s} in its layout. */
  private static float[] perChannel(OnnxGraph.Tensor t, Shape s) {
    if (t.floats() == null || t.size() != s.c()) {
      return null;
    }
    long[] d = t.dims();
    int axis = s.last() || s.flat() ? d.length - 1 : d.length - 3;
    if (axis < 0 || d[axis] != s.c()) {
      return null;
    }
    return t.floats();
  }

  /**
   * {@code x W (+ b)} with a constant {@code W [C, K]}: over the channels of a channels-last
   * view, a 1 x 1 convolution (ConvNeXt's pointwise layers); of a vector, a dense layer. An
   * {@code Add} of a constant {@code [K]} that only reads it becomes the bias.
   */
  private void matmul(OnnxGraph.Node n) {
    String x = source(n, 0);
    Shape s = shapeOf.get(x);
    OnnxGraph.Tensor w = weights(n, 1, 2);
    long cin = w.dims()[0];
    long k = w.dims()[1];
    if (cin != s.c() || !s.flat() && !s.last()) {
      throw unsupported(n, "MatMul of " + s + " by weights " + Arrays.toString(w.dims())
          + ": only a vector, or the channels of a channels-last view, times a matrix with as"
          + " many rows has a layer");
    }
    OnnxGraph.Node out = n;
    OnnxGraph.Tensor bias = null;
    Added next = constantAddedAfter(n);
    if (next != null) {
      OnnxGraph.Tensor c = next.value();
      if (c.floats() != null && c.size() == k && c.dims()[c.dims().length - 1] == k) {
        bias = new OnnxGraph.Tensor(c.name(), new long[] {k}, c.floats(), null);
        out = next.node();
        done.add(out);
      }
    }
    String name = unique(out.label());
    INDArray wa = Nd4j.create(w.floats(), w.dims(), 'c');
    if (s.flat()) {
      b.addLayer(name, new DenseLayer.Builder().nIn(cin).nOut(k).activation(Activation.IDENTITY)
          .hasBias(bias != null).build(), vertexOf.get(x));
      params.put(name, weightsAndBias(wa, bias));
      denseLayers.add(name);
      inputOfLayer.put(name, vertexOf.get(x));
      define(out, name, new Shape(k, 1, 1, true));
      return;
    }
    b.addLayer(name, new ConvolutionLayer.Builder(1, 1).nIn(cin).nOut(k)
        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY)
        .hasBias(bias != null).build(), vertexOf.get(x));
    params.put(name, weightsAndBias(wa.transpose().dup('c').reshape('c', k, cin, 1, 1), bias));
    define(out, name, new Shape(k, s.h(), s.w(), false, true, s.seq()));
  }

  /**
   * The exact GELU as PyTorch exports it, starting at its division: {@code x / sqrt 2}, {@code
   * Erf}, {@code + 1}, {@code x *}, {@code * 0.5}. No other division of a map has a layer.
   */
  private boolean gelu(OnnxGraph.Node n) {
    if (known.get(n.inputs().get(0)) != null) {
      return false;
    }
    String x = source(n, 0);
    Float root = n.inputs().size() == 2 ? scalarOf(n.inputs().get(1)) : null;
    if (root == null || Math.abs(root - Math.sqrt(2)) > 1e-4) {
      return false;
    }
    OnnxGraph.Node erf = onlyReader(n.outputs().get(0));
    OnnxGraph.Node plus = erf == null || !erf.op().equals("Erf") ? null
        : onlyReader(erf.outputs().get(0));
    OnnxGraph.Node times = plus == null || !plus.op().equals("Add")
        || !isScalar(other(plus, erf.outputs().get(0)), 1) ? null
        : onlyReader(plus.outputs().get(0));
    OnnxGraph.Node half = times == null || !times.op().equals("Mul")
        || !x.equals(other(times, plus.outputs().get(0))) ? null
        : onlyReader(times.outputs().get(0));
    if (half == null || !half.op().equals("Mul")
        || !isScalar(other(half, times.outputs().get(0)), 0.5)) {
      return false; // a plain division by sqrt 2
    }
    String name = unique(half.label());
    b.addLayer(name, new ActivationLayer.Builder().activation(new GeluActivation()).build(),
        vertexOf.get(x));
    define(half, name, shapeOf.get(x));
    done.addAll(List.of(erf, plus, times, half));
    return true;
  }


  /** The input of a two-input node other than {@code t}; null if it does not read {@code t}. */
  private static String other(OnnxGraph.Node n, String t) {
    if (n.inputs().size() != 2) {
      return null;
    }
    return n.inputs().get(0).equals(t) ? n.inputs().get(1)
        : n.inputs().get(1).equals(t) ? n.inputs().get(0) : null;
  }

  /** The value of a one-value float constant; null if {@code t} is not one. */
  private Float scalarOf(String t) {
    return known.scalar(t);
  }

  private boolean isScalar(String t, double value) {
    Float v = scalarOf(t);
    return v != null && Math.abs(v - value) < 1e-6;
  }

  /** An {@code Add} of a constant {@code value} to a node's output. */
  private record Added(OnnxGraph.Node node, OnnxGraph.Tensor value) {}

  /**
   * The {@code Add} that is the only reader of {@code n}'s output and adds a constant to it
   * (a bias to fold into the layer {@code n} becomes); null if there is none.
   */
  private Added constantAddedAfter(OnnxGraph.Node n) {
    OnnxGraph.Node next = onlyReader(n.outputs().get(0));
    if (next == null || !next.op().equals("Add") || next.inputs().size() != 2) {
      return null;
    }
    String other = other(next, n.outputs().get(0));
    OnnxGraph.Tensor c = other == null ? null : known.get(other);
    return c == null ? null : new Added(next, c);
  }

  /** The only node reading {@code tensor} when it is not also an output; null otherwise. */
  private OnnxGraph.Node onlyReader(String tensor) {
    List<OnnxGraph.Node> r = consumers.getOrDefault(tensor, List.of());
    return r.size() == 1 && !g.outputs.contains(tensor) ? r.get(0) : null;
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
      throw unsupported(n, shuffles.containsKey(t) ? "its input '" + t + "' is a 5-d view of"
          + " a map; only ShuffleNet's channel shuffle (Reshape to [N, g, C/g, H, W], Transpose"
          + " [0, 2, 1, 3, 4], Reshape back) is understood" : known.computed(t) ? "its input '"
          + t + "' is computed from shapes where a map is expected" : g.constants.containsKey(t)
          ? "its input '" + t + "' is a constant where a computed tensor is expected"
          : "its input '" + t + "' is not computed before it");
    }
    return t;
  }

  private Shape map(OnnxGraph.Node n, String x) {
    Shape s = shapeOf.get(x);
    if (s.flat()) {
      throw unsupported(n, n.op() + " of a vector " + s + " (after global pooling or"
          + " flattening): a layer needs a feature map here");
    }
    if (s.last()) {
      throw unsupported(n, n.op() + " of a channels-last view " + s + ": only element-wise"
          + " operators, layer norms and MatMul over the channels are understood between"
          + " Transpose [0, 2, 3, 1] and Transpose [0, 3, 1, 2]");
    }
    return s;
  }

  private OnnxGraph.Tensor constant(OnnxGraph.Node n, int i) {
    String t = n.inputs().get(i);
    OnnxGraph.Tensor v = known.get(t);
    if (v == null) {
      throw unsupported(n, "its input '" + t + "' is computed where a constant is expected");
    }
    if (v.longs() != null && !n.op().equals("Reshape")) {
      for (long x : v.longs()) {
        if (x == ShapeValues.BATCH) {
          throw unsupported(n, "its input '" + t + "' depends on the batch size");
        }
      }
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
    int[] size = fixedSize(g.inputs.values().iterator().next());
    return size == null ? "" : " (" + size[0] + "x" + size[1] + ")";
  }

  /**
   * The height and width an image input's shape fixes, in either layout.
   *
   * @param dims the input's shape ({@code [N, C, H, W]} or {@code [N, H, W, C]}), -1 for a free
   *     dimension
   * @return {@code {height, width}}, or null when the export left them free
   */
  public static int[] fixedSize(long[] dims) {
    int at = channelsLast(dims) ? 1 : 2;
    return dims.length == 4 && dims[at] > 0 && dims[at + 1] > 0
        ? new int[] {(int) dims[at], (int) dims[at + 1]} : null;
  }

  /**
   * Whether an image input's shape is {@code [N, H, W, C]}: 1 or 3 last, and not first.
   *
   * @param dims the input's shape, -1 for a free dimension
   * @return whether it is channels last
   */
  public static boolean channelsLast(long[] dims) {
    return dims.length == 4 && (dims[3] == 1 || dims[3] == 3) && dims[1] != 1 && dims[1] != 3;
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
      "Identity", "Dropout", "Mul", "HardSigmoid", "HardSwish", "ReduceMean", "ReduceMax",
      "MatMul", "Erf", "Pow", "Sqrt", "LayerNormalization", "Split", "Elu", "Selu", "Softplus",
      "Mish", "Gelu", "PRelu",
      // shape arithmetic, worked out at import; Transpose to channels-last and back, and in a
      // channel shuffle
      "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "Sub", "Div", "Transpose", "Equal",
      "Where", "ConstantOfShape",
      // a transformer's class token
      "Expand");
}
