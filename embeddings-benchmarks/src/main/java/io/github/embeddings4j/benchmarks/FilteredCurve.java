package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.GraphIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

/**
 * Filtered search on Fashion-MNIST (60,000 x 784 training images as the base, raw pixels,
 * Euclidean; the first {@code --queries} test images as queries): for filters that pass a
 * random share of the entries, and for the category filters users write (the query's own class,
 * another class), the recall@10 of {@link GraphIndex#search(float[], int, int, LongPredicate)}
 * against the exact filtered answer, its queries per second (one query at a time on one thread,
 * the median of {@code --repeats} passes) and how often it answered by its exact scan, beside
 * {@link FlatIndex}'s filtered search on one thread. One JSON line per point on standard
 * output.
 *
 * <p>{@code --dataset random:N:D[:CLUSTERS]} runs the random filters on {@link AnnCurve}'s
 * seeded Gaussian clusters instead (its first {@code --queries} queries), to see the rules at
 * another size.
 *
 * <p>With {@code --export DIR} it also writes what {@code bin/filtered_peer.py} needs to run
 * FAISS's filtered HNSW on the same data, filters and exact answers: {@code base.npy}, {@code
 * queries.npy}, {@code base-labels.npy}, {@code query-labels.npy}, {@code masks.npy} (one row of
 * 0/1 per random filter, in the order of {@code --shares}) and {@code truth-NAME.npy} (the
 * exact filtered top 10's row numbers per query).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx6g -cp embeddings-benchmarks/target/benchmarks.jar \
 *     io.github.embeddings4j.benchmarks.FilteredCurve --queries 1000 --ef 32,64,128 \
 *     --export embeddings-benchmarks/results/cache/filtered
 * </pre>
 */
public final class FilteredCurve {

  private FilteredCurve() {}

  private static final int K = 10;

  /**
   * Runs the measurement.
   *
   * @param args {@code --queries N} (default 1000), {@code --ef LIST} (default 32,64,128),
   *     {@code --shares LIST} (default 0.5,0.2,0.1,0.05,0.02,0.01,0.005,0.001), {@code
   *     --repeats R} (default 3), {@code --threads T} (build threads, default 2), {@code
   *     --flat-queries N} (queries timed on the flat index, default 200), {@code --export DIR}
   * @throws Exception if Fashion-MNIST cannot be read
   */
  public static void main(String[] args) throws Exception {
    int nq = 1000;
    int[] efs = {32, 64, 128};
    double[] shares = {0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.001};
    int repeats = 3;
    int threads = 2;
    int flatQueries = 200;
    Path export = null;
    String dataset = "fashion-mnist";
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--dataset" -> dataset = args[i + 1];
        case "--queries" -> nq = Integer.parseInt(args[i + 1]);
        case "--ef" -> efs = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt)
            .toArray();
        case "--shares" -> shares = Arrays.stream(args[i + 1].split(","))
            .mapToDouble(Double::parseDouble).toArray();
        case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--flat-queries" -> flatQueries = Integer.parseInt(args[i + 1]);
        case "--export" -> export = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    boolean fashion = dataset.equals("fashion-mnist");
    float[][] base;
    float[][] queries = new float[nq][];
    int[] labels = null;
    int[] queryLabels = new int[nq];
    if (fashion) {
      FashionMnist.Split split = FashionMnist.load(FashionMnist.defaultDirectory());
      LabeledImages train = split.train();
      LabeledImages test = split.test();
      base = new float[train.size()][];
      for (int i = 0; i < base.length; i++) {
        base[i] = train.vector(i);
      }
      for (int i = 0; i < nq; i++) {
        queries[i] = test.vector(i);
        queryLabels[i] = test.label(i);
      }
      labels = train.labels();
    } else {
      float[][][] data = AnnCurve.load(dataset);
      base = data[0];
      queries = Arrays.copyOf(data[1], nq);
    }
    int n = base.length;
    int dim = base[0].length;
    float[][] qs = queries;

    // Ids are row numbers; each filter is a bit set over them.
    List<String> names = new ArrayList<>();
    List<long[][]> perQueryBits = new ArrayList<>();
    float[][] masks = new float[shares.length][n];
    for (int f = 0; f < shares.length; f++) {
      SplittableRandom r = new SplittableRandom(1000 + f);
      long[] bits = new long[(n + 63) >>> 6];
      for (int i = 0; i < n; i++) {
        if (r.nextDouble() < shares[f]) {
          bits[i >>> 6] |= 1L << i;
          masks[f][i] = 1f;
        }
      }
      long[][] same = new long[nq][];
      Arrays.fill(same, bits);
      names.add("random-" + shares[f]);
      perQueryBits.add(same);
    }
    if (fashion) {
      long[][] classBits = new long[10][(n + 63) >>> 6];
      for (int i = 0; i < n; i++) {
        classBits[labels[i]][i >>> 6] |= 1L << i;
      }
      long[][] own = new long[nq][];
      long[][] other = new long[nq][];
      for (int q = 0; q < nq; q++) {
        own[q] = classBits[queryLabels[q]];
        other[q] = classBits[(queryLabels[q] + 5) % 10];
      }
      names.add("own-class");
      perQueryBits.add(own);
      names.add("other-class");
      perQueryBits.add(other);
    }

