package io.github.embeddings4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The selection kernel's logic without a GPU: {@code src/test/emulator/select_test.cpp} compiles
 * {@code select.cu} for the CPU against a small CUDA emulation (a thread per CUDA thread,
 * barriers for {@code __syncthreads} and warp shuffles) and checks every list it writes, bit for
 * bit, against a sort: one and several parts, NaN scores, many equal distances, parts with fewer
 * rows than k, and bfloat16 rounding. Needs g++ 11 or newer (C++20); skipped, with the reason,
 * without it.
 */
class KernelEmulationTest {

  @Test
  void selectionKernelMatchesASortOnTheCpu() throws Exception {
    Path source = Path.of("src/test/emulator/select_test.cpp");
    assumeTrue(Files.isRegularFile(source), "run from the embeddings-gpu module folder");
    String compiler = System.getenv().getOrDefault("CXX", "g++");
    assumeTrue(runs(List.of(compiler, "--version")), compiler + " not found");
    Path exe = Path.of("target/emulator/select_test");
    Files.createDirectories(exe.getParent());
    Result built = run(List.of(compiler, "-std=c++20", "-O1", "-pthread", "-ffp-contract=off",
        source.toString(), "-o", exe.toString()), 300);
    assumeTrue(built.code == 0 || !built.output.contains("barrier"),
        "the C++ library lacks std::barrier (g++ 11+ needed): " + built.output);
    assertEquals(0, built.code, "compiling the emulation failed:\n" + built.output);
    Result ran = run(List.of(exe.toString()), 300);
    assertEquals("ok", ran.output.strip(), ran.output);
    assertEquals(0, ran.code, ran.output);
  }

  private record Result(int code, String output) {}

  private static boolean runs(List<String> command) {
    try {
      return run(command, 30).code == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Result run(List<String> command, int seconds)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(-1, "timed out after " + seconds + " s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
