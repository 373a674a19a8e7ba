package io.github.embeddings4j.spark;

import io.github.embeddings4j.core.reduce.Pca;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.apache.spark.ml.feature.PCA;
import org.apache.spark.ml.feature.PCAModel;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The figures of docs/spark.md (not a test: minutes, and the numbers depend on the machine).
 *
 * <pre>
 * throughput MODEL IMAGES SIZE INPUT REPEATS MASTER...   images/s of ImageEmbedder per master
 * pca ROWS DIM K SAMPLE REPEATS                         Spark ML PCA vs EmbeddingPca, local[2]
 * knn ROWS DIM QUERIES K REPEATS PARTITIONS...          ExactKnn vs ApproxKnn (per partition)
 *                                                       vs one GraphIndex on the driver, local[2]
 * duplicates ROWS DIM COPIES PARTITIONS...              SparkDuplicates vs the core's self-join
 *                                                       on one GraphIndex, local[2]
 * hdbscan ROWS DIM GROUPS SAMPLE PARTITIONS             EmbeddingHdbscan: fit on a sample, place
 *                                                       every row, local[2]
 * </pre>
 *
 * <p>docs/spark.md gives the exact command lines (a java command on the test class path with
 * the flags Spark needs on Java 17).
 */
public final class SparkMeasurements {

  private SparkMeasurements() {}

  public static void main(String[] args) throws Exception {
    System.out.println("JDK " + Runtime.version() + ", " + Runtime.getRuntime()
        .availableProcessors() + " processors, OMP_NUM_THREADS="
        + System.getenv("OMP_NUM_THREADS"));
    switch (args[0]) {
      case "throughput" -> throughput(args);
      case "pca" -> pca(args);
      case "knn" -> knn(args);
      case "duplicates" -> duplicates(args);
      case "hdbscan" -> hdbscan(args);
      default -> throw new IllegalArgumentException("throughput, pca, knn, duplicates or"
          + " hdbscan, not " + args[0]);
    }
  }

  private static SparkSession session(String master) {
    return SparkSession.builder().master(master).appName("embeddings4j measurements")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** Seeded PNGs of random blocks at a given size. */
  private static Path images(int count, int size) throws IOException {
    Path dir = Files.createTempDirectory("e4j-spark-images");
    SplittableRandom rnd = new SplittableRandom(1);
    for (int i = 0; i < count; i++) {
      BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
      int block = Math.max(1, size / 8);
      for (int by = 0; by < size; by += block) {
        for (int bx = 0; bx < size; bx += block) {
          int rgb = rnd.nextInt(1 << 24);
          for (int y = by; y < Math.min(size, by + block); y++) {
            for (int x = bx; x < Math.min(size, bx + block); x++) {
              img.setRGB(x, y, rgb);
            }
          }
        }
      }
      ImageIO.write(img, "png", dir.resolve(String.format("i%05d.png", i)).toFile());
    }
    return dir;
  }

  private static void throughput(String[] args) throws Exception {
    String model = args[1];
    int count = Integer.parseInt(args[2]);
    int size = Integer.parseInt(args[3]);
    int input = Integer.parseInt(args[4]);
    int repeats = Integer.parseInt(args[5]);
    Path dir = images(count, size);
    System.out.printf(Locale.ROOT, "model %s (random weights), %d PNG images %dx%d, network "
        + "input %dx%d, 4 partitions%n", model, count, size, size, input, input);
    // Side by side, interleaved: in each round the single-machine embedder on the same files
    // in this JVM, then Spark on each master (one SparkContext per JVM at a time), so that a
    // change in the shared machine's load hits every configuration alike.
    List<io.github.embeddings4j.api.ImageSource> files = new ArrayList<>();
    try (var list = Files.list(dir)) {
      list.sorted().forEach(p -> files.add(io.github.embeddings4j.api.ImageSource.of(p)));
    }
    ImageEmbedder e = new ImageEmbedder().setModel(model).setWeights("random")
        .setInputSize(input, input);
    int configs = args.length - 6 + 1;
    double[][] rates = new double[configs][repeats];
    // Warm-up: builds the (cached) embedder and compiles the hot code.
    var plain = ExecutorEmbedders.get(e.spec());
    plain.embedBatch(files.subList(0, Math.min(count, 64)));
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      plain.embedBatch(files);
      rates[0][r] = count / ((System.nanoTime() - t0) / 1e9);
      for (int m = 6; m < args.length; m++) {
        SparkSession spark = session(args[m]);
        Dataset<Row> df = spark.read().format("binaryFile").load(dir.toString()).repartition(4)
            .cache();
        df.count();
        e.transform(df.limit(16)).write().format("noop").mode("overwrite").save();
        t0 = System.nanoTime();
        e.transform(df).write().format("noop").mode("overwrite").save();
        rates[m - 5][r] = count / ((System.nanoTime() - t0) / 1e9);
        df.unpersist();
        spark.stop();
      }
    }
    for (int c = 0; c < configs; c++) {
      System.out.printf(Locale.ROOT, "%-12s images/s: median %.1f of %s%n",
          c == 0 ? "ZooEmbedder" : args[c + 5], median(rates[c]),
          Arrays.toString(Arrays.stream(rates[c]).map(x -> Math.round(x * 10) / 10.0).toArray()));
    }
  }

