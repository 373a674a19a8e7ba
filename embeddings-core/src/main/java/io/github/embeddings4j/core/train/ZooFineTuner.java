package io.github.embeddings4j.core.train;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.backend.OneDnn;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.Preprocessing;
import io.github.embeddings4j.core.image.Preprocessor;
import io.github.embeddings4j.core.onnx.FineTunedOnnx;
import io.github.embeddings4j.core.onnx.OnnxImport;
import io.github.embeddings4j.core.zoo.FineTunedModel;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-tunes a CNN of the model zoo, or a CNN saved as ONNX ({@link #builder(Path)}: torchvision
 * and timm CNNs read by {@link OnnxImport}, saved as ONNX again), on a folder of labelled photos
 * ({@code root/<class>/<image>}) in colour at the model's input size: the classifier after the feature layer is replaced by a
 * new one for the folder's classes (global average pooling, then a softmax layer), the layers up
 * to a named one can be frozen, the rest of the backbone learns at a smaller rate than the new
 * head, and the images are streamed from disk batch by batch (at most two batches decoded at a
 * time), augmented with a seeded random resized crop, flip and colour jitter. Every epoch ends
 * with a checkpoint (network, updater state, epoch, best epoch so far and its weights, in one
 * file replaced atomically) that {@link Builder#resume(boolean)} continues from after a crash,
 * to the same weights as an uninterrupted run; validation accuracy stops training early, and the
 * best epoch's network is the result.
 *
 * <pre>{@code
 * ImageFolder.Splits parts = ImageFolder.scan(Path.of("photos")).split(0.8, 0.2, 0, 42);
 * FineTuneResult r = ZooFineTuner.builder(ZooModel.RESNET50)
 *     .weights(Weights.imagenet())
 *     .freezeUpTo("res4f_branch2c")          // optional: keep the early layers as they are
 *     .backboneLearningRateScale(0.1)        // the backbone learns at a tenth of the head's rate
 *     .hyperparameters(Hyperparameters.builder().learningRate(1e-3).batchSize(32).epochs(10)
 *         .build())
 *     .checkpoint(Path.of("tuned.zip.checkpoint")).resume(true)
 *     .build()
 *     .fit(parts.train(), parts.validation());
 * r.save(Path.of("tuned.zip"));   // then: ZooEmbedder.fineTuned(Path.of("tuned.zip")).build()
 * }</pre>
 *
 * <p>For a zoo model the saved file is a DL4J graph with the SDK's record ({@link
 * FineTunedModel}); for an ONNX model, an ONNX file with the record {@link FineTunedOnnx} in its
 * metadata. The zoo record holds the model,
 * input size, embedding layer and class names, so that {@code ZooEmbedder.fineTuned(file)} and
 * every command that takes {@code --model FILE.zip} embed with it on the zoo model's engine.
 *
 * <p>Not thread-safe; a fine-tuner may run {@link #fit} more than once (each run starts from the
 * weights again).
 */
public final class ZooFineTuner {

  static {
    NativeFlavour.select();
  }

  private static final Logger LOG = LoggerFactory.getLogger(ZooFineTuner.class);

  /** The name of the global pooling layer added after a convolutional feature layer. */
  public static final String POOL_LAYER = "e4j_pool";
  /** The name of the new classifier layer. */
  public static final String HEAD_LAYER = "e4j_head";

  private static final int GC_EVERY_STEPS = 32;

  private final Builder b;

  private ZooFineTuner(Builder b) {
    this.b = b.copy();
  }

  /**
   * Starts a fine-tuner for a zoo model.
   *
   * @param model the model
   * @return a builder with the defaults: ImageNet weights where the zoo has them (else random
   *     initialisation), the model's input size, its feature layer, nothing frozen, backbone
   *     rate 0.1 of the head's, {@link Augmentation#defaults()}
   */
  public static Builder builder(ZooModel model) {
    return new Builder(model);
  }

