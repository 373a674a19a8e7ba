package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.gpu.GpuDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code search --device} and the GPU line of {@code backend}; on a machine without a GPU. */
class GpuCliTest {

  @TempDir static Path dir;
  static Path vectors;
  static Path queries;

  @BeforeAll
  static void data() throws IOException {
    Random r = new Random(9);
    float[][] rows = new float[400][16];
    for (float[] v : rows) {
      for (int t = 0; t < v.length; t++) {
        v[t] = (float) r.nextGaussian();
      }
    }
    vectors = dir.resolve("vectors.npy");
    Npy.write(vectors, rows);
    queries = dir.resolve("queries.npy");
    Npy.write(queries, new float[][] {rows[3], rows[77], rows[390]});
  }

  private static CliRun search(String... more) {
    String[] base = {"search", "--index", vectors.toString(), "--query", queries.toString(),
        "--k", "4"};
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return CliRun.of(args);
  }

  @Test
  void withoutAGpuDeviceGpuFailsWithTheReasonAndAutoSearchesOnTheCpu() {
    String reason = GpuDevice.unavailableReason();
    assumeTrue(reason != null, "this machine has a GPU");
    CliRun gpu = search("--device", "gpu");
    assertEquals(Main.EXIT_INPUT, gpu.code(), gpu.toString());
    assertTrue(gpu.err().contains("no GPU: "), gpu.err());
    assertTrue(gpu.err().contains("--device auto searches on the CPU instead"), gpu.err());
    CliRun auto = search("--device", "auto");
    CliRun cpu = search();
    assertEquals(0, auto.code(), auto.toString());
    assertTrue(auto.err().contains("searching on the CPU: no GPU"), auto.err());
    assertEquals(cpu.out(), auto.out(), "the same neighbours as the CPU search");
  }

  @Test
  void badDeviceOrStorageIsAUsageErrorAndGraphIndexesStayOnTheCpu() {
    CliRun tpu = search("--device", "tpu");
    assertEquals(Main.EXIT_USAGE, tpu.code(), tpu.toString());
    assertTrue(tpu.err().contains("--device must be cpu, gpu or auto, not 'tpu'"), tpu.err());
    CliRun half = search("--device", "auto", "--gpu-storage", "half");
    assertEquals(Main.EXIT_USAGE, half.code(), half.toString());
    assertTrue(half.err().contains("--gpu-storage must be float32, float16 or bfloat16"),
        half.err());
    Path graph = dir.resolve("graph.e4j");
    assertEquals(0, CliRun.of("index", "-q", "--input", vectors.toString(), "--output",
        graph.toString()).code());
    CliRun onGraph = CliRun.of("search", "--index", graph.toString(), "--query",
        queries.toString(), "--device", "gpu");
    assertEquals(Main.EXIT_INPUT, onGraph.code(), onGraph.toString());
    assertTrue(onGraph.err().contains("--device gpu searches exact indexes"), onGraph.err());
  }

  @Test
  void backendReportsTheGpuSearchOrWhyThereIsNone() {
    CliRun backend = CliRun.of("backend");
    assertEquals(0, backend.code(), backend.toString());
    String reason = GpuDevice.unavailableReason();
    assertTrue(backend.out().contains(reason == null ? "GPU search:       GPU 0: "
        : "GPU search:       unavailable: " + reason), backend.out());
  }
}
