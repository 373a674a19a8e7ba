package io.github.embeddings4j.core.zoo.dnnl;

import io.github.embeddings4j.core.image.InputFormat;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A convolutional graph compiled for oneDNN: the forward pass of a DL4J {@link ComputationGraph}
 * (inference only, up to its output vertex) as a list of oneDNN primitives that keep their
 * activations in oneDNN's own blocked layout from the first convolution to the last.
 *
 * <p>Why: with DL4J's oneDNN layer helpers ({@code core.backend.OneDnn}) every convolution
 * reorders its input out of plain NCHW into the blocked layout and its output back, every
 * residual addition and ReLU is a separate pass over memory, and DL4J does Java work between
 * layers; ResNet50's 1x1 convolutions ran at a third of the machine's matrix-product rate. Here
 * the weights are reordered once, each activation stays blocked, an activation layer after a
 * convolution becomes that convolution's post-op, and a residual addition (with the ReLU after
 * it) becomes the {@code sum} post-op of the convolution that produces its last input, written in
 * place over the other input when nothing else still reads it. docs/models.md has the figures.
 *
 * <p>What compiles: plain and depthwise-separable 2-D convolutions (channels first, any stride,
 * dilation, padding and {@link ConvolutionMode} except {@code Causal}; activation identity, ReLU,
 * leaky ReLU, tanh or sigmoid), batch norms (folded into the convolution before them where that
 * computes the same, else oneDNN's batch norm with a following ReLU fused), max and average
 * pooling, global max and average pooling, zero padding before a convolution, activation layers,
 * two-input additions, channel concatenations, dense layers (inner products) and dropout (the
 * identity at inference), in a graph or a layer stack. A network with anything else (other
 * layers or preprocessors, several inputs) is not compiled: {@code compile} throws {@link
 * Unsupported} naming the vertex, and the caller keeps DL4J's own forward pass.
 *
 * <p>Threads: the compiled graph (its weights, reordered once per layout) is shared; each thread
 * runs its own {@link Runner}, which holds its activation buffers.
 *
 * <p>This class is the package's facade. Behind it: the {@link Compiler} makes a {@link Program}
 * of {@link Op}s; a runner's {@link Execution} turns it into one {@link Plan} of primitives per
 * batch size, whose tensors a {@link BufferPlan} places on the runner's {@link Arena}; {@link
 * PackedWeights} holds the parameters all runners share.
 */
public final class DnnlGraph implements AutoCloseable {

  /** Set to {@code false} to keep DL4J's own forward pass for every model. */
  static final String PROPERTY = "embeddings4j.oneDnnGraph";

  /**
   * The largest relative difference from DL4J's forward pass (max absolute difference over the
   * largest absolute DL4J output) accepted when an embedder checks a compiled graph. Measured:
   * 1e-6 to 3e-6 on random ResNet50 and SqueezeNet graphs (DnnlGraphTest); float sums in another
   * order, not a different computation, differ by that much.
   */
  public static final double TOLERANCE = 1e-3;

  /** Why a graph did not compile. */
  public static final class Unsupported extends Exception {
    Unsupported(String message) {
      super(message);
    }
  }

  private final Program program;
  /** Runners not yet closed: the weights stay until the last one is. */
  private int openRunners;
  private boolean closing;
  private boolean released;

  private DnnlGraph(Program program) {
    this.program = program;
  }

  /**
   * Compiles a float graph with one image input and one output.
   *
   * @param graph the graph, cut after its output and with batch norms folded where possible
   * @param format the input size
   * @return the compiled graph
   * @throws Unsupported naming the first vertex that oneDNN cannot run here
   */
  public static DnnlGraph compile(ComputationGraph graph, InputFormat format)
      throws Unsupported {
    return new DnnlGraph(Compiler.compile(graph, format));
  }

  /**
   * Compiles a float layer stack ({@code MultiLayerNetwork}) whose first layer takes images: the
   * same as a graph whose vertices form one chain.
   *
   * @param net the network, cut after its output layer
   * @param format the input size
   * @return the compiled network
   * @throws Unsupported naming the first layer that oneDNN cannot run here
   */
  public static DnnlGraph compile(MultiLayerNetwork net, InputFormat format)
      throws Unsupported {
    return new DnnlGraph(Compiler.compile(net, format));
  }

