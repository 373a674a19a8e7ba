package io.github.embeddings4j.core.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime under a long class path, in a child JVM: 1.29.0's native library kills the JVM
 * (SIGSEGV) once {@code java.class.path} passes about 4 KB, which IDE runs, {@code mvn exec} and
 * Spark reach; 1.23.2 runs. This is the test a version change of {@code onnxruntime} must pass.
 */
class OnnxClassPathTest {

  /** Run in the child: one model loaded and run, then "OK". */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      try (OnnxEmbedder e = OnnxEmbedder.builder(Path.of(args[0]))
          .preprocessing(io.github.embeddings4j.core.image.Preprocessing.none().toBuilder()
              .size(32, 32).resize(32).build()).build()) {
        float[][] v = e.embedTensors(new float[3 * 32 * 32], 1);
        System.out.println("OK " + v[0].length + " class path " + System.getProperty(
            "java.class.path").length());
      }
    }
  }

  @Test
  void aModelRunsUnderATenKilobyteClassPath() throws Exception {
    StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
    for (int i = 0; cp.length() < 10_240; i++) {
      cp.append(File.pathSeparatorChar).append("/nonexistent/embeddings4j/padding/entry-")
          .append(i).append(".jar");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", cp.toString(), Probe.class.getName(),
        OnnxEmbedderTest.fixture("resnet_tiny.onnx").toString()).redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
    assertEquals(0, p.exitValue(), "the child JVM with a " + cp.length() + "-character class"
        + " path died or failed:\n" + out);
    List<String> lines = out.lines().filter(l -> l.startsWith("OK ")).toList();
    assertEquals(1, lines.size(), out);
    assertTrue(lines.get(0).startsWith("OK 64 class path "), out);
    assertTrue(Integer.parseInt(lines.get(0).substring("OK 64 class path ".length())) >= 10_240,
        out);
  }
}
