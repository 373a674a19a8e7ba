package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.api.Embedder;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.backend.OneDnn;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.ImageFiles;
import io.github.embeddings4j.core.image.InputFormat;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.Consumer;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Embedder} on a convolutional network of the Deeplearning4j model zoo: the image is
 * decoded and validated ({@link ImageDecoder}), resized and centre-cropped into the model's input
 * ({@link InputFormat}), run through the network up to the embedding layer, pooled globally
 * ({@link Pooling}) and, by default, L2-normalised.
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
 * <p><b>Batches.</b> Whatever the size of the list given to {@link #embedBatch(List)}, the
 * network runs on a bounded number of images at a time: on CPUs throughput is not monotonic in
 * the batch size, and memory stays bounded. By default the embedder finds the fastest size
 * itself, between 1 and {@value #DEFAULT_NETWORK_BATCH}: its first forward passes try 1, 2, 4,
 * 8 and 16 images (real work, not extra), then it keeps the size with the most images per
 * second ({@link #networkBatchSize()}); {@link Builder#networkBatchSize(int)} fixes a size
 * instead. On the oneDNN graph executor (the default on the CPU) an image's vector does not
 * depend on the batch it runs in, bit for bit, whatever the size (docs/models.md); DL4J's own
 * forward pass ({@code oneDnnGraph(false)}, and on the CUDA backend) can differ in the last bits
 * with the images that share its pass: fix the size there where runs must agree bit for bit. An
 * image that fails becomes an {@link EmbeddingResult.Failure}; the others are embedded. {@link
 * #embedEach} streams a long sequence or a folder tree through in batches.
 *
 * <p><b>Threads.</b> A DL4J network is not safe for concurrent inference, so the embedder keeps a
 * small pool of copies of the network (up to {@link Builder#concurrency(int)}, created when
 * needed): concurrent callers each get a copy, give the same vectors as serial use, and wait only
 * when every copy is busy. One call also uses several copies at once: its images are shared
 * among up to {@code min(concurrency, processors)} network batches run side by side (on 2 cores
 * ResNet50 and SqueezeNet embedded 1.1 to 1.5 times as many images per second as with one batch
 * at a time). Decoding and resizing run on all cores, outside the pool.
 *
 * <p><b>Speed.</b> A network made of what oneDNN runs (convolutions, separable convolutions,
 * batch norms, dense layers, poolings, activations, residual additions, concatenations: every
 * zoo model, graph or layer stack) is compiled into oneDNN primitives that
 * keep the activations in oneDNN's blocked layout, with activations, batch norms and residual
 * additions fused into the convolutions ({@link Builder#oneDnnGraph(boolean)}; at batch 16
 * ResNet50 ran 2&ndash;3.4 times DL4J's forward pass, VGG16 1.6 times, Xception 33 times,
 * docs/models.md).
 * The compiled graph is checked against DL4J's forward pass on one image when the embedder is
 * built; other networks run on DL4J's. Building the first embedder also chooses the ND4J native
 * build for the CPU ({@link NativeFlavour}) and, on a oneDNN build, switches on DL4J's oneDNN
 * layer helpers ({@link OneDnn}) for the networks DL4J runs. Both need to happen before ND4J is
 * first used in the JVM.
 */
public final class ZooEmbedder implements Embedder {

  /** The largest number of images per forward pass the automatic choice tries. */
  public static final int DEFAULT_NETWORK_BATCH = 16;

  private static final Logger LOG = LoggerFactory.getLogger(ZooEmbedder.class);

  static {
    // Must precede the first use of ND4J in this JVM: JavaCPP reads the flavour once.
    NativeFlavour.select();
  }

  private final ZooModel model;
  private final Weights weights;
  private final String layer;
  private final int dimension;
  private final InputFormat format;
  private final Pooling pooling;
  private final boolean normalize;
  private final ImageDecoder decoder;
  private final int networkBatch;
  /** Whether the network takes {@code [n, h, w, c]} images (Keras channels-last imports). */
  private final boolean channelsLast;
  /** Chooses the batch size from measured passes; null when the size was fixed. */
  private final BatchTuner tuner;
  private final int concurrency;
  private final boolean oneDnnHelpers;
  private final Model prototype;
  /**
   * The network compiled for oneDNN, or null where DL4J's own forward pass runs (the graph has
   * a layer the executor does not know, the option is off, or it did not match DL4J).
   */
  private final DnnlGraph graph;
  /** The compiled graph's output per image: channels and positions. */
  private final int graphChannels;
  private final int graphPositions;
  /** Idle network copies: DL4J models, or {@link DnnlGraph.Runner}s of {@link #graph}. */
  private final LinkedBlockingDeque<Object> idle = new LinkedBlockingDeque<>();
  private final List<String> layerNames;
  private int created;
  private volatile boolean closed;

  private ZooEmbedder(Builder b, Model loaded) {
    this.model = b.model;
    this.weights = b.weights;
    this.format = b.format();
    this.pooling = b.pooling;
    this.normalize = b.normalize;
    this.decoder = b.decoder;
    this.networkBatch = b.networkBatch;
    this.tuner = b.batchFixed ? null : new BatchTuner(b.model + " embedder", b.networkBatch);
    this.concurrency = b.concurrency;
    this.oneDnnHelpers = b.oneDnnHelpers;
    this.layerNames = List.copyOf(FeatureNet.layerNames(loaded));
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
    this.layer = chosen;
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
    this.prototype = cut;
    // Read once: every copy of the network shares the prototype's configuration.
    this.channelsLast = FeatureNet.channelsLast(cut);
    int attached = b.oneDnnHelpers ? OneDnn.attachIfEnabled(prototype) : 0;
    FusedAdd.apply(prototype);
    int inferred = FeatureNet.dimension(prototype, chosen, format);
    if (inferred < 1) {
      // Shape inference does not know every vertex: one forward pass on a blank image does.
      INDArray out = FeatureNet.forward(prototype,
          Nd4j.zeros(1, format.channels(), format.height(), format.width()));
      inferred = FeatureNet.pool(out, pooling, false)[0].length;
    }
    this.dimension = inferred;
    this.created = 1;
    DnnlGraph.Runner first = b.oneDnnGraph && !channelsLast ? compile(prototype) : null;
    this.graph = first == null ? null : first.graph();
    if (first != null) {
      long[] out = graph.outputShape();
      this.graphChannels = (int) out[0];
      this.graphPositions = (int) (out[1] * out[2]);
      idle.add(first);
      // The compiled graph holds its own weights: DL4J's copy (ResNet50 100 MB, VGG16 550 MB
      // outside the heap) is not needed any more. The configuration stays readable.
      prototype.close();
    } else {
      this.graphChannels = 0;
      this.graphPositions = 0;
      idle.add(prototype);
    }
    LOG.info("{} embedder: {}, layer '{}', dimension {}, input {}x{} {}, {}", model,
        describe(weights), layer, dimension, format.height(), format.width(),
        format.colorOrder(), graph != null ? "oneDNN graph executor (" + graph.operations()
            + " operations, " + graph.fusedAdditions() + " residual additions fused)"
            : "DL4J forward pass, oneDNN helpers on " + attached + " layers");
  }

  /**
   * Compiles the network for oneDNN and checks it against DL4J's forward pass on one
   * pseudo-random image (a graph that compiles but computes something else is not used).
   *
   * @return a runner of the compiled graph, or null to keep DL4J's forward pass
   */
  private DnnlGraph.Runner compile(Model g) {
    DnnlGraph compiled;
    try {
      compiled = g instanceof ComputationGraph graph ? DnnlGraph.compile(graph, format)
          : DnnlGraph.compile((MultiLayerNetwork) g, format);
    } catch (DnnlGraph.Unsupported e) {
      LOG.info("{}: DL4J's forward pass ({})", model, e.getMessage());
      return null;
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("{}: oneDNN graph executor unavailable ({}); DL4J's forward pass", model,
          e.toString());
      return null;
    }
    DnnlGraph.Runner runner = null;
    try {
      runner = compiled.new Runner();
      float[] image = new float[format.size()];
      java.util.Random random = new java.util.Random(20261129L);
      for (int i = 0; i < image.length; i++) {
        image[i] = (float) (random.nextGaussian() * 60);
      }
      float[] expected = FeatureNet.forward(g, Nd4j.create(image, new long[] {1,
          format.channels(), format.height(), format.width()}), false).dup('c').data().asFloat();
      float[] actual = runner.forward(image, 1);
      double error = DnnlGraph.relativeError(actual, expected);
      if (!(error <= DnnlGraph.TOLERANCE)) {
        LOG.warn("{}: the oneDNN graph executor differs from DL4J by {} (relative, more than {});"
            + " DL4J's forward pass", model, error, DnnlGraph.TOLERANCE);
        runner.close();
        compiled.close();
        return null;
      }
      return runner;
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("{}: oneDNN graph executor failed ({}); DL4J's forward pass", model, e.toString());
      if (runner != null) {
        runner.close();
      }
      compiled.close();
      return null;
    }
  }

  /**
   * Whether embedders in this JVM compile their networks for oneDNN by default, for reports:
   * {@code "on (oneDNN 2.5.2, avx512_core)"} (the library's version and the instruction set its
   * kernels use here), {@code "off (...)"} or {@code "unavailable (...)"} with the reason. A
   * network the executor does not know still runs on DL4J's forward pass.
   *
   * @return one line
   */
  public static String oneDnnGraphStatus() {
    return DnnlGraph.status();
  }

  /**
   * Whether the network runs on the oneDNN graph executor rather than DL4J's forward pass (see
   * {@link Builder#oneDnnGraph(boolean)}).
   *
   * @return {@code true} when the compiled graph runs the images
   */
  public boolean usesOneDnnGraph() {
    return graph != null;
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

  @Override
  public int dimension() {
    return dimension;
  }

  /**
   * The images per forward pass: the size fixed by {@link Builder#networkBatchSize(int)}, or the
   * one the automatic choice settled on. When calls share their images among several network
   * copies, a pass holds at most a copy's share (16 images on two copies: 8 each), so a choice
   * made among the sizes such calls allow can stay open: then the best size measured so far.
   *
   * @return the size, or -1 while the automatic choice has measured no size yet
   */
  public int networkBatchSize() {
    return tuner == null ? networkBatch : tuner.current();
  }

  /**
   * The most copies of the network this embedder uses ({@link Builder#concurrency(int)}); one
   * call runs up to {@code min(concurrency, processors)} network batches side by side.
   *
   * @return the number of copies allowed
   */
  public int concurrency() {
    return concurrency;
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
   * freed when the compiled graph runs the images ({@link #usesOneDnnGraph()}).
   */
  Model prototypeForMeasurement() {
    return prototype;
  }

  @Override
  public List<EmbeddingResult> embedBatch(List<? extends ImageSource> images) {
    Objects.requireNonNull(images, "images");
    for (ImageSource s : images) {
      Objects.requireNonNull(s, "images contains null");
    }
    ensureOpen();
    int n = images.size();
    EmbeddingResult[] results = new EmbeddingResult[n];
    // With several copies of the network and cores to run them, the images are shared among
    // up to that many network batches at once (16 images on 2 copies: two batches of 8 side by
    // side): one forward pass leaves cores idle in its many small operations and in DL4J's own
    // Java work between them, which the other fills. On 2 cores, 16 images per call, alternated
    // in one JVM: ResNet50 1.07x and 1.51x (medians of paired ratios in two runs), SqueezeNet
    // 1.26x (docs/models.md (G)).
    int streams = Math.min(concurrency, Decoding.THREADS);
    int share = Math.max(1, streams > 1 ? (n + streams - 1) / streams : n);
    // Each network batch's size is asked for when it starts, so that the batch-size trials
    // (BatchTuner) see the passes measured before it.
    int[] next = {0};
    java.util.function.Supplier<int[]> claim = () -> {
      synchronized (next) {
        int from = next[0];
        if (from >= n) {
          return null;
        }
        int size = tuner == null ? Math.min(networkBatch, share) : tuner.next(share);
        next[0] = Math.min(n, from + size);
        return new int[] {from, next[0]};
      }
    };
    Decoding.forEach(streams > 1 && n > share ? streams : 1, worker -> {
      for (int[] c; (c = claim.get()) != null; ) {
        embedChunk(images.subList(c[0], c[1]), results, c[0]);
      }
    });
    List<EmbeddingResult> all = List.of(results);
    AlikeVectors.warnIfAllAlike(this, all);
    return all;
  }

  /** Decodes one network batch, runs it, and fills in the results. */
  private void embedChunk(List<? extends ImageSource> chunk, EmbeddingResult[] results, int at) {
    int size = format.size();
    int m = chunk.size();
    float[] input = new float[m * size];
    boolean[] ok = new boolean[m];
    Decoding.forEach(m, i -> ok[i] = prepare(chunk.get(i), input, i * size, results, at + i));
    // Move the images that decoded next to each other, in order.
    int[] slot = new int[m];
    int n = 0;
    for (int i = 0; i < m; i++) {
      if (ok[i]) {
        if (n != i) {
          System.arraycopy(input, i * size, input, n * size, size);
        }
        slot[n++] = i;
      }
    }
    if (n == 0) {
      return;
    }
    float[][] vectors;
    try {
      vectors = run(n == m ? input : Arrays.copyOf(input, n * size), n);
    } catch (RuntimeException e) {
      for (int k = 0; k < n; k++) {
        String name = chunk.get(slot[k]).name();
        results[at + slot[k]] = new EmbeddingResult.Failure(name,
            new EmbeddingException(name, "network failed on its batch: " + e, e));
      }
      return;
    }
    for (int k = 0; k < n; k++) {
      results[at + slot[k]] = new EmbeddingResult.Success(chunk.get(slot[k]).name(), vectors[k]);
    }
  }

  /**
   * Decodes, resizes and crops one image into {@code input} at {@code offset}; on failure
   * records it in {@code results[index]}.
   *
   * @return whether the image is in {@code input}
   */
  private boolean prepare(ImageSource source, float[] input, int offset,
      EmbeddingResult[] results, int index) {
    try {
      BufferedImage image = decoder.decode(source);
      format.write(image, input, offset);
      return true;
    } catch (EmbeddingException e) {
      results[index] = new EmbeddingResult.Failure(source.name(), e);
    } catch (RuntimeException | OutOfMemoryError e) {
      results[index] = new EmbeddingResult.Failure(source.name(),
          new EmbeddingException(source.name(), "cannot decode: " + e, e));
    }
    return false;
  }

  /** Runs {@code n} prepared images through one copy of the network. */
  private float[][] run(float[] input, int n) {
    Object net = acquire();
    INDArray batch = null;
    try {
      long start = System.nanoTime();
      float[][] vectors;
      if (net instanceof DnnlGraph.Runner runner) {
        vectors = FeatureNet.pool(runner.forward(input, n), n, graphChannels, graphPositions,
            pooling, normalize);
      } else {
        batch = Nd4j.create(input, new long[] {n, format.channels(), format.height(),
            format.width()});
        vectors = FeatureNet.pool(FeatureNet.forward((Model) net, batch, channelsLast), pooling,
            normalize);
      }
      if (tuner != null) {
        tuner.record(n, System.nanoTime() - start);
      }
      return vectors;
    } finally {
      release(net);
      if (batch != null) {
        batch.close();
      }
    }
  }

  private Object acquire() {
    Object net = idle.pollFirst();
    if (net != null) {
      return net;
    }
    boolean make;
    synchronized (this) {
      make = created < concurrency;
      if (make) {
        created++;
      }
    }
    if (make && graph != null) {
      // Runners share the compiled graph's weights; each has its own activation buffers.
      return graph.new Runner();
    }
    if (make) {
      // Cloning only reads the prototype's parameters, which inference never writes.
      Model copy = prototype instanceof ComputationGraph g ? g.clone()
          : ((MultiLayerNetwork) prototype).clone();
      if (oneDnnHelpers) {
        OneDnn.attachIfEnabled(copy);
      }
      // Clones rebuild their vertices from the configuration: replace the additions again.
      FusedAdd.apply(copy);
      return copy;
    }
    try {
      // Wait for a copy, but not forever: close() does not hand copies back, so a caller still
      // waiting when it comes would otherwise block for good.
      while (true) {
        Object waited = idle.pollFirst(50, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (waited != null) {
          return waited;
        }
        if (closed) {
          throw new IllegalStateException("embedder was closed while this call waited for a"
              + " free network copy");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a free network copy", e);
    }
  }

  private void release(Object net) {
    if (closed) {
      closeCopy(net);
    } else {
      idle.addFirst(net);
    }
  }

  /**
   * Embeds a sequence of images of any length in network-sized batches, handing each result to
   * {@code sink} as soon as its batch is done: never more than one batch of images is held.
   * Failures are results too (and are also reported to the listener); the rest complete.
   *
   * @param images the images; read lazily, in order
   * @param sink receives one result per image, in input order
   * @param listener receives failures and a progress report after each batch
   * @return the number of images that failed
   */
  public long embedEach(Iterable<? extends ImageSource> images,
      Consumer<? super EmbeddingResult> sink, ProgressListener listener) {
    Objects.requireNonNull(sink, "sink");
    ProgressListener progress = listener == null ? ProgressListener.none() : listener;
    long total = images instanceof Collection<?> c ? c.size() : -1;
    long done = 0;
    long failed = 0;
    List<ImageSource> chunk = new ArrayList<>(networkBatch);
    var it = images.iterator();
    while (it.hasNext() || !chunk.isEmpty()) {
      if (it.hasNext()) {
        chunk.add(it.next());
        if (chunk.size() < networkBatch && it.hasNext()) {
          continue;
        }
      }
      for (EmbeddingResult r : embedBatch(chunk)) {
        if (r instanceof EmbeddingResult.Failure f) {
          failed++;
          notify(() -> progress.onFailure(f.error()));
        }
        sink.accept(r);
      }
      done += chunk.size();
      chunk.clear();
      Progress p = new Progress("embed", done, total, failed);
      notify(() -> progress.onProgress(p));
    }
    return failed;
  }

  /**
   * Embeds every image under a folder ({@link ImageFiles#list(Path)}: recursive, sorted), as
   * {@link #embedEach}.
   *
   * @param folder the folder
   * @param sink receives one result per image file, in order, named by its path relative to
   *     {@code folder} with {@code /} between names ({@code "cats/tom.jpg"}), as the ids of the
   *     command-line tool's {@code embed}; the listener's failures name the full path
   * @param listener receives failures and progress
   * @return the number of images that failed
   * @throws IOException if the folder cannot be listed
   */
  public long embedFolder(Path folder, Consumer<? super EmbeddingResult> sink,
      ProgressListener listener) throws IOException {
    List<Path> files = ImageFiles.list(folder);
    List<ImageSource> sources = new ArrayList<>(files.size());
    for (Path p : files) {
      sources.add(ImageSource.of(p));
    }
    int[] next = {0};
    return embedEach(sources, result -> {
      String id = folder.relativize(files.get(next[0]++)).toString().replace('\\', '/');
      sink.accept(result instanceof EmbeddingResult.Success ok
          ? new EmbeddingResult.Success(id, ok.vector())
          : new EmbeddingResult.Failure(id, ((EmbeddingResult.Failure) result).error()));
    }, listener);
  }

  private static void notify(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.warn("progress listener failed; continuing", e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("embedder is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Object net;
    while ((net = idle.pollFirst()) != null) {
      closeCopy(net);
    }
    if (graph != null) {
      // Its weights go when the last runner does: runners still busy close on release.
      graph.close();
    }
  }

  private static void closeCopy(Object net) {
    if (net instanceof DnnlGraph.Runner runner) {
      runner.close();
    } else {
      ((Model) net).close();
    }
  }

  @Override
  public String toString() {
    return "ZooEmbedder[" + model + ", " + describe(weights) + ", layer=" + layer + ", dimension="
        + dimension + ", pooling=" + pooling + ", normalize=" + normalize + "]";
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
    private boolean oneDnnGraph = DnnlGraph.enabled();

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
     * Whether to run the network on the oneDNN graph executor where it can: its convolutions,
     * batch norms, dense layers, poolings, activations, residual additions and concatenations
     * compiled into oneDNN primitives that keep activations in oneDNN's blocked layout, with
     * each activation, batch norm and residual addition fused into the convolution before it
     * (ResNet50 at batch 16: 2-3.4x DL4J's forward pass, docs/models.md). The embedder checks
     * the compiled graph against DL4J's forward pass on one image when it is built, then frees
     * DL4J's copy of the parameters; it uses DL4J's forward pass for networks the executor does
     * not know (Keras channels-last imports, layers other than those listed).
     * Vectors agree with DL4J's within float rounding (1e-4 relative here), not bit for bit.
     * Default {@code true} unless the system property {@code embeddings4j.oneDnnGraph} is
     * {@code false}.
     *
     * @param on {@code false} for DL4J's own forward pass
     * @return this builder
     */
    public Builder oneDnnGraph(boolean on) {
      this.oneDnnGraph = on;
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
      return new ZooEmbedder(this, loaded);
    }
  }
}
