package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.search.Compression;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.GraphIndex;
import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ListRandomAccessVectorValues;
import io.github.jbellis.jvector.graph.OnHeapGraphIndex;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.SearchScoreProvider;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;

/**
 * Recall@10 against queries per second of the graph index, ann-benchmarks style (build once;
 * then for each search beam the queries one at a time on one thread, recall against an exact
 * answer), for {@link GraphIndex} and, as further "library" rows, Lucene's HNSW (lucene-core: 9
 * on Java 17, without SIMD; 10 in the lucene10 profile on Java 21+, with it) and JVector
 * (io.github.jbellis:jvector, scalar on Java 17). Each point is one JSON line on standard
 * output, so that the Python peers' script (hnswlib, FAISS) can plot all of them; progress goes
 * to standard error.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx24g -cp embeddings-benchmarks/target/benchmarks.jar \
 *     io.github.embeddings4j.benchmarks.AnnCurve --dataset fashion-mnist --threads 1 \
 *     --libraries embeddings4j,lucene,jvector --ef 10,16,24,32,48,64,96,128,256,512
 * </pre>
 *
 * <p>Options: {@code --dataset fashion-mnist | random:N:D[:CLUSTERS]} (seeded Gaussian
 * clusters, 1,000 by default, 0 for plain Gaussian; 10,000 queries from the same distribution),
 * {@code --M 16 --efC 200}, {@code --ef LIST}, {@code --threads N} (build threads, default
 * all), {@code --all-threads} (also q/s of {@code searchAll} on every core, embeddings4j only),
 * {@code --compression none|int8}, {@code --rerank LIST} (int8: one curve per factor), {@code
 * --libraries LIST}, {@code --base N --queries N} (fewer rows, for a smoke run), {@code --cache
 * DIR} (exact answers, default {@code target/ann-cache}); {@code --data DIR --name NAME}: the
 * data folder {@code ann_peers.py --prepare-only} wrote (base, queries, exact distances), with
 * recall counted by its rule, and {@code --repeats R} timed passes per beam (median), as
 * {@code bin/ann-bench.sh} runs it. Each embeddings4j row also carries
 * the resident memory after the build ({@code VmRSS}, split into {@code RssAnon} and {@code
 * RssFile} from {@code /proc/self/status}, after a GC) and the index's own {@code
 * memoryBytes()} parts; those resident figures include this program's own copy of the data
 * ({@code harness_data_mb}) and whatever the exact answers left committed. For the index's
 * memory alone use {@code --memory}: a run in its own JVM that streams the rows into the index
 * in batches of 10,000 without keeping them (for {@code random:} data; Fashion-MNIST is
 * dropped after the build), measures nothing else and prints one JSON line with the build time
 * and the resident figures. With int8 the quantiser's ranges are then learned from the first
 * batch.
 */
public final class AnnCurve {

  private AnnCurve() {}

  static final int K = 10;

