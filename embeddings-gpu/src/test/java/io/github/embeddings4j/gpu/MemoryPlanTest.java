package io.github.embeddings4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The memory layout of a search, worked out without a GPU. */
class MemoryPlanTest {

  private static final long GIB = 1L << 30;

  @Test
  void aMillionVectorsStayOnAnH200AndTenThousandQueriesGoInOneSuperBatch() {
    MemoryPlan p = MemoryPlan.plan(1_000_000, 512, Storage.FLOAT32, 20, 10_000,
        GpuOptions.defaults(), 139 * GIB, 132);
    assertTrue(p.resident());
    assertEquals(1_000_000L * 512 * 4, p.matrixBytes());
    assertEquals(1024, p.queryBatch());
    assertEquals(10_000, p.superBatch());
    // A GiB of scores: 1,024 queries x 262,144 rows of floats.
    assertEquals(262_144, p.rowBlock());
    assertEquals(4, p.blocks(1_000_000));
    assertEquals(1, p.partsPerBlock(), "1,024 queries fill 132 SMs without splitting rows");
    assertTrue(p.matrixBytes() + p.workingBytes() <= p.budgetBytes());
  }

  @Test
  void oneQuerySplitsItsRowsSoThatTheGpuIsFull() {
    MemoryPlan p = MemoryPlan.plan(1_000_000, 512, Storage.FLOAT16, 40, 1,
        GpuOptions.defaults(), 139 * GIB, 132);
    assertEquals(1, p.queryBatch());
    assertEquals(1_000_000, p.rowBlock());
    assertEquals(264, p.partsPerBlock(), "two thread blocks per SM");
    assertEquals(1_000_000L * 512 * 2, p.matrixBytes());
  }

  @Test
  void whatDoesNotFitIsStreamedUnlessResidencyIsForced() {
    // 10M x 512 float32 is 20.5 GB: too much for 16 GiB free.
    GpuOptions auto = GpuOptions.defaults();
    MemoryPlan p = MemoryPlan.plan(10_000_000, 512, Storage.FLOAT32, 20, 10_000, auto,
        16 * GIB, 132);
    assertFalse(p.resident());
    assertEquals(0, p.matrixBytes());
    assertTrue(p.workingBytes() <= p.budgetBytes());
    assertTrue((long) p.rowBlock() * 512 * 4 <= MemoryPlan.MAX_CHUNK_BYTES);
    GpuException e = assertThrows(GpuException.class, () -> MemoryPlan.plan(10_000_000, 512,
        Storage.FLOAT32, 20, 10_000, auto.residency(Residency.RESIDENT), 16 * GIB, 132));
    assertTrue(e.getMessage().contains("10,000,000 x 512 float32 vectors need 19.07 GiB"),
        e.getMessage());
    // 16 GiB less 512 MiB and the selection kernel's local memory (lists of 32: 66 MiB).
    assertTrue(e.getMessage().contains("15.44 GiB may be used (16.00 GiB free, 578.0 MiB kept"
        + " in reserve)"), e.getMessage());
    assertTrue(e.getMessage().contains("Residency.AUTO or STREAMED"), e.getMessage());
    // In float16 they fit.
    assertTrue(MemoryPlan.plan(10_000_000, 512, Storage.FLOAT16, 40, 10_000, auto, 16 * GIB,
        132).resident());
  }

  @Test
  void longCandidateListsReserveTheKernelsLocalMemory() {
    assertEquals(8L * 32 * 2048 * 132, MemoryPlan.localMemoryBytes(20, 132));
    assertEquals(8L * 1024 * 2048 * 132, MemoryPlan.localMemoryBytes(1024, 132));
    // 22 GiB of vectors on a GPU with 24 GiB free: resident with short lists; with lists of
    // 1,024 the driver's 2.06 GiB of local memory would not fit beside them, so they stream.
    int rows = (int) (22 * GIB / (512 * 4));
    assertTrue(MemoryPlan.plan(rows, 512, Storage.FLOAT32, 20, 1000, GpuOptions.defaults(),
        24 * GIB, 132).resident());
    assertFalse(MemoryPlan.plan(rows, 512, Storage.FLOAT32, 1024, 1000, GpuOptions.defaults(),
        24 * GIB, 132).resident());
  }

  @Test
  void streamingCanBeForcedAndAMemoryLimitIsKept() {
    GpuOptions options = GpuOptions.defaults().residency(Residency.STREAMED)
        .memoryLimitBytes(64L << 20);
    MemoryPlan p = MemoryPlan.plan(100_000, 128, Storage.BFLOAT16, 80, 3000, options, 80 * GIB,
        132);
    assertFalse(p.resident());
    assertEquals(64L << 20, p.budgetBytes());
    assertTrue(p.workingBytes() <= 64L << 20, "working " + p.workingBytes());
    assertTrue(p.blocks(100_000) > 1);
  }

  @Test
  void superBatchesShrinkWhenCandidatesWouldNotFit() {
    // 1,024 candidates from each of many streamed blocks: not every query's lists fit at once.
    MemoryPlan p = MemoryPlan.plan(10_000_000, 512, Storage.FLOAT32, 1024, 100_000,
        GpuOptions.defaults().residency(Residency.STREAMED), 80 * GIB, 132);
    assertTrue(p.superBatch() < 100_000);
    assertTrue(p.superBatch() >= 1);
    assertTrue(p.superBatch() % p.queryBatch() == 0 || p.superBatch() == p.queryBatch());
    long candidates = (long) p.superBatch() * p.blocks(10_000_000) * p.partsPerBlock() * 1024 * 8;
    assertTrue(candidates <= MemoryPlan.MAX_CANDIDATE_BYTES, "candidates " + candidates);
  }

  @Test
  void tooLittleMemoryEvenToStreamIsAnErrorWithTheSizes() {
    GpuException e = assertThrows(GpuException.class, () -> MemoryPlan.plan(1_000_000, 512,
        Storage.FLOAT32, 20, 10, GpuOptions.defaults().memoryLimitBytes(1L << 20), 80 * GIB,
        132));
    assertTrue(e.getMessage().contains("even streamed"), e.getMessage());
    assertTrue(e.getMessage().contains("1.0 MiB may be used"), e.getMessage());
  }

  @Test
  void residentCapacityLeavesRoomForLaterVectorsWithinTheBudget() {
    MemoryPlan p = MemoryPlan.plan(80_000, 64, Storage.FLOAT32, 20, 100, GpuOptions.defaults(),
        8 * GIB, 132);
    assertEquals(90_000, p.residentCapacity(80_000, 256));
    MemoryPlan tight = MemoryPlan.plan(80_000, 64, Storage.FLOAT32, 20, 100,
        GpuOptions.defaults().memoryLimitBytes(80_000L * 256 + (8L << 20)), 8 * GIB, 132);
    long capacity = tight.residentCapacity(80_000, 256);
    assertTrue(capacity >= 80_000 && capacity * 256 + tight.workingBytes()
        <= tight.budgetBytes(), "capacity " + capacity);
  }
}
