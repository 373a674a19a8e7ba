package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.core.search.NearDuplicates;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

/**
 * Near-duplicates among the rows of a DataFrame too large for one machine: the self-join of
 * {@code embeddings4j duplicates} and the core's {@link NearDuplicates}, run on the cached
 * graphs of a {@link PartitionedGraph}.
 *
 * <pre>{@code
 * try (PartitionedGraph graphs = ApproxKnn.builder().metric(StandardMetric.COSINE).build()
 *     .index(stored)) {
 *   SparkDuplicates.Result r = SparkDuplicates.builder(0.1).neighbours(10).build()
 *       .find(graphs, stored);
 *   Dataset<Row> groups = r.table(spark);        // group, id, largest_link
 * }
 * }</pre>
 *
 * <p>Every partition's graph is searched with every row (Spark's {@code cartesian} of the
 * graphs and the rows, in blocks of {@value #BLOCK} rows): each row's {@code k} nearest other
 * rows of each partition are looked at, and the pairs within the threshold are kept, each once,
 * at their smaller distance. The pairs, few by nature, come to the driver and are joined into
 * groups there exactly as the core joins its own ({@link NearDuplicates#group}: largest first,
 * members by id). Looking at the nearest of each partition, rather than of all rows, finds a
 * superset of the pairs a single search of {@code k} would.
 *
 * <p>The spread of nearest-neighbour distances, which is what a threshold is chosen by, is
 * measured on a seeded sample of rows ({@link Builder#sample}).
 */
public final class SparkDuplicates {

  /** Rows searched together by one task. */
  static final int BLOCK = 4_096;

  /** Pairs beyond this are refused rather than collected: the threshold is too loose. */
  static final long MAX_PAIRS = 20_000_000L;

  private final double threshold;
  private final int neighbours;
  private final int beam;
  private final int sample;
  private final long seed;

  private SparkDuplicates(Builder b) {
    NearDuplicates settings = b.core.build();
    this.threshold = settings.threshold();
    this.neighbours = settings.neighbours();
    this.beam = b.beam;
    this.sample = b.sample;
    this.seed = b.seed;
  }

  /**
   * Starts the settings.
   *
   * @param threshold the largest distance at which two rows are duplicates, at least 0
   * @return a builder
   * @throws IllegalArgumentException for a negative or non-finite threshold
   */
  public static Builder builder(double threshold) {
    return new Builder(threshold);
  }

  /**
   * Settings of a {@link SparkDuplicates}: the threshold and {@code k} are the core's ({@link
   * NearDuplicates.Builder}), checked the same way.
   */
  public static final class Builder {
    private final NearDuplicates.Builder core;
    private int beam;
    private int sample = 10_000;
    private long seed = 42;

    private Builder(double threshold) {
      this.core = NearDuplicates.builder(threshold);
    }

    /**
     * The nearest other rows looked at per row in each partition (default 10).
     *
     * @param k at least 1
     * @return this builder
     */
    public Builder neighbours(int k) {
      core.neighbours(k);
      return this;
    }

    /**
     * The search beam (default: the graphs' own, {@link ApproxKnn.Builder#searchBeam}).
     *
     * @param ef at least 1
     * @return this builder
     */
    public Builder searchBeam(int ef) {
      if (ef < 1) {
        throw new IllegalArgumentException("ef must be at least 1: " + ef);
      }
      this.beam = ef;
      return this;
    }

    /**
     * How many rows the spread of nearest distances is measured on (default 10,000; 0 for
     * none).
     *
     * @param rows at least 0
     * @return this builder
     */
    public Builder sample(int rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("sample must be 0 or more: " + rows);
      }
      this.sample = rows;
      return this;
    }

