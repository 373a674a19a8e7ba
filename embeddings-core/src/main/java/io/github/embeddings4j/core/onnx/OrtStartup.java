package io.github.embeddings4j.core.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates ONNX Runtime's process-wide environment the way every release can survive, and applies
 * the SDK's telemetry choice to it.
 *
 * <p><b>Why a thread of its own.</b> From 1.29.0 the Linux and macOS builds of ONNX Runtime start
 * Microsoft's 1DS telemetry when the environment is created. Its start-up event matches regular
 * expressions against the process's command line ({@code /proc/self/cmdline}) on the calling
 * thread, and libstdc++'s regex engine recurses about once per character: with a Java thread's
 * default 1 MB stack, a command line over about 3.7 KB overflows the stack and the JVM dies with
 * SIGSEGV and no error report. A class path of 40 jars is enough, so IDE runs, {@code mvn exec}
 * and Spark executors reach it. The environment is therefore created on a short-lived thread
 * whose stack is sized from the command line's length (1 KB of stack per byte, at least 16 MB),
 * which the telemetry code then has room to recurse in. Releases before 1.29 do not read the
 * command line; for them the thread costs one thread start.
 *
 * <p><b>Telemetry.</b> The SDK turns ONNX Runtime's telemetry events off on the environment it
 * creates ({@code OrtEnvironment.setTelemetry(false)}) unless the system property {@value
 * #TELEMETRY_PROPERTY} is {@code true}. That cannot undo what the runtime sends while the
 * environment starts: only the environment variable {@code ORT_DISABLE_TELEMETRY=1}, set before
 * the JVM starts, stops 1.29's uploads, device identifier and offline cache (under {@code
 * ~/.cache/Microsoft}) entirely. A release with that telemetry and without the variable is named
 * once in the log, at WARN.
 */
final class OrtStartup {

  private static final Logger LOG = LoggerFactory.getLogger(OrtStartup.class);

  /** System property: {@code true} leaves ONNX Runtime's telemetry events as the runtime sets them. */
  static final String TELEMETRY_PROPERTY = "embeddings4j.onnx.telemetry";

  /** The environment variable with which ONNX Runtime 1.29+ starts no telemetry at all. */
  static final String DISABLE_VARIABLE = "ORT_DISABLE_TELEMETRY";

  /** The smallest stack the environment is created on. */
  static final long MIN_STACK = 16L << 20;

  /** The largest stack asked for (a reservation of address space; only what is used is touched). */
  static final long MAX_STACK = 1L << 30;

  private static volatile OrtEnvironment environment;

  private OrtStartup() {}

  /**
   * The shared environment, created on first use.
   *
   * @return ONNX Runtime's environment
   */
  static OrtEnvironment environment() {
    OrtEnvironment e = environment;
    if (e == null) {
      synchronized (OrtStartup.class) {
        e = environment;
        if (e == null) {
          e = create();
          environment = e;
        }
      }
    }
    return e;
  }

