package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.StandardMetric;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * {@code spark-submit} entry point: near-duplicate images in an embeddings store written by
 * {@link EmbedJob}, as {@code embeddings4j duplicates} finds them on one machine.
 *
 * <pre>
 * spark-submit --class io.github.embeddings4j.spark.DuplicatesJob app.jar \
 *     --input hdfs:///embeddings/photos --output hdfs:///duplicates/photos --threshold 0.1
 * </pre>
 *
 * <p>Builds one graph per partition ({@link ApproxKnn}), searches every partition's graph with
 * every row ({@link SparkDuplicates}), and writes the groups as CSV ({@code group, id, path,
 * largest_link}, largest group first) into the output folder. It prints the counts and the
 * spread of nearest distances of a sample, to choose a threshold by. Exit status: 0 done, 1 bad
 * options or a failed job.
 */
public final class DuplicatesJob {

  private DuplicatesJob() {}

  /**
   * Runs the job in the session {@code spark-submit} provides (or a local one).
   *
   * @param args the options; {@code --help} lists them
   */
  public static void main(String[] args) {
    JobMain.main("duplicates", usage(), () -> {
      Options o = Options.parse(args);
      return o == null ? null : spark -> run(spark, o, System.out);
    });
  }

  static String usage() {
    return String.join("\n",
        "usage: DuplicatesJob --input STORE --output FOLDER [options]",
        "  --input PATH          embeddings store (Parquet: id, path, vector) from EmbedJob",
        "  --output PATH         folder for the groups, as CSV: group, id, path, largest_link",
        "  --overwrite           replace the output if it exists",
        "  --threshold D         largest distance between duplicates (default for cosine:",
        "                        0.1, a similarity of 0.9; other metrics need it)",
        "  --metric M            cosine (default), euclidean, dot",
        "  --k N                 nearest rows looked at per row and partition (default 10)",
        "  --ef N                search beam (default 64)",
        "  --partitions N        repartition the rows first: one graph per partition",
        "  --sample N            rows the spread of nearest distances is measured on",
        "                        (default 10000)");
  }

  /** Runs the job; returns the exit status. */
  static int run(SparkSession spark, Options o, PrintStream out) {
    Dataset<Row> stored = EmbeddingStore.read(spark, o.input)
        .where(functions.col(EmbeddingStore.VECTOR).isNotNull());
    if (o.partitions > 0) {
      stored = stored.repartition(o.partitions);
    }
    stored = stored.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    try {
      ApproxKnn knn = ApproxKnn.builder().metric(o.metric).searchBeam(o.ef).build();
      SparkDuplicates.Result r;
      try (PartitionedGraph graphs = knn.index(stored)) {
        r = SparkDuplicates.builder(o.threshold).neighbours(o.k).searchBeam(o.ef)
            .sample(o.sample).build().find(graphs, stored);
      }
      Dataset<Row> groups = r.table(spark).join(stored.select(EmbeddingStore.ID,
          EmbeddingStore.PATH), EmbeddingStore.ID)
          .select("group", EmbeddingStore.ID, EmbeddingStore.PATH, "largest_link")
          .orderBy("group", EmbeddingStore.PATH);
      groups.coalesce(1).write().mode(o.overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
          .option("header", true).csv(o.output);
      out.printf(Locale.ROOT, "%d groups hold %d of %d images (%d pairs within %s, %s);"
          + " written to %s%n", r.groups().size(), r.duplicates(), stored.count(),
          r.pairs().size(), o.threshold, o.metric.metricName(), o.output);
      if (r.nearest().length == 3) {
        out.printf(Locale.ROOT, "nearest-neighbour distances (%d sampled images): 1%% below"
            + " %.4g, 5%% below %.4g, half below %.4g%n", r.sampled(), r.nearest()[0],
            r.nearest()[1], r.nearest()[2]);
      }
      if (r.fullLists() > 0) {
        out.println("note: " + r.fullLists() + " searches had all " + o.k + " nearest within"
            + " the threshold: some images may have more duplicates than their group shows;"
            + " raise --k");
      }
      return 0;
    } finally {
      stored.unpersist();
    }
  }

  /** The parsed options. */
  static final class Options {
    String input;
    String output;
    boolean overwrite;
    Double threshold;
    DistanceMetric metric = StandardMetric.COSINE;
    int k = 10;
    int ef = 64;
    int partitions;
    int sample = 10_000;

    /** Parses; returns null for --help. */
    static Options parse(String[] args) {
      Options o = new Options();
      List<String> rest = new ArrayList<>(List.of(args));
      for (int i = 0; i < rest.size(); i++) {
        String a = rest.get(i);
        switch (a) {
          case "--help", "-h" -> {
            return null;
          }
          case "--overwrite" -> o.overwrite = true;
          case "--input", "--output", "--threshold", "--metric", "--k", "--ef", "--partitions",
              "--sample" -> {
            if (i + 1 >= rest.size()) {
              throw new IllegalArgumentException(a + " needs a value");
            }
            String v = rest.get(++i);
            switch (a) {
              case "--input" -> o.input = v;
              case "--output" -> o.output = v;
              case "--threshold" -> o.threshold = distance(a, v);
              case "--metric" -> o.metric = metric(v);
              case "--k" -> o.k = count(a, v, 1);
              case "--ef" -> o.ef = count(a, v, 1);
              case "--partitions" -> o.partitions = count(a, v, 1);
              default -> o.sample = count(a, v, 0);
            }
          }
          default -> throw new IllegalArgumentException("unknown option '" + a + "'");
        }
      }
      if (o.input == null || o.output == null) {
        throw new IllegalArgumentException("--input and --output are required");
      }
      if (o.threshold == null) {
        if (o.metric != StandardMetric.COSINE) {
          throw new IllegalArgumentException("the " + o.metric.metricName() + " metric has no"
              + " default threshold: give --threshold D");
        }
        o.threshold = 0.1;
      }
      return o;
    }

    private static DistanceMetric metric(String v) {
      StandardMetric m;
      try {
        m = StandardMetric.fromName(v.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--metric must be cosine, euclidean or dot, not '"
            + v + "'", e);
      }
      if (m != StandardMetric.COSINE && m != StandardMetric.EUCLIDEAN
          && m != StandardMetric.DOT_PRODUCT) {
        throw new IllegalArgumentException("--metric must be cosine, euclidean or dot, not '"
            + v + "': the graphs serve those");
      }
      return m;
    }

    private static double distance(String option, String v) {
      try {
        double d = Double.parseDouble(v.trim());
        if (d >= 0 && !Double.isInfinite(d)) {
          return d;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(option + " must be a distance of 0 or more, not '" + v
          + "'");
    }

    private static int count(String option, String v, int least) {
      try {
        int n = Integer.parseInt(v.trim());
        if (n >= least) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(option + " must be an integer of at least " + least
          + ", not '" + v + "'");
    }
  }
}
