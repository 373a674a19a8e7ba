package io.github.embeddings4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.embeddings4j.core.backend.Backends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same embedder, batch scoring and PCA on the GPU and on the CPU give the same numbers:
 * within 1e-3 of the largest magnitude for embeddings (GPU convolutions sum in another order,
 * and cuDNN may choose other algorithms), 1e-4 for distances and projections. Runs where a
 * supported GPU and the CUDA natives ({@code -Pcuda}) are present; skipped, with the reason
 * printed, elsewhere.
 */
class GpuEquivalenceTest {

  @Test
  void gpuAndCpuAgree(@TempDir Path dir) throws Exception {
    Path gpu = dir.resolve("gpu.txt");
    Path cpu = dir.resolve("cpu.txt");
    Jvm onGpu = Jvm.run(Map.of(), List.of("-D" + Backends.PROPERTY + "=gpu"),
        EquivalenceProbe.class, gpu.toString());
    String why = onGpu.code() == 0 ? "" : onGpu.err().lines()
        .filter(l -> l.contains("refused") || l.contains("Exception")).findFirst()
        .orElse("exit " + onGpu.code());
    if (onGpu.code() != 0 || !"CUDA".equals(onGpu.value("backend"))) {
      System.out.println("GpuEquivalenceTest skipped: no usable GPU here (" + why + ")");
    }
    assumeTrue(onGpu.code() == 0 && "CUDA".equals(onGpu.value("backend")),
        "no usable GPU here: " + why);
    Jvm onCpu = Jvm.run(Map.of(), List.of("-D" + Backends.PROPERTY + "=cpu"),
        EquivalenceProbe.class, cpu.toString());
    assertEquals(0, onCpu.code(), onCpu.err());
    assertEquals("CPU", onCpu.value("backend"));
    List<String> a = Files.readAllLines(gpu);
    List<String> b = Files.readAllLines(cpu);
    assertEquals(b.size(), a.size());
    for (int i = 0; i < a.size(); i++) {
      String[] x = a.get(i).split(" ");
      String[] y = b.get(i).split(" ");
      assertEquals(y[0], x[0]);
      assertEquals(y.length, x.length, x[0]);
      double scale = 0;
      for (int j = 1; j < y.length; j++) {
        scale = Math.max(scale, Math.abs(Double.parseDouble(y[j])));
      }
      double tolerance = (x[0].startsWith("embedding") ? 1e-3 : 1e-4) * Math.max(scale, 1e-6);
      for (int j = 1; j < y.length; j++) {
        assertEquals(Double.parseDouble(y[j]), Double.parseDouble(x[j]), tolerance,
            x[0] + "[" + (j - 1) + "]");
      }
    }
  }
}