  private static OrtEnvironment create() {
    long length = commandLineLength();
    OrtEnvironment[] made = new OrtEnvironment[1];
    Throwable[] failed = new Throwable[1];
    Thread t = new Thread(null, () -> {
      try {
        made[0] = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            "embeddings4j");
      } catch (Throwable x) {
        failed[0] = x;
      }
    }, "embeddings4j-onnxruntime-start", stackFor(length));
    t.setDaemon(true);
    t.start();
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException x) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failed[0] instanceof RuntimeException r) {
      throw r;
    }
    if (failed[0] instanceof Error err) {
      throw err;
    }
    if (failed[0] != null) {
      throw new IllegalStateException("ONNX Runtime could not start", failed[0]);
    }
    OrtEnvironment env = made[0];
    applyTelemetryChoice(env);
    return env;
  }

  private static void applyTelemetryChoice(OrtEnvironment env) {
    String version;
    try {
      version = env.getVersion();
    } catch (RuntimeException | LinkageError x) {
      version = OrtForward.VERSION;
    }
    boolean keep = Boolean.getBoolean(TELEMETRY_PROPERTY);
    if (!keep) {
      try {
        env.setTelemetry(false);
      } catch (OrtException x) {
        LOG.debug("ONNX Runtime {} did not take setTelemetry(false): {}", version, x.toString());
      }
    }
    notice(version, System.getenv(DISABLE_VARIABLE), keep).ifPresent(LOG::warn);
  }

  /**
   * What to tell the user about ONNX Runtime's telemetry, if anything.
   *
   * @param version the runtime's version, e.g. "1.29.0"
   * @param disableVariable the value of {@code ORT_DISABLE_TELEMETRY}, or null
   * @param kept whether the user asked to keep the runtime's telemetry on
   * @return the warning, or empty where the release sends none or the user has decided
   */
  static Optional<String> notice(String version, String disableVariable, boolean kept) {
    if (kept || !sendsPosixTelemetry(version, System.getProperty("os.name", ""))
        || disables(disableVariable)) {
      return Optional.empty();
    }
    return Optional.of("ONNX Runtime " + version + " sends usage telemetry to Microsoft from"
        + " Linux and macOS and keeps a device identifier under ~/.cache/Microsoft. embeddings4j"
        + " turned its events off for this process (setTelemetry(false)), but the runtime's"
        + " start-up event comes before that. To send nothing, set the environment variable "
        + DISABLE_VARIABLE + "=1 before the JVM starts (Spark: spark.executorEnv."
        + DISABLE_VARIABLE + "=1), or use ONNX Runtime 1.28.0, the version embeddings4j is"
        + " built with. To keep the runtime's telemetry and silence this line: -D"
        + TELEMETRY_PROPERTY + "=true.");
  }

  /**
   * The telemetry state in words, for {@code embeddings4j backend}.
   *
   * @param version the runtime's version
   * @param disableVariable the value of {@code ORT_DISABLE_TELEMETRY}, or null
   * @param kept whether the user asked to keep the runtime's telemetry on
   * @param osName the operating system's name
   * @return e.g. "none in this release on Linux"
   */
  static String telemetryState(String version, String disableVariable, boolean kept,
      String osName) {
    if (disables(disableVariable)) {
      return "off (" + DISABLE_VARIABLE + "=" + disableVariable + ")";
    }
    boolean windows = windows(osName);
    if (!windows && !sendsPosixTelemetry(version, osName)) {
      return "none in this release on " + osName;
    }
    if (kept) {
      return "as ONNX Runtime sets it (-D" + TELEMETRY_PROPERTY + "=true)";
    }
    return windows ? "events off (the runtime's Windows telemetry)"
        : "events off, the start-up event sent (" + DISABLE_VARIABLE + "=1 sends nothing)";
  }

  /**
   * {@link #telemetryState} for this process.
   *
   * @return the state in words
   */
  static String telemetryState() {
    return telemetryState(OrtForward.VERSION, System.getenv(DISABLE_VARIABLE),
        Boolean.getBoolean(TELEMETRY_PROPERTY), System.getProperty("os.name", ""));
  }

  /** Whether a value of {@code ORT_DISABLE_TELEMETRY} turns the telemetry off. */
  private static boolean disables(String disableVariable) {
    return "1".equals(disableVariable) || "true".equalsIgnoreCase(disableVariable);
  }

  private static boolean windows(String osName) {
    return osName.toLowerCase(java.util.Locale.ROOT).startsWith("windows");
  }

  /**
   * Whether a release starts the 1DS telemetry of Linux and macOS (1.29.0 and later).
   *
   * @param version the runtime's version
   * @param osName the operating system's name
   * @return true for 1.29+ on an operating system other than Windows
   */
  static boolean sendsPosixTelemetry(String version, String osName) {
    if (windows(osName)) {
      return false;
    }
    String[] parts = version.split("[.-]");
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return major > 1 || (major == 1 && minor >= 29);
    } catch (NumberFormatException x) {
      return false;
    }
  }

  /**
   * The stack to create the environment on: 1 KB per byte of command line (3.6 times what
   * 1.29.0 was measured to use), between {@link #MIN_STACK} and {@link #MAX_STACK}.
   *
   * @param commandLineLength the process's command line, in bytes
   * @return the stack size in bytes
   */
  static long stackFor(long commandLineLength) {
    return Math.max(MIN_STACK, Math.min(MAX_STACK, commandLineLength * 1024));
  }

  /**
   * The length of this process's command line in bytes: {@code /proc/self/cmdline} where there
   * is one, else the longer of what the JDK reports and the class path with the main command.
   *
   * @return the length in bytes
   */
  static long commandLineLength() {
    Path proc = Path.of("/proc/self/cmdline");
    if (Files.isReadable(proc)) {
      try (InputStream in = Files.newInputStream(proc)) {
        long n = 0;
        byte[] buf = new byte[8192];
        for (int r; (r = in.read(buf)) > 0; ) {
          n += r;
        }
        return n;
      } catch (IOException x) {
        // fall through
      }
    }
    long known = System.getProperty("java.class.path", "").length()
        + System.getProperty("sun.java.command", "").length();
    return Math.max(known, ProcessHandle.current().info().commandLine().map(String::length)
        .orElse(0));
  }
}