  /**
   * Starts a fine-tuner for a CNN saved as ONNX (a torchvision or timm model exported with
   * {@code torch.onnx.export}, a Keras CNN through tf2onnx): {@link OnnxImport} reads it as a
   * trainable graph with its weights, and {@link FineTuneResult#save(Path)} writes the result as
   * ONNX again ({@link FineTunedOnnx}: outputs {@code embedding} and {@code probabilities}, the
   * preprocessing and class names in its metadata), which {@code OnnxEmbedder} and every
   * command's {@code --model FILE.onnx} embed with.
   *
   * @param onnxModel the {@code .onnx} file
   * @return a builder with the defaults: the file's own weights, the preprocessing of its
   *     {@code FILE.onnx.json} sidecar or metadata (else {@link Preprocessing#imagenet()}), its
   *     classifier's input as the feature layer, nothing frozen, backbone rate 0.1 of the
   *     head's, {@link Augmentation#defaults()}
   */
  public static Builder builder(Path onnxModel) {
    return new Builder(Objects.requireNonNull(onnxModel, "onnxModel"));
  }

  /**
   * Fine-tunes on labelled image folders.
   *
   * @param train the training images (class names from {@link ImageFolder#classNames()})
   * @param validation images for early stopping and for choosing the epoch kept, or {@code null}
   *     to keep the last epoch
   * @return the network of the best epoch, its record and history
   * @throws EmbeddingException if the weights cannot be had
   * @throws IOException if a checkpoint cannot be written or read
   * @throws IllegalArgumentException for fewer than 2 classes, a layer the network does not
   *     have, or a checkpoint of another run (the messages name them)
   */
  public FineTuneResult fit(ImageFolder train, ImageFolder validation)
      throws EmbeddingException, IOException {
    Objects.requireNonNull(train, "train");
    List<String> classes = train.classNames();
    if (classes.size() < 2) {
      throw new IllegalArgumentException(train.root() + ": fine-tuning needs at least 2 class"
          + " folders, found " + classes);
    }
    if (validation != null && !validation.classNames().equals(classes)) {
      throw new IllegalArgumentException("validation classes " + validation.classNames()
          + " differ from the training classes " + classes);
    }
    int[] counts = warnSmallClasses(train, validation);
    Hyperparameters h = b.hyperparameters;
    Preprocessor format = b.format();
    int[] shape = format.shape();
    long start = System.nanoTime();

    Nd4j.getRandom().setSeed(h.seed());
    ComputationGraph base;
    String feature;
    if (b.onnx != null) {
      OnnxImport.Imported imported = OnnxImport.read(b.onnx, shape[1], shape[2]);
      if (imported.channels() != shape[0]) {
        throw new IllegalArgumentException(b.onnx + ": the model takes " + imported.channels()
            + " channels, the preprocessing gives " + shape[0]);
      }
      base = imported.network();
      feature = b.featureLayer != null ? b.featureLayer : imported.features();
    } else {
      Model loaded = b.model.network(b.weights, shape[1], shape[2], b.cacheDirectory);
      base = loaded instanceof MultiLayerNetwork m ? m.toComputationGraph()
          : (ComputationGraph) loaded;
      feature = b.featureLayer != null ? b.featureLayer : defaultFeatureLayer(base);
    }
    Built built = replaceHead(base, feature, h.classWeights().weights(counts), shape);
    ComputationGraph net = built.net();
    OneDnn.attachIfEnabled(net);

    String fingerprint = fingerprint(train, feature);
    Checkpoint.State state = null;
    if (b.checkpoint != null && b.resume && Files.isRegularFile(b.checkpoint)) {
      Checkpoint.Restored r = Checkpoint.read(b.checkpoint, fingerprint);
      net.close(); // the freshly built graph: the checkpoint's replaces it
      net = r.network();
      OneDnn.attachIfEnabled(net);
      state = r.state();
      b.listener.onProgress(new Progress("resumed after epoch " + state.epoch(), state.epoch(),
          h.epochs(), 0));
    } else if (b.resume && b.checkpoint != null) {
      LOG.info("no checkpoint at {}: starting from the first epoch", b.checkpoint);
    }
    if (state == null) {
      state = new Checkpoint.State(0, 0, Double.NEGATIVE_INFINITY, 0, List.of(), null);
    }

    List<ImageFolder.Entry> entries = train.entries();
    Map<Path, String> skipped = new ConcurrentHashMap<>();
    List<EpochRecord> history = new ArrayList<>(state.history());
    EarlyStopping stopping = EarlyStopping.resumeOnAccuracy(h.patience(), state.bestEpoch(),
        state.bestAccuracy(), state.sinceBest());
    INDArray bestParams = state.bestParams();
    boolean stoppedEarly = false;
    int steps = 0;
    for (int epoch = state.epoch() + 1; epoch <= h.epochs(); epoch++) {
      if (state.epoch() > 0 && stopping.exhausted()) {
        break; // the checkpoint was written by a run that stopped early
      }
      long epochStart = System.nanoTime();
      String task = "epoch " + epoch + "/" + h.epochs();
      // Dropout draws from ND4J's generator: seeded per epoch, a resumed run draws the same.
      Nd4j.getRandom().setSeed(FolderBatches.mix(h.seed(), epoch, -1));
      int[] order = shuffled(entries.size(), new SplittableRandom(FolderBatches.mix(h.seed(),
          epoch, -2)));
      double lossSum = 0;
      int seen = 0;
      try (FolderBatches batches = new FolderBatches(entries, order, h.batchSize(),
          classes.size(), format, b.decoder, b.augmentation, h.seed(), epoch, skipped,
          this::skip, b.prefetch)) {
        while (batches.hasNext()) {
          try (FolderBatches.Batch batch = batches.next()) {
            if (batch.size() == 0) {
              continue;
            }
            net.fit(new DataSet(batch.features(), batch.labels()));
            lossSum += net.score() * batch.size();
            seen += batch.size();
          }
          if (++steps % GC_EVERY_STEPS == 0) {
            Nd4j.getMemoryManager().invokeGc();
          }
          long done = Math.min(entries.size(), seen + skipped.size());
          b.listener.onProgress(new Progress(task, done, entries.size(),
              Math.min(done, skipped.size())));
        }
      }
      if (seen == 0) {
        throw new IllegalArgumentException(train.root() + ": no training image could be"
            + " decoded (" + skipped.size() + " skipped, e.g. " + skipped.entrySet().iterator()
            .next() + ")");
      }
      net.getConfiguration().setEpochCount(net.getConfiguration().getEpochCount() + 1);
      double accuracy = validation == null ? Double.NaN
          : accuracy(net, validation, classes.size(), format, skipped);
      double rate = h.learningRate() * h.schedule().multiplier(epoch - 1, h.epochs());
      history.add(new EpochRecord(epoch, lossSum / seen, accuracy, rate,
          (System.nanoTime() - epochStart) / 1e9));
      if (stopping.offer(epoch, accuracy, Double.NaN)) {
        if (bestParams != null) {
          bestParams.close();
        }
        bestParams = net.params().dup();
      }
      if (b.checkpoint != null) {
        Checkpoint.write(b.checkpoint, net, fingerprint, new Checkpoint.State(epoch,
            stopping.bestEpoch(), stopping.bestAccuracy(), stopping.epochsSinceBest(), history,
            bestParams));
      }
      if (epoch == b.haltAfterEpoch) {
        throw new Halted(epoch);
      }
      if (stopping.exhausted()) {
        stoppedEarly = epoch < h.epochs();
        break;
      }
    }
    if (bestParams != null) {
      net.setParams(bestParams);
    }
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("hyperparameters", h.summary());
    facts.put("epochs", String.valueOf(history.size()));
    facts.put("bestEpoch", String.valueOf(stopping.bestEpoch()));
    facts.put("validationAccuracy", String.valueOf(stopping.bestAccuracy()));
    facts.put("freezeUpTo", String.valueOf(b.freezeUpTo));
    facts.put("backboneLearningRateScale", String.valueOf(b.backboneScale));
    facts.put("augmentation", b.augmentation.toString());
    facts.put("trainImages", String.valueOf(entries.size() - skipped.size()));
    FineTunedModel record = null;
    FineTunedOnnx onnx = null;
    if (b.onnx != null) {
      onnx = new FineTunedOnnx(b.onnx.getFileName().toString(), onnxSha256(),
          (Preprocessing) format, feature, classes, facts);
    } else {
      record = new FineTunedModel(b.model, shape[1], shape[2], feature, classes, HEAD_LAYER,
          describe(b.weights), facts);
    }
    return new FineTuneResult(net, record, onnx, built.embedding(), history,
        stopping.bestEpoch(), stopping.bestAccuracy(), stoppedEarly,
        Map.copyOf(skipped), h, (System.nanoTime() - start) / 1e9);
  }

