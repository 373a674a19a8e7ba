package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Images per second through a {@link ZooEmbedder} (randomly initialised; the speed does not
 * depend on the weights' values), {@code batch} images per call (and per forward pass with one
 * network copy), from in-memory images of the model's own size, so that decoding and resizing
 * cost little and the network dominates. Against the ceiling: a network of F FLOPs per image (counted by {@link
 * ConvFlops} up to the embedding layer, printed as a fact) can embed at most {@code sgemm rate
 * / F} images per second, since its convolutions are matrix products.
 *
 * <p>The embedder chooses the ND4J native build and switches on oneDNN's layer helpers itself,
 * as a user's would.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class EmbedderBenchmark {

  /** The zoo model. */
  @Param({"SQUEEZENET", "RESNET50"})
  public String model;

  /** Images per call and per forward pass. */
  @Param({"1", "16"})
  public int batch;

  /**
   * Copies of the network: with 2, a call's images run as two network batches side by side
   * (16 images: two passes of 8 at once), as the embedder's defaults do on 2 cores; with 1, one
   * pass of {@code batch} at a time.
   */
  @Param({"1", "2"})
  public int copies;

  private ZooEmbedder embedder;
  private List<ImageSource> images;

  /**
   * Builds the embedder, counts its FLOPs and checks its output once.
   *
   * @throws EmbeddingException if the check's images cannot be embedded
   */
  @Setup(Level.Trial)
  public void setUp() throws EmbeddingException {
    ZooModel m = ZooModel.valueOf(model);
    embedder = ZooEmbedder.builder(m).weights(Weights.random(1234)).networkBatchSize(batch)
        .concurrency(copies).build();
    InputFormat f = embedder.inputFormat();
    SplittableRandom r = new SplittableRandom(61);
    images = new ArrayList<>();
    for (int i = 0; i < batch; i++) {
      BufferedImage img = new BufferedImage(f.width(), f.height(), BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < f.height(); y++) {
        for (int x = 0; x < f.width(); x++) {
          img.setRGB(x, y, r.nextInt(1 << 24));
        }
      }
      images.add(ImageSource.of(img, "noise-" + i));
    }
    Facts.note("flops." + model, flopsPerImage(m, f, embedder.layer()));
    Facts.note("layer." + model, embedder.layer());
    check();
  }

  /** Every result a unit vector of the embedder's dimension; the first one alone the same. */
  private void check() throws EmbeddingException {
    List<EmbeddingResult> got = embed();
    for (EmbeddingResult e : got) {
      float[] v = e.vectorOrThrow();
      if (v.length != embedder.dimension()) {
        throw new IllegalStateException("wrong result from " + model + ": " + v.length
            + " components, expected " + embedder.dimension());
      }
      ResultCheck.requireClose(model + " |embedding|", 1.0, Math.sqrt(Reference.dot(v, v)), 1e-4);
    }
    float[] alone = embedder.embedBatch(images.subList(0, 1)).get(0).vectorOrThrow();
    float[] inBatch = got.get(0).vectorOrThrow();
    ResultCheck.requireClose(model + " batch of " + batch + " vs alone, cosine", 1.0,
        Reference.dot(alone, inBatch), 1e-4);
  }

  /** FLOPs per image up to the embedding layer, on the zoo's graph for this input size. */
  static long flopsPerImage(ZooModel m, InputFormat f, String layer) {
    int[] shape = {f.channels(), f.height(), f.width()};
    // The zoo fills in each layer's input size only when it builds the network.
    org.deeplearning4j.zoo.ZooModel<?> zoo = switch (m) {
      case RESNET50 -> ResNet50.builder().numClasses(1000).inputShape(shape).build();
      case SQUEEZENET -> SqueezeNet.builder().numClasses(1000).inputShape(shape).build();
      default -> throw new IllegalArgumentException("no FLOP count for " + m);
    };
    ComputationGraph graph = (ComputationGraph) zoo.init();
    ComputationGraphConfiguration conf = graph.getConfiguration();
    graph.close();
    return ConvFlops.perImage(conf,
        InputType.convolutional(f.height(), f.width(), f.channels()), layer);
  }

  /** Frees the network's native memory. */
  @TearDown(Level.Trial)
  public void tearDown() {
    embedder.close();
  }

  /**
   * One batch of images embedded.
   *
   * @return the results
   * @throws EmbeddingException if the batch cannot be embedded at all
   */
  @Benchmark
  public List<EmbeddingResult> embed() throws EmbeddingException {
    return embedder.embedBatch(images);
  }
}
