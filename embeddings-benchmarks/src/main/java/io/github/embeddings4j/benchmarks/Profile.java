package io.github.embeddings4j.benchmarks;

import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The two runs of the whole suite: {@code quick} (under 10 minutes on 2 quiet cores: the goal
 * dimension 512 only, short iterations, two forks for the per-pair kernels) and {@code full}
 * (every parameter, the iteration counts of the annotations, two forks for the per-pair
 * kernels). A profile is a list of groups, each
 * one JMH run with its own result file, so that the groups' settings do not leak into each
 * other (JMH's command-line options apply to every benchmark of a run).
 */
enum Profile {

  /** Under 10 minutes on 2 cores (the 512-d kernels, k = 10, short iterations). */
  QUICK(List.of(
      new Group("limits", "MachineLimitsBenchmark", 1, 1000, 3, 1000, 0, Map.of()),
      // Two forks: where a JVM places the two arrays decides whether 64-byte loads straddle
      // cache lines, which moved one fork's 512-d dot product by up to a third; two placements
      // per benchmark halve the chance that one unlucky fork decides a ratio.
      new Group("kernels", "(KernelBenchmark|LuceneKernelBenchmark)\\.", 2, 500, 3, 500, 2,
          Map.of("dimension", new String[] {"512"})),
      new Group("scan", "(ScanBenchmark|HammingScanBenchmark)\\.", 2, 1000, 3, 1000, 0, Map.of()),
      // No warm-up for the single-shot groups: each setup already ran the measured call once
      // for its check, and one call of these takes seconds (C2 has compiled the loops).
      new Group("batch", "BatchSearchBenchmark", 0, 0, 3, 0, 0, Map.of()),
      new Group("pca", "PcaBenchmark", 0, 0, 3, 0, 0, Map.of()),
      // k = 100 only in full: its setup (PCA, then Lloyd in double as the reference) and its
      // calls take minutes on a loaded 2-core machine.
      new Group("kmeans", "KMeansBenchmark", 0, 0, 3, 0, 0, Map.of("k", new String[] {"10"})),
      new Group("embedder", "EmbedderBenchmark", 1, 2000, 2, 3000, 0, Map.of()))),

  /** Every parameter with the annotations' iterations; about 40 minutes on 2 quiet cores. */
  FULL(List.of(
      new Group("limits", "MachineLimitsBenchmark", -1, 0, -1, 0, 0, Map.of()),
      new Group("kernels", "(KernelBenchmark|LuceneKernelBenchmark|MetricBenchmark)\\.",
          -1, 0, -1, 0, 2, Map.of()),
      new Group("scan", "(ScanBenchmark|HammingScanBenchmark)\\.", -1, 0, -1, 0, 0, Map.of()),
      new Group("batch", "BatchSearchBenchmark", -1, 0, -1, 0, 0, Map.of()),
      new Group("pca", "PcaBenchmark", -1, 0, -1, 0, 0, Map.of()),
      new Group("kmeans", "KMeansBenchmark", -1, 0, -1, 0, 0, Map.of()),
      new Group("embedder", "EmbedderBenchmark", -1, 0, -1, 0, 0, Map.of())));

  private final List<Group> groups;

  Profile(List<Group> groups) {
    this.groups = groups;
  }

  /**
   * The groups, in the order they run (the limits first).
   *
   * @return the groups
   */
  List<Group> groups() {
    return groups;
  }

  /**
   * A profile by its name on the command line.
   *
   * @param name {@code quick} or {@code full}
   * @return the profile
   * @throws IllegalArgumentException for another name
   */
  static Profile of(String name) {
    for (Profile p : values()) {
      if (p.name().equalsIgnoreCase(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown profile '" + name + "': use quick or full");
  }

  /**
   * One JMH run of a profile. Negative iteration counts and zero times or forks keep the
   * benchmark's own annotations.
   *
   * @param name the result file's name ({@code <name>.json})
   * @param include the benchmarks, a regular expression over their names
   * @param warmups warm-up iterations, or -1
   * @param warmupMillis warm-up iteration time, or 0 (also for single-shot benchmarks)
   * @param measurements measured iterations, or -1
   * @param measurementMillis measured iteration time, or 0
   * @param forks forks, or 0
   * @param params parameter values that replace the annotations'
   */
  record Group(String name, String include, int warmups, int warmupMillis, int measurements,
      int measurementMillis, int forks, Map<String, String[]> params) {

    /**
     * The JMH options of this group.
     *
     * @param resultFile the JSON result file
     * @param only a further filter on benchmark names, or null
     * @return the options
     */
    Options options(String resultFile, String only) {
      ChainedOptionsBuilder b = new OptionsBuilder()
          .include(only == null ? include : "(?=.*(" + include + "))(?=.*(" + only + "))")
          .resultFormat(ResultFormatType.JSON)
          .result(resultFile)
          // A benchmark whose result check fails must fail the run, not vanish from the table.
          .shouldFailOnError(true);
      if (warmups >= 0) {
        b.warmupIterations(warmups);
      }
      if (warmupMillis > 0) {
        b.warmupTime(TimeValue.milliseconds(warmupMillis));
      }
      if (measurements >= 0) {
        b.measurementIterations(measurements);
      }
      if (measurementMillis > 0) {
        b.measurementTime(TimeValue.milliseconds(measurementMillis));
      }
      if (forks > 0) {
        b.forks(forks);
      }
      params.forEach(b::param);
      return b.build();
    }

  }
}
