package io.github.embeddings4j.core.search;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How the two ways {@link TopK} keeps the best {@code k} (a heap; a buffer of {@code 2k} cut by
 * quickselect) compare, on the streams an exact scan offers: the squared distances of a query
 * to every row, in row order, skipped when above the bound as the scans skip them. Rows and
 * queries are Gaussian around a few centres (as embeddings cluster), so a query's near rows are
 * spread through the stream. For each {@code k}, rounds alternate the heap and the buffer over
 * the same streams; printed are each round's times and the median of the paired ratios
 * (buffer / heap: below 1, the buffer is faster), and a check that both kept the same pairs.
 * Not a test; {@link TopK#BUFFERED_FROM} was chosen from it.
 *
 * <pre>
 * java -cp embeddings-benchmarks/target/benchmarks.jar \
 *   io.github.embeddings4j.core.search.TopKSelection 20000 32 10,50,100,200,400,800 7
 * </pre>
 *
 * <p>Arguments: rows, dimension, the values of {@code k} (comma-separated), rounds.
 */
public final class TopKSelection {

  private TopKSelection() {}

  /**
   * Runs the measurement.
   *
   * @param args rows, dimension, k values, rounds
   */
  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    int d = Integer.parseInt(args[1]);
    int[] ks = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
    int rounds = Integer.parseInt(args[3]);
    int queries = 200;
    SplittableRandom rnd = new SplittableRandom(11);
    float[][] centres = new float[20][d];
    for (float[] c : centres) {
      for (int j = 0; j < d; j++) {
        c[j] = (float) (rnd.nextGaussian() * 4);
      }
    }
    double[][] streams = new double[queries][n];
    float[][] rows = new float[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = near(centres[rnd.nextInt(centres.length)], rnd);
    }
    for (int q = 0; q < queries; q++) {
      float[] query = near(centres[rnd.nextInt(centres.length)], rnd);
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < d; j++) {
          double t = query[j] - rows[i][j];
          s += t * t;
        }
        streams[q][i] = s;
      }
    }
    System.out.printf(Locale.ROOT, "%d rows x %d, %d queries; JDK %s%n", n, d, queries,
        Runtime.version());
    System.out.println("k      heap ms   buffer ms   median buffer/heap   same pairs");
    for (int k : ks) {
      double[] heap = new double[rounds];
      double[] buffer = new double[rounds];
      double[] ratio = new double[rounds];
      boolean same = true;
      for (int r = 0; r < rounds; r++) {
        // Alternate which goes first, so that drift hits both alike.
        boolean heapFirst = r % 2 == 0;
        for (int w = 0; w < 2; w++) {
          boolean buffered = (w == 0) != heapFirst;
          long t0 = System.nanoTime();
          long check = run(streams, k, buffered);
          double ms = (System.nanoTime() - t0) / 1e6;
          if (buffered) {
            buffer[r] = ms;
            same &= check == run(streams, k, false);
          } else {
            heap[r] = ms;
          }
        }
        ratio[r] = buffer[r] / heap[r];
      }
      System.out.printf(Locale.ROOT, "%-6d %8.1f   %9.1f   %18.3f   %s%n", k, median(heap),
          median(buffer), median(ratio), same ? "yes" : "NO");
    }
  }

  private static float[] near(float[] centre, SplittableRandom rnd) {
    float[] v = new float[centre.length];
    for (int j = 0; j < v.length; j++) {
      v[j] = (float) (centre[j] + rnd.nextGaussian());
    }
    return v;
  }

  /** Offers every stream as a scan does; returns a checksum of the pairs kept. */
  private static long run(double[][] streams, int k, boolean buffered) {
    long check = 0;
    for (double[] s : streams) {
      TopK top = new TopK(k, null, buffered);
      for (int i = 0; i < s.length; i++) {
        if (!(s[i] > top.bound())) {
          top.offer(s[i], i);
        }
      }
      check = check * 31 + top.toList().hashCode();
    }
    return check;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
