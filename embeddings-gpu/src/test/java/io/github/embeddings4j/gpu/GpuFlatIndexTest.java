package io.github.embeddings4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.FlatIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GPU index against {@link FlatIndex} on the same vectors: the same ids and the same
 * distances, bit for bit. Tests that need a GPU are skipped, with the reason, without one.
 */
class GpuFlatIndexTest {

  static List<Arguments> metricsAndStorages() {
    List<Arguments> out = new ArrayList<>();
    for (StandardMetric m : new StandardMetric[] {StandardMetric.DOT_PRODUCT,
        StandardMetric.COSINE, StandardMetric.EUCLIDEAN, StandardMetric.SQUARED_EUCLIDEAN}) {
      for (Storage s : Storage.values()) {
        out.add(Arguments.of(m, s));
      }
    }
    return out;
  }

  /** A GPU index and a CPU FlatIndex over the same vectors, ids in reverse row order. */
  private static FlatIndex fill(GpuFlatIndex gpu, float[][] data, StandardMetric metric) {
    FlatIndex cpu = FlatIndex.builder(data[0].length).metric(metric).build();
    for (int i = 0; i < data.length; i++) {
      gpu.add(5_000_000L - 3L * i, data[i]);
      cpu.add(5_000_000L - 3L * i, data[i]);
    }
    return cpu;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("metricsAndStorages")
  void answersAsFlatIndexDoesAcrossBlocksAndParts(StandardMetric metric, Storage storage) {
    GpuTests.assumeGpu();
    float[][] data = GpuTests.random(1, 5000, 64);
    float[][] queries = GpuTests.random(2, 300, 64);
    // A small memory limit cuts the rows into several blocks of scores.
    GpuOptions options = GpuOptions.defaults().storage(storage).queryBatch(128)
        .memoryLimitBytes(8L << 20);
    try (GpuFlatIndex gpu = GpuFlatIndex.create(64, metric, options)) {
      FlatIndex cpu = fill(gpu, data, metric);
      assertTrue(gpu.onGpu());
      assertEquals(cpu.searchAll(queries, 10), gpu.searchAll(queries, 10));
      assertEquals(cpu.search(queries[7], 3), gpu.search(queries[7], 3), "one query");
      assertEquals(cpu.searchAll(queries, 1), gpu.searchAll(queries, 1), "k = 1");
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("metricsAndStorages")
  void streamedAnswersTheSame(StandardMetric metric, Storage storage) {
    GpuTests.assumeGpu();
    float[][] data = GpuTests.random(3, 7000, 48);
    float[][] queries = GpuTests.random(4, 200, 48);
    GpuOptions options = GpuOptions.defaults().storage(storage)
        .residency(Residency.STREAMED).memoryLimitBytes(6L << 20);
    try (GpuFlatIndex gpu = GpuFlatIndex.create(48, metric, options)) {
      FlatIndex cpu = fill(gpu, data, metric);
      assertEquals(cpu.searchAll(queries, 10), gpu.searchAll(queries, 10));
    }
  }

  static List<Arguments> metricsInFloat32AndFloat16() {
    return metricsAndStorages().stream().filter(a -> a.get()[1] != Storage.BFLOAT16).toList();
  }

  /**
   * Blocks of 70,000 rows, one part per query (600 queries in one batch fill even a GPU of 300
   * multiprocessors): the selection kernel takes its sampled threshold, and answers as with
   * the plain scan and as FlatIndex.
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("metricsInFloat32AndFloat16")
  void largeBlocksTakeTheSampledThresholdWithTheSameAnswers(StandardMetric metric,
      Storage storage) {
    GpuTests.assumeGpu();
    float[][] data = GpuTests.random(16, 70_000, 24);
    float[][] queries = GpuTests.random(17, 600, 24);
    try (GpuFlatIndex gpu = GpuFlatIndex.create(24, metric,
        GpuOptions.defaults().storage(storage).queryBatch(600))) {
      FlatIndex cpu = fill(gpu, data, metric);
      // k = 10 keeps 20 or 40 candidates; k = 50 keeps 100 or 200, more than the 32 rows the
      // threshold guarantees, so the kernel counts the rows that pass.
      for (int k : new int[] {10, 50}) {
        List<List<Neighbor>> expected = cpu.searchAll(queries, k);
        assertEquals(expected, gpu.searchAll(queries, k), "k = " + k);
        System.setProperty(GpuFlatIndex.FILTER_PROPERTY, "false");
        try {
          assertEquals(expected, gpu.searchAll(queries, k), "k = " + k + ", plain scan");
        } finally {
          System.clearProperty(GpuFlatIndex.FILTER_PROPERTY);
        }
      }
    }
  }

  @Test
  void tiesGoToTheSmallerIdAndKBeyondTheSizeReturnsEverything() {
    GpuTests.assumeGpu();
    float[][] data = GpuTests.random(5, 300, 16);
    try (GpuFlatIndex gpu = GpuFlatIndex.create(16, StandardMetric.EUCLIDEAN,
        GpuOptions.defaults())) {
      FlatIndex cpu = FlatIndex.builder(16).metric(StandardMetric.EUCLIDEAN).build();
      for (int i = 0; i < data.length; i++) {
        // Every vector three times, under ids that do not follow the rows.
        for (long copy : new long[] {900 + i, 10 + i, 5000 - i}) {
          gpu.add(copy, data[i]);
          cpu.add(copy, data[i]);
        }
      }
      List<List<Neighbor>> hits = gpu.searchAll(data, 6);
      assertEquals(cpu.searchAll(data, 6), hits);
      assertEquals(List.of(10L, 900L, 5000L), hits.get(0).subList(0, 3).stream()
          .map(Neighbor::id).toList());
      assertEquals(cpu.search(data[3], 2000), gpu.search(data[3], 2000), "k > size: all 900");
      assertEquals(900, gpu.search(data[3], 2000).size());
    }
  }

  @Test
  void nanRowsRankLastAndExtremeQueriesAreAnsweredOnTheCpu() {
    GpuTests.assumeGpu();
    float[][] data = GpuTests.random(6, 500, 8);
    data[17][3] = Float.NaN;
    data[18][0] = Float.NaN;
    try (GpuFlatIndex gpu = GpuFlatIndex.create(8, StandardMetric.DOT_PRODUCT,
        GpuOptions.defaults().storage(Storage.FLOAT16))) {
      FlatIndex cpu = fill(gpu, data, StandardMetric.DOT_PRODUCT);
      assertEquals(cpu.search(data[0], 500), gpu.search(data[0], 500));
      float[] huge = data[1].clone();
      huge[2] = 1e5f;
      assertEquals(cpu.search(huge, 5), gpu.search(huge, 5), "beyond float16: on the CPU");
      assertEquals(cpu.searchAll(data, 400), gpu.searchAll(data, 400),
          "1,600 candidates per query: more than the kernel keeps, on the CPU");
    }
  }

  @Test
  void vectorsAddedAfterASearchAreFoundAndSavedFilesLoadEitherWay(@TempDir Path dir)
      throws Exception {
    GpuTests.assumeGpu();
    float[][] data = GpuTests.random(7, 4000, 32);
    try (GpuFlatIndex gpu = GpuFlatIndex.create(32, StandardMetric.COSINE,
        GpuOptions.defaults())) {
      FlatIndex cpu = FlatIndex.builder(32).metric(StandardMetric.COSINE).build();
      for (int i = 0; i < 2500; i++) {
        gpu.add(i, data[i]);
        cpu.add(i, data[i]);
      }
      assertEquals(cpu.searchAll(data, 5), gpu.searchAll(data, 5));
      for (int i = 2500; i < 4000; i++) {
        gpu.add(i, data[i]);
        cpu.add(i, data[i]);
        if (i % 500 == 0) {
          assertEquals(cpu.search(data[i], 3), gpu.search(data[i], 3), "after " + i);
        }
      }
      assertEquals(cpu.searchAll(data, 5), gpu.searchAll(data, 5));
      Path file = dir.resolve("index.fidx");
      gpu.save(file);
      try (GpuFlatIndex loaded = GpuFlatIndex.load(file, GpuOptions.defaults()
          .storage(Storage.BFLOAT16))) {
        assertEquals(cpu.searchAll(data, 5), loaded.searchAll(data, 5));
      }
      assertEquals(cpu.searchAll(data, 5), FlatIndex.load(file).searchAll(data, 5));
    }
  }

  @Test
  void removalsMoveRowsAndTheGpuCopyFollows() {
    GpuTests.assumeGpu();
    float[][] data = GpuTests.random(18, 3000, 32);
    float[][] queries = GpuTests.random(19, 300, 32);
    for (Storage storage : Storage.values()) {
      try (GpuFlatIndex gpu = GpuFlatIndex.create(32, StandardMetric.EUCLIDEAN,
          GpuOptions.defaults().storage(storage))) {
        FlatIndex cpu = FlatIndex.builder(32).metric(StandardMetric.EUCLIDEAN).build();
        gpu.addAll(0, data);
        cpu.addAll(0, data);
        assertEquals(cpu.searchAll(queries, 10), gpu.searchAll(queries, 10), storage + "");
        // As many removed as added back: the row count alone cannot tell the copy is stale.
        assertEquals(500, gpu.removeIf(id -> id % 6 == 0));
        cpu.removeIf(id -> id % 6 == 0);
        for (int i = 0; i < 500; i++) {
          gpu.add(10_000 + i, data[i]);
          cpu.add(10_000 + i, data[i]);
        }
        assertEquals(cpu.searchAll(queries, 10), gpu.searchAll(queries, 10), storage + "");
        assertEquals(cpu.searchAll(queries, 10, id -> id % 2 == 1),
            gpu.searchAll(queries, 10, id -> id % 2 == 1), storage + " filtered");
      }
    }
  }

  @Test
  void manyQueriesArePipelinedInChunksWithTheSameAnswers() {
    GpuTests.assumeGpu();
    float[][] data = GpuTests.random(14, 2000, 16);
    float[][] queries = GpuTests.random(15, 2300, 16);
    // Chunks of 4 x 64 queries: 2,300 queries make nine, the last one short.
    try (GpuFlatIndex gpu = GpuFlatIndex.create(16, StandardMetric.COSINE,
        GpuOptions.defaults().queryBatch(64))) {
      FlatIndex cpu = fill(gpu, data, StandardMetric.COSINE);
      assertEquals(cpu.searchAll(queries, 7), gpu.searchAll(queries, 7));
      float[][] bad = queries.clone();
      bad[2001] = new float[3];
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gpu.searchAll(bad, 7));
      assertEquals("vector dimensions differ: queries[2001] has 3 components, the index 16",
          e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> gpu.searchAll(queries, 0));
    }
  }

  @Test
  void concurrentSearchesTakeTurnsOnTheGpu() throws Exception {
    GpuTests.assumeGpu();
    float[][] data = GpuTests.random(8, 6000, 40);
    try (GpuFlatIndex gpu = GpuFlatIndex.create(40, StandardMetric.EUCLIDEAN,
        GpuOptions.defaults())) {
      FlatIndex cpu = fill(gpu, data, StandardMetric.EUCLIDEAN);
      List<List<Neighbor>> expected = cpu.searchAll(data, 4);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<List<List<Neighbor>>>> runs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          runs.add(pool.submit(() -> gpu.searchAll(data, 4)));
        }
        for (Future<List<List<Neighbor>>> run : runs) {
          assertEquals(expected, run.get());
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void aForcedResidencyThatDoesNotFitNamesTheSizes() {
    GpuTests.assumeGpu();
    try (GpuFlatIndex gpu = GpuFlatIndex.create(256, StandardMetric.DOT_PRODUCT,
        GpuOptions.defaults().residency(Residency.RESIDENT).memoryLimitBytes(4L << 20))) {
      float[][] data = GpuTests.random(9, 8000, 256);
      gpu.addAll(0, data);
      GpuException e = assertThrows(GpuException.class, () -> gpu.search(data[0], 1));
      assertTrue(e.getMessage().contains("8,000 x 256 float32 vectors need 7.8 MiB"),
          e.getMessage());
    }
  }

  @Test
  void gpuDeviceReportsTheCard() {
    GpuTests.assumeGpu();
    GpuDevice gpu = GpuDevice.list().get(0);
    assertTrue(gpu.totalMemoryBytes() > 1L << 30, gpu.toString());
    assertTrue(gpu.freeMemoryBytes() <= gpu.totalMemoryBytes(), gpu.toString());
    assertTrue(gpu.runtimeVersion().matches("1[3-9]\\.\\d+"), gpu.toString());
    assertTrue(gpu.computeCapability().matches("\\d+\\.\\d"), gpu.toString());
    assertTrue(gpu.toString().startsWith("GPU 0: "), gpu.toString());
  }

  // ---- without a GPU (CI) ----

  @Test
  void withoutAGpuCreatingFailsWithTheReasonOrFallsBackAsAsked() {
    assumeTrue(GpuTests.unavailableReason() != null, "this machine has a GPU");
    GpuUnavailableException e = assertThrows(GpuUnavailableException.class,
        () -> GpuFlatIndex.create(8, StandardMetric.COSINE, GpuOptions.defaults()));
    assertTrue(e.getMessage().startsWith("no GPU: "), e.getMessage());
    float[][] data = GpuTests.random(10, 200, 8);
    try (GpuFlatIndex index = GpuFlatIndex.create(8, StandardMetric.COSINE,
        GpuOptions.defaults().fallbackToCpu(true))) {
      assertFalse(index.onGpu());
      assertTrue(index.device().isEmpty());
      assertEquals(e.getMessage(), index.cpuReason());
      FlatIndex cpu = fill(index, data, StandardMetric.COSINE);
      assertEquals(cpu.searchAll(data, 3), index.searchAll(data, 3));
    }
  }

  /** On the GPU or, without one, on the CPU: the description travels with the host index. */
  @Test
  void theEmbeddersDescriptionIsKeptAndSavedWithTheIndex(@TempDir Path dir) throws Exception {
    EmbedderDescription made = EmbedderDescription.builder("resnet50", 8)
        .weights("random seed=7").build();
    FlatIndex host = FlatIndex.builder(8).metric(StandardMetric.COSINE).embedder(made).build();
    host.addAll(0, GpuTests.random(16, 50, 8));
    Path file = dir.resolve("described.fidx");
    try (GpuFlatIndex index = GpuFlatIndex.on(host, GpuOptions.defaults().fallbackToCpu(true))) {
      assertEquals(Optional.of(made), index.embedder());
      index.save(file);
    }
    try (GpuFlatIndex loaded = GpuFlatIndex.load(file, GpuOptions.defaults()
        .fallbackToCpu(true))) {
      assertEquals(Optional.of(made), loaded.embedder());
    }
    try (GpuFlatIndex plain = GpuFlatIndex.create(8, StandardMetric.COSINE,
        GpuOptions.defaults().fallbackToCpu(true))) {
      assertEquals(Optional.empty(), plain.embedder());
    }
  }

  @Test
  void metricsThatAreNotMatrixProductsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GpuFlatIndex.create(8, StandardMetric.MANHATTAN,
            GpuOptions.defaults().fallbackToCpu(true)));
    assertTrue(e.getMessage().startsWith("metric 'manhattan' cannot be searched on the GPU"),
        e.getMessage());
  }

  @Test
  void float16StorageRefusesComponentsBeyondItsRange() {
    try (GpuFlatIndex index = GpuFlatIndex.create(3, StandardMetric.DOT_PRODUCT,
        GpuOptions.defaults().storage(Storage.FLOAT16).fallbackToCpu(true))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> index.add(7, new float[] {1, -70000, 0}));
      assertEquals("component 1 of the vector of id 7 is -70000.0, beyond float16's range"
          + " (+-65504): use Storage.BFLOAT16 or FLOAT32", e.getMessage());
      index.add(8, new float[] {1, 65504, Float.POSITIVE_INFINITY});
      assertEquals(1, index.size());
    }
  }
}
