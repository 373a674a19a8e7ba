package io.github.embeddings4j.core.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How ONNX Runtime's environment is started ({@link OrtStartup}).
 *
 * <p>The child-JVM test is the one a version change of {@code onnxruntime} must pass: 1.29.0
 * kills the JVM (SIGSEGV, no error report) when its telemetry start-up reads a command line over
 * about 3.7 KB on a 1 MB thread stack. To check another release against the SDK's start-up, run
 * this class with {@code -Dembeddings4j.test.ortJar=/path/to/onnxruntime-X.jar}: the child then
 * runs with that jar in place of the class path's.
 */
class OrtStartupTest {

  /** Run in the child: one model loaded and run, then "OK". */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      try (OnnxEmbedder e = OnnxEmbedder.builder(Path.of(args[0]))
          .preprocessing(io.github.embeddings4j.core.image.Preprocessing.none().toBuilder()
              .size(32, 32).resize(32).build()).build()) {
        float[][] v = e.embedTensors(new float[3 * 32 * 32], 1);
        System.out.println("OK " + v[0].length + " onnxruntime " + OrtForward.VERSION
            + " command line " + OrtStartup.commandLineLength());
      }
    }
  }

  @Test
  void aModelRunsUnderALongClassPathAndALongArgument() throws Exception {
    String ortJar = System.getProperty("embeddings4j.test.ortJar");
    List<String> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (ortJar == null || !e.contains("onnxruntime")) {
        entries.add(e);
      }
    }
    if (ortJar != null) {
      entries.add(ortJar);
    }
    StringBuilder cp = new StringBuilder(String.join(File.pathSeparator, entries));
    for (int i = 0; cp.length() < 10_240; i++) {
      cp.append(File.pathSeparatorChar).append("/nonexistent/embeddings4j/padding/entry-")
          .append(i).append(".jar");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // A 20 KB argument after the model: the command line, not the class path, is what 1.29 reads.
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", cp.toString(), Probe.class.getName(),
        OnnxEmbedderTest.fixture("resnet_tiny.onnx").toString(), "x".repeat(20_000))
        .redirectErrorStream(true);
    pb.environment().remove(OrtStartup.DISABLE_VARIABLE);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
    assertEquals(0, p.exitValue(), "the child JVM with a " + cp.length() + "-character class"
        + " path died or failed:\n" + out);
    List<String> lines = out.lines().filter(l -> l.startsWith("OK ")).toList();
    assertEquals(1, lines.size(), out);
    assertTrue(lines.get(0).startsWith("OK 64 onnxruntime "), out);
    long length = Long.parseLong(lines.get(0).replaceAll(".* command line ", ""));
    assertTrue(length > 30_000, "the child saw its whole command line: " + out);
  }

  @Test
  void theStackGrowsWithTheCommandLineWithinItsBounds() {
    assertEquals(OrtStartup.MIN_STACK, OrtStartup.stackFor(0));
    assertEquals(OrtStartup.MIN_STACK, OrtStartup.stackFor(4_000));
    // 128 KB, the longest single argument Linux accepts: 1 KB of stack per byte.
    assertEquals(128L << 20, OrtStartup.stackFor(128 * 1024));
    assertEquals(OrtStartup.MAX_STACK, OrtStartup.stackFor(2L << 20));
    assertEquals(OrtStartup.MAX_STACK, OrtStartup.stackFor(Long.MAX_VALUE / 4096));
  }

  @Test
  void theCommandLineLengthIsWhatTheRuntimeReads() throws Exception {
    long length = OrtStartup.commandLineLength();
    Path proc = Path.of("/proc/self/cmdline");
    if (Files.isReadable(proc)) {
      // Surefire's forked JVM gets its class path from a manifest: the command line can be
      // shorter than java.class.path, and the command line is what ONNX Runtime reads.
      assertEquals(Files.readAllBytes(proc).length, length);
    } else {
      assertTrue(length >= System.getProperty("java.class.path").length(), "length " + length);
    }
  }

  @Test
  void onlyReleasesWithPosixTelemetryAreNamed() {
    assertFalse(OrtStartup.sendsPosixTelemetry("1.23.2", "Linux"));
    assertFalse(OrtStartup.sendsPosixTelemetry("1.28.0", "Linux"));
    assertTrue(OrtStartup.sendsPosixTelemetry("1.29.0", "Linux"));
    assertTrue(OrtStartup.sendsPosixTelemetry("1.30.1", "Mac OS X"));
    assertTrue(OrtStartup.sendsPosixTelemetry("2.0.0-rc1", "Linux"));
    assertFalse(OrtStartup.sendsPosixTelemetry("1.29.0", "Windows 11"));
    assertFalse(OrtStartup.sendsPosixTelemetry("unknown", "Linux"));
  }

  @Test
  void theWarningNamesTheFixAndGoesAwayWhenTheUserHasDecided() {
    Optional<String> w = OrtStartup.notice("1.29.0", null, false);
    if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("windows")) {
      assertTrue(w.isEmpty());
      return;
    }
    assertTrue(w.isPresent());
    assertTrue(w.get().contains("ONNX Runtime 1.29.0"), w.get());
    assertTrue(w.get().contains("ORT_DISABLE_TELEMETRY=1"), w.get());
    assertTrue(w.get().contains("-Dembeddings4j.onnx.telemetry=true"), w.get());
    assertTrue(OrtStartup.notice("1.29.0", "1", false).isEmpty());
    assertTrue(OrtStartup.notice("1.29.0", "TRUE", false).isEmpty());
    assertTrue(OrtStartup.notice("1.29.0", null, true).isEmpty());
    assertTrue(OrtStartup.notice("1.28.0", null, false).isEmpty());
    assertTrue(OrtStartup.notice("1.29.0", "0", false).isPresent());
  }

  @Test
  void theTelemetryStateSaysWhoDecided() {
    assertEquals("none in this release on Linux",
        OrtStartup.telemetryState("1.26.0", null, false, "Linux"));
    assertEquals("off (ORT_DISABLE_TELEMETRY=1)",
        OrtStartup.telemetryState("1.29.0", "1", false, "Linux"));
    assertEquals("events off, the start-up event sent (ORT_DISABLE_TELEMETRY=1 sends nothing)",
        OrtStartup.telemetryState("1.29.0", null, false, "Linux"));
    assertEquals("as ONNX Runtime sets it (-Dembeddings4j.onnx.telemetry=true)",
        OrtStartup.telemetryState("1.29.0", null, true, "Mac OS X"));
    assertEquals("events off (the runtime's Windows telemetry)",
        OrtStartup.telemetryState("1.26.0", null, false, "Windows 11"));
  }

  @Test
  void theEnvironmentIsCreatedOnceAndShared() {
    assertSame(OrtStartup.environment(), OrtForward.environment());
    assertSame(OrtStartup.environment(), ai.onnxruntime.OrtEnvironment.getEnvironment());
  }
}