  /**
   * Runs the measurement.
   *
   * @param args the options above
   * @throws Exception if data cannot be read or a library fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'");
      }
      if (a.equals("--all-threads") || a.equals("--memory")) {
        opt.put(a.substring(2), "true");
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        opt.put(a.substring(2), args[++i]);
      }
    }
    String dataset = opt.getOrDefault("dataset", "fashion-mnist");
    int m = Integer.parseInt(opt.getOrDefault("M", "16"));
    int efc = Integer.parseInt(opt.getOrDefault("efC", "200"));
    int[] efs = ints(opt.getOrDefault("ef", "10,16,24,32,48,64,96,128,256,512"));
    int threads = Integer.parseInt(opt.getOrDefault("threads",
        String.valueOf(Runtime.getRuntime().availableProcessors())));
    Compression compression = Compression.valueOf(opt.getOrDefault("compression", "none")
        .toUpperCase(Locale.ROOT));
    int[] reranks = ints(opt.getOrDefault("rerank", compression == Compression.INT8 ? "0,4"
        : "1"));
    List<String> libraries = List.of(opt.getOrDefault("libraries", "embeddings4j").split(","));
    Path cache = Path.of(opt.getOrDefault("cache", "target/ann-cache"));
    int baseLimit = Integer.parseInt(opt.getOrDefault("base", "0"));
    int queryLimit = Integer.parseInt(opt.getOrDefault("queries", "0"));

    if (opt.containsKey("memory")) {
      memoryRun(dataset, m, efc, threads, compression, reranks[0]);
      return;
    }
    float[][] base;
    float[][] queries;
    String name;
    int[][] truth;
    if (opt.containsKey("data")) {
      // The folder ann_peers.py prepared: the same rows, queries and exact distances as the
      // Python peers, and recall counted by the same rule (see distanceRecall).
      Path folder = Path.of(opt.get("data"));
      base = Npy.read(folder.resolve("base.npy"));
      queries = Npy.read(folder.resolve("queries.npy"));
      truthDistances = Npy.read(folder.resolve("gt-dist.npy"));
      truthBase = base;
      name = opt.getOrDefault("name", folder.getFileName().toString());
      truth = null;
    } else {
      float[][][] data = load(dataset);
      base = baseLimit > 0 ? Arrays.copyOf(data[0], Math.min(baseLimit, data[0].length))
          : data[0];
      queries = queryLimit > 0
          ? Arrays.copyOf(data[1], Math.min(queryLimit, data[1].length)) : data[1];
      name = dataset + (baseLimit > 0 || queryLimit > 0 ? "-" + base.length + "x"
          + queries.length : "");
      truth = truth(cache, name, base, queries);
    }
    repeats = Integer.parseInt(opt.getOrDefault("repeats", "1"));
    log("data " + name + ": " + base.length + " x " + base[0].length + ", " + queries.length
        + " queries, kernels " + io.github.embeddings4j.core.vector.VectorMath.kernelsName());

    for (String lib : libraries) {
      switch (lib.trim()) {
        case "embeddings4j" -> {
          for (int rerank : reranks) {
            ours(name, base, queries, truth, m, efc, efs, threads, compression, rerank,
                opt.containsKey("all-threads"));
          }
        }
        case "lucene" -> lucene().run(name, base, queries, truth, m, efc, efs, threads);
        case "jvector" -> jvector(name, base, queries, truth, m, efc, efs, threads);
        default -> throw new IllegalArgumentException("unknown library '" + lib
            + "' (embeddings4j, lucene, jvector)");
      }
    }
  }

  /** A peer measured on the same data: builds its index, then {@link #curve}s it. */
  interface Peer {
    void run(String name, float[][] base, float[][] queries, int[][] truth, int m, int efc,
        int[] efs, int threads) throws IOException;
  }

