package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.DistanceMetric;

/**
 * Where a {@link FlatIndex} may take the candidates of a search from instead of scanning every
 * row itself: an accelerator (the GPU index of {@code embeddings-gpu}) scores all rows fast and
 * approximately, names a short list of rows per query, and the index measures those rows
 * exactly with its own kernels and keeps the nearest. Results are then the index's own exact
 * distances, ties by the smaller id, as long as the short list holds the true nearest rows.
 *
 * <p>The index calls {@link #candidates} under its read lock, for queries whose norms and the
 * index's rows are all inside float's accurate range (others are scanned exactly on the CPU).
 * Implementations must be safe for concurrent calls.
 */
public interface CandidateSource {

  /**
   * The rows to measure exactly for each query.
   *
   * @param queries the queries, each of the index's dimension
   * @param k the number of neighbours the caller asked for, at most {@code rows.count()}
   * @param rows read access to the index's stored rows, valid only during this call
   * @return for each query, the row numbers of its candidates in any order, without
   *     duplicates, each in {@code [0, rows.count())}; or {@code null} to let the index search
   *     these queries itself
   */
  int[][] candidates(float[][] queries, int k, Rows rows);

  /** The stored rows of a {@link FlatIndex}, read without copying the index. */
  interface Rows {

    /**
     * The number of rows.
     *
     * @return the count
     */
    int count();

    /**
     * The vector length.
     *
     * @return the dimension
     */
    int dimension();

    /**
     * The metric the index ranks by.
     *
     * @return the metric
     */
    DistanceMetric metric();

    /**
     * Copies the vectors of rows {@code [fromRow, toRow)}, one after another, into {@code dest}
     * from {@code destOffset}.
     *
     * @param fromRow the first row
     * @param toRow one past the last row
     * @param dest the destination, with room for {@code (toRow - fromRow) * dimension()} floats
     * @param destOffset where the first row goes
     * @throws IndexOutOfBoundsException if a row or the destination range is out of bounds
     */
    void copy(int fromRow, int toRow, float[] dest, int destOffset);

    /**
     * The squared L2 norm of a row, as the index computed it when the row was added.
     *
     * @param row the row
     * @return its squared norm
     * @throws IndexOutOfBoundsException if the row is out of bounds
     */
    float squareNorm(int row);

    /**
     * How many times rows were removed from the index: rows keep their numbers while this
     * stays the same (new rows are appended after them), so a copy of rows {@code [0, r)} made
     * at the same generation is still valid; after a change, copy everything again.
     *
     * @return the generation, 0 for an index nothing was removed from
     */
    default long generation() {
      return 0;
    }
  }
}
