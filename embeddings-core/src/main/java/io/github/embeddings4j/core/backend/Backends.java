package io.github.embeddings4j.core.backend;

import io.github.embeddings4j.api.BackendReport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.nd4j.common.config.ND4JClassLoading;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses between ND4J's CPU and CUDA backends before ND4J starts, and reports what it chose.
 *
 * <p>ND4J itself loads the available backend of highest priority (CUDA over CPU), ordered by the
 * environment variables {@code BACKEND_PRIORITY_CPU} and {@code BACKEND_PRIORITY_GPU}. Left to
 * itself it would start the CUDA backend on a GPU that ND4J 1.0.0-M2.1 has no kernels for
 * (Hopper and newer, see {@link CudaSupport}) and fail at the first operation, or fail at start-up
 * when the CUDA classes are present but no CUDA library is. So, when the CUDA backend is on the
 * class path ({@code embeddings-nd4j-cuda}), this class keeps it out of ND4J's sight, and ND4J
 * starts on the CPU, when
 *
 * <ul>
 *   <li>the system property {@value #PROPERTY} is {@code cpu}, or</li>
 *   <li>it is {@code auto} (the default) and {@code nvidia-smi} finds no GPU, or only GPUs that
 *       the CUDA build cannot run on.</li>
 * </ul>
 *
 * <p>With {@value #PROPERTY}{@code =gpu} the GPU is required: when the CUDA classes are missing
 * or no supported GPU is found, every embedder refuses to start with the reason ({@link
 * NativeFlavour#select()} throws), rather than running quietly on the CPU. ND4J's own
 * environment variables keep working and take precedence inside ND4J's choice.
 *
 * <p>The choice is made once, by {@link NativeFlavour#select()}, which every embedder and trainer
 * calls before its first ND4J operation.
 */
public final class Backends {

  /** The preference: {@code auto} (default), {@code cpu} or {@code gpu}. */
  public static final String PROPERTY = "embeddings4j.backend";

  private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

  /** The class whose presence means ND4J's CUDA backend is on the class path. */
  static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";

  /** Where {@link java.util.ServiceLoader} finds ND4J's backends. */
  static final String SERVICES = "META-INF/services/org.nd4j.linalg.factory.Nd4jBackend";

  /** What was decided, and why. */
  record Decision(boolean hideCuda, String reason, String refusal) {}

  private static volatile Decision decision;
  private static volatile List<Gpu> gpus = List.of();
  private static volatile boolean cudaAllowed;

  private Backends() {}

  /** The preference named by {@value #PROPERTY}; an unknown value is refused. */
  enum Preference {
    AUTO, CPU, GPU;

    static Preference parse(String value) {
      if (value == null || value.isBlank()) {
        return AUTO;
      }
      return switch (value.strip().toLowerCase(Locale.ROOT)) {
        case "auto" -> AUTO;
        case "cpu" -> CPU;
        case "gpu", "cuda" -> GPU;
        default -> throw new IllegalArgumentException(
            PROPERTY + " must be auto, cpu or gpu, not '" + value + "'");
      };
    }
  }

  /**
   * The decision itself, without side effects.
   *
   * @param preference what the user asked for
   * @param cudaClasses whether ND4J's CUDA backend is on the class path
   * @param found the GPUs {@code nvidia-smi} reported
   * @return whether to hide the CUDA backend, why, and a refusal when the preference cannot be
   *     met
   */
  static Decision decide(Preference preference, boolean cudaClasses, List<Gpu> found) {
    boolean anySupported = found.stream().anyMatch(Gpu::supported);
    String gpuWords = found.isEmpty() ? "no NVIDIA GPU found (nvidia-smi)"
        : anySupported ? "a supported GPU found"
            : "no supported GPU: " + String.join("; ", found.stream().map(Gpu::describe).toList());
    if (preference == Preference.CPU) {
      return new Decision(cudaClasses, PROPERTY + "=cpu", null);
    }
    if (!cudaClasses) {
      String reason = "CPU backend only on the class path (add embeddings-nd4j-cuda for GPUs)";
      return new Decision(false, reason, preference == Preference.GPU
          ? PROPERTY + "=gpu but ND4J's CUDA backend is not on the class path: depend on "
              + "embeddings-nd4j-cuda (docs/gpu.md)" : null);
    }
    if (anySupported) {
      return new Decision(false, gpuWords + "; CUDA backend allowed", null);
    }
    if (preference == Preference.GPU) {
      return new Decision(false, gpuWords, PROPERTY + "=gpu but " + gpuWords);
    }
    return new Decision(true, gpuWords + "; staying on the CPU", null);
  }

  /**
   * Makes the choice once; called by {@link NativeFlavour} before ND4J starts.
   *
   * @return whether ND4J may load its CUDA backend (its classes are present and not hidden)
   */
  static synchronized boolean choose() {
    if (decision != null) {
      return cudaAllowed;
    }
    Preference preference;
    try {
      preference = Preference.parse(System.getProperty(PROPERTY));
    } catch (IllegalArgumentException e) {
      decision = new Decision(false, e.getMessage(), e.getMessage());
      return false;
    }
    ClassLoader loader = ND4JClassLoading.getNd4jClassloader();
    boolean cudaClasses = loader.getResource(CUDA_BACKEND.replace('.', '/') + ".class") != null;
    // Probing costs a process start: only when the CUDA backend could be used at all.
    gpus = cudaClasses && preference != Preference.CPU ? Gpu.probe() : List.of();
    Decision d = decide(preference, cudaClasses, gpus);
    if (d.hideCuda()) {
      ND4JClassLoading.setNd4jClassloader(new WithoutCuda(loader));
      LOG.debug("ND4J backend: CPU ({})", d.reason());
    } else if (cudaClasses) {
      LOG.debug("ND4J backend: ND4J's choice ({})", d.reason());
    }
    decision = d;
    cudaAllowed = cudaClasses && !d.hideCuda();
    return cudaAllowed;
  }

  /**
   * The reason the preference cannot be met, or null when it can.
   *
   * @return the refusal or null
   */
  static String refusal() {
    Decision d = decision;
    return d == null ? null : d.refusal();
  }

  /**
   * Reports the backend ND4J runs on (starting ND4J if it has not started yet, after the choice
   * above).
   *
   * @return the report
   * @throws IllegalStateException if {@value #PROPERTY} asks for what cannot be had
   */
  public static BackendReport report() {
    String flavour = NativeFlavour.select();
    Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
    String backend = String.valueOf(env.getOrDefault("backend", "CPU")).toUpperCase(Locale.ROOT);
    int threads = intOf(env.get("omp.threads"));
    String reason = decision == null ? "" : decision.reason();
    List<String> gpuLines = gpus.stream().map(Gpu::describe).toList();
    if (!"CUDA".equals(backend)) {
      String platform = org.bytedeco.javacpp.Loader.getPlatform();
      // The build loaded, not the one asked for; and the BLAS kernels OpenBLAS runs.
      String loaded = NativeFlavour.loadedFlavour();
      String blas = OpenBlasCore.loaded();
      String build = platform + (loaded != null ? loaded : flavour)
          + (blas != null ? ", OpenBLAS " + blas : "") + ", OpenMP wait " + ompWaitPolicy();
      return new BackendReport("CPU", build, cpuModel(), "",
          org.bytedeco.javacpp.Pointer.maxBytes(), "", "", threads, reason, gpuLines);
    }
    String name = "";
    String cc = "";
    long memory = -1;
    Object devices = env.get("cuda.devicesInformation");
    if (devices instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?> m) {
      name = String.valueOf(m.get("cuda.deviceName"));
      cc = m.get("cuda.deviceMajor") + "." + m.get("cuda.deviceMinor");
      memory = longOf(m.get("cuda.totalMemory"));
    }
    String cuda = cudaVersion();
    return new BackendReport("CUDA", "cuda-" + cuda, name, cc, memory, cuda, cudnnVersion(),
        threads, reason, gpuLines);
  }

  /** The CUDA runtime's version as "major.minor", read through JavaCPP's CUDA preset. */
  private static String cudaVersion() {
    try {
      Class<?> cudart = Class.forName("org.bytedeco.cuda.global.cudart");
      int[] v = new int[1];
      cudart.getMethod("cudaRuntimeGetVersion", int[].class).invoke(null, (Object) v);
      return v[0] / 1000 + "." + (v[0] % 1000) / 10;
    } catch (ReflectiveOperationException | LinkageError e) {
      return "";
    }
  }

  /** cuDNN's version when its library loads (DL4J's cuDNN helpers use it), else empty. */
  private static String cudnnVersion() {
    try {
      Class<?> cudnn = Class.forName("org.bytedeco.cuda.global.cudnn");
      long v = ((Number) cudnn.getMethod("cudnnGetVersion").invoke(null)).longValue();
      return v / 1000 + "." + (v % 1000) / 100 + "." + v % 100;
    } catch (ReflectiveOperationException | LinkageError e) {
      return "";
    }
  }

  private static int intOf(Object o) {
    try {
      return o == null ? -1 : Integer.parseInt(o.toString().strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long longOf(Object o) {
    try {
      return o == null ? -1 : Long.parseLong(o.toString().strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("no /proc/cpuinfo: {}", e.toString());
    }
    return System.getProperty("os.arch");
  }

  /**
   * ND4J's class loader without the CUDA backend's service entry: classes and every other
   * resource come from the parent unchanged, so only the backend list ND4J sees differs.
   */
  static final class WithoutCuda extends ClassLoader {
    WithoutCuda(ClassLoader parent) {
      super(parent);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      Enumeration<URL> all = getParent().getResources(name);
      if (!SERVICES.equals(name)) {
        return all;
      }
      List<URL> kept = new ArrayList<>();
      for (URL url : Collections.list(all)) {
        String text;
        try (InputStream in = url.openStream()) {
          text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!text.contains(CUDA_BACKEND)) {
          kept.add(url);
        }
      }
      return Collections.enumeration(kept);
    }
  }

  /** The OpenMP wait policy in the process environment ({@link OpenMpWait}), or "default". */
  private static String ompWaitPolicy() {
    try {
      String v = NativeEnv.get(OpenMpWait.ENV);
      return v == null || v.isBlank() ? "default" : v.toLowerCase(Locale.ROOT);
    } catch (RuntimeException | LinkageError e) {
      return "unknown";
    }
  }
}
