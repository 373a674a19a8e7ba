package io.github.embeddings4j.core.search;

/**
 * One thread's buffers for the searches and insertions of a {@link GraphIndex} (held in a
 * {@code ThreadLocal}): the visited stamps, the two heaps, candidate lists and vectors, so that
 * the hot loops allocate nothing once warmed up.
 */
final class GraphScratch {

  final Visited visited = new Visited();
  final NodeHeap frontier = NodeHeap.nearestFirst(256);
  final NodeHeap results = NodeHeap.worstFirst(256);
  float[] candDist = new float[256];
  int[] candNode = new int[256];
  final int[] chosen;
  final int[] kept;
  final int[] one = new int[1];
  final int[] gather;
  final int[] mergeNode;
  final float[] mergeDist;
  final float[] query;
  final float[] queryPrep;
  final float[] nodeVec;
  final float[] nodePrep;
  final float[] row;
  /** Where {@link NodeScorer#touch}'s sums go, so that its reads stay. */
  float sink;

  GraphScratch(int dim, int maxLinks) {
    chosen = new int[maxLinks + 1];
    gather = new int[maxLinks + 1];
    kept = new int[maxLinks + 1];
    mergeNode = new int[2 * maxLinks + 2];
    mergeDist = new float[2 * maxLinks + 2];
    query = new float[dim];
    queryPrep = new float[dim];
    nodeVec = new float[dim];
    nodePrep = new float[dim];
    row = new float[dim];
  }

  private int[] rows = new int[0];

  /** A buffer of at least {@code n} row numbers, for a filtered scan. */
  int[] rows(int n) {
    if (rows.length < n) {
      rows = new int[Math.max(n, rows.length + (rows.length >>> 1))];
    }
    return rows;
  }

  void ensureCandidates(int n) {
    if (candDist.length < n) {
      candDist = new float[n];
      candNode = new int[n];
    }
  }
}
