package io.github.embeddings4j.core.train;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.Preprocessor;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One pass over image files in mini-batches, decoded from disk batch by batch, so that memory
 * holds at most two batches of images whatever the dataset's size: the batch being trained on
 * and, with prefetching, the next one, decoded on one background thread meanwhile. Each image
 * is decoded and validated ({@link ImageDecoder}), augmented with a generator seeded by (seed,
 * epoch, image index) (so the result does not depend on threads or on a resume), and written in
 * the network's input format. An image that cannot be decoded is left out of its batch and
 * reported once per file to the {@code skipped} callback.
 *
 * <p>Not thread-safe: one consumer calls {@link #next()} and closes each batch before the next
 * {@code next()}; {@link #liveImages()} and {@link #maxLiveImages()} count the decoded images
 * held in batches not yet closed (for checks that memory stays bounded).
 */
final class FolderBatches implements AutoCloseable {

  /**
   * A batch of decoded images; {@link #close()} frees its arrays.
   *
   * @param features {@code [n, c, h, w]}, or null when every image of the batch failed
   * @param labels one-hot {@code [n, classes]}, or null likewise
   * @param labelIndices the labels as indices
   * @param size the images in it
   */
  record Batch(INDArray features, INDArray labels, int[] labelIndices, int size,
      AtomicInteger live) implements AutoCloseable {
    @Override
    public void close() {
      if (features != null) {
        features.close();
        labels.close();
      }
      live.addAndGet(-size);
    }
  }

  private final List<ImageFolder.Entry> entries;
  private final int[] order;
  private final int batchSize;
  private final int classes;
  private final Preprocessor format;
  private final ImageDecoder decoder;
  private final Augmentation augmentation;
  private final long seed;
  private final int epoch;
  private final Map<Path, String> skipped;
  private final BiConsumer<Path, String> onSkip;
  private final ExecutorService prefetch;
  private final AtomicInteger live = new AtomicInteger();
  private final AtomicInteger maxLive = new AtomicInteger();
  private Future<Batch> pending;
  private int next;

  /**
   * Classifies every image of a folder in file order (no augmentation) and counts, per class,
   * the images labelled right and all images decoded; images that cannot be decoded are left
   * out and told to {@code onSkip} once.
   *
   * @return {@code {right, total}}, one count per class
   */
  static int[][] rightPerClass(org.deeplearning4j.nn.graph.ComputationGraph net,
      List<ImageFolder.Entry> entries, int classes, Preprocessor format, ImageDecoder decoder,
      int batchSize, Map<Path, String> skipped, BiConsumer<Path, String> onSkip,
      boolean prefetch) {
    int[] order = new int[entries.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    int[] right = new int[classes];
    int[] total = new int[classes];
    try (FolderBatches batches = new FolderBatches(entries, order, batchSize, classes, format,
        decoder, Augmentation.none(), 0, 0, skipped, onSkip, prefetch)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next()) {
          if (batch.size() == 0) {
            continue;
          }
          long[] arg = net.outputSingle(false, batch.features()).argMax(1).toLongVector();
          for (int i = 0; i < arg.length; i++) {
            int label = batch.labelIndices()[i];
            total[label]++;
            right[label] += arg[i] == label ? 1 : 0;
          }
        }
      }
    }
    return new int[][] {right, total};
  }

  /**
   * A pass.
   *
   * @param entries the images and labels
   * @param order the positions of {@code entries} in the order to visit them
   * @param batchSize images per batch
   * @param classes the width of the one-hot labels
   * @param format the network's input
   * @param decoder decodes and validates
   * @param augmentation what to change ({@link Augmentation#none()} for validation)
   * @param seed the run's seed
   * @param epoch the epoch, which seeds the augmentation with the seed and the image index
   * @param skipped files already reported as undecodable, and why (shared across passes)
   * @param onSkip told once per file that cannot be decoded
   * @param prefetchThread whether to decode the next batch on a background thread
   */
  FolderBatches(List<ImageFolder.Entry> entries, int[] order, int batchSize, int classes,
      Preprocessor format, ImageDecoder decoder, Augmentation augmentation, long seed, int epoch,
      Map<Path, String> skipped, BiConsumer<Path, String> onSkip, boolean prefetchThread) {
    this.entries = entries;
    this.order = order;
    this.batchSize = batchSize;
    this.classes = classes;
    this.format = format;
    this.decoder = decoder;
    this.augmentation = augmentation;
    this.seed = seed;
    this.epoch = epoch;
    this.skipped = skipped;
    this.onSkip = onSkip;
    this.prefetch = prefetchThread ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "embeddings4j-batch-prefetch");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  boolean hasNext() {
    return pending != null || next < order.length;
  }

  /** The next batch; the caller closes it before asking for the one after. */
  Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Batch b;
    if (pending != null) {
      try {
        b = pending.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while decoding images", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("decoding a batch failed: " + e.getCause(), e.getCause());
      }
      pending = null;
    } else {
      b = decode(next, Math.min(order.length, next + batchSize));
      next = Math.min(order.length, next + batchSize);
    }
    if (prefetch != null && next < order.length) {
      int from = next;
      int to = Math.min(order.length, next + batchSize);
      next = to;
      pending = prefetch.submit(() -> decode(from, to));
    }
    return b;
  }

  int liveImages() {
    return live.get();
  }

  int maxLiveImages() {
    return maxLive.get();
  }

  /** The reason alone: decoding errors start with the file's name, which the map key holds. */
  static String reason(Path file, Exception x) {
    String why = String.valueOf(x.getMessage());
    String prefix = file + ": ";
    return why.startsWith(prefix) ? why.substring(prefix.length()) : why;
  }

  private Batch decode(int from, int to) {
    int size = format.size();
    float[] pixels = new float[(to - from) * size];
    int[] labels = new int[to - from];
    int n = 0;
    for (int k = from; k < to; k++) {
      int index = order[k];
      ImageFolder.Entry e = entries.get(index);
      if (skipped.containsKey(e.file())) {
        continue;
      }
      BufferedImage image;
      try {
        image = decoder.decode(ImageSource.of(e.file()));
      } catch (EmbeddingException | RuntimeException x) {
        String why = reason(e.file(), x);
        if (skipped.putIfAbsent(e.file(), why) == null) {
          onSkip.accept(e.file(), why);
        }
        continue;
      }
      if (augmentation.enabled()) {
        image = augment(image, augmentation, new SplittableRandom(mix(seed, epoch, index)));
      }
      format.write(image, pixels, n * size);
      labels[n++] = e.label();
    }
    int now = live.addAndGet(n);
    maxLive.accumulateAndGet(now, Math::max);
    if (n == 0) {
      return new Batch(null, null, new int[0], 0, live);
    }
    float[] oneHot = new float[n * classes];
    for (int i = 0; i < n; i++) {
      oneHot[i * classes + labels[i]] = 1;
    }
    int[] shape = format.shape();
    INDArray features = Nd4j.create(java.util.Arrays.copyOf(pixels, n * size),
        new long[] {n, shape[0], shape[1], shape[2]}, 'c');
    INDArray y = Nd4j.create(oneHot, new long[] {n, classes}, 'c');
    return new Batch(features, y, java.util.Arrays.copyOf(labels, n), n, live);
  }

  /** A seed for one image of one epoch; SplittableRandom mixes it further. */
  static long mix(long seed, int epoch, int index) {
    long h = seed * 0x9E3779B97F4A7C15L;
    h = (h ^ (h >>> 29)) + epoch * 0xC2B2AE3D27D4EB4FL;
    h = (h ^ (h >>> 31)) + index * 0x165667B19E3779F9L;
    return h ^ (h >>> 32);
  }

  /** A random resized crop, maybe flipped, with brightness, contrast and saturation jittered. */
  static BufferedImage augment(BufferedImage src, Augmentation a, SplittableRandom r) {
    int w = src.getWidth();
    int h = src.getHeight();
    int cw = w;
    int ch = h;
    int x0 = 0;
    int y0 = 0;
    for (int attempt = 0; attempt < 10; attempt++) {
      double area = (double) w * h * (a.minArea() + r.nextDouble() * (1 - a.minArea()));
      double ratio = Math.exp(Math.log(0.75) + r.nextDouble() * (Math.log(4 / 3.0)
          - Math.log(0.75)));
      int tw = (int) Math.round(Math.sqrt(area * ratio));
      int th = (int) Math.round(Math.sqrt(area / ratio));
      if (tw >= 1 && th >= 1 && tw <= w && th <= h) {
        cw = tw;
        ch = th;
        x0 = r.nextInt(w - tw + 1);
        y0 = r.nextInt(h - th + 1);
        break;
      }
    }
    boolean flip = a.flip() && r.nextBoolean();
    double j = a.jitter();
    float bright = (float) (1 + (2 * r.nextDouble() - 1) * j);
    float contrast = (float) (1 + (2 * r.nextDouble() - 1) * j);
    float saturation = (float) (1 + (2 * r.nextDouble() - 1) * j);
    int[] in = src.getRGB(x0, y0, cw, ch, null, 0, cw);
    double sum = 0;
    for (int p : in) {
      sum += 0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff);
    }
    float mean = (float) (sum / in.length) * bright;
    int[] out = new int[in.length];
    for (int y = 0; y < ch; y++) {
      for (int x = 0; x < cw; x++) {
        int p = in[y * cw + x];
        float rr = ((p >> 16) & 0xff) * bright;
        float gg = ((p >> 8) & 0xff) * bright;
        float bb = (p & 0xff) * bright;
        rr = (rr - mean) * contrast + mean;
        gg = (gg - mean) * contrast + mean;
        bb = (bb - mean) * contrast + mean;
        float gray = 0.299f * rr + 0.587f * gg + 0.114f * bb;
        rr = gray + (rr - gray) * saturation;
        gg = gray + (gg - gray) * saturation;
        bb = gray + (bb - gray) * saturation;
        out[y * cw + (flip ? cw - 1 - x : x)] = (clamp(rr) << 16) | (clamp(gg) << 8) | clamp(bb);
      }
    }
    BufferedImage img = new BufferedImage(cw, ch, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, cw, ch, out, 0, cw);
    return img;
  }

  private static int clamp(float v) {
    return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }

  @Override
  public void close() {
    if (pending != null) {
      try {
        pending.get().close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        // the pass is abandoned; its failure was not asked for
      }
      pending = null;
    }
    if (prefetch != null) {
      prefetch.shutdownNow();
    }
  }
}
