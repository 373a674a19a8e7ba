package io.github.embeddings4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a class's {@code main} in a fresh JVM with this test JVM's class path, for checks of what
 * a JVM decides once at start-up (native build, BLAS kernels, vector kernels).
 */
public final class ChildJvm {

  private ChildJvm() {}

  /**
   * Runs {@code main} and returns its output (standard output and error together), failing the
   * test if it exits with a non-zero status.
   *
   * @param main the class whose {@code main} runs
   * @param jvmArgs JVM options placed before the class path
   * @param env environment variables to set; a {@code null} value removes the variable
   * @return the output
   * @throws IOException if the JVM cannot be started
   * @throws InterruptedException if interrupted while waiting
   */
  public static String run(Class<?> main, List<String> jvmArgs, Map<String, String> env)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    env.forEach((k, v) -> {
      if (v == null) {
        pb.environment().remove(k);
      } else {
        pb.environment().put(k, v);
      }
    });
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out;
  }
}
