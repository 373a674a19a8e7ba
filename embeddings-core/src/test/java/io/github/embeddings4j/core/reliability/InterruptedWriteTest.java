package io.github.embeddings4j.core.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.io.NpyWriter;
import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.search.FlatIndex;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes that stop midway, by an exception, a thread interrupt or a killed process, leave the
 * previous file whole and readable, and (short of a killed process) no temporary file behind.
 */
class InterruptedWriteTest {

  @TempDir Path dir;

  private static FlatIndex index(int rows, int dim, long seed, DistanceMetric metric) {
    Random random = new Random(seed);
    FlatIndex index = FlatIndex.builder(dim).metric(metric).build();
    float[] v = new float[dim];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < dim; j++) {
        v[j] = (float) random.nextGaussian();
      }
      index.add(i, v);
    }
    return index;
  }

  private List<String> files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aPayloadThatFailsMidwayLeavesThePreviousFile() throws IOException {
    Path f = dir.resolve("model.pca");
    float[][] rows = new float[30][5];
    Random random = new Random(1);
    for (float[] r : rows) {
      for (int j = 0; j < 5; j++) {
        r[j] = (float) random.nextGaussian();
      }
    }
    Pca pca = Pca.fit(rows, Pca.keep(2));
    pca.save(f);
    byte[] before = Files.readAllBytes(f);
    IOException e = assertThrows(IOException.class, () -> SdkFile.write(f, "PCA1", 1, out -> {
      // 300 kB, past the writer's buffer, so part of it reaches the disk before the failure.
      for (int i = 0; i < 75_000; i++) {
        out.writeInt(i);
      }
      throw new IOException("No space left on device (simulated)");
    }));
    assertEquals("No space left on device (simulated)", e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(f));
    assertEquals(2, Pca.load(f).outputDimension());
    assertEquals(List.of("model.pca"), files());
  }

  /** A metric whose name, asked for while the index is being saved, interrupts the saver. */
  private record InterruptingMetric(AtomicBoolean armed) implements DistanceMetric {
    @Override
    public String metricName() {
      if (armed.getAndSet(false)) {
        Thread.currentThread().interrupt();
      }
      return "interrupting-euclidean";
    }

    @Override
    public double distance(float[] a, float[] b) {
      return StandardMetric.EUCLIDEAN.distance(a, b);
    }

    @Override
    public boolean isMetric() {
      return true;
    }
  }

  @Test
  void anIndexSaveInterruptedMidwayLeavesThePreviousIndex() throws Exception {
    Path f = dir.resolve("photos.fidx");
    AtomicBoolean armed = new AtomicBoolean(false);
    InterruptingMetric metric = new InterruptingMetric(armed);
    FlatIndex old = index(500, 8, 1, metric);
    old.save(f);
    byte[] before = Files.readAllBytes(f);
    // 20,000 x 32 floats: megabytes after the metric's name, so the interrupt lands midway.
    FlatIndex bigger = index(20_000, 32, 2, metric);
    armed.set(true);
    try {
      assertThrows(ClosedByInterruptException.class, () -> bigger.save(f));
    } finally {
      assertTrue(Thread.interrupted(), "the save was interrupted");
    }
    assertArrayEquals(before, Files.readAllBytes(f));
    FlatIndex loaded = FlatIndex.load(f, metric);
    assertEquals(500, loaded.size());
    float[] q = new float[8];
    assertEquals(old.search(q, 3), loaded.search(q, 3));
    assertEquals(List.of("photos.fidx"), files());
  }

  @Test
  void anNpyWriteThatFailsMidwayLeavesThePreviousMatrix() throws IOException {
    Path f = dir.resolve("vectors.npy");
    float[][] previous = {{1, 2, 3}, {4, 5, 6}};
    Npy.write(f, previous);
    assertThrows(IOException.class, () -> SdkFile.writeAtomically(f, out -> {
      out.write(new byte[200_000]);
      throw new IOException("simulated failure after 200 kB");
    }));
    assertArrayEquals(previous, Npy.read(f));
    // A streamed matrix abandoned before its commit (an exception in the embedding loop).
    try (NpyWriter w = NpyWriter.open(f, 3)) {
      for (int i = 0; i < 50_000; i++) {
        w.write(new float[] {i, i, i});
      }
    }
    assertArrayEquals(previous, Npy.read(f));
    assertEquals(List.of("vectors.npy"), files());
  }

  @Test
  void aProcessKilledWhileSavingLeavesAWholeIndex() throws Exception {
    Path f = dir.resolve("killed.fidx");
    Random random = new Random(99);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
      for (int attempt = 0; attempt < 3; attempt++) {
        Process p = new ProcessBuilder(java, "-Xmx512m", "-cp",
            System.getProperty("java.class.path"), SaveForever.class.getName(), f.toString())
            .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8))) {
          String line;
          while ((line = out.readLine()) != null && !line.startsWith("saved")) {
            // the child's start-up output, if any
          }
          assertTrue(line != null, "the writer saved nothing");
          Thread.sleep(20 + random.nextInt(300));
          p.destroyForcibly(); // SIGKILL: no finally blocks, no shutdown hooks
          assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        // Whatever moment the kill hit, the file under the name is one of the two versions.
        FlatIndex loaded = FlatIndex.load(f);
        assertTrue(loaded.size() == SaveForever.ROWS_A || loaded.size() == SaveForever.ROWS_B,
            "size " + loaded.size());
        List<Neighbor> top = loaded.search(new float[SaveForever.DIM], 1);
        assertEquals(1, top.size());
      }
    });
  }

  /** Saves two versions of an index in turn to one file until killed. */
  static final class SaveForever {
    static final int DIM = 32;
    static final int ROWS_A = 30_000;
    static final int ROWS_B = 30_001;

    public static void main(String[] args) throws IOException {
      Path f = Path.of(args[0]);
      FlatIndex a = index(ROWS_A, DIM, 3, StandardMetric.EUCLIDEAN);
      FlatIndex b = index(ROWS_B, DIM, 4, StandardMetric.EUCLIDEAN);
      for (int i = 0; ; i++) {
        (i % 2 == 0 ? a : b).save(f);
        System.out.println("saved " + i);
        System.out.flush();
      }
    }
  }
}
