package io.github.embeddings4j.core.search;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.NeighborIndex;
import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds groups of near-duplicate images in a collection: every entry's {@code k} nearest
 * neighbours are searched (a self-join), the pairs closer than a threshold are kept, and pairs
 * that share an entry are joined into groups (connected components, single linkage: A close to
 * B and B close to C puts A, B and C in one group even when A and C are further apart).
 *
 * <pre>{@code
 * NearDuplicates.Result r = NearDuplicates.builder(0.1).build()
 *     .find(vectors, StandardMetric.COSINE);                 // exact, ids are row numbers
 * NearDuplicates.Result inIndex = NearDuplicates.builder(0.1).build().find(index, null);
 * for (NearDuplicates.Group g : r.groups()) {
 *   System.out.println(g.ids() + " within " + g.largestLink());
 * }
 * }</pre>
 *
 * <p>With a {@link FlatIndex} the answer is exact; with a {@link GraphIndex} it is as good as
 * the graph's recall, and much faster on large collections. A pair is found when either entry
 * has the other among its {@code k} nearest; an entry with more than {@code k} neighbours
 * within the threshold may miss some of them as direct pairs (they usually still join through
 * the others): {@link Result#saturated()} counts such entries, a sign to raise {@code k}.
 *
 * <p>The threshold is in the metric's distance: for cosine, {@code 1 - cos}, so 0.1 is a
 * cosine similarity of 0.9 (imagededup's default for CNN features). Where the duplicates of a
 * collection lie depends on the model: {@link Result#nearestDistances()} gives every entry's
 * distance to its nearest other entry, from which a threshold can be read.
 *
 * <p>Immutable and thread-safe; the searches run on the index's threads.
 */
public final class NearDuplicates {

  /** Queries searched per call to the index (bounds the memory of the answers). */
  static final int CHUNK = 4096;

  private final double threshold;
  private final int neighbours;
  private final int chunk;

  private NearDuplicates(Builder b) {
    this.threshold = b.threshold;
    this.neighbours = b.neighbours;
    this.chunk = b.chunk;
  }

  /**
   * The largest distance at which two entries count as duplicates.
   *
   * @return the threshold (inclusive)
   */
  public double threshold() {
    return threshold;
  }

  /**
   * How many nearest neighbours of each entry are looked at.
   *
   * @return k
   */
  public int neighbours() {
    return neighbours;
  }

  /**
   * A finder with this threshold.
   *
   * @param threshold the largest distance at which two entries count as duplicates (inclusive)
   * @return the builder
   * @throws IllegalArgumentException if the threshold is negative or not finite
   */
  public static Builder builder(double threshold) {
    return new Builder(threshold);
  }

  /** Settings of a {@link NearDuplicates}. */
  public static final class Builder {
    private final double threshold;
    private int neighbours = 10;
    private int chunk = CHUNK;

    private Builder(double threshold) {
      if (!(threshold >= 0) || Double.isInfinite(threshold)) {
        throw new IllegalArgumentException("the threshold must be a finite distance of 0 or"
            + " more: " + threshold);
      }
      this.threshold = threshold;
    }

    /**
     * How many nearest neighbours of each entry are looked at (default 10).
     *
     * @param k at least 1
     * @return this builder
     */
    public Builder neighbours(int k) {
      if (k < 1) {
        throw new IllegalArgumentException("neighbours must be at least 1: " + k);
      }
      this.neighbours = k;
      return this;
    }

    /** For tests: fewer queries per search call, so that chunk boundaries are crossed. */
    Builder chunk(int queries) {
      this.chunk = queries;
      return this;
    }

    /**
     * The finder.
     *
     * @return it
     */
    public NearDuplicates build() {
      return new NearDuplicates(this);
    }
  }

  /**
   * Two entries within the threshold.
   *
   * @param first the smaller id
   * @param second the larger id
   * @param distance their distance, as the index measured it
   */
  public record Pair(long first, long second, double distance) {}

  /**
   * Entries joined by pairs within the threshold.
   *
   * @param ids the entries, in the order of the ids given to {@code find} (entries of the index
   *     that were not among them last, in the order they were found)
   * @param largestLink the largest distance among the pairs that join the group
   */
  public record Group(List<Long> ids, double largestLink) {

    /**
     * Copies the ids.
     *
     * @param ids the entries
     * @param largestLink the largest joining distance
     */
    public Group {
      ids = List.copyOf(ids);
    }
  }

  /**
   * What was found.
   *
   * @param groups the groups of two or more, largest first (then by their first entry)
   * @param pairs every pair within the threshold, by first then second id
   * @param saturated entries whose {@code k} nearest were all within the threshold: they may
   *     have more duplicates than were paired directly
   * @param nearestDistances each queried entry's distance to its nearest other entry, in the
   *     order of the ids given ({@code NaN} where the index held no other entry)
   */
  public record Result(List<Group> groups, List<Pair> pairs, int saturated,
      double[] nearestDistances) {

    /**
     * Copies the lists.
     *
     * @param groups the groups
     * @param pairs the pairs
     * @param saturated the saturated entries
     * @param nearestDistances the nearest distances
     */
    public Result {
      groups = List.copyOf(groups);
      pairs = List.copyOf(pairs);
    }

    /**
     * How many entries belong to a group.
     *
     * @return the count
     */
    public int duplicates() {
      return groups.stream().mapToInt(g -> g.ids().size()).sum();
    }
  }

  /**
   * Exact groups of a set of vectors: a {@link FlatIndex} of them is searched with each.
   *
   * @param vectors the vectors; their ids are the row numbers
   * @param metric the distance
   * @return the groups
   */
  public Result find(float[][] vectors, DistanceMetric metric) {
    Objects.requireNonNull(vectors, "vectors");
    if (vectors.length == 0) {
      return new Result(List.of(), List.of(), 0, new double[0]);
    }
    FlatIndex index = FlatIndex.builder(vectors[0].length).metric(metric).build();
    index.addAll(0, vectors);
    long[] ids = new long[vectors.length];
    Arrays.setAll(ids, i -> i);
    return find(index, ids, vectors, ProgressListener.none());
  }

  /**
   * Exact groups among every entry of a flat index, each searched with its stored vector.
   *
   * @param index the index
   * @param listener hears the progress ({@code "search"}), or null
   * @return the groups, with the index's ids (its keys through {@link FlatIndex#key})
   */
  public Result find(FlatIndex index, ProgressListener listener) {
    Join join = new Join(index, index.size(), listener);
    for (int from = 0; from < index.size(); from += chunk) {
      int to = Math.min(index.size(), from + chunk);
      long[] ids = new long[to - from];
      float[][] vectors = new float[to - from][];
      for (int row = from; row < to; row++) {
        ids[row - from] = index.idAt(row);
        vectors[row - from] = index.vectorAt(row);
      }
      join.search(ids, vectors);
    }
    return join.result();
  }

  /**
   * Groups among every live entry of a graph index, each searched with its stored vector: as
   * complete as the graph's recall. The entries are read and searched a chunk at a time, so
   * memory holds one chunk's vectors, not a copy of the index's.
   *
   * @param index the index
   * @param listener hears the progress ({@code "search"}), or null
   * @return the groups, with the index's ids (its keys through {@link GraphIndex#key})
   */
  public Result find(GraphIndex index, ProgressListener listener) {
    Join join = new Join(index, index.size(), listener);
    long[] ids = new long[chunk];
    float[][] vectors = new float[chunk][];
    int[] filled = {0};
    index.forEachEntry((id, key, vector) -> {
      ids[filled[0]] = id;
      vectors[filled[0]++] = vector;
      if (filled[0] == chunk) {
        join.search(ids, vectors);
        filled[0] = 0;
      }
    });
    join.search(Arrays.copyOf(ids, filled[0]), Arrays.copyOf(vectors, filled[0]));
    return join.result();
  }

  /**
   * The groups among the entries of an index: each of {@code vectors} (the stored vectors of
   * the entries {@code ids}, usually all of them) is searched for its {@code k} nearest.
   *
   * @param index the index
   * @param ids the ids of the entries searched with
   * @param vectors their vectors, one per id
   * @param listener hears the progress ({@code "search"}), or null
   * @return the groups
   * @throws IllegalArgumentException if the counts differ
   */
  public Result find(NeighborIndex<float[]> index, long[] ids, float[][] vectors,
      ProgressListener listener) {
    Objects.requireNonNull(index, "index");
    if (ids.length != vectors.length) {
      throw new IllegalArgumentException(ids.length + " ids for " + vectors.length + " vectors");
    }
    Join join = new Join(index, ids.length, listener);
    for (int from = 0; from < ids.length; from += chunk) {
      int to = Math.min(ids.length, from + chunk);
      join.search(Arrays.copyOfRange(ids, from, to), Arrays.copyOfRange(vectors, from, to));
    }
    return join.result();
  }

  /** The self-join in progress: the pairs so far, fed a chunk of queries at a time. */
  private final class Join {
    private final NeighborIndex<float[]> index;
    private final int total;
    private final ProgressListener progress;
    private final Map<Long, Integer> nodeOf = new HashMap<>();
    private final List<Long> nodeIds = new ArrayList<>();
    /** Per node, its position among the queries, or -1 for an entry never queried. */
    private final List<Integer> positionOf = new ArrayList<>();
    private final Map<Long, Pair> pairs = new HashMap<>();
    private final double[] nearest;
    private int saturated;
    private int done;

    Join(NeighborIndex<float[]> index, int total, ProgressListener listener) {
      this.index = Objects.requireNonNull(index, "index");
      this.total = total;
      this.progress = listener == null ? ProgressListener.none() : listener;
      this.nearest = new double[total];
    }

    private int node(long id) {
      Integer n = nodeOf.get(id);
      if (n == null) {
        n = nodeIds.size();
        nodeOf.put(id, n);
        nodeIds.add(id);
        positionOf.add(-1);
      }
      return n;
    }

    /** Searches with the next queries, one vector per id. */
    void search(long[] ids, float[][] vectors) {
      int count = ids.length;
      if (count == 0) {
        return;
      }
      List<List<Neighbor>> hits = index.searchAll(vectors, neighbours + 1);
      for (int q = 0; q < count; q++) {
        long self = ids[q];
        int at = done + q;
        int selfNode = node(self);
        if (positionOf.get(selfNode) < 0) {
          positionOf.set(selfNode, at);
        }
        nearest[at] = Double.NaN;
        int seen = 0;
        int within = 0;
        for (Neighbor n : hits.get(q)) {
          if (n.id() == self || seen == neighbours) {
            continue;
          }
          seen++;
          if (Double.isNaN(nearest[at])) {
            nearest[at] = n.distance();
          }
          if (n.distance() <= threshold) {
            within++;
            int other = node(n.id());
            pairs.merge(key(selfNode, other), new Pair(Math.min(self, n.id()),
                Math.max(self, n.id()), n.distance()),
                (x, y) -> x.distance() <= y.distance() ? x : y);
          }
        }
        if (within == neighbours) {
          saturated++;
        }
      }
      done += count;
      Progress p = new Progress("search", done, total, 0);
      try {
        progress.onProgress(p);
      } catch (RuntimeException e) {
        // a listener never stops the work
      }
    }

    Result result() {
      List<Pair> sorted = new ArrayList<>(pairs.values());
      sorted.sort(Comparator.comparingLong(Pair::first).thenComparingLong(Pair::second));
      // Members in the order the entries were queried; entries never queried after them.
      Map<Long, Integer> order = new HashMap<>();
      for (int node = 0; node < nodeIds.size(); node++) {
        int p = positionOf.get(node);
        order.put(nodeIds.get(node), p >= 0 ? p : total + node);
      }
      return new Result(group(sorted, id -> order.get(id)), sorted, saturated, nearest);
    }
  }

  /**
   * The 1st, 5th and 50th percentiles of nearest-neighbour distances ({@code NaN} ones left
   * out): where duplicates stand apart from the bulk, to choose a threshold by.
   *
   * @param nearest distances, e.g. {@link Result#nearestDistances()}
   * @return three values, {@code NaN} when no distance is a number
   */
  public static double[] spread(double[] nearest) {
    double[] d = Arrays.stream(nearest).filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (d.length == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    return new double[] {d[(int) (0.01 * (d.length - 1))], d[(int) (0.05 * (d.length - 1))],
        d[(int) (0.5 * (d.length - 1))]};
  }

  /**
   * The groups that pairs join (connected components, single linkage): groups of two or more,
   * largest first, then by their first member; members in the given order (by id when it is
   * null); each group's largest link is the largest distance among its pairs. For pairs found
   * elsewhere, e.g. by a self-join on Spark.
   *
   * @param pairs pairs of entries, each once
   * @param order the rank of an id among the members, or null to order by id
   * @return the groups
   */
  public static List<Group> group(java.util.Collection<Pair> pairs,
      java.util.function.ToLongFunction<Long> order) {
    java.util.function.ToLongFunction<Long> rank = order != null ? order : Long::longValue;
    Map<Long, Integer> nodeOf = new HashMap<>();
    List<Long> ids = new ArrayList<>();
    for (Pair p : pairs) {
      for (long id : new long[] {p.first(), p.second()}) {
        if (!nodeOf.containsKey(id)) {
          nodeOf.put(id, ids.size());
          ids.add(id);
        }
      }
    }
    int n = ids.size();
    int[] parent = new int[n];
    Arrays.setAll(parent, i -> i);
    for (Pair p : pairs) {
      int a = root(parent, nodeOf.get(p.first()));
      int b = root(parent, nodeOf.get(p.second()));
      if (a != b) {
        parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    Map<Integer, List<Long>> members = new HashMap<>();
    Map<Integer, Double> largest = new HashMap<>();
    for (Pair p : pairs) {
      largest.merge(root(parent, nodeOf.get(p.first())), p.distance(), Math::max);
    }
    for (int node = 0; node < n; node++) {
      members.computeIfAbsent(root(parent, node), r -> new ArrayList<>()).add(ids.get(node));
    }
    List<Map.Entry<Integer, List<Long>>> ordered = new ArrayList<>(members.entrySet());
    for (Map.Entry<Integer, List<Long>> e : ordered) {
      e.getValue().sort(Comparator.comparingLong(rank));
    }
    ordered.sort(Comparator.<Map.Entry<Integer, List<Long>>>comparingInt(e -> -e.getValue().size())
        .thenComparingLong(e -> rank.applyAsLong(e.getValue().get(0))));
    List<Group> groups = new ArrayList<>(ordered.size());
    for (Map.Entry<Integer, List<Long>> e : ordered) {
      groups.add(new Group(e.getValue(), largest.get(e.getKey())));
    }
    return groups;
  }

  private static long key(int a, int b) {
    return ((long) Math.min(a, b) << 32) | Math.max(a, b);
  }

  private static int root(int[] parent, int node) {
    int r = node;
    while (parent[r] != r) {
      r = parent[r];
    }
    while (parent[node] != r) {
      int next = parent[node];
      parent[node] = r;
      node = next;
    }
    return r;
  }
}
