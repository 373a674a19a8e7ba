package io.github.embeddings4j.benchmarks;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.hnsw.RandomAccessVectorValues;

/**
 * {@link AnnCurve}'s Lucene row on Lucene 9's vector values (left out of the lucene10 profile's
 * build, which compiles {@link Lucene10HnswPeer} instead); loaded by name.
 */
final class LuceneHnswPeer implements AnnCurve.Peer {

  @Override
  public void run(String name, float[][] base, float[][] queries, int[][] truth, int m,
      int efc, int[] efs, int threads) throws IOException {
    RandomAccessVectorValues.Floats vectors =
        RandomAccessVectorValues.fromFloats(Arrays.asList(base), base[0].length);
    VectorSimilarityFunction sim = VectorSimilarityFunction.EUCLIDEAN;
    DefaultFlatVectorScorer scorers = DefaultFlatVectorScorer.INSTANCE;
    LuceneHnsw.run(name, base, queries, truth, m, efc, efs, threads,
        scorers.getRandomVectorScorerSupplier(sim, vectors),
        q -> scorers.getRandomVectorScorer(sim, vectors, q));
  }
}
