package io.github.embeddings4j.benchmarks;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;
import org.apache.lucene.util.hnsw.RandomAccessVectorValues;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * {@link AnnCurve}'s Lucene row, on Lucene 9's API (left out of the lucene10 profile's build,
 * where the vector values are {@code FloatVectorValues}); loaded by name.
 */
final class LuceneHnswPeer implements AnnCurve.Peer {

  /**
   * Lucene 9.12's HNSW on the heap ({@code HnswGraphBuilder}, one build thread: its concurrent
   * builder needs an index writer's merge), searched with {@code HnswGraphSearcher} and a
   * collector of {@code ef} results, of which the first 10 count, as Lucene's kNN query does.
   */
  @Override
  public void run(String name, float[][] base, float[][] queries, int[][] truth, int m,
      int efc, int[] efs) throws IOException {
    AnnCurve.log("Lucene HNSW " + org.apache.lucene.util.Version.LATEST + ": M " + m
        + ", efC " + efc + ", 1 build thread");
    RandomAccessVectorValues.Floats vectors =
        RandomAccessVectorValues.fromFloats(Arrays.asList(base), base[0].length);
    VectorSimilarityFunction sim = VectorSimilarityFunction.EUCLIDEAN;
    long t0 = System.nanoTime();
    RandomVectorScorerSupplier supplier =
        DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorerSupplier(sim, vectors);
    OnHeapHnswGraph graph = HnswGraphBuilder.create(supplier, m, efc, 42L).build(base.length);
    double build = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> row = AnnCurve.row("lucene-hnsw", name, m, efc, 1, build);
    row.putAll(AnnCurve.memory());
    AnnCurve.log("built in " + build + " s");
    AnnCurve.curve(row, queries, truth, efs, (q, ef) -> {
      TopKnnCollector collector =
          new TopKnnCollector(Math.max(AnnCurve.K, ef), Integer.MAX_VALUE);
      HnswGraphSearcher.search(
          DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorer(sim, vectors, q), collector,
          graph, null);
      ScoreDoc[] docs = collector.topDocs().scoreDocs;
      int[] out = new int[Math.min(AnnCurve.K, docs.length)];
      for (int i = 0; i < out.length; i++) {
        out[i] = docs[i].doc;
      }
      return out;
    });
  }
}
