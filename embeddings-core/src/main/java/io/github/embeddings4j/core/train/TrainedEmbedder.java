package io.github.embeddings4j.core.train;

import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.backend.OneDnn;
import io.github.embeddings4j.api.Embedder;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.io.SdkFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained network that maps small grayscale images to embeddings: the activations of its
 * embedding layer (the dense layer before the softmax), computed in inference mode, pixels
 * scaled to {@code [0, 1]} by dividing by 255. Grayscale images are repeated across channels for
 * networks that take more than one.
 *
 * <pre>{@code
 * TrainedEmbedder e = TrainedEmbedder.load(Path.of("fmnist-cnn.zip"));
 * float[][] vectors = e.embed(testImages);
 * }</pre>
 *
 * <p>The saved file is a DL4J {@link ModelSerializer} zip, readable by DL4J itself and by the
 * zoo embedder, with one more entry, {@value #METADATA_ENTRY}, that records the input shape, the
 * embedding layer ({@link #embeddingLayer()}) and its position among the layers ({@link
 * #embeddingLayerIndex()}).
 *
 * <p>As an {@link Embedder} it takes any {@link ImageSource}: the image is converted to
 * grayscale and resized (bilinear) to the network's input size first.
 *
 * <p>Methods are synchronized: DL4J networks are not safe for concurrent use, so concurrent
 * callers wait for each other and get the same vectors as serial calls.
 */
public final class TrainedEmbedder implements Embedder {

  static {
    // Choose the fastest native ND4J build before anything here touches ND4J.
    NativeFlavour.select();
  }

  /** The zip entry holding this SDK's metadata in a saved model. */
  public static final String METADATA_ENTRY = "embeddings4j.properties";

  private static final int BATCH = 256;

  private final Network net;
  private final int height;
  private final int width;
  private final int channels;
  private final String embeddingLayer;
  private final int dimension;
  private static final int GC_EVERY_BATCHES = 32;
  private volatile boolean closed;
  private volatile io.github.embeddings4j.core.image.ImageDecoder decoder =
      io.github.embeddings4j.core.image.ImageDecoder.defaults();

  TrainedEmbedder(Network net, int height, int width, int channels, String embeddingLayer) {
    if (height <= 0 || width <= 0 || channels <= 0) {
      throw new IllegalArgumentException("input shape must be positive: " + channels + "x"
          + height + "x" + width);
    }
    this.net = net;
    // oneDNN layer helpers for training and embedding alike, so that a trained network and the
    // same network reloaded from its file run the same code and embed identically. (With
    // helpers, training once grew native memory to 24 GB: the training loop now closes each
    // batch's arrays and has ND4J collect every 32 steps, which keeps it flat.)
    OneDnn.attachIfEnabled(net.model());
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.embeddingLayer = Objects.requireNonNull(embeddingLayer, "embeddingLayer");
    if (!net.layerNames().contains(embeddingLayer)) {
      throw Network.unknownLayer(embeddingLayer, net.layerNames());
    }
    this.dimension = (int) net.activations(
        Nd4j.zeros(DataType.FLOAT, 1, channels, height, width), embeddingLayer).size(1);
  }

  /**
   * Wraps a DL4J network that takes {@code channels x height x width} images.
   *
   * @param network a {@link MultiLayerNetwork} or {@link ComputationGraph} ending in a softmax
   *     classifier; used, not copied
   * @param height input rows
   * @param width input columns
   * @param channels input channels
   * @param embeddingLayer the name of the layer whose activations are the embedding
   * @return the embedder
   * @throws IllegalArgumentException if the layer does not exist (the message lists the layers)
   *     or the shape is not positive
   */
  public static TrainedEmbedder of(Model network, int height, int width, int channels,
      String embeddingLayer) {
    return new TrainedEmbedder(Network.of(network), height, width, channels, embeddingLayer);
  }

  /**
   * Sets the decoder images go through (size limits, EXIF orientation); the default is {@link
   * io.github.embeddings4j.core.image.ImageDecoder#defaults()}. Set it before embedding: it
   * changes the vectors of photos with an orientation tag, and so the description.
   *
   * @param d the decoder
   * @return this embedder
   */
  public TrainedEmbedder decoder(io.github.embeddings4j.core.image.ImageDecoder d) {
    this.decoder = Objects.requireNonNull(d, "decoder");
    return this;
  }

  /**
   * Loads a model saved by {@link #save(Path)}.
   *
   * @param file the model file
   * @return the embedder
   * @throws NoSuchFileException if the file does not exist
   * @throws IOException if it cannot be read, is not a DL4J model, or lacks this SDK's metadata
   *     (use {@link #load(Path, int, int, int, String)} for other DL4J files)
   */
  public static TrainedEmbedder load(Path file) throws IOException {
    Properties p = readMetadata(file);
    if (p == null) {
      throw new IOException(file + ": no " + METADATA_ENTRY
          + " entry; for a DL4J model saved elsewhere give the input shape and embedding layer");
    }
    try {
      return load(file, Integer.parseInt(p.getProperty("input.height")),
          Integer.parseInt(p.getProperty("input.width")),
          Integer.parseInt(p.getProperty("input.channels")), p.getProperty("embedding.layer"));
    } catch (NumberFormatException | NullPointerException e) {
      throw new IOException(file + ": damaged " + METADATA_ENTRY + ": " + p, e);
    }
  }

  /**
   * Loads any DL4J {@link ModelSerializer} file (a multi-layer network or a computation graph).
   *
   * @param file the model file
   * @param height input rows
   * @param width input columns
   * @param channels input channels
   * @param embeddingLayer the layer whose activations are the embedding
   * @return the embedder
   * @throws NoSuchFileException if the file does not exist
   * @throws IOException if it cannot be read or is not a DL4J model; the message names it
   * @throws IllegalArgumentException if the layer does not exist
   */
  public static TrainedEmbedder load(Path file, int height, int width, int channels,
      String embeddingLayer) throws IOException {
    return of(readModel(file), height, width, channels, embeddingLayer);
  }

  /** Reads the network of a ModelSerializer file, whichever kind it is. */
  static Model readModel(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "model file not found");
    }
    verifyEntries(file);
    String config;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry entry = zip.getEntry("configuration.json");
      if (entry == null) {
        throw new IOException(file + ": not a DL4J model (no configuration.json entry)");
      }
      config = new String(zip.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.util.zip.ZipException e) {
      throw new IOException(file + ": not a DL4J model (not a zip file: " + e.getMessage() + ")",
          e);
    }
    try {
      // A graph's configuration lists vertices; a multi-layer network's does not.
      return config.contains("\"vertices\"")
          ? ModelSerializer.restoreComputationGraph(file.toFile(), false)
          : ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": damaged DL4J model: " + e.getMessage(), e);
    }
  }

  /**
   * Reads every entry of the zip once and checks it against the CRC-32 and size the zip records
   * for it. {@link ZipFile} checks neither, so without this a damaged byte among the weights
   * loads as a network with other weights, and silently gives other embeddings.
   */
  static void verifyEntries(Path file) throws IOException {
    byte[] buf = new byte[1 << 16];
    String problem = null;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      var entries = zip.entries();
      while (problem == null && entries.hasMoreElements()) {
        ZipEntry entry = entries.nextElement();
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        long size = 0;
        try (var in = zip.getInputStream(entry)) {
          for (int n; (n = in.read(buf)) > 0; ) {
            crc.update(buf, 0, n);
            size += n;
            if (entry.getSize() >= 0 && size > entry.getSize()) {
              break; // inflates past its recorded size: reported below
            }
          }
        }
        if ((entry.getSize() >= 0 && size != entry.getSize())
            || (entry.getCrc() >= 0 && crc.getValue() != entry.getCrc())) {
          problem = "entry '" + entry.getName() + "' does not match its recorded size and"
              + " checksum";
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": damaged model file: " + e, e);
    }
    if (problem != null) {
      throw new IOException(file + ": damaged model file: " + problem);
    }
  }

  private static Properties readMetadata(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "model file not found");
    }
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry entry = zip.getEntry(METADATA_ENTRY);
      if (entry == null) {
        return null;
      }
      Properties p = new Properties();
      p.load(new StringReader(new String(zip.getInputStream(entry).readAllBytes(),
          StandardCharsets.UTF_8)));
      return p;
    } catch (java.util.zip.ZipException e) {
      throw new IOException(file + ": not a DL4J model (not a zip file: " + e.getMessage() + ")",
          e);
    } catch (IOException | IllegalArgumentException e) {
      // A damaged entry: an inflater error, an early end, a malformed properties escape.
      throw new IOException(file + ": damaged model file: " + e, e);
    }
  }

  /**
   * Saves the network (without updater state) and this SDK's metadata, atomically: the file is
   * written beside the target and moved into place, so a crash leaves the old file or the new
   * one, never half of one.
   *
   * @param file the target
   * @throws IOException if writing fails
   */
  public synchronized void save(Path file) throws IOException {
    ByteArrayOutputStream model = new ByteArrayOutputStream();
    ModelSerializer.writeModel(net.model(), model, false);
    Properties p = new Properties();
    p.setProperty("input.height", String.valueOf(height));
    p.setProperty("input.width", String.valueOf(width));
    p.setProperty("input.channels", String.valueOf(channels));
    p.setProperty("input.scale", "1/255");
    p.setProperty("embedding.layer", embeddingLayer);
    p.setProperty("embedding.layerIndex", String.valueOf(embeddingLayerIndex()));
    p.setProperty("embedding.dimension", String.valueOf(dimension));
    p.setProperty("network", net instanceof Network.Graph ? "ComputationGraph"
        : "MultiLayerNetwork");
    StringWriter text = new StringWriter();
    p.store(text, "embeddings4j trained embedder");
    SdkFile.writeAtomically(file, out -> {
      ZipOutputStream zip = new ZipOutputStream(out);
      try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(model.toByteArray()))) {
        for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          zip.putNextEntry(new ZipEntry(e.getName()));
          in.transferTo(zip);
          zip.closeEntry();
        }
      }
      zip.putNextEntry(new ZipEntry(METADATA_ENTRY));
      zip.write(text.toString().getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
      zip.finish(); // not close(): writeAtomically still has to sync the file
    });
  }

  /**
   * The embeddings of images, computed in batches.
   *
   * @param images images of {@link #height()} x {@link #width()}
   * @return one vector of {@link #dimension()} per image, in order
   * @throws IllegalArgumentException if the image size differs from the network's input
   */
  public synchronized float[][] embed(LabeledImages images) {
    checkOpen();
    checkShape(images);
    float[][] out = new float[images.size()][];
    for (int from = 0; from < images.size(); from += BATCH) {
      int to = Math.min(images.size(), from + BATCH);
      INDArray features = Batches.features(images, null, from, to, channels);
      INDArray a = net.activations(features, embeddingLayer);
      float[] flat;
      try (INDArray copy = a.castTo(DataType.FLOAT).dup('c')) {
        flat = copy.data().asFloat();
      }
      // Native memory is freed at once rather than whenever the garbage collector runs.
      if (a.closeable()) {
        a.close();
      }
      if (features.closeable()) {
        features.close();
      }
      // DL4J's forward pass leaves further native buffers to the garbage collector, which a
      // quiet Java heap rarely runs: without this, embedding 70,000 images grew the process by
      // about 170 MB/s until the OOM killer stopped it.
      if ((from / BATCH) % GC_EVERY_BATCHES == GC_EVERY_BATCHES - 1) {
        Nd4j.getMemoryManager().invokeGc();
      }
      for (int i = from; i < to; i++) {
        out[i] = java.util.Arrays.copyOfRange(flat, (i - from) * dimension,
            (i - from + 1) * dimension);
      }
    }
    return out;
  }

  /**
   * The most probable class of each image.
   *
   * @param images images of the network's input size
   * @return one class per image
   * @throws IllegalArgumentException if the image size differs from the network's input
   */
  public synchronized int[] predict(LabeledImages images) {
    checkOpen();
    checkShape(images);
    int[] out = new int[images.size()];
    for (int from = 0; from < images.size(); from += BATCH) {
      int to = Math.min(images.size(), from + BATCH);
      INDArray p = net.output(Batches.features(images, null, from, to, channels));
      long[] arg = p.argMax(1).toLongVector();
      for (int i = from; i < to; i++) {
        out[i] = (int) arg[i - from];
      }
    }
    return out;
  }

  /**
   * The share of images whose predicted class is their label.
   *
   * @param images labelled images
   * @return the accuracy in {@code [0, 1]} ({@code NaN} for no images)
   */
  public double accuracy(LabeledImages images) {
    return score(images, ClassWeights.NONE);
  }

  /**
   * The balanced accuracy, the mean of the classes' recalls (the score by which training with
   * {@link ClassWeights#BALANCED} chose its epoch).
   *
   * @param images labelled images
   * @return the mean recall over the classes that have images, {@code NaN} for no images
   */
  public double balancedAccuracy(LabeledImages images) {
    return score(images, ClassWeights.BALANCED);
  }

  /** The score of the predictions that {@code weights} compares epochs by. */
  double score(LabeledImages images, ClassWeights weights) {
    int[] predicted = predict(images);
    int classes = images.classCount();
    int[] right = new int[classes];
    int[] total = new int[classes];
    for (int i = 0; i < predicted.length; i++) {
      int label = images.label(i);
      total[label]++;
      right[label] += predicted[i] == label ? 1 : 0;
    }
    return weights.score(right, total);
  }

  /**
   * Embeds images from any source: each is decoded, converted to grayscale and resized to the
   * network's input; one that cannot be decoded becomes a failure naming it.
   *
   * @param images the images
   * @return one result per image, in order
   * @throws IllegalStateException if this embedder is closed
   */
  @Override
  public synchronized List<EmbeddingResult> embedBatch(List<? extends ImageSource> images) {
    checkOpen();
    int n = height * width;
    byte[] pixels = new byte[images.size() * n];
    EmbeddingException[] errors = new EmbeddingException[images.size()];
    int[] slot = new int[images.size()];
    int ok = 0;
    for (int i = 0; i < images.size(); i++) {
      ImageSource source = Objects.requireNonNull(images.get(i), "image " + i);
      try {
        System.arraycopy(GrayscaleDecoder.decode(decoder, source, height, width), 0, pixels,
            ok * n, n);
        slot[i] = ok++;
      } catch (EmbeddingException e) {
        errors[i] = e;
      }
    }
    float[][] vectors = ok == 0 ? new float[0][]
        : embed(new LabeledImages(height, width, java.util.Arrays.copyOf(pixels, ok * n),
            new byte[ok]));
    List<EmbeddingResult> out = new java.util.ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      String name = images.get(i).name();
      out.add(errors[i] != null ? new EmbeddingResult.Failure(name, errors[i])
          : new EmbeddingResult.Success(name, vectors[slot[i]]));
    }
    return out;
  }

  /** Marks this embedder closed; the network stays usable through {@link #network()}. */
  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this TrainedEmbedder is closed");
    }
  }

  private void checkShape(LabeledImages images) {
    if (images.height() != height || images.width() != width) {
      throw new IllegalArgumentException("image size " + images.height() + "x" + images.width()
          + " differs from the network's input " + height + "x" + width);
    }
  }

  /**
   * The embedding's length.
   *
   * @return the width of the embedding layer
   */
  @Override
  public int dimension() {
    return dimension;
  }

  /**
   * How this embedder makes its vectors: a trained network identified by the SHA-256 of its
   * parameters (so a copy of the file elsewhere matches, other weights do not), its embedding
   * layer, and its input: grayscale of {@link #height()} x {@link #width()}, pixels divided by
   * 255; no pooling, no normalisation.
   *
   * @return the description
   */
  @Override
  public synchronized io.github.embeddings4j.api.EmbedderDescription describe() {
    float[] params;
    try (INDArray p = net.params().castTo(DataType.FLOAT).dup('c')) {
      params = p.data().asFloat();
    }
    return decoder.describe(io.github.embeddings4j.api.EmbedderDescription.builder(
            "trained network", dimension)
        .weights("params sha256=" + io.github.embeddings4j.core.io.Checksums.sha256(params))
        .layer(embeddingLayer).pooling("none").normalized(false)
        .input(height + "x" + width + "x" + channels, channels == 1 ? "GRAY" : "RGB", "UNIT"))
        .build();
  }

  /**
   * The layer whose activations are the embedding.
   *
   * @return its name
   */
  public String embeddingLayer() {
    return embeddingLayer;
  }

  /**
   * The embedding layer's position among the network's layers (for a multi-layer network, the
   * index DL4J's {@code feedForwardToLayer} takes; for a graph, its place in topological order).
   *
   * @return the position, from 0
   */
  public int embeddingLayerIndex() {
    return net.layerNames().indexOf(embeddingLayer);
  }

  /**
   * The layer names, in order.
   *
   * @return an unmodifiable list
   */
  public List<String> layerNames() {
    return List.copyOf(net.layerNames());
  }

  /**
   * Input rows.
   *
   * @return the height the network takes
   */
  public int height() {
    return height;
  }

  /**
   * Input columns.
   *
   * @return the width the network takes
   */
  public int width() {
    return width;
  }

  /**
   * Input channels.
   *
   * @return the channel count the network takes
   */
  public int channels() {
    return channels;
  }

  /**
   * The DL4J network itself (live, not a copy): for fine-tuning or for code that needs DL4J.
   *
   * @return the network
   */
  public Model network() {
    return net.model();
  }

  Network net() {
    return net;
  }
}
