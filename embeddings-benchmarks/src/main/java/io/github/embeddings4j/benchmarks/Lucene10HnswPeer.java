package io.github.embeddings4j.benchmarks;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * {@link AnnCurve}'s Lucene row on Lucene 10's vector values, compiled only by the lucene10
 * profile (JDK 21 or newer, where Lucene's Vector API path switches on); loaded by name.
 */
final class Lucene10HnswPeer implements AnnCurve.Peer {

  @Override
  public void run(String name, float[][] base, float[][] queries, int[][] truth, int m,
      int efc, int[] efs, int threads) throws IOException {
    FloatVectorValues vectors = FloatVectorValues.fromFloats(Arrays.asList(base), base[0].length);
    VectorSimilarityFunction sim = VectorSimilarityFunction.EUCLIDEAN;
    DefaultFlatVectorScorer scorers = DefaultFlatVectorScorer.INSTANCE;
    LuceneHnsw.run(name, base, queries, truth, m, efc, efs, threads,
        scorers.getRandomVectorScorerSupplier(sim, vectors),
        q -> scorers.getRandomVectorScorer(sim, vectors, q));
  }
}
