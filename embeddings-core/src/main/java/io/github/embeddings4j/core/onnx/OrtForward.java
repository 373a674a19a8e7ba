package io.github.embeddings4j.core.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import io.github.embeddings4j.core.embed.Activations;
import io.github.embeddings4j.core.embed.ForwardPass;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ForwardPass} on ONNX Runtime (CPU): one session, shared by every copy and thread
 * (ONNX Runtime runs a session from several threads at once), intra-op threads = the processors,
 * every graph optimisation on. A model whose batch dimension is fixed runs a batch as that many
 * images at a time (the last part padded with zeros). The session closes with its last copy.
 */
public final class OrtForward implements ForwardPass {

  /** The version of the ONNX Runtime library on the class path, or "unknown". */
  public static final String VERSION = version();

  private final Shared shared;
  private boolean closed;

  /** The session and what every copy reads from it. */
  private static final class Shared {
    final OrtSession session;
    final OrtSession.SessionOptions options;
    final String input;
    final String output;
    /** The input's shape per image (without the batch dimension). */
    final long[] item;
    final int itemSize;
    /** The batch size the model requires, or -1 when the batch dimension is free. */
    final int fixedBatch;
    final AtomicInteger users = new AtomicInteger(1);
    final String engine;
    /** Whether 4-D outputs are laid out [n, h, w, c] (models with channels-last inputs). */
    final boolean channelsLast;
    /** The input's element type: FLOAT, FLOAT16, BFLOAT16 or DOUBLE. */
    final OnnxJavaType inputType;

    Shared(OrtSession session, OrtSession.SessionOptions options, String input, String output,
        long[] item, int fixedBatch, boolean channelsLast, OnnxJavaType inputType) {
      this.channelsLast = channelsLast;
      this.inputType = inputType;
      this.session = session;
      this.options = options;
      this.input = input;
      this.output = output;
      this.item = item;
      long size = 1;
      for (long d : item) {
        size *= d;
      }
      this.itemSize = (int) size;
      this.fixedBatch = fixedBatch;
      this.engine = "ONNX Runtime " + VERSION + " (" + (options.getConfigEntries()
          .containsKey(CUDA_KEY) ? "CUDA" : "CPU") + ")";
    }
  }

  private OrtForward(Shared shared) {
    this.shared = shared;
  }

  /** The system property: {@code cpu} keeps ONNX Runtime on the CPU where a GPU could run it. */
  public static final String DEVICE_PROPERTY = "embeddings4j.onnx.device";

  /** Marks options whose session runs on CUDA (a config entry ONNX Runtime ignores). */
  private static final String CUDA_KEY = "embeddings4j.cuda";

