package io.github.embeddings4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.FlatIndex;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;

/**
 * One class path holds ND4J 1.0.0-M2.1 (built on JavaCPP 1.5.7) and the CUDA 13 preset (which
 * needs 1.5.13): Maven gives this module 1.5.13, and ND4J's matrix products still run on it.
 */
class ClassPathTest {

  @Test
  void nd4jsMatrixProductRouteRunsOnJavaCpp1513() throws Exception {
    assertEquals("1.5.13", Loader.getVersion());
    float[][] data = GpuTests.random(12, 3000, 32);
    float[][] queries = GpuTests.random(13, 300, 32);
    // 300 queries over 3,000 rows take FlatIndex's ND4J route (BatchScorer); no GPU involved.
    FlatIndex index = FlatIndex.builder(32).metric(StandardMetric.EUCLIDEAN).build();
    index.addAll(0, data);
    List<List<Neighbor>> viaNd4j = index.searchAll(queries, 5);
    List<List<Neighbor>> oneByOne = new ArrayList<>();
    for (float[] q : queries) {
      oneByOne.add(index.search(q, 5));
    }
    assertEquals(oneByOne, viaNd4j);
  }
}