    FlatIndex flat = FlatIndex.builder(dim).metric(StandardMetric.EUCLIDEAN).threads(1).build();
    flat.addAll(0, base);
    AnnCurve.log("building the graph of " + n + " x " + dim + " (M 16, efConstruction 200, "
        + threads + " threads)");
    long t0 = System.nanoTime();
    GraphIndex graph = GraphIndex.builder(dim).metric(StandardMetric.EUCLIDEAN).maxDegree(16)
        .beamWidth(200).threads(threads).build();
    graph.addAll(0, base);
    AnnCurve.log(String.format(Locale.ROOT, "built in %.1f s",
        (System.nanoTime() - t0) / 1e9));
    if (export != null && !fashion) {
      throw new IllegalArgumentException("--export writes Fashion-MNIST's folder for"
          + " filtered_peer.py; run it without --dataset");
    }
    if (export != null) {
      Files.createDirectories(export);
      Npy.write(export.resolve("base.npy"), base);
      Npy.write(export.resolve("queries.npy"), queries);
      Npy.write(export.resolve("base-labels.npy"), column(labels));
      Npy.write(export.resolve("query-labels.npy"), column(queryLabels));
      Npy.write(export.resolve("masks.npy"), masks);
    }
    for (int f = 0; f < names.size(); f++) {
      long[][] bits = perQueryBits.get(f);
      int[][] truth = new int[nq][];
      for (int q = 0; q < nq; q++) {
        truth[q] = ids(flat.search(queries[q], K, accept(bits[q])));
      }
      if (export != null) {
        float[][] t = new float[nq][];
        for (int q = 0; q < nq; q++) {
          t[q] = new float[truth[q].length];
          for (int j = 0; j < truth[q].length; j++) {
            t[q][j] = truth[q][j];
          }
        }
        Npy.write(export.resolve("truth-" + names.get(f) + ".npy"), t);
      }
      double share = 0;
      for (long[] b : bits) {
        share += (double) Arrays.stream(b).map(Long::bitCount).sum() / n;
      }
      share /= nq;
      // The flat index: exact, so only its speed.
      int fq = Math.min(flatQueries, nq);
      double flatQps = qps(repeats, fq, q -> flat.search(qs[q], K, accept(bits[q])));
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("library", "embeddings4j-flat");
      row.put("filter", names.get(f));
      row.put("share", round(share));
      row.put("recall", 1.0);
      row.put("qps", Math.round(flatQps));
      AnnCurve.emit(row);
      for (int ef : efs) {
        int[][] found = new int[nq][];
        long[] calls = new long[1];
        int scans = 0;
        for (int q = 0; q < nq; q++) {
          calls[0] = 0;
          LongPredicate counted = counting(accept(bits[q]), calls);
          found[q] = ids(graph.search(queries[q], K, ef, counted));
          // The exact fallback asks about every entry; the walk about the nodes it meets.
          if (calls[0] >= n) {
            scans++;
          }
        }
        int e = ef;
        double graphQps = qps(repeats, nq, q -> graph.search(qs[q], K, e,
            accept(bits[q])));
        row = new LinkedHashMap<>();
        row.put("library", "embeddings4j-graph");
        row.put("filter", names.get(f));
        row.put("share", round(share));
        row.put("ef", ef);
        row.put("recall", round(AnnCurve.recall(truth, found)));
        row.put("qps", Math.round(graphQps));
        row.put("exact_scans", round((double) scans / nq));
        AnnCurve.emit(row);
      }
    }
    graph.close();
  }

  private static float[][] column(int[] v) {
    float[][] out = new float[v.length][1];
    for (int i = 0; i < v.length; i++) {
      out[i][0] = v[i];
    }
    return out;
  }

  private static LongPredicate accept(long[] bits) {
    return id -> (bits[(int) (id >>> 6)] & (1L << id)) != 0;
  }

  private static LongPredicate counting(LongPredicate p, long[] calls) {
    return id -> {
      calls[0]++;
      return p.test(id);
    };
  }

  private static int[] ids(List<Neighbor> hits) {
    int[] out = new int[hits.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (int) hits.get(i).id();
    }
    return out;
  }

  /** Queries a second of {@code count} queries one at a time, the median of the passes. */
  private static double qps(int repeats, int count, java.util.function.IntConsumer search) {
    double[] rates = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long t = System.nanoTime();
      for (int q = 0; q < count; q++) {
        search.accept(q);
      }
      rates[r] = count / ((System.nanoTime() - t) / 1e9);
    }
    Arrays.sort(rates);
    return rates[repeats / 2];
  }

  private static double round(double x) {
    return Math.round(x * 10_000) / 10_000.0;
  }
}