    /**
     * The seed of the sample (default 42).
     *
     * @param seed any
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return them
     */
    public SparkDuplicates build() {
      return new SparkDuplicates(this);
    }
  }

  /**
   * What was found.
   *
   * @param groups the groups of two or more, largest first, members by id
   * @param pairs every pair within the threshold, by first then second id
   * @param fullLists how many (row, partition) searches had all {@code k} nearest within the
   *     threshold: rows that may have more duplicates than were paired; raise {@code k}
   * @param nearest the 1st, 5th and 50th percentiles of the sampled rows' distances to their
   *     nearest other row (empty without a sample)
   * @param sampled the rows the percentiles were measured on
   */
  public record Result(List<NearDuplicates.Group> groups, List<NearDuplicates.Pair> pairs,
      long fullLists, double[] nearest, int sampled) {

    /**
     * Copies the lists.
     *
     * @param groups the groups
     * @param pairs the pairs
     * @param fullLists the full lists
     * @param nearest the percentiles
     * @param sampled the sample's size
     */
    public Result {
      groups = List.copyOf(groups);
      pairs = List.copyOf(pairs);
      nearest = nearest.clone();
    }

    /**
     * How many rows belong to a group.
     *
     * @return the count
     */
    public long duplicates() {
      return groups.stream().mapToLong(g -> g.ids().size()).sum();
    }

    /**
     * The groups as rows {@code group} (1 for the largest), {@code id}, {@code largest_link}.
     *
     * @param spark the session
     * @return one row per member
     */
    public Dataset<Row> table(SparkSession spark) {
      List<Row> rows = new ArrayList<>();
      int number = 0;
      for (NearDuplicates.Group g : groups) {
        number++;
        for (long id : g.ids()) {
          rows.add(RowFactory.create(number, id, g.largestLink()));
        }
      }
      StructType schema = new StructType()
          .add("group", DataTypes.IntegerType, false)
          .add("id", DataTypes.LongType, false)
          .add("largest_link", DataTypes.DoubleType, false);
      return spark.createDataFrame(rows, schema);
    }
  }

  /**
   * Finds the groups among the rows the graphs were built from.
   *
   * @param graphs the cached graphs ({@link ApproxKnn#index})
   * @param data the DataFrame they were built from (its id and vector columns are read)
   * @return the groups, pairs and spread
   * @throws IllegalArgumentException if the columns are missing
   * @throws IllegalStateException if more than 20,000,000 pairs are within the threshold (it is
   *     too loose: lower it), or the graphs are closed
   */
  public Result find(PartitionedGraph graphs, Dataset<Row> data) {
    Objects.requireNonNull(graphs, "graphs");
    Objects.requireNonNull(data, "data");
    ApproxKnn settings = graphs.settings();
    KnnQueries.requireColumns(data.schema(), settings.idCol(), settings.vectorCol());
    int ef = beam > 0 ? beam : settings.searchBeam();
    LongAccumulator full = data.sparkSession().sparkContext()
        .longAccumulator("embeddings4j near-duplicate lists within the threshold");
    JavaRDD<Block> blocks = data.select(settings.idCol(), settings.vectorCol()).toJavaRDD()
        .mapPartitions(new Blocks()).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      JavaPairRDD<Tuple2<Long, Long>, Double> pairs = graphs.graphs().cartesian(blocks)
          .flatMapToPair(new Join(threshold, neighbours, ef, full))
          .reduceByKey(Math::min)
          .persist(StorageLevel.MEMORY_AND_DISK());
      List<NearDuplicates.Pair> found;
      try {
        long count = pairs.count();
        if (count > MAX_PAIRS) {
          throw new IllegalStateException(count + " pairs are within " + threshold + ": the"
              + " threshold is too loose to collect them (read the spread of nearest distances"
              + " and lower it)");
        }
        found = new ArrayList<>((int) count);
        for (Tuple2<Tuple2<Long, Long>, Double> t : pairs.collect()) {
          found.add(new NearDuplicates.Pair(t._1()._1(), t._1()._2(), t._2()));
        }
      } finally {
        pairs.unpersist(false);
      }
      found.sort(java.util.Comparator.comparingLong(NearDuplicates.Pair::first)
          .thenComparingLong(NearDuplicates.Pair::second));
      double[] spread = new double[0];
      int sampled = 0;
      if (sample > 0) {
        List<Tuple2<Double, Tuple2<Long, float[]>>> picked = sample(blocks);
        if (!picked.isEmpty()) {
          float[][] queries = new float[picked.size()][];
          long[] ids = new long[picked.size()];
          for (int i = 0; i < queries.length; i++) {
            ids[i] = picked.get(i)._2()._1();
            queries[i] = picked.get(i)._2()._2();
          }
          List<List<Neighbor>> hits = graphs.search(queries, 2, ef);
          double[] nearest = new double[queries.length];
          int n = 0;
          for (int i = 0; i < queries.length; i++) {
            for (Neighbor h : hits.get(i)) {
              if (h.id() != ids[i]) {
                nearest[n++] = h.distance();
                break;
              }
            }
          }
          if (n > 0) {
            spread = NearDuplicates.spread(Arrays.copyOf(nearest, n));
          }
          sampled = n;
        }
      }
      return new Result(NearDuplicates.group(found, null), found, full.value(), spread,
          sampled);
    } finally {
      blocks.unpersist(false);
    }
  }

  /**
   * Up to {@value #BLOCK} rows' ids and vectors (rows without a vector left out).
   *
   * @param ids the ids
   * @param vectors the vectors
   */
  record Block(long[] ids, float[][] vectors) implements Serializable {}

  /**
   * A uniform sample of {@code sample} rows, the same however the rows are partitioned: each
   * row gets a key drawn from its id and the seed, the rows with the smallest keys are kept
   * (a little more than the sample's share is sent to the driver, then cut to size there).
   */
  private List<Tuple2<Double, Tuple2<Long, float[]>>> sample(JavaRDD<Block> blocks) {
    long total = blocks.map(b -> (long) b.ids().length).fold(0L, Long::sum);
    double share = total <= sample ? 1.0 : Math.min(1.0, 1.5 * sample / total + 1e-3);
    long s = seed;
    List<Tuple2<Double, Tuple2<Long, float[]>>> kept = new ArrayList<>(blocks.flatMap(b -> {
      List<Tuple2<Double, Tuple2<Long, float[]>>> out = new ArrayList<>();
      for (int i = 0; i < b.ids().length; i++) {
        double key = new java.util.SplittableRandom(s ^ Long.rotateLeft(
            b.ids()[i] * 0x9E3779B97F4A7C15L, 17)).nextDouble();
        if (key < share) {
          out.add(new Tuple2<>(key, new Tuple2<>(b.ids()[i], b.vectors()[i])));
        }
      }
      return out.iterator();
    }).collect());
    kept.sort(java.util.Comparator.comparingDouble(
        (Tuple2<Double, Tuple2<Long, float[]>> t) -> t._1()).thenComparingLong(t -> t._2()._1()));
    return kept.subList(0, Math.min(sample, kept.size()));
  }

  /** A partition's rows as blocks. */
  private static final class Blocks implements FlatMapFunction<Iterator<Row>, Block> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Block> call(Iterator<Row> rows) {
      List<Block> out = new ArrayList<>();
      long[] ids = new long[BLOCK];
      float[][] vectors = new float[BLOCK][];
      int n = 0;
      while (rows.hasNext()) {
        Row r = rows.next();
        float[] v = Vectors.get(r, 1);
        if (v == null || r.isNullAt(0)) {
          continue;
        }
        ids[n] = ((Number) r.get(0)).longValue();
        vectors[n++] = v;
        if (n == BLOCK) {
          out.add(new Block(ids.clone(), vectors.clone()));
          n = 0;
        }
      }
      if (n > 0) {
        out.add(new Block(Arrays.copyOf(ids, n), Arrays.copyOf(vectors, n)));
      }
      return out.iterator();
    }
  }

  /** One partition's graph searched with one block of rows: the pairs within the threshold. */
  private record Join(double threshold, int k, int ef, LongAccumulator full)
      implements PairFlatMapFunction<Tuple2<PartitionGraph, Block>, Tuple2<Long, Long>, Double> {

    @Override
    public Iterator<Tuple2<Tuple2<Long, Long>, Double>> call(
        Tuple2<PartitionGraph, Block> task) {
      Block block = task._2();
      List<List<Neighbor>> hits = task._1().searchLists(block.vectors(), k + 1, ef);
      List<Tuple2<Tuple2<Long, Long>, Double>> out = new ArrayList<>();
      for (int q = 0; q < block.ids().length; q++) {
        long self = block.ids()[q];
        int seen = 0;
        int within = 0;
        for (Neighbor n : hits.get(q)) {
          if (n.id() == self || seen == k) {
            continue;
          }
          seen++;
          if (n.distance() <= threshold) {
            within++;
            out.add(new Tuple2<>(new Tuple2<>(Math.min(self, n.id()), Math.max(self, n.id())),
                n.distance()));
          }
        }
        if (within == k) {
          full.add(1);
        }
      }
      return out.iterator();
    }
  }
}
