package io.github.embeddings4j.core.embed;

import io.github.embeddings4j.api.Embedder;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.ImageFiles;
import io.github.embeddings4j.core.image.Preprocessor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Embedder} on a neural network: what every network embedder of the SDK shares. Images
 * are decoded and validated ({@link ImageDecoder}), prepared as network input ({@link
 * Preprocessor}), run in network batches on an inference engine ({@link ForwardPass}), pooled
 * ({@link Pooling}) and, by default, L2-normalised. {@code ZooEmbedder} (the Deeplearning4j zoo's
 * CNNs) and {@code OnnxEmbedder} (any ONNX model) are the two kinds; code that only embeds can
 * hold either as a {@code NetworkEmbedder}.
 *
 * <p><b>Batches.</b> Whatever the size of the list given to {@link #embedBatch(List)}, the
 * network runs on a bounded number of images at a time: on CPUs throughput is not monotonic in
 * the batch size, and memory stays bounded. By default the embedder finds the fastest size
 * itself, between 1 and {@value #DEFAULT_NETWORK_BATCH}: its first forward passes try 1, 2, 4, 8
 * and 16 images (real work, not extra), then it keeps the size with the most images per second
 * ({@link #networkBatchSize()}); a fixed size can be set instead. Where the engine computes an
 * image independently of the others in its batch (the engines of the zoo's CNNs), vectors do not
 * depend on the batch size. An image that fails becomes an {@link EmbeddingResult.Failure}; the
 * others are embedded. {@link #embedEach} streams a long sequence or a folder tree through in
 * batches.
 *
 * <p><b>Threads.</b> Safe to share. The embedder keeps a small pool of forward passes (up to
 * {@link #concurrency()}, created when needed): concurrent callers each get one, get the same
 * vectors as serial use, and wait only when every pass is busy. Where the engine gains from it,
 * one call also shares its images among several passes run side by side. Decoding and resizing
 * run on all cores.
 */
public abstract class NetworkEmbedder implements Embedder {

  /** The largest number of images per forward pass the automatic choice tries. */
  public static final int DEFAULT_NETWORK_BATCH = 16;

  private static final Logger LOG = LoggerFactory.getLogger(NetworkEmbedder.class);

  private final Preprocessor input;
  private final ImageDecoder decoder;
  private final Pooling pooling;
  private final boolean normalize;
  private final int networkBatch;
  /** Chooses the batch size from measured passes; null when the size was fixed. */
  private final BatchTuner tuner;
  private final int concurrency;
  private final boolean sideBySide;
  private final int dimension;
  private final String engine;
  /** Idle forward passes. */
  private final LinkedBlockingDeque<ForwardPass> idle = new LinkedBlockingDeque<>();
  private final ForwardPass prototype;
  private int created;
  private volatile boolean closed;

  /**
   * What a network embedder is made of.
   *
   * @param name names the embedder in log lines
   * @param input prepares one image as network input
   * @param decoder decodes and validates images
   * @param first the first forward pass; the embedder owns it and makes copies of it
   * @param pooling how activations become vectors
   * @param normalize whether vectors are scaled to unit length
   * @param networkBatch the largest (or, when {@code fixedBatch}, the only) images per pass
   * @param fixedBatch whether {@code networkBatch} is fixed rather than a maximum to tune under
   * @param concurrency the most forward passes at once
   * @param dimension the vectors' length
   */
  protected record Parts(String name, Preprocessor input, ImageDecoder decoder, ForwardPass first,
      Pooling pooling, boolean normalize, int networkBatch, boolean fixedBatch, int concurrency,
      int dimension) {

    /**
     * Checks the parts.
     *
     * @throws IllegalArgumentException for a size below 1
     */
    public Parts {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(decoder, "decoder");
      Objects.requireNonNull(first, "first");
      Objects.requireNonNull(pooling, "pooling");
      if (networkBatch < 1 || concurrency < 1 || dimension < 1) {
        throw new IllegalArgumentException("network batch " + networkBatch + ", concurrency "
            + concurrency + " and dimension " + dimension + " must be at least 1");
      }
    }
  }

  /**
   * Sets up the machinery.
   *
   * @param parts the parts
   */
  protected NetworkEmbedder(Parts parts) {
    this.input = parts.input();
    this.decoder = parts.decoder();
    this.pooling = parts.pooling();
    this.normalize = parts.normalize();
    this.networkBatch = parts.networkBatch();
    this.tuner = parts.fixedBatch() || !parts.first().tunesBatchSize() ? null
        : new BatchTuner(parts.name(), parts.networkBatch());
    this.concurrency = parts.concurrency();
    this.sideBySide = parts.first().sideBySide();
    this.dimension = parts.dimension();
    this.prototype = parts.first();
    this.engine = prototype.engine();
    this.created = 1;
    idle.add(prototype);
  }

  /**
   * The decoder images go through: size limits and whether EXIF orientations are applied.
   *
   * @return the decoder
   */
  public ImageDecoder decoder() {
    return decoder;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  /**
   * The inference engine that runs the network, e.g. {@code "ONNX Runtime 1.26.0 (CPU)"}.
   *
   * @return its name
   */
  public String engine() {
    return engine;
  }

  /**
   * How activations become vectors.
   *
   * @return the pooling
   */
  public Pooling pooling() {
    return pooling;
  }

  /**
   * Whether vectors are scaled to unit L2 length.
   *
   * @return {@code true} when they are
   */
  public boolean normalizes() {
    return normalize;
  }

  /**
   * How an image becomes network input.
   *
   * @return the preprocessing
   */
  public Preprocessor preprocessor() {
    return input;
  }

  /**
   * The images per forward pass: the fixed size, or the one the automatic choice settled on.
   * When calls share their images among several passes, a pass holds at most a pass's share (16
   * images on two passes: 8 each), so a choice made among the sizes such calls allow can stay
   * open: then the best size measured so far.
   *
   * @return the size, or -1 while the automatic choice has measured no size yet
   */
  public int networkBatchSize() {
    return tuner == null ? networkBatch : tuner.current();
  }

  /**
   * The most forward passes this embedder runs at once.
   *
   * @return the number of passes allowed
   */
  public int concurrency() {
    return concurrency;
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
    // With several passes and cores to run them, the images are shared among up to that many
    // network batches at once: one forward pass leaves cores idle in its many small operations,
    // which the other fills (engines that use every core themselves opt out).
    int streams = sideBySide ? Math.min(concurrency, Decoding.THREADS) : 1;
    int share = Math.max(1, streams > 1 ? (n + streams - 1) / streams : n);
    // Each network batch's size is asked for when it starts, so that the batch-size trials
    // (BatchTuner) see the passes measured before it.
    int[] next = {0};
    Supplier<int[]> claim = () -> {
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

  /**
   * Embeds images that are already network input (prepared elsewhere, e.g. by NumPy): the
   * forward pass, pooling and normalisation, without decoding. For pipelines that preprocess
   * their own way, and for exact comparisons with another framework.
   *
   * @param tensors {@code n} inputs of {@link Preprocessor#size()} floats each, in the network's
   *     layout ({@link Preprocessor#shape()})
   * @param n the number of inputs
   * @return {@code n} vectors
   * @throws IllegalArgumentException if {@code tensors} does not hold {@code n} inputs
   */
  public float[][] embedTensors(float[] tensors, int n) {
    ensureOpen();
    int size = input.size();
    if (n < 0 || tensors.length != (long) n * size) {
      throw new IllegalArgumentException("the input holds " + tensors.length + " floats, not "
          + n + " images of shape " + Arrays.toString(input.shape()) + " (" + size + " each)");
    }
    float[][] out = new float[n][];
    int step = tuner == null ? networkBatch : Math.max(1, tuner.current());
    for (int from = 0; from < n; from += step) {
      int m = Math.min(step, n - from);
      float[][] v = run(Arrays.copyOfRange(tensors, from * size, (from + m) * size), m, false);
      System.arraycopy(v, 0, out, from, m);
    }
    return out;
  }

  /** Decodes one network batch, runs it, and fills in the results. */
  private void embedChunk(List<? extends ImageSource> chunk, EmbeddingResult[] results, int at) {
    int size = input.size();
    int m = chunk.size();
    float[] batch = new float[m * size];
    boolean[] ok = new boolean[m];
    Decoding.forEach(m, i -> ok[i] = prepare(chunk.get(i), batch, i * size, results, at + i));
    // Move the images that decoded next to each other, in order.
    int[] slot = new int[m];
    int n = 0;
    for (int i = 0; i < m; i++) {
      if (ok[i]) {
        if (n != i) {
          System.arraycopy(batch, i * size, batch, n * size, size);
        }
        slot[n++] = i;
      }
    }
    if (n == 0) {
      return;
    }
    float[][] vectors;
    try {
      vectors = run(n == m ? batch : Arrays.copyOf(batch, n * size), n, true);
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
   * Decodes and prepares one image into {@code batch} at {@code offset}; on failure records it
   * in {@code results[index]}.
   *
   * @return whether the image is in {@code batch}
   */
  private boolean prepare(ImageSource source, float[] batch, int offset,
      EmbeddingResult[] results, int index) {
    try {
      BufferedImage image = decoder.decode(source);
      input.write(image, batch, offset);
      return true;
    } catch (EmbeddingException e) {
      results[index] = new EmbeddingResult.Failure(source.name(), e);
    } catch (RuntimeException | OutOfMemoryError e) {
      results[index] = new EmbeddingResult.Failure(source.name(),
          new EmbeddingException(source.name(), "cannot decode: " + e, e));
    }
    return false;
  }

  /** Runs {@code n} prepared images through one forward pass and pools them. */
  private float[][] run(float[] batch, int n, boolean measure) {
    ForwardPass pass = acquire();
    try {
      long start = System.nanoTime();
      float[][] vectors = pool(pass.forward(batch, n), pooling, normalize);
      if (tuner != null && measure) {
        tuner.record(n, System.nanoTime() - start);
      }
      return vectors;
    } finally {
      release(pass);
    }
  }

  /**
   * Pools a batch of activations into vectors, optionally L2-normalised: a feature map over its
   * positions, a token sequence over its tokens (or its first token), a vector as it is.
   *
   * @param a the activations
   * @param pooling average, max, or (sequences only) the first token
   * @param normalize whether to scale each vector to unit length (a zero vector stays zero)
   * @return {@code a.n()} vectors
   * @throws IllegalArgumentException for {@link Pooling#CLS} on a feature map, or an item of
   *     rank 4 or more
   */
  public static float[][] pool(Activations a, Pooling pooling, boolean normalize) {
    int[] shape = a.shape();
    int n = a.n();
    // As (positions, features, strides): feature k of position p is at p * pStride + k * kStride.
    int positions;
    int features;
    int pStride;
    int kStride;
    switch (shape.length) {
      case 1 -> {
        positions = 1;
        features = shape[0];
        pStride = 0;
        kStride = 1;
      }
      case 2 -> {
        positions = shape[0];
        features = shape[1];
        pStride = features;
        kStride = 1;
      }
      case 3 -> {
        if (pooling == Pooling.CLS) {
          throw new IllegalArgumentException("CLS pooling takes the first token of a sequence;"
              + " this output is a feature map of shape " + Arrays.toString(shape)
              + ": use AVG or MAX");
        }
        if (a.channelsLast()) {
          positions = shape[0] * shape[1];
          features = shape[2];
          pStride = features;
          kStride = 1;
        } else {
          positions = shape[1] * shape[2];
          features = shape[0];
          pStride = 1;
          kStride = positions;
        }
      }
      default -> throw new IllegalArgumentException("cannot pool an output of shape "
          + Arrays.toString(shape) + " per image: expected a vector, a token sequence or a"
          + " feature map");
    }
    float[] data = a.data();
    int item = a.itemSize();
    float[][] out = new float[n][features];
    for (int i = 0; i < n; i++) {
      float[] v = out[i];
      int base = i * item;
      for (int k = 0; k < features; k++) {
        int at = base + k * kStride;
        if (positions == 1 || pooling == Pooling.CLS) {
          v[k] = data[at];
        } else if (pooling == Pooling.MAX) {
          float m = Float.NEGATIVE_INFINITY;
          for (int p = 0; p < positions; p++) {
            m = Math.max(m, data[at + p * pStride]);
          }
          v[k] = m;
        } else {
          double sum = 0;
          for (int p = 0; p < positions; p++) {
            sum += data[at + p * pStride];
          }
          v[k] = (float) (sum / positions);
        }
      }
      if (normalize) {
        normalizeInPlace(v);
      }
    }
    return out;
  }

  private static void normalizeInPlace(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += (double) x * x;
    }
    if (norm > 0) {
      float inv = (float) (1.0 / Math.sqrt(norm));
      for (int k = 0; k < v.length; k++) {
        v[k] *= inv;
      }
    }
  }

  private ForwardPass acquire() {
    ForwardPass pass = idle.pollFirst();
    if (pass != null) {
      return pass;
    }
    boolean make;
    synchronized (this) {
      make = created < concurrency;
      if (make) {
        created++;
      }
    }
    if (make) {
      return prototype.copy();
    }
    try {
      // Wait for a pass, but not forever: close() does not hand passes back, so a caller still
      // waiting when it comes would otherwise block for good.
      while (true) {
        ForwardPass waited = idle.pollFirst(50, TimeUnit.MILLISECONDS);
        if (waited != null) {
          return waited;
        }
        if (closed) {
          throw new IllegalStateException("embedder was closed while this call waited for a"
              + " free forward pass");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a free forward pass", e);
    }
  }

  private void release(ForwardPass pass) {
    if (closed) {
      pass.close();
    } else {
      idle.addFirst(pass);
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

  /**
   * Fails if the embedder was closed.
   *
   * @throws IllegalStateException if it was
   */
  protected final void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("embedder is closed");
    }
  }

  /** Frees the forward passes; passes still busy are freed when their call ends. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ForwardPass pass;
    while ((pass = idle.pollFirst()) != null) {
      pass.close();
    }
  }
}