  /**
   * A session's options as this SDK runs them: all graph optimisations, intra-op threads = the
   * processors, one inter-op thread, sequential execution, fatal log lines only (errors come back as
   * exceptions); and the CUDA execution
   * provider on GPU 0 where ONNX Runtime's GPU build ({@code onnxruntime_gpu}) is on the class
   * path and a GPU answers, unless {@value #DEVICE_PROPERTY} is {@code cpu}.
   *
   * @return new options (the caller closes them with the session)
   * @throws OrtException if ONNX Runtime refuses an option
   */
  public static OrtSession.SessionOptions options() throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    o.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
    o.setInterOpNumThreads(1);
    o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    // Fatal only: a failing run comes back as an exception the SDK reports with the model's
    // name; ONNX Runtime's own error line would print it a second time, in colour.
    o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
    if (cudaAvailable() && !"cpu".equalsIgnoreCase(System.getProperty(DEVICE_PROPERTY))) {
      try {
        o.addCUDA(0);
        o.addConfigEntry(CUDA_KEY, "1");
      } catch (OrtException e) {
        // The GPU build without a usable GPU (no driver, no CUDA 12 / cuDNN 9): the CPU.
        org.slf4j.LoggerFactory.getLogger(OrtForward.class).warn("ONNX Runtime's CUDA provider"
            + " is on the class path but did not start ({}); running on the CPU", e.getMessage());
      }
    }
    return o;
  }

  private static boolean cudaAvailable() {
    try {
      return OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA);
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /**
   * What ONNX Runtime offers here, for reports: its version and execution providers, which
   * serves sessions, and its telemetry, e.g. {@code "1.26.0, providers [CPU]; sessions run on the
   * CPU (...); telemetry none in this release on Linux"}.
   *
   * @return one line
   */
  public static String status() {
    try {
      java.util.EnumSet<ai.onnxruntime.OrtProvider> p = OrtEnvironment.getAvailableProviders();
      boolean cuda = p.contains(ai.onnxruntime.OrtProvider.CUDA);
      boolean cpuOnly = "cpu".equalsIgnoreCase(System.getProperty(DEVICE_PROPERTY));
      return VERSION + ", providers " + p + "; sessions run on " + (cuda && !cpuOnly
          ? "CUDA (GPU 0) where a GPU answers, else the CPU" : "the CPU" + (cuda ? " ("
          + DEVICE_PROPERTY + "=cpu)" : " (the GPU build, onnxruntime_gpu, is not on the class"
          + " path)")) + "; telemetry " + OrtStartup.telemetryState();
    } catch (RuntimeException | LinkageError e) {
      return "unavailable (" + e + ")";
    }
  }

  /**
   * The shared environment, logging errors only. It is created on first use on a thread of its
   * own, so that ONNX Runtime 1.29+'s telemetry start-up survives long command lines, and with
   * the runtime's telemetry events off unless {@code -Dembeddings4j.onnx.telemetry=true} (see
   * docs/onnx.md, "ONNX Runtime versions and telemetry").
   *
   * @return ONNX Runtime's environment
   */
  public static OrtEnvironment environment() {
    return OrtStartup.environment();
  }

  /**
   * Opens a model held in memory, e.g. a network exported to ONNX.
   *
   * @param model the model's bytes
   * @param input the input to feed
   * @param output the output to read
   * @param item the input's shape per image
   * @return the first pass; {@link #copy()} makes more
   * @throws OrtException if ONNX Runtime cannot load the model
   */
  public static OrtForward open(byte[] model, String input, String output, long[] item)
      throws OrtException {
    OrtSession.SessionOptions o = options();
    try {
      return of(environment().createSession(model, o), o, input, output, item, false);
    } catch (OrtException | RuntimeException e) {
      o.close();
      throw e;
    }
  }

  /**
   * Wraps an open session; the pass takes ownership of the session and its options (and closes
   * them when it refuses the input's element type). Images are converted from float32 to the
   * input's type (float16, bfloat16 or float64 where the model takes those), and outputs of
   * those types back to float32.
   *
   * @param session the session
   * @param options its options, closed with it
   * @param input the input to feed
   * @param output the output to read
   * @param item the input's shape per image
   * @param channelsLast whether 4-D outputs are laid out {@code [n, h, w, c]}
   * @return the first pass
   * @throws OrtException if the session's input cannot be read
   */
  static OrtForward of(OrtSession session, OrtSession.SessionOptions options, String input,
      String output, long[] item, boolean channelsLast) throws OrtException {
    NodeInfo info = session.getInputInfo().get(input);
    TensorInfo tensor = info != null && info.getInfo() instanceof TensorInfo t ? t : null;
    long batch = tensor != null && tensor.getShape().length > 0 ? tensor.getShape()[0] : -1;
    OnnxJavaType type = tensor == null ? OnnxJavaType.FLOAT : tensor.type;
    if (!INPUT_TYPES.contains(type)) {
      session.close();
      options.close();
      throw new IllegalArgumentException("input '" + input + "' takes " + type + " tensors;"
          + " images are fed as FLOAT, FLOAT16, BFLOAT16, DOUBLE or UINT8");
    }
    return new OrtForward(new Shared(session, options, input, output, item.clone(),
        batch > 0 ? (int) batch : -1, channelsLast, type));
  }

  /** The input element types images are converted to (from float32, at the input). */
  static final Set<OnnxJavaType> INPUT_TYPES = Set.of(OnnxJavaType.FLOAT, OnnxJavaType.FLOAT16,
      OnnxJavaType.BFLOAT16, OnnxJavaType.DOUBLE, OnnxJavaType.UINT8);

  /** The input tensor of a run, as the model's element type. */
  private OnnxTensor inputTensor(OrtEnvironment env, float[] input, int offset, int count,
      long[] dims) throws OrtException {
    FloatBuffer values = FloatBuffer.wrap(input, offset, count).slice();
    return switch (shared.inputType) {
      case FLOAT16 -> OnnxTensor.createTensor(env,
          Fp16Conversions.convertFloatBufferToFp16Buffer(values), dims, OnnxJavaType.FLOAT16);
      case BFLOAT16 -> OnnxTensor.createTensor(env,
          Fp16Conversions.convertFloatBufferToBf16Buffer(values), dims, OnnxJavaType.BFLOAT16);
      case UINT8 -> {
        // Pixel values 0..255 (the embedder feeds a uint8 input only raw pixels), rounded.
        byte[] b = new byte[count];
        for (int i = 0; i < count; i++) {
          b[i] = (byte) Math.max(0, Math.min(255, Math.round(input[offset + i])));
        }
        yield OnnxTensor.createTensor(env, java.nio.ByteBuffer.wrap(b), dims,
            OnnxJavaType.UINT8);
      }
      case DOUBLE -> {
        double[] d = new double[count];
        for (int i = 0; i < count; i++) {
          d[i] = input[offset + i];
        }
        yield OnnxTensor.createTensor(env, java.nio.DoubleBuffer.wrap(d), dims);
      }
      default -> OnnxTensor.createTensor(env, values, dims);
    };
  }

  /** An output's values as float32, from float32, float16, bfloat16 or float64. */
  private float[] floats(OnnxTensor out) {
    OnnxJavaType type = out.getInfo().type;
    if (type == OnnxJavaType.DOUBLE) {
      java.nio.DoubleBuffer db = out.getDoubleBuffer();
      float[] values = new float[db.remaining()];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) db.get(i);
      }
      return values;
    }
    FloatBuffer fb = type == OnnxJavaType.FLOAT16
        ? Fp16Conversions.convertFp16BufferToFloatBuffer(out.getShortBuffer())
        : type == OnnxJavaType.BFLOAT16
            ? Fp16Conversions.convertBf16BufferToFloatBuffer(out.getShortBuffer())
            : type == OnnxJavaType.FLOAT ? out.getFloatBuffer() : null;
    if (fb == null) {
      throw new IllegalStateException("output '" + shared.output + "' is " + type + ", not a"
          + " floating-point tensor; choose another with --output-name (models --inspect"
          + " lists them)");
    }
    float[] values = new float[fb.remaining()];
    fb.get(values);
    return values;
  }

  /**
   * The batch size the model requires.
   *
   * @return the size, or -1 when any batch size runs
   */
  public int fixedBatch() {
    return shared.fixedBatch;
  }

  @Override
  public Activations forward(float[] input, int n) {
    if (closed) {
      throw new IllegalStateException("forward pass is closed");
    }
    int size = shared.itemSize;
    if (input.length < (long) n * size) {
      throw new IllegalArgumentException("input holds " + input.length + " values, not " + n
          + " images of " + size);
    }
    int step = shared.fixedBatch > 0 ? shared.fixedBatch : n;
    float[] out = null;
    int[] shape = null;
    for (int from = 0; from < n; from += step) {
      int m = Math.min(step, n - from);
      float[] part = input;
      int at = from * size;
      if (m < step) {
        // A fixed-batch model's last part: padded with zero images, whose rows are dropped.
        part = new float[step * size];
        System.arraycopy(input, from * size, part, 0, m * size);
        at = 0;
      }
      float[][] run = run(part, at, step);
      if (out == null) {
        shape = new int[run[1].length];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = (int) run[1][i];
        }
        out = new float[run[0].length / step * n];
      }
      int per = out.length / n;
      System.arraycopy(run[0], 0, out, from * per, m * per);
    }
    return new Activations(out == null ? new float[0] : out, n,
        shape == null ? new int[] {0} : shape, shared.channelsLast && shape != null
            && shape.length == 3);
  }

  /** One run; returns the output's values and, as floats, its shape per item. */
  private float[][] run(float[] input, int offset, int n) {
    long[] dims = new long[shared.item.length + 1];
    dims[0] = n;
    System.arraycopy(shared.item, 0, dims, 1, shared.item.length);
    OrtEnvironment env = environment();
    try (OnnxTensor t = inputTensor(env, input, offset, n * shared.itemSize, dims);
        OrtSession.Result r = shared.session.run(Map.of(shared.input, t),
            Set.of(shared.output))) {
      OnnxValue v = r.get(shared.output).orElseThrow();
      if (!(v instanceof OnnxTensor out)) {
        throw new IllegalStateException("output '" + shared.output + "' is not a tensor");
      }
      long[] shape = out.getInfo().getShape();
      if (shape.length == 0 || shape[0] != n) {
        throw new IllegalStateException("output '" + shared.output + "' has shape "
            + Arrays.toString(shape) + ", not one row per image of a batch of " + n);
      }
      float[] values = floats(out);
      float[] itemShape = new float[shape.length - 1];
      for (int i = 1; i < shape.length; i++) {
        itemShape[i - 1] = shape[i];
      }
      return new float[][] {values, itemShape};
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  @Override
  public ForwardPass copy() {
    if (closed) {
      throw new IllegalStateException("forward pass is closed");
    }
    shared.users.incrementAndGet();
    return new OrtForward(shared);
  }

  /** ONNX Runtime spreads one batch over all its intra-op threads (the processors) itself. */
  @Override
  public boolean sideBySide() {
    return false;
  }

  /**
   * ONNX Runtime's rate rises with the batch: ResNet50 on 2 cores, whole calls of 32 images in
   * five runs of {@code DefaultsDuel}, batch 16 beat 8 by 4-6% in four and lost by 6% in one,
   * and 1, 2 and 4 were slower in every run. Trials that alternate sizes on one session measured
   * 2 and 4 10-20% below their steady rates, so the maximum is used without trials.
   */
  @Override
  public boolean tunesBatchSize() {
    return false;
  }

  @Override
  public String engine() {
    return shared.engine;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (shared.users.decrementAndGet() == 0) {
      try {
        shared.session.close();
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime could not close its session", e);
      } finally {
        shared.options.close();
      }
    }
  }

  private static String version() {
    Package p = OrtEnvironment.class.getPackage();
    String v = p == null ? null : p.getImplementationVersion();
    if (v == null) {
      try (var in = OrtEnvironment.class.getResourceAsStream(
          "/META-INF/maven/com.microsoft.onnxruntime/onnxruntime/pom.properties")) {
        if (in != null) {
          java.util.Properties props = new java.util.Properties();
          props.load(in);
          v = props.getProperty("version");
        }
      } catch (java.io.IOException e) {
        v = null;
      }
    }
    return v == null ? "unknown" : v;
  }
}