  private void skip(Path file, String why) {
    LOG.warn("skipped {}: {}", file, why);
    b.listener.onProgress(new Progress("skipped " + file + ": " + why, 1, -1, 1));
  }

  /** Refuses a class without training images, warns of one without validation images. */
  private int[] warnSmallClasses(ImageFolder train, ImageFolder validation) {
    int[] counts = new int[train.classNames().size()];
    for (int l : train.labels()) {
      counts[l]++;
    }
    for (int c = 0; c < counts.length; c++) {
      if (counts[c] == 0) {
        throw new IllegalArgumentException("class '" + train.classNames().get(c) + "' has no"
            + " training image (" + train.root().resolve(train.classNames().get(c))
            + "); add images to it, or remove the folder");
      }
    }
    if (validation != null) {
      int[] v = new int[counts.length];
      for (int l : validation.labels()) {
        v[l]++;
      }
      for (int c = 0; c < counts.length; c++) {
        if (v[c] == 0) {
          LOG.warn("class '{}' has no validation image ({} for training): its accuracy is not"
              + " measured", train.classNames().get(c), counts[c]);
        }
      }
    }
    return counts;
  }

  /**
   * The network with its classifier after {@code feature} replaced, and the vertex whose output
   * is the embedding (the pooling, or the feature layer when it gives vectors).
   */
  record Built(ComputationGraph net, int dimension, String embedding) {}