  /**
   * A new runner of this graph, for one thread at a time.
   *
   * @return a runner that holds its own stream and activation buffers
   * @throws IllegalStateException if the graph was closed
   */
  public Runner runner() {
    return new Runner();
  }

  /**
   * The output of one image.
   *
   * @return channels, height, width
   */
  public long[] outputShape() {
    return program.outputShape();
  }

  /**
   * The number of operations after fusion (for logs and tests).
   *
   * @return the operations a batch runs
   */
  public int operations() {
    return program.ops.size();
  }

  /**
   * The number of residual additions fused into a convolution (for logs and tests).
   *
   * @return the additions that are a convolution's {@code sum} post-op
   */
  public int fusedAdditions() {
    return program.fusedAdditions();
  }

  /** The bytes every tensor of a batch of {@code n} would take if each had its own buffer. */
  long tensorBytes(int n) {
    return program.tensorBytes(n);
  }

  /**
   * Frees the packed weights (native memory: ResNet50 about 100 MB, VGG16 550 MB) once every
   * runner is closed; runners still running finish first, and no new runner can start.
   */
  @Override
  public synchronized void close() {
    closing = true;
    freeIfDone();
  }

  /** Whether the weights have been freed. */
  synchronized boolean released() {
    return released;
  }

  private void freeIfDone() {
    if (!closing || openRunners > 0 || released) {
      return;
    }
    released = true;
    PackedWeights.free(program.ops);
  }

  /**
   * What the executor is in this JVM, for reports.
   *
   * @return "on (oneDNN 2.5.2, avx512_core)", "off (...)" when the property turns it off, or
   *     "unavailable (...)" when oneDNN cannot load
   */
  public static String status() {
    if (!enabled()) {
      return "off (-D" + PROPERTY + "=false)";
    }
    try {
      org.bytedeco.dnnl.dnnl_version_t v = dnnl.dnnl_version();
      return "on (oneDNN " + v.major() + "." + v.minor() + "." + v.patch() + ", "
          + dnnl.get_effective_cpu_isa() + ")";
    } catch (RuntimeException | LinkageError e) {
      return "unavailable (" + e + ")";
    }
  }

  /**
   * Whether the executor is allowed in this JVM.
   *
   * @return {@code false} when the system property {@value #PROPERTY} is {@code false}
   */
  public static boolean enabled() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY));
  }

  /**
   * The float error of a compiled graph's output relative to the output's scale.
   *
   * @param actual the compiled graph's output
   * @param expected DL4J's output
   * @return max |actual - expected| over max |expected| (the absolute error when that is 0);
   *     infinite when the lengths differ
   */
  public static double relativeError(float[] actual, float[] expected) {
    if (actual.length != expected.length) {
      return Double.POSITIVE_INFINITY;
    }
    double scale = 0;
    double err = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      err = Math.max(err, Math.abs(actual[i] - expected[i]));
    }
    return scale == 0 ? err : err / scale;
  }

  /** A thread's own executor: its stream and activation buffers, one plan per batch size. */
  public final class Runner implements AutoCloseable {
    private final Execution execution;
    private boolean closed;

    private Runner() {
      synchronized (DnnlGraph.this) {
        if (closing) {
          throw new IllegalStateException("the compiled graph was closed");
        }
        openRunners++;
      }
      execution = new Execution(program);
    }

    /**
     * The compiled graph this runner runs.
     *
     * @return the graph whose weights it uses
     */
    public DnnlGraph graph() {
      return DnnlGraph.this;
    }

    /**
     * Runs one batch.
     *
     * @param input {@code n} images, NCHW, as the DL4J graph takes them
     * @param n the number of images
     * @return the output, NCHW, {@code n} times {@link #outputShape()}'s product
     */
    public float[] forward(float[] input, int n) {
      return execution.forward(input, n);
    }

    /** The bytes of activation buffers this runner holds (shared by its batch sizes). */
    long bufferBytes() {
      return execution.bufferBytes();
    }

    /** Frees its buffers; the graph's weights go with the last runner of a closed graph. */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      execution.close();
      synchronized (DnnlGraph.this) {
        openRunners--;
        freeIfDone();
      }
    }
  }
}
