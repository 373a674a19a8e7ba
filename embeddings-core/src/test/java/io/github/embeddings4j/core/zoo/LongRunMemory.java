package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Random;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Embeds many generated images through one {@link ZooEmbedder} in one stream and samples the
 * process's memory every so many images, to show whether heap and off-heap memory stay flat
 * after warm-up (docs/reliability.md has the figures and the command).
 *
 * <p>Each image is a PNG of random pixels encoded in memory, so the whole path runs: decode,
 * resize, forward pass, pooling. Memory is sampled <em>without</em> forcing a collection, since
 * a forced one would hide native buffers that wait for the garbage collector: heap used after
 * the latest collection (the collectors' own figure), JavaCPP's tracked native bytes ({@link
 * Pointer#totalBytes()}) and count, the process's resident size ({@link Pointer#physicalBytes()}),
 * the bytes ND4J's workspaces of this thread hold, and the native bytes ND4J's memory manager
 * counts as allocated.
 *
 * <pre>
 * java -cp ... io.github.embeddings4j.core.zoo.LongRunMemory [images] [every] [model] [size]
 *   images  how many (default 20000)
 *   every   sample every this many images (default 1000)
 *   model   ZooModel name (default SIMPLE_CNN, random weights), or an ONNX file (FILE.onnx,
 *           run with the imagenet preset at the size given)
 *   size    network input side in pixels (default 32)
 * </pre>
 *
 * <p>Exit status 1 if any image failed, or if resident memory grew by more than 25% (and 256 MB)
 * between the first sample after warm-up (a fifth of the run) and the last.
 */
public final class LongRunMemory {

  private LongRunMemory() {}

  /** One sample of the counters. */
  record Sample(long images, double seconds, long heapAfterGc, long javacppBytes,
      long javacppCount, long rss, long workspaceBytes, long nd4jBytes) {}

  /**
   * Runs the measurement and prints one line per sample.
   *
   * @param args images, sampling interval, model, input size
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int images = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int every = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    String name = args.length > 2 ? args[2] : "SIMPLE_CNN";
    int size = args.length > 3 ? Integer.parseInt(args[3]) : 32;
    List<Sample> samples;
    if (name.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      samples = run(images, every, io.github.embeddings4j.core.onnx.OnnxEmbedder.builder(
          java.nio.file.Path.of(name)).preprocessing(io.github.embeddings4j.core.image
              .Preprocessing.imagenet().toBuilder().size(size, size).resize(size).build())
          .concurrency(1).build(), size, s -> System.out.println(format(s)));
    } else {
      samples = run(images, every, ZooModel.valueOf(name.toUpperCase(Locale.ROOT)), size,
          s -> System.out.println(format(s)));
    }
    Verdict v = verdict(samples);
    System.out.println(v.text());
    System.exit(v.flat() ? 0 : 1);
  }

  /**
   * Embeds {@code images} generated images and samples every {@code every}.
   *
   * @param images how many
   * @param every the sampling interval
   * @param model the network
   * @param size its input side
   * @param printer receives each sample as it is taken
   * @return the samples, the first one before any image
   * @throws Exception if the embedder cannot be built or an image fails
   */
  static List<Sample> run(int images, int every, ZooModel model, int size,
      java.util.function.Consumer<Sample> printer) throws Exception {
    return run(images, every, ZooEmbedder.builder(model).weights(Weights.random(11))
        .inputSize(size, size).concurrency(1).build(), size, printer);
  }

  /** As above, on any embedder, which the run closes. */
  static List<Sample> run(int images, int every,
      io.github.embeddings4j.core.embed.NetworkEmbedder built, int size,
      java.util.function.Consumer<Sample> printer) throws Exception {
    List<Sample> samples = new ArrayList<>();
    try (io.github.embeddings4j.core.embed.NetworkEmbedder embedder = built) {
      System.out.println("# " + embedder + ", " + images + " images, sample every " + every
          + ", heap max " + (Runtime.getRuntime().maxMemory() >> 20) + " MB, JDK "
          + Runtime.version());
      System.out.println("# images  seconds  heap-after-gc-MB  javacpp-MB  javacpp-count  "
          + "rss-MB  workspace-MB  nd4j-MB");
      long start = System.nanoTime();
      Sample first = sample(0, start);
      samples.add(first);
      printer.accept(first);
      long[] done = {0};
      long[] failed = {0};
      embedder.embedEach(generated(images, size * 2), result -> {
        if (result instanceof EmbeddingResult.Failure f) {
          failed[0]++;
          System.out.println("# failed: " + f.error().getMessage());
        } else if (((EmbeddingResult.Success) result).vector().length != embedder.dimension()) {
          throw new IllegalStateException("wrong dimension for " + result.name());
        }
        done[0]++;
        if (done[0] % every == 0) {
          Sample s = sample(done[0], start);
          samples.add(s);
          printer.accept(s);
        }
      }, null);
      if (failed[0] > 0) {
        throw new IllegalStateException(failed[0] + " generated images failed");
      }
    }
    return samples;
  }

  /** PNGs of random pixels, generated one at a time as the stream asks for them. */
  static Iterable<ImageSource> generated(int count, int side) {
    return () -> new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < count;
      }

      @Override
      public ImageSource next() {
        if (next >= count) {
          throw new NoSuchElementException();
        }
        int i = next++;
        Random random = new Random(i);
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
          for (int x = 0; x < side; x++) {
            image.setRGB(x, y, random.nextInt(1 << 24));
          }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
          ImageIO.write(image, "png", png);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return ImageSource.of(png.toByteArray(), "generated-" + i + ".png");
      }
    };
  }

  static Sample sample(long images, long startNanos) {
    long heap = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
        heap += pool.getCollectionUsage().getUsed();
      }
    }
    long workspaces = 0;
    List<MemoryWorkspace> all = Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread();
    if (all != null) {
      for (MemoryWorkspace w : all) {
        workspaces += w.getCurrentSize();
      }
    }
    // ND4J's own count of the native bytes it has allocated and not yet released.
    long nd4j = Nd4j.getMemoryManager().allocatedMemory(
        Nd4j.getAffinityManager().getDeviceForCurrentThread());
    return new Sample(images, (System.nanoTime() - startNanos) / 1e9, heap, Pointer.totalBytes(),
        Pointer.totalCount(), Pointer.physicalBytes(), workspaces, nd4j);
  }

  static String format(Sample s) {
    return String.format(Locale.ROOT, "%8d %8.1f %17.1f %11.1f %14d %7.1f %13.1f %8.1f",
        s.images(), s.seconds(), mb(s.heapAfterGc()), mb(s.javacppBytes()), s.javacppCount(),
        mb(s.rss()), mb(s.workspaceBytes()), mb(s.nd4jBytes()));
  }

  private static double mb(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  /** Whether the run stayed flat after warm-up, and the growth figures. */
  record Verdict(boolean flat, String text) {}

  static Verdict verdict(List<Sample> samples) {
    Sample last = samples.get(samples.size() - 1);
    Sample warm = samples.get(Math.max(1, samples.size() / 5));
    long rssGrowth = last.rss() - warm.rss();
    long nativeGrowth = last.javacppBytes() - warm.javacppBytes();
    long heapGrowth = last.heapAfterGc() - warm.heapAfterGc();
    double perThousand = 1000.0 * rssGrowth / Math.max(1, last.images() - warm.images());
    boolean flat = rssGrowth <= Math.max(256L << 20, warm.rss() / 4);
    String text = String.format(Locale.ROOT, "# from image %d to %d: RSS %+.1f MB (%+.2f MB per "
        + "1000 images), JavaCPP %+.1f MB, heap after GC %+.1f MB; %.0f images/s; %s",
        warm.images(), last.images(), mb(rssGrowth), perThousand / (1024.0 * 1024.0),
        mb(nativeGrowth), mb(heapGrowth), last.images() / Math.max(1e-9, last.seconds()),
        flat ? "flat" : "GROWING");
    return new Verdict(flat, text);
  }
}