  /**
   * Replaces the classifier after {@code feature}: one output per class, each class's examples
   * weighing {@code classWeights[c]} in the cross-entropy (all 1: the plain loss).
   */
  Built replaceHead(ComputationGraph base, String feature, double[] classWeights,
      int[] shape) {
    int classes = classWeights.length;
    ComputationGraphConfiguration conf = base.getConfiguration();
    List<String> names = new ArrayList<>(conf.getVertices().keySet());
    if (!conf.getVertices().containsKey(feature)) {
      throw new IllegalArgumentException("no layer '" + feature + "' in " + b.name()
          + "; valid layers: " + conf.getTopologicalOrderStr());
    }
    Set<String> backbone = ancestors(conf, feature);
    if (b.freezeUpTo != null && !backbone.contains(b.freezeUpTo)) {
      throw new IllegalArgumentException(conf.getVertices().containsKey(b.freezeUpTo)
          ? "cannot freeze up to '" + b.freezeUpTo + "': it is not part of the backbone (it"
              + " comes after the feature layer '" + feature + "', and is replaced)"
          : "no layer '" + b.freezeUpTo + "' to freeze up to in " + b.name() + "; valid layers: "
              + conf.getTopologicalOrderStr());
    }
    InputType type = conf.clone().getLayerActivationTypes(InputType.convolutional(
        shape[1], shape[2], shape[0])).get(feature);
    boolean convolutional = type instanceof InputType.InputTypeConvolutional;
    int dimension = convolutional ? (int) ((InputType.InputTypeConvolutional) type).getChannels()
        : (int) ((InputType.InputTypeFeedForward) type).getSize();
    Hyperparameters h = b.hyperparameters;
    double backboneRate = h.learningRate() * b.backboneScale;
    FineTuneConfiguration tune = new FineTuneConfiguration.Builder().seed(h.seed())
        .updater(h.updater().create(backboneRate, h.schedule().toDl4j(backboneRate,
            h.epochs())))
        .l2(h.l2()).build();
    TransferLearning.GraphBuilder g = new TransferLearning.GraphBuilder(base)
        .fineTuneConfiguration(tune);
    if (b.freezeUpTo != null) {
      g.setFeatureExtractor(b.freezeUpTo);
    }
    for (String v : names) {
      if (!backbone.contains(v) && !conf.getNetworkInputs().contains(v)) {
        g.removeVertexAndConnections(v);
      }
    }
    String into = feature;
    if (convolutional) {
      g.addLayer(POOL_LAYER, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), feature);
      into = POOL_LAYER;
    }
    OutputLayer.Builder head = new OutputLayer.Builder(ClassWeights.crossEntropy(classWeights))
        .nIn(dimension).nOut(classes).activation(Activation.SOFTMAX)
        .weightInit(WeightInit.XAVIER).l2(h.l2())
        .updater(h.updater().create(h.learningRate(), h.schedule().toDl4j(h.learningRate(),
            h.epochs())));
    if (h.dropout() > 0) {
      head.dropOut(1 - h.dropout()); // DL4J takes the probability of keeping an input
    }
    g.addLayer(HEAD_LAYER, head.build(), into).setOutputs(HEAD_LAYER);
    Nd4j.getRandom().setSeed(h.seed());
    ComputationGraph net = g.build();
    if (net != base) {
      base.close();
    }
    return new Built(net, dimension, convolutional ? POOL_LAYER : feature);
  }

  /**
   * The feature layer of a network: the model's own embedding layer for a zoo graph built from
   * a seed, the one recorded in a file fine-tuned by this SDK, and otherwise the input of the
   * classifier (the first layer with parameters walking back from the output).
   */
  String defaultFeatureLayer(ComputationGraph net) throws IOException {
    if (b.weights instanceof Weights.Random) {
      return b.model.defaultLayer(false);
    }
    if (b.weights instanceof Weights.File f && f.path().toString().endsWith(".zip")) {
      FineTunedModel m = FineTunedModel.read(f.path());
      if (m != null) {
        return m.embeddingLayer();
      }
    }
    ComputationGraphConfiguration conf = net.getConfiguration();
    String v = conf.getNetworkOutputs().get(0);
    while (true) {
      List<String> in = conf.getVertexInputs().get(v);
      if (in == null || in.isEmpty()) {
        throw new IllegalArgumentException("cannot find the classifier of " + b.name()
            + ": name the feature layer; valid layers: " + conf.getTopologicalOrderStr());
      }
      if (conf.getVertices().get(v) instanceof LayerVertex lv
          && lv.getLayerConf().getLayer().initializer().numParams(lv.getLayerConf()) > 0) {
        return in.get(0);
      }
      v = in.get(0);
    }
  }

  private static Set<String> ancestors(ComputationGraphConfiguration conf, String layer) {
    Set<String> keep = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(layer));
    while (!todo.isEmpty()) {
      String v = todo.pop();
      if (keep.add(v) && conf.getVertexInputs().get(v) != null) {
        todo.addAll(conf.getVertexInputs().get(v));
      }
    }
    return keep;
  }

  private static int[] shuffled(int n, SplittableRandom r) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  private double accuracy(ComputationGraph net, ImageFolder validation, int classes,
      Preprocessor format, Map<Path, String> skipped) {
    int[][] counts = FolderBatches.rightPerClass(net, validation.entries(), classes, format,
        b.decoder, b.hyperparameters.batchSize(), skipped, this::skip, b.prefetch);
    return b.hyperparameters.classWeights().score(counts[0], counts[1]);
  }

  private String fingerprint(ImageFolder train, String feature) {
    Hyperparameters h = b.hyperparameters;
    int[] shape = b.format().shape();
    return String.join(";", b.onnx != null ? "onnx " + b.onnx.getFileName() : b.model.zooName(),
        b.onnx != null ? "sha256=" + onnxSha256() : describe(b.weights),
        shape[1] + "x" + shape[2], feature, String.valueOf(b.freezeUpTo),
        String.valueOf(b.backboneScale), b.augmentation.toString(), h.summary(),
        "epochs=" + h.epochs(), "patience=" + h.patience(), "seed=" + h.seed(),
        "images=" + train.size(), "classes=" + train.classNames());
  }

  private String onnxSha256() {
    try {
      return io.github.embeddings4j.core.onnx.OnnxEmbedder.sha256(b.onnx);
    } catch (IOException e) {
      return "unreadable";
    }
  }

  static String describe(Weights w) {
    if (w instanceof Weights.Pretrained p) {
      return p.set().name().toLowerCase(Locale.ROOT);
    }
    if (w instanceof Weights.Random r) {
      return "random seed=" + r.seed();
    }
    Path file = ((Weights.File) w).path();
    try {
      return "file sha256=" + io.github.embeddings4j.core.io.Checksums.sha256(file);
    } catch (IOException e) {
      return "file " + file;
    }
  }

  /** Thrown by the test hook that simulates a kill after an epoch's checkpoint. */
  static final class Halted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Halted(int epoch) {
      super("halted after epoch " + epoch);
    }
  }

  /** Collects a fine-tuner's settings. Not thread-safe. */
  public static final class Builder {
    private final ZooModel model;
    private final Path onnx;
    private Preprocessing preprocessing;
    private Weights weights;
    private int height;
    private int width;
    private String featureLayer;
    private String freezeUpTo;
    private double backboneScale = 0.1;
    private Hyperparameters hyperparameters = Hyperparameters.defaults();
    private Augmentation augmentation = Augmentation.defaults();
    private Path checkpoint;
    private boolean resume;
    private boolean prefetch = true;
    private Path cacheDirectory;
    private ImageDecoder decoder = ImageDecoder.defaults();
    private ProgressListener listener = ProgressListener.none();
    private int haltAfterEpoch = -1;

    private Builder(ZooModel model) {
      this.model = Objects.requireNonNull(model, "model");
      this.onnx = null;
      this.weights = model.pretrainedSets().contains(
          io.github.embeddings4j.core.zoo.PretrainedSet.IMAGENET) ? Weights.imagenet()
          : Weights.random(42);
    }

    private Builder(Path onnx) {
      this.model = null;
      this.onnx = onnx;
      this.weights = Weights.file(onnx);
    }

    /** The model's name for messages: the zoo name, or the ONNX file. */
    String name() {
      return onnx != null ? onnx.toString() : model.toString();
    }

    /**
     * How images become input, for a fine-tuner of an ONNX model (training images are augmented
     * before it: their random crop is resized and cropped by it). Default: the model's {@code
     * FILE.onnx.json} sidecar or the metadata of a file this SDK fine-tuned, else {@link
     * Preprocessing#imagenet()}.
     *
     * @param p the preprocessing (channels first)
     * @return this builder
     * @throws IllegalStateException for a fine-tuner of a zoo model, whose input format is the
     *     model's own
     */
    public Builder preprocessing(Preprocessing p) {
      if (onnx == null) {
        throw new IllegalStateException("a zoo model's input format is its own; preprocessing"
            + " is set for ONNX models (builder(Path))");
      }
      preprocessing = Objects.requireNonNull(p, "preprocessing");
      return this;
    }

    /**
     * Where the starting weights come from: ImageNet, a model file (for instance one this
     * fine-tuner saved), or random initialisation (training from scratch).
     *
     * @param v the weights
     * @return this builder
     */
    public Builder weights(Weights v) {
      Objects.requireNonNull(v, "weights");
      if (onnx != null) {
        throw new IllegalStateException("an ONNX model starts from its own weights: " + onnx);
      }
      weights = v;
      return this;
    }

    /**
     * Trains at another input size than the model's standard one (e.g. 64 x 64 for small
     * photos); graphs that end in dense layers (VGG) take only their own size.
     *
     * @param h the input height
     * @param w the input width
     * @return this builder
     */
    public Builder inputSize(int h, int w) {
      if (h < 1 || w < 1) {
        throw new IllegalArgumentException("input size must be positive: " + h + "x" + w);
      }
      height = h;
      width = w;
      return this;
    }

    /**
     * The layer whose pooled activations feed the new classifier and become the embedding.
     * Default: the model's embedding layer for random weights, otherwise the input of the
     * network's classifier.
     *
     * @param layer a layer name
     * @return this builder
     */
    public Builder featureLayer(String layer) {
      featureLayer = layer;
      return this;
    }

    /**
     * Freezes this layer and every layer it depends on (their weights do not change).
     *
     * @param layer a layer of the backbone, or {@code null} (the default) to train all
     * @return this builder
     */
    public Builder freezeUpTo(String layer) {
      freezeUpTo = layer;
      return this;
    }

    /**
     * The backbone's learning rate as a share of the head's ({@link
     * Hyperparameters#learningRate()}). Default 0.1; 1 for training from scratch.
     *
     * @param v a positive factor, usually in {@code (0, 1]}
     * @return this builder
     */
    public Builder backboneLearningRateScale(double v) {
      if (!(v > 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("backbone learning-rate scale must be positive: "
            + v);
      }
      backboneScale = v;
      return this;
    }

    /**
     * The training settings (updater, rate, batch size, epochs, patience, L2, head dropout,
     * seed).
     *
     * @param v the hyperparameters
     * @return this builder
     */
    public Builder hyperparameters(Hyperparameters v) {
      hyperparameters = Objects.requireNonNull(v, "hyperparameters");
      return this;
    }

    /**
     * The augmentation of training images. Default {@link Augmentation#defaults()}.
     *
     * @param v the augmentation
     * @return this builder
     */
    public Builder augmentation(Augmentation v) {
      augmentation = Objects.requireNonNull(v, "augmentation");
      return this;
    }

    /**
     * Where to write a checkpoint after every epoch (one file, replaced atomically; deleted
     * by nobody: remove it once the model is saved). Default: none.
     *
     * @param file the checkpoint file
     * @return this builder
     */
    public Builder checkpoint(Path file) {
      checkpoint = file;
      return this;
    }

    /**
     * Whether to continue from the checkpoint when it exists; it must come from a run with the
     * same model, weights, data and settings (else {@link #fit} refuses, naming what differs).
     *
     * @param v whether to resume
     * @return this builder
     */
    public Builder resume(boolean v) {
      resume = v;
      return this;
    }

    /**
     * Whether the next batch is decoded on a background thread while the network trains on
     * this one. Default {@code true}.
     *
     * @param v whether to prefetch
     * @return this builder
     */
    public Builder prefetch(boolean v) {
      prefetch = v;
      return this;
    }

    /**
     * The zoo's cache base folder for ImageNet weights. Default: DL4J's.
     *
     * @param v the folder
     * @return this builder
     */
    public Builder cacheDirectory(Path v) {
      cacheDirectory = v;
      return this;
    }

    /**
     * The decoder (size limits) for the images. Default {@link ImageDecoder#defaults()}.
     *
     * @param v the decoder
     * @return this builder
     */
    public Builder decoder(ImageDecoder v) {
      decoder = Objects.requireNonNull(v, "decoder");
      return this;
    }

    /**
     * Who hears about progress, and about each image skipped because it cannot be decoded.
     *
     * @param v the listener
     * @return this builder
     */
    public Builder listener(ProgressListener v) {
      listener = Objects.requireNonNull(v, "listener");
      return this;
    }

    /** Who hears about progress, for a search that runs this builder's copies. */
    ProgressListener listener() {
      return listener;
    }

    /** For tests: stop (as if killed) right after this epoch's checkpoint. */
    Builder haltAfterEpoch(int epoch) {
      haltAfterEpoch = epoch;
      return this;
    }

    /** A copy, so that a built fine-tuner does not change with this builder. */
    Builder copy() {
      Builder c = onnx != null ? new Builder(onnx) : new Builder(model);
      c.preprocessing = preprocessing;
      c.weights = weights;
      c.height = height;
      c.width = width;
      c.featureLayer = featureLayer;
      c.freezeUpTo = freezeUpTo;
      c.backboneScale = backboneScale;
      c.hyperparameters = hyperparameters;
      c.augmentation = augmentation;
      c.checkpoint = checkpoint;
      c.resume = resume;
      c.prefetch = prefetch;
      c.cacheDirectory = cacheDirectory;
      c.decoder = decoder;
      c.listener = listener;
      c.haltAfterEpoch = haltAfterEpoch;
      return c;
    }

    Hyperparameters hyperparameters() {
      return hyperparameters;
    }

    /** The shape of the ONNX model's first input, or null when it cannot be read. */
    private long[] exportedInput() {
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(onnx)) {
        var info = io.github.embeddings4j.core.onnx.OnnxModelInfo.parse(ch.map(
            java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, Math.min(ch.size(),
                Integer.MAX_VALUE)));
        return info.inputs().isEmpty() ? null : info.inputs().get(0).shape();
      } catch (IOException | IllegalArgumentException e) {
        return null; // the import reports an unreadable file, naming it
      }
    }

    /** The network's input: the zoo model's format, or the ONNX model's preprocessing. */
    Preprocessor format() {
      if (onnx == null) {
        return height > 0 ? model.inputFormat().withSize(height, width) : model.inputFormat();
      }
      Preprocessing p = preprocessing;
      int h = height;
      int w = width;
      if (p == null) {
        try {
          java.util.Optional<Preprocessing> recorded =
              io.github.embeddings4j.core.onnx.OnnxEmbedder.recordedPreprocessing(onnx);
          p = recorded.orElse(Preprocessing.imagenet());
          if (recorded.isEmpty() && h == 0) {
            // No record: the preset at the size the export fixed, if it fixed one.
            long[] dims = exportedInput();
            int[] size = dims == null ? null : OnnxImport.fixedSize(dims);
            if (size != null) {
              h = size[0];
              w = size[1];
            }
          }
        } catch (io.github.embeddings4j.api.EmbeddingException e) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
      }
      if (h > 0 && (h != p.height() || w != p.width())) {
        // The resize keeps its proportion to the crop (256 for 224).
        int resize = (int) Math.round(p.resize() * (double) Math.min(h, w)
            / Math.min(p.height(), p.width()));
        p = p.toBuilder().size(h, w).resize(resize).build();
      }
      // The imported graph, and the file it is saved to, take [N, C, H, W] whatever the
      // file's own layout: the same pixels, channels first.
      return p.channelsLast() ? p.toBuilder().channelsLast(false).build() : p;
    }

    /**
     * Makes the fine-tuner.
     *
     * @return the fine-tuner
     * @throws IllegalArgumentException for random weights on a model the zoo cannot initialise
     */
    public ZooFineTuner build() {
      if (onnx != null) {
        if (!java.nio.file.Files.isRegularFile(onnx)) {
          throw new IllegalArgumentException(onnx + ": no such ONNX model file");
        }
        return new ZooFineTuner(this);
      }
      if (weights instanceof Weights.Random && !model.supportsRandomInit()) {
        throw new IllegalArgumentException(model + " cannot be randomly initialised in DL4J"
            + " 1.0.0-M2.1; start from its pretrained weights");
      }
      return new ZooFineTuner(this);
    }
  }
}