  /**
   * GROUPS Gaussian groups of unequal size and spread (95% of the rows) and scattered rows (5%),
   * DIM dimensions: the sampled fit on the driver, then every row placed (counted, written
   * nowhere); the clusters against the groups (adjusted Rand index, scattered rows as one more
   * label).
   */
  private static void hdbscan(String[] args) throws Exception {
    int n = Integer.parseInt(args[1]);
    int d = Integer.parseInt(args[2]);
    int groups = Integer.parseInt(args[3]);
    int sample = Integer.parseInt(args[4]);
    int partitions = Integer.parseInt(args[5]);
    SparkSession spark = session("local[2]");
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(31);
    float[][] centres = new float[groups][d];
    for (float[] c : centres) {
      for (int j = 0; j < d; j++) {
        c[j] = (float) (rnd.nextGaussian() * 10);
      }
    }
    float[][] v = new float[n][d];
    int[] truth = new int[n];
    for (int i = 0; i < n; i++) {
      if (rnd.nextDouble() < 0.05) {
        truth[i] = -1;
        for (int j = 0; j < d; j++) {
          v[i][j] = (float) (rnd.nextDouble() * 60 - 30);
        }
      } else {
        // Group g drawn with weight g + 1; spread 0.5 to 1.5.
        int g = (int) Math.floor(Math.sqrt(rnd.nextDouble()) * groups);
        truth[i] = g;
        double spread = 0.5 + (double) g / groups;
        for (int j = 0; j < d; j++) {
          v[i][j] = (float) (centres[g][j] + rnd.nextGaussian() * spread);
        }
      }
    }
    Dataset<Row> df = TestData.frame(spark, TestData.range(n), v, partitions).cache();
    df.count();
    System.out.printf(Locale.ROOT, "%d x %d, %d groups + 5%% scattered, %d partitions, local[2],"
        + " cached%n", n, d, groups, partitions);
    long t0 = System.nanoTime();
    EmbeddingHdbscanModel model = new EmbeddingHdbscan().setInputCol("vector")
        .setMinClusterSize(Math.max(2, n / (groups * 10))).setSampleSize(sample).setSeed(42)
        .fit(df);
    double fit = (System.nanoTime() - t0) / 1e9;
    t0 = System.nanoTime();
    List<Row> placed = model.setInputCol("vector").transform(df).select("id", "cluster")
        .collectAsList();
    double place = (System.nanoTime() - t0) / 1e9;
    int[] labels = new int[n];
    for (Row r : placed) {
      labels[(int) r.getLong(0)] = r.getInt(1);
    }
    // The same placement by the core in this JVM, in the executors' blocks: what Spark adds.
    t0 = System.nanoTime();
    int differ = 0;
    for (int from = 0; from < n; from += EmbeddingHdbscanModel.BLOCK) {
      int to = Math.min(n, from + EmbeddingHdbscanModel.BLOCK);
      int[] core = model.model().predict(java.util.Arrays.copyOfRange(v, from, to)).labels();
      for (int i = from; i < to; i++) {
        differ += core[i - from] != labels[i] ? 1 : 0;
      }
    }
    double direct = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "the core placing the same rows in this JVM: %.1f s"
        + " (%d labels differ)%n", direct, differ);
    long noise = java.util.Arrays.stream(labels).filter(l -> l < 0).count();
    System.out.printf(Locale.ROOT, "fit on %d rows (%s): %.1f s, %d clusters; placing all %d"
        + " rows: %.1f s; noise %.1f%%; adjusted Rand index with the groups %.3f%n",
        model.model().size(), model.model().options(), fit,
        model.model().result().clusterCount(), n, place, 100.0 * noise / n,
        io.github.embeddings4j.core.eval.ClusteringAgreement.adjustedRandIndex(truth, labels));
  }

  private static void pca(String[] args) throws Exception {
    int n = Integer.parseInt(args[1]);
    int d = Integer.parseInt(args[2]);
    int k = Integer.parseInt(args[3]);
    int sample = Integer.parseInt(args[4]);
    int repeats = Integer.parseInt(args[5]);
    SparkSession spark = session("local[2]");
    float[][] v = TestData.vectors(17, n, d);
    Dataset<Row> df = TestData.frame(spark, TestData.range(n), v, 4).cache();
    df.count();
    Dataset<Row> ml = df.select(functions.col("id"),
        org.apache.spark.ml.functions.array_to_vector(functions.col("vector")).as("features"))
        .cache();
    ml.count();
    System.out.printf(Locale.ROOT, "%d x %d vectors (4 strong directions + noise), k=%d, "
        + "local[2], 4 partitions, cached%n", n, d, k);
    double[] sparkFit = new double[repeats];
    double[] oursSample = new double[repeats];
    double[] oursAll = new double[repeats];
    PCAModel sparkModel = null;
    Pca sampled = null;
    Pca all = null;
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      sparkModel = new PCA().setInputCol("features").setOutputCol("p").setK(k).fit(ml);
      sparkFit[r] = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      sampled = new EmbeddingPca().setInputCol("vector").setK(k).setSampleSize(sample)
          .setSeed(42).fit(df).pca();
      oursSample[r] = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      all = new EmbeddingPca().setInputCol("vector").setK(k).setSampleSize(n).fit(df).pca();
      oursAll[r] = (System.nanoTime() - t0) / 1e9;
    }
    System.out.printf(Locale.ROOT, "fit seconds (median of %d): Spark ML PCA %.2f, "
        + "EmbeddingPca sample %d %.2f, EmbeddingPca all rows %.2f%n", repeats,
        median(sparkFit), sample, median(oursSample), median(oursAll));
    System.out.printf(Locale.ROOT, "subspace overlap with Spark ML's (1 = same span of the top"
        + " 4 components): sample %.6f, all rows %.6f%n",
        overlap(sparkModel.pc(), sampled, 4), overlap(sparkModel.pc(), all, 4));

    // Applying: every row, written nowhere.
    double[] sparkApply = new double[repeats];
    double[] oursApply = new double[repeats];
    EmbeddingPcaModel oursModel = new EmbeddingPca().setInputCol("vector").setK(k)
        .setSampleSize(sample).fit(df);
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      sparkModel.transform(ml).write().format("noop").mode("overwrite").save();
      sparkApply[r] = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      oursModel.transform(df).write().format("noop").mode("overwrite").save();
      oursApply[r] = (System.nanoTime() - t0) / 1e9;
    }
    System.out.printf(Locale.ROOT, "apply seconds (median of %d): Spark ML PCAModel %.2f, "
        + "EmbeddingPcaModel %.2f%n", repeats, median(sparkApply), median(oursApply));
    spark.stop();
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  /**
   * Exact against approximate search over the same cached DataFrame, per partition count: the
   * exact scan (the recall's reference); the per-partition graphs built for one call, and built
   * once and cached ({@link PartitionedGraph}), then searched REPEATS times; one graph of all
   * rows collected to the driver (in id order) and built on all its cores, then searched there
   * on all cores and on one. Seeded clustered vectors (100 clusters; isotropic noise around
   * each centre, so within a cluster the data has the full dimension: harder for a graph than
   * real embeddings). GraphIndex's defaults (M 16, efConstruction 200, ef 64), or
   * {@code -Dknn.m=}, {@code -Dknn.efConstruction=}, {@code -Dknn.ef=}.
   */
  /**
   * Random unit-free Gaussian rows with planted near-copies (noise 0.002 a component), found by
   * SparkDuplicates over P partitions and by the core's self-join on one GraphIndex; cosine,
   * threshold 0.01.
   */
  private static void duplicates(String[] args) {
    int n = Integer.parseInt(args[1]);
    int d = Integer.parseInt(args[2]);
    int copies = Integer.parseInt(args[3]);
    SparkSession spark = session("local[2]");
    SplittableRandom r = new SplittableRandom(31);
    float[][] v = new float[n + copies][d];
    for (int i = 0; i < n; i++) {
      for (int t = 0; t < d; t++) {
        v[i][t] = (float) r.nextGaussian();
      }
    }
    for (int c = 0; c < copies; c++) {
      float[] of = v[(int) ((c * 7919L) % n)];
      for (int t = 0; t < d; t++) {
        v[n + c][t] = of[t] + (float) (0.002 * r.nextGaussian());
      }
    }
    System.out.printf(Locale.ROOT, "%d x %d Gaussian rows + %d planted copies, cosine, threshold"
        + " 0.01, k 10, local[2]%n", n, d, copies);
    long t0 = System.nanoTime();
    io.github.embeddings4j.core.search.GraphIndex one =
        io.github.embeddings4j.core.search.GraphIndex.builder(d)
            .metric(io.github.embeddings4j.api.StandardMetric.COSINE).build();
    one.addAll(0L, v);
    double build = seconds(t0);
    t0 = System.nanoTime();
    var core = io.github.embeddings4j.core.search.NearDuplicates.builder(0.01).neighbours(10)
        .build().find(one, null);
    System.out.printf(Locale.ROOT, "core, one GraphIndex        build %.1f s, self-join %.1f s,"
        + " %d pairs%n", build, seconds(t0), core.pairs().size());
    for (int a = 4; a < args.length; a++) {
      int partitions = Integer.parseInt(args[a]);
      Dataset<Row> df = TestData.frame(spark, TestData.range(v.length), v, partitions).cache();
      df.count();
      t0 = System.nanoTime();
      try (PartitionedGraph graphs = ApproxKnn.builder()
          .metric(io.github.embeddings4j.api.StandardMetric.COSINE).build().index(df)) {
        double built = seconds(t0);
        t0 = System.nanoTime();
        SparkDuplicates.Result res = SparkDuplicates.builder(0.01).neighbours(10).sample(2_000)
            .build().find(graphs, df);
        System.out.printf(Locale.ROOT, "SparkDuplicates, %2d partitions build %.1f s, find %.1f"
            + " s, %d pairs, %d groups, nearest p50 %.3f%n", partitions, built, seconds(t0),
            res.pairs().size(), res.groups().size(), res.nearest()[2]);
      }
      df.unpersist();
    }
  }

  private static void knn(String[] args) throws Exception {
    int n = Integer.parseInt(args[1]);
    int d = Integer.parseInt(args[2]);
    int nq = Integer.parseInt(args[3]);
    int k = Integer.parseInt(args[4]);
    int repeats = Integer.parseInt(args[5]);
    SparkSession spark = session("local[2]");
    float[][] v = TestData.clustered(21, n, d, 100);
    float[][] queries = TestData.clustered(22, nq, d, 100);
    int m = Integer.getInteger("knn.m", 16);
    int efc = Integer.getInteger("knn.efConstruction", 200);
    int ef = Integer.getInteger("knn.ef", 64);
    System.out.printf(Locale.ROOT, "%d x %d seeded clustered vectors, %d queries, k=%d, "
        + "local[2], driver cores %d; M %d, efConstruction %d, ef %d%n",
        n, d, nq, k, Runtime.getRuntime().availableProcessors(), m, efc, ef);
    ApproxKnn approx = ApproxKnn.builder().maxDegree(m).beamWidth(efc).searchBeam(ef).build();
    for (int a = 6; a < args.length; a++) {
      int partitions = Integer.parseInt(args[a]);
      Dataset<Row> df = TestData.frame(spark, TestData.range(n), v, partitions).cache();
      df.count();
      System.out.printf(Locale.ROOT, "-- %d partitions (cached)%n", partitions);

      double[] exactS = new double[repeats];
      List<List<io.github.embeddings4j.api.Neighbor>> truth = null;
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        truth = ExactKnn.builder().build().search(df, queries, k);
        exactS[r] = seconds(t0);
      }
      System.out.printf(Locale.ROOT, "ExactKnn                 search %.2f s (median of %d, "
          + "%.0f queries/s)%n", median(exactS), repeats, nq / median(exactS));

      long t0 = System.nanoTime();
      double onceRecall = ApproxKnnTest.recall(truth, approx.search(df, queries, k));
      System.out.printf(Locale.ROOT, "ApproxKnn.search (build + search in one call) %.2f s, "
          + "recall@%d %.4f%n", seconds(t0), k, onceRecall);

      t0 = System.nanoTime();
      try (PartitionedGraph graphs = approx.index(df)) {
        double build = seconds(t0);
        double[] searchS = new double[repeats];
        double recall = 0;
        for (int r = 0; r < repeats; r++) {
          t0 = System.nanoTime();
          recall = ApproxKnnTest.recall(truth, graphs.search(queries, k));
          searchS[r] = seconds(t0);
        }
        System.out.printf(Locale.ROOT, "ApproxKnn per partition  build %.2f s, search %.2f s "
            + "(median of %d, %.0f queries/s), recall@%d %.4f, partition builds %d%n", build,
            median(searchS), repeats, nq / median(searchS), k, recall,
            graphs.partitionBuilds());
      }

      t0 = System.nanoTime();
      io.github.embeddings4j.core.search.GraphIndex one = EmbeddingStore.toGraphIndex(df,
          dim -> io.github.embeddings4j.core.search.GraphIndex.builder(dim).maxDegree(m)
              .beamWidth(efc).searchBeam(ef));
      double collect = seconds(t0);
      double[] allCores = new double[repeats];
      double[] oneCore = new double[repeats];
      double recall = 0;
      for (int r = 0; r < repeats; r++) {
        t0 = System.nanoTime();
        recall = ApproxKnnTest.recall(truth, one.searchAll(queries, k));
        allCores[r] = seconds(t0);
        t0 = System.nanoTime();
        for (float[] q : queries) {
          one.search(q, k);
        }
        oneCore[r] = seconds(t0);
      }
      System.out.printf(Locale.ROOT, "GraphIndex on the driver collect + build %.2f s, search "
          + "%.3f s all cores (%.0f queries/s), %.3f s one thread (%.0f queries/s), "
          + "recall@%d %.4f, heap %.1f MB%n", collect, median(allCores),
          nq / median(allCores), median(oneCore), nq / median(oneCore), k, recall,
          one.memoryBytes().heap() / 1e6);
      one.close();
      df.unpersist();
    }
    spark.stop();
  }

  /** Mean squared projection of our top components onto the span of Spark's top ones. */
  private static double overlap(DenseMatrix pc, Pca ours, int top) {
    List<double[]> spark = new ArrayList<>();
    for (int c = 0; c < top; c++) {
      double[] col = new double[pc.numRows()];
      for (int j = 0; j < col.length; j++) {
        col[j] = pc.apply(j, c);
      }
      spark.add(col);
    }
    double sum = 0;
    for (int c = 0; c < top; c++) {
      float[] o = ours.components()[c];
      for (double[] s : spark) {
        double dot = 0;
        for (int j = 0; j < o.length; j++) {
          dot += o[j] * s[j];
        }
        sum += dot * dot;
      }
    }
    return sum / top;
  }
}
