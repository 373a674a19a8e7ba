package io.github.embeddings4j.benchmarks;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The entry point of {@code benchmarks.jar}: runs a whole profile and keeps what the report
 * needs, or hands any other command line to JMH unchanged.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar embeddings-benchmarks/target/benchmarks.jar \
 *     quick [--out DIR] [--only REGEX]
 * java ... -jar benchmarks.jar full --out DIR
 * java ... -jar benchmarks.jar KernelBenchmark -p dimension=512    (plain JMH)
 * </pre>
 *
 * <p>A profile run writes into {@code DIR} (default {@code benchmark-results/<jdk>-<profile>}):
 * one JMH JSON file per group of the profile ({@link Profile}), {@code run.log} with everything
 * JMH and the forks printed (Lucene's line about its SIMD path, the facts of {@link Facts}), and
 * {@code run.properties}: the command, JDK, CPU model, processor count, start and end time and
 * the load average at both, and {@code facts.txt}: the lines of {@code run.log} that the report
 * reads (the facts, Lucene's line), so that they are kept in git with the JSON ({@code *.log} is
 * ignored there; the page's goals were once computed from logs no checkout had).
 * {@code bin/report.py} turns one or more such folders into
 * {@code docs/BENCHMARKS.md}. The forks inherit this JVM's options (for example {@code
 * --add-modules jdk.incubator.vector}, and {@code --enable-native-access=ALL-UNNAMED} on JDK 22
 * and later), and each benchmark adds its own heap size.
 */
public final class BenchmarkSuite {

  private BenchmarkSuite() {}

  /**
   * Runs a profile, or JMH.
   *
   * @param args {@code quick|full [--out DIR] [--only REGEX]}, or JMH's own arguments
   * @throws Exception if JMH fails or a benchmark's check fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !(args[0].equals("quick") || args[0].equals("full"))) {
      org.openjdk.jmh.Main.main(args);
      return;
    }
    Profile profile = Profile.of(args[0]);
    Path out = null;
    String only = null;
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if ((a.equals("--out") || a.equals("--only")) && i + 1 < args.length) {
        if (a.equals("--out")) {
          out = Path.of(args[++i]);
        } else {
          only = args[++i];
        }
      } else {
        throw new IllegalArgumentException("unknown argument '" + a
            + "'; usage: quick|full [--out DIR] [--only REGEX]");
      }
    }
    if (out == null) {
      out = Path.of("benchmark-results",
          "jdk" + Runtime.version().feature() + "-" + args[0]);
    }
    System.exit(run(profile, out, only, args) ? 0 : 1);
  }

  /** Runs every group of the profile; false if one failed (the others still run). */
  static boolean run(Profile profile, Path out, String only, String[] args) throws IOException {
    Files.createDirectories(out);
    Properties meta = new Properties();
    meta.setProperty("command", command(args));
    meta.setProperty("profile", profile.name().toLowerCase(java.util.Locale.ROOT));
    meta.setProperty("java.version", System.getProperty("java.version"));
    meta.setProperty("java.vm", System.getProperty("java.vm.name") + " "
        + System.getProperty("java.vm.version"));
    meta.setProperty("java.home", System.getProperty("java.home"));
    meta.setProperty("cpu", cpuModel());
    meta.setProperty("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
    meta.setProperty("start", Instant.now().toString());
    meta.setProperty("load.start", loadAverage());
    // Written now as well, so that a run cut short still says what it was.
    store(meta, out);
    boolean ok = true;
    List<String> failed = new ArrayList<>();
    PrintStream console = System.out;
    PrintStream consoleErr = System.err;
    try (OutputStream file = new FileOutputStream(out.resolve("run.log").toFile());
        PrintStream both = new PrintStream(new Tee(console, file), true,
            StandardCharsets.UTF_8);
        PrintStream bothErr = new PrintStream(new Tee(consoleErr, file), true,
            StandardCharsets.UTF_8)) {
      // JMH writes what the forks print (Lucene's log line, the facts) to System.out and
      // System.err of this JVM, not through the output format: catch those too.
      System.setOut(both);
      System.setErr(bothErr);
      OutputFormat format = OutputFormatFactory.createFormatInstance(both, VerboseMode.NORMAL);
      for (Profile.Group g : profile.groups()) {
        String result = out.resolve(g.name() + ".json").toString();
        both.println("# embeddings4j group " + g.name() + " -> " + result);
        try {
          new Runner(g.options(result, only), format).run();
        } catch (NoBenchmarksException e) {
          both.println("# group " + g.name() + ": nothing selected by --only " + only);
        } catch (RunnerException e) {
          ok = false;
          failed.add(g.name());
          both.println("# group " + g.name() + " FAILED: " + e.getMessage());
          e.printStackTrace(both);
        }
      }
    } finally {
      System.setOut(console);
      System.setErr(consoleErr);
    }
    writeFacts(out);
    meta.setProperty("end", Instant.now().toString());
    meta.setProperty("load.end", loadAverage());
    meta.setProperty("failed", String.join(",", failed));
    store(meta, out);
    System.out.println("# results in " + out.toAbsolutePath()
        + (failed.isEmpty() ? "" : "; FAILED groups: " + failed));
    return ok;
  }

  /** The lines of run.log that bin/report.py reads, into facts.txt. */
  static void writeFacts(Path out) throws IOException {
    // Each fork prints its facts: kept once each, in the order first seen.
    java.util.Set<String> kept = new java.util.LinkedHashSet<>();
    for (String line : Files.readAllLines(out.resolve("run.log"), StandardCharsets.UTF_8)) {
      if (line.contains("embeddings4j-fact: ") || line.contains("vector incubator")) {
        kept.add(line.strip());
      }
    }
    Files.write(out.resolve("facts.txt"), kept, StandardCharsets.UTF_8);
  }

  private static void store(Properties meta, Path out) throws IOException {
    try (OutputStream m = Files.newOutputStream(out.resolve("run.properties"))) {
      meta.store(m, "embeddings4j benchmark run");
    }
  }

  private static String command(String[] args) {
    StringBuilder b = new StringBuilder("java");
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      b.append(' ').append(a);
    }
    b.append(" -jar embeddings-benchmarks/target/benchmarks.jar");
    for (String a : args) {
      b.append(' ').append(a);
    }
    return b.toString();
  }

  /** {@code model name} of {@code /proc/cpuinfo}, or the OS's architecture elsewhere. */
  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: fall through.
    }
    return System.getProperty("os.arch");
  }

  /** The 1, 5 and 15 minute load averages of {@code /proc/loadavg}. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return String.format(java.util.Locale.ROOT, "%.2f",
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  /** Writes to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }
  }
}
