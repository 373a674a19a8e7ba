package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.backend.OneDnn;
import io.github.embeddings4j.core.embed.ForwardPass;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.core.embed.Pooling;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.zoo.dnnl.DnnlGraph;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link io.github.embeddings4j.api.Embedder} on a convolutional network of the
 * Deeplearning4j model zoo: the image is decoded and validated ({@link ImageDecoder}), resized
 * and centre-cropped into the model's input ({@link InputFormat}), run through the network up to
 * the embedding layer, pooled globally ({@link Pooling}) and, by default, L2-normalised. Batching,
 * threads and streaming are those of every {@link NetworkEmbedder}.
 *
 * <pre>{@code
 * try (ZooEmbedder embedder = ZooEmbedder.builder(ZooModel.RESNET50)
 *     .weights(Weights.imagenet())   // the default where the zoo has ImageNet weights
 *     .layer("flatten_1")            // the default for ResNet50's ImageNet graph
 *     .pooling(Pooling.AVG)
 *     .normalize(true)
 *     .build()) {
 *   float[] v = embedder.embed(Path.of("cat.jpg"));   // embedder.dimension() == 2048
 * }
 * }</pre>
 *
 * <p><b>Engines.</b> DL4J builds the network and loads its weights; the images run on the
 * fastest engine measured for the model ({@link Engine#AUTO}): ONNX Runtime on the network
 * exported to ONNX, or the SDK's oneDNN graph executor (oneDNN primitives in blocked layout with
 * activations, batch norms and residual additions fused), or DL4J's own forward pass where
 * neither runs it ({@link Builder#engine(Engine)}, {@link #engine()}). The engine is checked
 * against DL4J's forward pass on one image when the embedder is built. Vectors agree with DL4J's
 * within float rounding (1e-4 relative here), and do not depend on the batch an image runs in.
 * Building the first embedder also chooses the ND4J native build for the CPU ({@link
 * NativeFlavour}) and, on a oneDNN build, switches on DL4J's oneDNN layer helpers ({@link
 * OneDnn}) for the networks DL4J runs. Both need to happen before ND4J is first used in the JVM.
 */
public final class ZooEmbedder extends NetworkEmbedder {

  private static final Logger LOG = LoggerFactory.getLogger(ZooEmbedder.class);

  static {
    // Must precede the first use of ND4J in this JVM: JavaCPP reads the flavour once.
    NativeFlavour.select();
  }

  private final ZooModel model;
  private final Weights weights;
  private final String layer;
  private final InputFormat format;
  private final List<String> layerNames;
  private final boolean oneDnnGraph;
  private final Model prototype;

  private ZooEmbedder(Parts parts, Builder b, String layer, List<String> layerNames,
      Model prototype, Engine engine) {
    super(parts);
    this.model = b.model;
    this.weights = b.weights;
    this.format = b.format();
    this.layer = layer;
    this.layerNames = layerNames;
    this.oneDnnGraph = engine == Engine.ONEDNN_GRAPH;
    this.prototype = prototype;
  }

  /** Picks the layer, truncates and folds the network, chooses the engine. */
  private static ZooEmbedder create(Builder b, Model loaded) {
    ZooModel model = b.model;
    InputFormat format = b.format();
    List<String> layerNames = List.copyOf(FeatureNet.layerNames(loaded));
    String chosen = b.layer;
    try {
      if (chosen == null) {
        chosen = b.weights.isTrained()
            ? FeatureNet.defaultLayer(loaded, model.trainedLayerCandidates(), format)
            : model.defaultLayer(false);
      }
      if (!layerNames.contains(chosen)) {
        throw new IllegalArgumentException("no layer '" + chosen + "' in " + model + " ("
            + describe(b.weights) + "); valid layers: " + layerNames);
      }
    } catch (RuntimeException e) {
      loaded.close();
      throw e;
    }
    Model cut = FeatureNet.truncate(loaded, chosen);
    if (cut != loaded) {
      // The cut network holds copies of the parameters it keeps: free the full one now rather
      // than when the garbage collector gets to it (VGG16 holds 0.5 GB off the heap).
      loaded.close();
    }
    if (b.foldBatchNorm && cut instanceof ComputationGraph graph) {
      try {
        ComputationGraph folded = BatchNormFolding.fold(graph);
        if (folded != graph) {
          graph.close();
          cut = folded;
        }
      } catch (RuntimeException e) {
        LOG.warn("{}: batch norms not folded ({}); the unfolded graph is used", model,
            e.toString());
      }
    }
    if (b.oneDnnHelpers) {
      OneDnn.attachIfEnabled(cut);
    }
    FusedAdd.apply(cut);
    int dimension = FeatureNet.dimension(cut, chosen, format);
    if (dimension < 1) {
      // Shape inference does not know every vertex: one forward pass on a blank image does.
      INDArray out = FeatureNet.forward(cut,
          Nd4j.zeros(1, format.channels(), format.height(), format.width()));
      dimension = NetworkEmbedder.pool(Dl4jForward.activations(out), b.pooling, false)[0]
          .length;
    }
    Engines.Chosen engine = Engines.choose(model, b.engine, cut, format, b.oneDnnHelpers);
    ForwardPass first = engine.pass();
    LOG.info("{} embedder: {}, layer '{}', dimension {}, input {}x{} {}, {}", model,
        describe(b.weights), chosen, dimension, format.height(), format.width(),
        format.colorOrder(), first.engine());
    Parts parts = new Parts(model + " embedder", format, b.decoder, first, b.pooling,
        b.normalize, b.networkBatch, b.batchFixed, b.concurrency, dimension);
    return new ZooEmbedder(parts, b, chosen, layerNames, cut, engine.engine());
  }

  /**
   * Whether embedders in this JVM can compile their networks for oneDNN, for reports: {@code
   * "on (oneDNN 2.5.2, avx512_core)"} (the library's version and the instruction set its kernels
   * use here), {@code "off (...)"} or {@code "unavailable (...)"} with the reason.
   *
   * @return one line
   */
  public static String oneDnnGraphStatus() {
    return DnnlGraph.status();
  }

  /**
   * Whether the network runs on the oneDNN graph executor ({@link Engine#ONEDNN_GRAPH}).
   *
   * @return {@code true} when the compiled graph runs the images
   */
  public boolean usesOneDnnGraph() {
    return oneDnnGraph;
  }

  /**
   * Starts an embedder for a model of the zoo.
   *
   * @param model the model
   * @return a builder with the model's defaults
   */
  public static Builder builder(ZooModel model) {
    return new Builder(model);
  }

  /**
   * Starts an embedder on a zoo CNN fine-tuned by this SDK ({@code
   * io.github.embeddings4j.core.train.ZooFineTuner}, {@code embeddings4j finetune --model}): the
   * file's own record ({@link FineTunedModel}) sets the model, the input size, the embedding layer
   * and average pooling, so the vectors are the pooled features its classifier reads, computed
   * on the engine chosen for the zoo model.
   *
   * <pre>{@code
   * try (ZooEmbedder e = ZooEmbedder.fineTuned(Path.of("tuned.zip")).build()) {
   *   float[] v = e.embed(Path.of("shoe.jpg"));
   * }
   * }</pre>
   *
   * @param file the fine-tuned model file
   * @return a builder preset from the file (engine, normalisation, batch size still free)
   * @throws java.nio.file.NoSuchFileException if the file does not exist
   * @throws java.io.IOException if it is not a fine-tuned zoo model; the message names it
   */
  public static Builder fineTuned(Path file) throws java.io.IOException {
    FineTunedModel m = FineTunedModel.read(file);
    if (m == null) {
      throw new java.io.IOException(file + ": not a fine-tuned zoo model (no "
          + FineTunedModel.ENTRY + " entry); a zoo model's weights file goes with its model"
          + " name (ZooEmbedder.builder(model).weights(Weights.file(...)))");
    }
    return builder(m.model()).weights(Weights.file(file)).inputSize(m.height(), m.width())
        .layer(m.embeddingLayer()).pooling(Pooling.AVG);
  }

  /**
   * The model.
   *
   * @return the zoo model
   */
  public ZooModel model() {
    return model;
  }

  /**
   * The weights the network was built with.
   *
   * @return the weights
   */
  public Weights weights() {
    return weights;
  }

  /**
   * The layer whose activations are embedded.
   *
   * @return the layer (vertex) name
   */
  public String layer() {
    return layer;
  }

  /**
   * Every layer name of the network, in topological order: the valid arguments of {@link
   * Builder#layer(String)} for these weights.
   *
   * @return the layer names
   */
  public List<String> layerNames() {
    return layerNames;
  }

  /**
   * The input the network is fed.
   *
   * @return size, colour order and scaling
   */
  public InputFormat inputFormat() {
    return format;
  }

  /**
   * The truncated network, for FLOP counting by the throughput measurement; its parameters are
   * freed when another engine than DL4J's runs the images.
   */
  Model prototypeForMeasurement() {
    return prototype;
  }

  /**
   * How this embedder makes its vectors: model, weights (the set, the seed, or the SHA-256 of
   * the model file, whose path is recorded as information only), layer, pooling, normalisation,
   * input format and dimension. The engine is not part of it: every engine gives DL4J's vectors
   * within float rounding.
   *
   * @return the description
   * @throws java.io.UncheckedIOException if a weights file can no longer be read for its checksum
   */
  @Override
  public io.github.embeddings4j.api.EmbedderDescription describe() {
    var d = io.github.embeddings4j.api.EmbedderDescription.builder(model.zooName(), dimension())
        .layer(layer).pooling(pooling().name().toLowerCase(java.util.Locale.ROOT))
        .normalized(normalizes()).input(format.height() + "x" + format.width() + "x"
            + format.channels(), format.colorOrder().name(), format.scaling().name());
    decoder().describe(d);
    if (weights instanceof Weights.Pretrained p) {
      d.weights(p.set().name().toLowerCase(java.util.Locale.ROOT));
    } else if (weights instanceof Weights.Random r) {
      d.weights("random seed=" + r.seed());
    } else {
      Path file = ((Weights.File) weights).path();
      try {
        d.weights("file sha256=" + io.github.embeddings4j.core.io.Checksums.sha256(file))
            .extra(io.github.embeddings4j.api.EmbedderDescription.INFO_PREFIX + "weights_path",
                file.toString());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return d.build();
  }

  @Override
  public String toString() {
    return "ZooEmbedder[" + model + ", " + describe(weights) + ", layer=" + layer + ", dimension="
        + dimension() + ", pooling=" + pooling() + ", normalize=" + normalizes() + ", engine="
        + engine() + "]";
  }

  private static String describe(Weights w) {
    if (w instanceof Weights.Pretrained p) {
      return p.set() + " weights";
    }
    if (w instanceof Weights.Random r) {
      return "random weights, seed " + r.seed();
    }
    return "weights from " + ((Weights.File) w).path();
  }

  /**
   * Options of a {@link ZooEmbedder}; only the model is required. Not thread-safe; {@link
   * #build()} copies what it needs.
   */
  public static final class Builder {
    private final ZooModel model;
    private Weights weights;
    private String layer;
    private Pooling pooling = Pooling.AVG;
    private boolean normalize = true;
    private int height;
    private int width;
    private Path cacheDirectory;
    private Duration downloadTimeout = Duration.ofSeconds(10);
    private ImageDecoder decoder = ImageDecoder.defaults();
    private int networkBatch = DEFAULT_NETWORK_BATCH;
    private boolean batchFixed;
    private boolean foldBatchNorm = true;
    private int concurrency = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private boolean oneDnnHelpers = true;
    private Engine engine = Engine.byDefault();

    private Builder(ZooModel model) {
      this.model = Objects.requireNonNull(model, "model");
      this.weights = model.pretrainedSets().contains(PretrainedSet.IMAGENET) ? Weights.imagenet()
          : !model.pretrainedSets().isEmpty()
              ? Weights.pretrained(model.pretrainedSets().iterator().next())
              : Weights.random(42);
    }

    /**
     * Where the weights come from. Default: ImageNet where the zoo has it, else the model's other
     * published set, else random with seed 42 (as the CLI and Spark).
     *
     * @param weights the weights
     * @return this builder
     */
    public Builder weights(Weights weights) {
      this.weights = Objects.requireNonNull(weights, "weights");
      return this;
    }

    /**
     * The layer (vertex) whose activations are the embedding. Default: {@link
     * ZooModel#defaultLayer(boolean)} for the weights' kind. A wrong name fails {@link #build()}
     * with the list of valid names.
     *
     * @param layer the layer name
     * @return this builder
     */
    public Builder layer(String layer) {
      this.layer = Objects.requireNonNull(layer, "layer");
      return this;
    }

    /**
     * Global pooling of convolutional activations. Default {@link Pooling#AVG}.
     *
     * @param pooling average or max
     * @return this builder
     */
    public Builder pooling(Pooling pooling) {
      this.pooling = Objects.requireNonNull(pooling, "pooling");
      return this;
    }

    /**
     * Whether vectors are scaled to unit L2 length. Default {@code true} (cosine distance and
     * Euclidean distance then rank alike; a zero vector stays zero).
     *
     * @param normalize whether to normalise
     * @return this builder
     */
    public Builder normalize(boolean normalize) {
      this.normalize = normalize;
      return this;
    }

    /**
     * Feeds the network another input size than the model's standard one, e.g. small images
     * into a randomly initialised graph, or 32 x 32 into SimpleCNN. Pretrained graphs that end in
     * dense layers (VGG's {@code fc2}) only accept their standard size.
     *
     * @param height the input height
     * @param width the input width
     * @return this builder
     */
    public Builder inputSize(int height, int width) {
      if (height < 1 || width < 1) {
        throw new IllegalArgumentException("input size must be positive: " + height + " x "
            + width);
      }
      this.height = height;
      this.width = width;
      return this;
    }

    /**
     * The base folder of the zoo's download cache; weights are kept in {@code
     * <folder>/models/<model>/}. Default: DL4J's ({@code ~/.deeplearning4j}, or what {@code
     * DL4JResources.setBaseDirectory} or the system property {@code
     * org.deeplearning4j.resources.directory} set).
     *
     * @param folder the cache base folder
     * @return this builder
     */
    public Builder cacheDirectory(Path folder) {
      this.cacheDirectory = Objects.requireNonNull(folder, "folder");
      return this;
    }

    /**
     * The limit on resolving the download host, connecting and each read. Default 10 s.
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder downloadTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.downloadTimeout = timeout;
      return this;
    }

    /**
     * The decoder (and so the size limits) for the images. Default {@link
     * ImageDecoder#defaults()}.
     *
     * @param decoder the decoder
     * @return this builder
     */
    public Builder decoder(ImageDecoder decoder) {
      this.decoder = Objects.requireNonNull(decoder, "decoder");
      return this;
    }

    /**
     * Whether to fold each batch normalisation (and the activation after it) into the
     * convolution before it, which computes the same embeddings (within float rounding) with
     * fewer passes over the activations. Default {@code true}; graphs only.
     *
     * @param fold {@code false} to run the network's layers as loaded
     * @return this builder
     */
    public Builder foldBatchNorm(boolean fold) {
      this.foldBatchNorm = fold;
      return this;
    }

    /**
     * Fixes the images per forward pass. By default the embedder measures sizes from 1 to
     * {@link ZooEmbedder#DEFAULT_NETWORK_BATCH} on its first passes and keeps the fastest.
     *
     * @param size at least 1
     * @return this builder
     */
    public Builder networkBatchSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("network batch size must be positive: " + size);
      }
      this.networkBatch = size;
      this.batchFixed = true;
      return this;
    }

    /**
     * The most copies of the network, and so the most concurrent forward passes. Default: the
     * number of processors, at most 4. Each copy holds the model's parameters (ResNet50 about
     * 100 MB, VGG16 about 550 MB); copies are made only when threads are waiting.
     *
     * @param copies at least 1
     * @return this builder
     */
    public Builder concurrency(int copies) {
      if (copies < 1) {
        throw new IllegalArgumentException("concurrency must be positive: " + copies);
      }
      this.concurrency = copies;
      return this;
    }

    /**
     * {@code false} runs the network on DL4J's own forward pass ({@link Engine#DL4J}); {@code
     * true} leaves the choice to {@link Engine#AUTO}.
     *
     * @param on {@code false} for DL4J's own forward pass
     * @return this builder
     * @deprecated use {@link #engine(Engine)}
     */
    @Deprecated
    public Builder oneDnnGraph(boolean on) {
      this.engine = on ? Engine.AUTO : Engine.DL4J;
      return this;
    }

    /**
     * The inference engine. Default {@link Engine#AUTO}, the fastest measured for the model (or
     * what the system property {@value Engine#PROPERTY} names). Whatever is asked for, the
     * engine is checked against DL4J's forward pass on one image when the embedder is built, and
     * DL4J's pass runs the network where the engine cannot or does not agree (within 1e-3
     * relative); {@link ZooEmbedder#engine()} says which engine runs it.
     *
     * @param engine the engine
     * @return this builder
     */
    public Builder engine(Engine engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /** For side-by-side measurements: leave DL4J's layers as they are even on a oneDNN build. */
    Builder oneDnnHelpers(boolean on) {
      this.oneDnnHelpers = on;
      return this;
    }

    private InputFormat format() {
      InputFormat f = model.inputFormat();
      return height > 0 ? f.withSize(height, width) : f;
    }

    /**
     * Loads the weights and builds the embedder. Its dimension is known when this returns.
     *
     * @return the embedder
     * @throws EmbeddingException if the weights cannot be obtained (the message says which file
     *     to place where) or the model file cannot be loaded
     * @throws IllegalArgumentException for a layer the network does not have (the message lists
     *     the valid ones), or weights the model does not have
     */
    public ZooEmbedder build() throws EmbeddingException {
      Path base = cacheDirectory != null ? cacheDirectory
          : DL4JResources.getBaseDirectory().toPath();
      Model loaded = ModelLoader.load(model, weights, format(), base, downloadTimeout);
      return create(this, loaded);
    }
  }
}
