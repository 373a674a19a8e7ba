package io.github.embeddings4j.api;

/**
 * One search hit: the id of a stored vector and its distance from the query. Neighbours sort
 * nearest first, ties broken by the smaller id, and a {@code NaN} distance after every number,
 * so search results are deterministic.
 *
 * @param id the stored vector's id
 * @param distance its distance from the query under the search's {@link DistanceMetric}; lower
 *     is closer
 */
public record Neighbor(long id, double distance) implements Comparable<Neighbor> {

  /**
   * Nearest first; equal distances by ascending id; {@code NaN} last.
   *
   * @param other the neighbour to compare with
   * @return a negative number if this one ranks first
   */
  @Override
  public int compareTo(Neighbor other) {
    int byDistance = Double.compare(distance, other.distance);
    return byDistance != 0 ? byDistance : Long.compare(id, other.id);
  }
}