  /**
   * Lucene's HNSW, whose vector-values API changed in Lucene 10: each build compiles the adapter
   * for its Lucene ({@code LuceneHnswPeer} on JDK 17 with Lucene 9, {@code Lucene10HnswPeer} in
   * the lucene10 profile), found here by name.
   */
  private static Peer lucene() {
    String peer = org.apache.lucene.util.Version.LATEST.major >= 10 ? "Lucene10HnswPeer"
        : "LuceneHnswPeer";
    try {
      return (Peer) Class.forName(AnnCurve.class.getPackageName() + "." + peer)
          .getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this build has no " + peer + " for Lucene "
          + org.apache.lucene.util.Version.LATEST + " (the lucene10 profile compiles the Lucene"
          + " 10 adapter, the default build the Lucene 9 one)", e);
    }
  }

  private static int[] ints(String list) {
    return Arrays.stream(list.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
  }

  static void log(String s) {
    System.err.println("[AnnCurve] " + s);
  }

  // ---- data ----

  /** {base, queries}. */
  static float[][][] load(String dataset) throws IOException {
    if (dataset.equals("fashion-mnist")) {
      FashionMnist.Split split = FashionMnist.load(FashionMnist.defaultDirectory());
      // Raw pixel values 0..255 as floats, as ann-benchmarks' fashion-mnist-784-euclidean.
      return new float[][][] {rows(split.train()), rows(split.test())};
    }
    if (dataset.startsWith("random:")) {
      String[] p = dataset.split(":");
      int n = Integer.parseInt(p[1]);
      int d = Integer.parseInt(p[2]);
      int clusters = p.length > 3 ? Integer.parseInt(p[3]) : 1000;
      return new float[][][] {gaussian(n, d, clusters, 1), gaussian(10_000, d, clusters, 2)};
    }
    throw new IllegalArgumentException("unknown dataset '" + dataset
        + "' (fashion-mnist, random:N:D[:CLUSTERS])");
  }

  private static float[][] rows(LabeledImages images) {
    float[][] x = new float[images.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = images.vector(i);
    }
    return x;
  }

  /** Seeded Gaussian clusters (centres N(0, 1), spread 0.5), or plain N(0, 1) for 0 clusters. */
  static float[][] gaussian(int n, int d, int clusters, long seed) {
    SplittableRandom centres = new SplittableRandom(99);
    float[][] c = new float[Math.max(1, clusters)][d];
    if (clusters > 0) {
      for (float[] v : c) {
        for (int j = 0; j < d; j++) {
          v[j] = (float) centres.nextGaussian();
        }
      }
    }
    double spread = clusters > 0 ? 0.5 : 1.0;
    float[][] x = new float[n][d];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      float[] centre = c[r.nextInt(c.length)];
      for (int j = 0; j < d; j++) {
        x[i][j] = centre[j] + (float) (spread * r.nextGaussian());
      }
    }
    return x;
  }

  /** The exact 10 nearest row numbers of each query, computed once and cached as .npy. */
  static int[][] truth(Path cache, String name, float[][] base, float[][] queries)
      throws IOException {
    Path file = cache.resolve(name.replace(':', '_') + "-euclidean-top10.npy");
    if (Files.exists(file)) {
      float[][] ids = Npy.read(file);
      if (ids.length == queries.length) {
        log("exact answers from " + file);
        return toInts(ids);
      }
    }
    log("exact answers with FlatIndex (once; cached in " + file + ")");
    FlatIndex flat = FlatIndex.builder(base[0].length).metric(StandardMetric.EUCLIDEAN).build();
    flat.addAll(0, base);
    List<List<Neighbor>> all = flat.searchAll(queries, K);
    // Row numbers as float32 (exact below 2^24 rows), so NumPy reads them directly.
    float[][] ids = new float[queries.length][K];
    for (int q = 0; q < queries.length; q++) {
      for (int i = 0; i < K; i++) {
        ids[q][i] = all.get(q).get(i).id();
      }
    }
    Files.createDirectories(cache);
    Npy.write(file, ids);
    return toInts(ids);
  }

  private static int[][] toInts(float[][] ids) {
    int[][] out = new int[ids.length][];
    for (int q = 0; q < ids.length; q++) {
      out[q] = new int[ids[q].length];
      for (int i = 0; i < ids[q].length; i++) {
        out[q][i] = (int) ids[q][i];
      }
    }
    return out;
  }

  // ---- measurement ----

  /** Finds the 10 nearest row numbers of one query. */
  @FunctionalInterface
  interface Searcher {
    int[] search(float[] query, int ef) throws IOException;
  }

  /** With {@code --data}: each query's 10 exact distances, ascending (ann_peers.py's). */
  static float[][] truthDistances;

  /** With {@code --data}: the rows the distances of the hits are computed on. */
  static float[][] truthBase;

  /** Timed passes per beam; the median pass is reported. */
  static int repeats = 1;

  /**
   * Recall@10 by ann-benchmarks' rule, which ann_peers.py uses: a hit counts when its exact
   * Euclidean distance is at most the 10th true distance + 0.001, so ties at the 10th place do
   * not cost recall.
   */
  static double distanceRecall(float[][] queries, int[][] found) {
    long hit = 0;
    for (int q = 0; q < queries.length; q++) {
      double limit = truthDistances[q][K - 1] + 1e-3;
      for (int row : found[q]) {
        float[] x = truthBase[row];
        double s = 0;
        for (int t = 0; t < x.length; t++) {
          double diff = (double) x[t] - queries[q][t];
          s += diff * diff;
        }
        if (Math.sqrt(s) <= limit) {
          hit++;
        }
      }
    }
    return (double) hit / ((long) queries.length * K);
  }

  static double recall(int[][] truth, int[][] found) {
    long hit = 0;
    for (int q = 0; q < truth.length; q++) {
      for (int id : found[q]) {
        for (int t : truth[q]) {
          if (t == id) {
            hit++;
            break;
          }
        }
      }
    }
    return (double) hit / ((long) truth.length * K);
  }

  /** One pass per ef after a warm-up pass; prints one JSON line per ef. */
  static void curve(Map<String, Object> row, float[][] queries, int[][] truth,
      int[] efs, Searcher s) throws IOException {
    // Warm-up: 5,000 searches (queries reused when fewer) at a middle beam, so that the JIT
    // has compiled the search before the first timed pass.
    for (int i = 0; i < 5000; i++) {
      s.search(queries[i % queries.length], efs[efs.length / 2]);
    }
    for (int ef : efs) {
      int[][] found = new int[queries.length][];
      double[] passes = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        for (int q = 0; q < queries.length; q++) {
          found[q] = s.search(queries[q], ef);
        }
        passes[r] = (System.nanoTime() - t0) / 1e9;
      }
      Arrays.sort(passes);
      double sec = passes[repeats / 2];
      Map<String, Object> point = new LinkedHashMap<>(row);
      point.put("ef", ef);
      point.put("recall", truth == null ? distanceRecall(queries, found) : recall(truth, found));
      point.put("qps", queries.length / sec);
      point.put("repeats", repeats);
      point.put("search_threads", 1);
      emit(point);
    }
  }

  static void emit(Map<String, Object> point) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, Object> e : point.entrySet()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append('"').append(e.getKey()).append("\": ");
      Object v = e.getValue();
      if (v instanceof String str) {
        sb.append('"').append(str).append('"');
      } else if (v instanceof Double dd) {
        sb.append(String.format(Locale.ROOT, "%.6g", dd));
      } else {
        sb.append(v);
      }
    }
    System.out.println(sb.append('}'));
    System.out.flush();
  }

  static Map<String, Object> row(String library, String dataset, int m, int efc,
      int threads, double buildSeconds) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("library", library);
    row.put("dataset", dataset);
    row.put("M", m);
    row.put("efC", efc);
    row.put("build_threads", threads);
    row.put("threads", threads); // the name ann_report.py groups by
    row.put("build_s", buildSeconds);
    row.put("version", versionOf(library));
    row.put("java", Runtime.version().toString());
    return row;
  }

  /**
   * The version of a library's jar as its build recorded it: Maven's {@code pom.properties}
   * (embeddings4j, JVector) or Lucene's {@code Version.LATEST}; empty when there is none
   * (classes run from a build folder).
   */
  static String versionOf(String library) {
    if (library.startsWith("lucene")) {
      return org.apache.lucene.util.Version.LATEST.toString();
    }
    boolean jvector = library.equals("jvector");
    if (!jvector && !library.equals("embeddings4j")) {
      return "";
    }
    Class<?> anchor = jvector ? GraphIndexBuilder.class : GraphIndex.class;
    String resource = jvector
        ? "/META-INF/maven/io.github.jbellis/jvector-base/pom.properties"
        : "/META-INF/maven/io.github.embeddings4j/embeddings-core/pom.properties";
    try (var in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        return "";
      }
      var props = new java.util.Properties();
      props.load(in);
      return props.getProperty("version", "");
    } catch (IOException e) {
      return "";
    }
  }

  /** VmRSS, RssAnon and RssFile in MiB after a GC, or empty where /proc is absent. */
  static Map<String, Object> memory() {
    Map<String, Object> out = new LinkedHashMap<>();
    System.gc();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        for (String key : List.of("VmRSS", "RssAnon", "RssFile")) {
          if (line.startsWith(key + ":")) {
            long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            out.put(key.toLowerCase(Locale.ROOT) + "_mb", kb / 1024.0);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: no resident figures.
    }
    Runtime rt = Runtime.getRuntime();
    out.put("heap_used_mb", (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
    return out;
  }

  // ---- the libraries ----

  private static void ours(String name, float[][] base, float[][] queries, int[][] truth,
      int m, int efc, int[] efs, int threads, Compression compression, int rerank,
      boolean allThreads) throws IOException {
    log("embeddings4j GraphIndex: M " + m + ", efC " + efc + ", " + threads + " build threads, "
        + compression + (compression == Compression.INT8 ? " rerank " + rerank : ""));
    long t0 = System.nanoTime();
    GraphIndex index = GraphIndex.builder(base[0].length).metric(StandardMetric.EUCLIDEAN)
        .maxDegree(m).beamWidth(efc).threads(threads).compression(compression).rerank(rerank)
        .build();
    index.addAll(0, base);
    double build = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> row = row("embeddings4j", name, m, efc, threads, build);
    row.put("compression", compression.name().toLowerCase(Locale.ROOT));
    if (compression == Compression.INT8) {
      row.put("rerank", rerank);
    }
    GraphIndex.Memory mem = index.memoryBytes();
    row.put("vectors_mb", mem.vectors() / 1048576.0);
    row.put("codes_mb", mem.codes() / 1048576.0);
    row.put("graph_mb", mem.graph() / 1048576.0);
    row.put("mapped_mb", mem.mappedVectors() / 1048576.0);
    row.put("float_vectors_mb", 4.0 * base.length * base[0].length / 1048576.0);
    row.put("harness_data_mb", 4.0 * (base.length + queries.length) * base[0].length
        / 1048576.0);
    row.putAll(memory());
    log("built in " + build + " s; " + mem);
    curve(row, queries, truth, efs, (q, ef) -> rows(index.search(q, K, ef)));
    if (allThreads) {
      int cores = Runtime.getRuntime().availableProcessors();
      for (int ef : efs) {
        long s0 = System.nanoTime();
        List<List<Neighbor>> all = index.searchAll(queries, K, ef);
        double sec = (System.nanoTime() - s0) / 1e9;
        int[][] found = new int[queries.length][];
        for (int q = 0; q < found.length; q++) {
          found[q] = rows(all.get(q));
        }
        Map<String, Object> point = new LinkedHashMap<>(row);
        point.put("ef", ef);
        point.put("recall", truth == null ? distanceRecall(queries, found)
            : recall(truth, found));
        point.put("qps", queries.length / sec);
        point.put("search_threads", cores);
        point.put("query_threads", cores);
        point.put("mode", "batch");
        emit(point);
      }
    }
    index.close();
  }

  /**
   * Builds the index from streamed rows and reports build time and resident memory only: the
   * program holds one batch of rows at a time, so {@code VmRSS} is the index's (and the JVM's).
   */
  private static void memoryRun(String dataset, int m, int efc, int threads,
      Compression compression, int rerank) throws IOException {
    Map<String, Object> before = memory();
    RowStream rows = RowStream.of(dataset);
    int n = rows.count();
    int d = rows.dimension();
    log("memory run: " + dataset + " " + n + " x " + d + ", " + compression + ", " + threads
        + " build threads");
    long t0 = System.nanoTime();
    GraphIndex index = GraphIndex.builder(d).metric(StandardMetric.EUCLIDEAN).maxDegree(m)
        .beamWidth(efc).threads(threads).compression(compression).rerank(rerank).build();
    int batch = 10_000;
    for (int start = 0; start < n; start += batch) {
      float[][] chunk = rows.next(Math.min(batch, n - start));
      index.addAll(start, chunk);
    }
    double build = (System.nanoTime() - t0) / 1e9;
    rows = null;
    Map<String, Object> row = row("embeddings4j", dataset, m, efc, threads, build);
    row.put("mode", "memory");
    row.put("compression", compression.name().toLowerCase(Locale.ROOT));
    GraphIndex.Memory mem = index.memoryBytes();
    row.put("vectors_mb", mem.vectors() / 1048576.0);
    row.put("codes_mb", mem.codes() / 1048576.0);
    row.put("graph_mb", mem.graph() / 1048576.0);
    row.put("ids_mb", mem.ids() / 1048576.0);
    row.put("mapped_mb", mem.mappedVectors() / 1048576.0);
    row.put("float_vectors_mb", 4.0 * n * d / 1048576.0);
    row.put("vmrss_before_mb", before.get("vmrss_mb"));
    row.putAll(memory());
    emit(row);
    index.close();
  }

  /** The rows of a data set, a batch at a time ({@code random:} data generated on the fly). */
  static final class RowStream {
    private final float[][] all;
    private final int n;
    private final int d;
    private final float[][] centres;
    private final double spread;
    private final SplittableRandom random;
    private int done;

    private RowStream(float[][] all, int n, int d, int clusters) {
      this.all = all;
      this.n = n;
      this.d = d;
      // The same sequence as gaussian(n, d, clusters, 1).
      SplittableRandom c = new SplittableRandom(99);
      this.centres = new float[Math.max(1, clusters)][d];
      if (clusters > 0) {
        for (float[] v : centres) {
          for (int j = 0; j < d; j++) {
            v[j] = (float) c.nextGaussian();
          }
        }
      }
      this.spread = clusters > 0 ? 0.5 : 1.0;
      this.random = new SplittableRandom(1);
    }

    static RowStream of(String dataset) throws IOException {
      if (dataset.startsWith("random:")) {
        String[] p = dataset.split(":");
        return new RowStream(null, Integer.parseInt(p[1]), Integer.parseInt(p[2]),
            p.length > 3 ? Integer.parseInt(p[3]) : 1000);
      }
      float[][] base = load(dataset)[0];
      return new RowStream(base, base.length, base[0].length, 0);
    }

    int count() {
      return n;
    }

    int dimension() {
      return d;
    }

    float[][] next(int count) {
      float[][] out = new float[count][];
      for (int i = 0; i < count; i++, done++) {
        if (all != null) {
          out[i] = all[done];
          continue;
        }
        float[] centre = centres[random.nextInt(centres.length)];
        float[] v = new float[d];
        for (int j = 0; j < d; j++) {
          v[j] = centre[j] + (float) (spread * random.nextGaussian());
        }
        out[i] = v;
      }
      return out;
    }
  }

  private static int[] rows(List<Neighbor> hits) {
    int[] out = new int[hits.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (int) hits.get(i).id();
    }
    return out;
  }

  /**
   * JVector 3's graph (one layer, Vamana-style; degree {@code 2M} to match HNSW's layer 0,
   * overflow 1.2, alpha 1.2, its defaults), built on the given threads, searched with {@code
   * GraphSearcher} and exact scores, a beam of {@code ef} (its {@code rerankK}).
   */
  private static void jvector(String name, float[][] base, float[][] queries, int[][] truth,
      int m, int efc, int[] efs, int threads) throws IOException {
    log("JVector: degree " + (2 * m) + ", beam " + efc + ", " + threads + " build threads");
    VectorTypeSupport vts = VectorizationProvider.getInstance().getVectorTypeSupport();
    List<VectorFloat<?>> list = new ArrayList<>(base.length);
    for (float[] v : base) {
      list.add(vts.createFloatVector(v));
    }
    ListRandomAccessVectorValues ravv = new ListRandomAccessVectorValues(list, base[0].length);
    io.github.jbellis.jvector.vector.VectorSimilarityFunction sim =
        io.github.jbellis.jvector.vector.VectorSimilarityFunction.EUCLIDEAN;
    long t0 = System.nanoTime();
    OnHeapGraphIndex graph;
    ForkJoinPool pool = new ForkJoinPool(threads);
    try (GraphIndexBuilder builder = new GraphIndexBuilder(
        BuildScoreProvider.randomAccessScoreProvider(ravv, sim), base[0].length, 2 * m, efc,
        1.2f, 1.2f, pool, pool)) {
      graph = builder.build(ravv);
    } finally {
      pool.shutdown();
    }
    double build = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> row = row("jvector", name, m, efc, threads, build);
    row.putAll(memory());
    log("built in " + build + " s");
    GraphSearcher searcher = new GraphSearcher(graph);
    curve(row, queries, truth, efs, (q, ef) -> {
      SearchResult r = searcher.search(SearchScoreProvider.exact(vts.createFloatVector(q), sim,
          ravv), K, Math.max(K, ef), 0f, 0f, io.github.jbellis.jvector.util.Bits.ALL);
      SearchResult.NodeScore[] nodes = r.getNodes();
      int[] out = new int[Math.min(K, nodes.length)];
      for (int i = 0; i < out.length; i++) {
        out[i] = nodes[i].node;
      }
      return out;
    });
    searcher.close();
  }
}
