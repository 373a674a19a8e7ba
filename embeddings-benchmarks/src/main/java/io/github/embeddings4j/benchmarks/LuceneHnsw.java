package io.github.embeddings4j.benchmarks;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TaskExecutor;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.util.hnsw.HnswConcurrentMergeBuilder;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * {@link AnnCurve}'s Lucene row: the part that Lucene 9.12 and 10 spell alike. Only the vector
 * values differ ({@code RandomAccessVectorValues} in 9, {@code FloatVectorValues} in 10), so each
 * version has a small adapter ({@link LuceneHnswPeer}, {@link Lucene10HnswPeer}) that makes the
 * scorers and calls {@link #run}.
 */
final class LuceneHnsw {

  /** Makes a scorer of every row against one query (Euclidean). */
  @FunctionalInterface
  interface QueryScorer {
    RandomVectorScorer against(float[] query) throws IOException;
  }

  private LuceneHnsw() {}

  /**
   * Builds Lucene's HNSW on the heap: on one thread with {@code HnswGraphBuilder}, on more with
   * {@code HnswConcurrentMergeBuilder} (the builder Lucene's segment merges use; here it fills
   * an empty graph of the builder's size); then searches it with {@code HnswGraphSearcher} and a
   * collector of {@code ef} results, of which the first 10 count, as Lucene's kNN query does.
   */
  static void run(String name, float[][] base, float[][] queries, int[][] truth, int m, int efc,
      int[] efs, int threads, RandomVectorScorerSupplier supplier, QueryScorer scorer)
      throws IOException {
    AnnCurve.log("Lucene HNSW " + org.apache.lucene.util.Version.LATEST + ": M " + m
        + ", efC " + efc + ", " + threads + " build thread(s)");
    long t0 = System.nanoTime();
    OnHeapHnswGraph graph;
    HnswGraphBuilder single = HnswGraphBuilder.create(supplier, m, efc, 42L, base.length);
    if (threads <= 1) {
      graph = single.build(base.length);
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        graph = new HnswConcurrentMergeBuilder(new TaskExecutor(pool), threads, supplier, m, efc,
            single.getGraph(), null).build(base.length);
      } finally {
        pool.shutdown();
      }
    }
    double build = (System.nanoTime() - t0) / 1e9;
    if (graph.size() != base.length) {
      throw new IllegalStateException("Lucene's graph holds " + graph.size() + " of "
          + base.length + " rows");
    }
    Map<String, Object> row = AnnCurve.row("lucene-hnsw", name, m, efc, threads, build);
    row.putAll(AnnCurve.memory());
    AnnCurve.log("built in " + build + " s");
    AnnCurve.curve(row, queries, truth, efs, (q, ef) -> {
      TopKnnCollector collector =
          new TopKnnCollector(Math.max(AnnCurve.K, ef), Integer.MAX_VALUE);
      HnswGraphSearcher.search(scorer.against(q), collector, graph, null);
      ScoreDoc[] docs = collector.topDocs().scoreDocs;
      int[] out = new int[Math.min(AnnCurve.K, docs.length)];
      for (int i = 0; i < out.length; i++) {
        out[i] = docs[i].doc;
      }
      return out;
    });
  }
}
