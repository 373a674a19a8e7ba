package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.cli.report.ContactSheet;
import io.github.embeddings4j.cli.report.HtmlReport;
import io.github.embeddings4j.cli.report.ReportFolder;
import io.github.embeddings4j.cli.report.Thumbnails;
import io.github.embeddings4j.core.cluster.Hdbscan;
import io.github.embeddings4j.core.cluster.HdbscanOptions;
import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.cluster.KMeansSearch;
import io.github.embeddings4j.core.cluster.Silhouette;
import io.github.embeddings4j.core.data.RowSample;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.Ids;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.io.ModelProvenance;
import io.github.embeddings4j.core.io.SdkFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Groups embeddings with k-means and draws a contact sheet per cluster. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    header = "Group embeddings (k-means or HDBSCAN); contact sheets and a report.",
    description =
        "Group embeddings with k-means (k-means++ seeding, seeded; --clusters K, or a range "
        + "MIN:MAX to choose the count by silhouette) or with HDBSCAN (--min-cluster-size N: "
        + "the count found from density, images in no dense group left as noise, cluster -1). "
        + "Writes the cluster of each row (CSV: id,cluster,distance to the centre for "
        + "k-means; id,cluster,probability,outlier for HDBSCAN: membership strength and GLOSH "
        + "outlier score) and, with --images, a report folder with a contact sheet per cluster "
        + "(and one of the noise) and an index.html.",
    footer = {
        "",
        "Example:",
        "  embeddings4j cluster --input photos.npy --clusters 8 --images photos/ \\",
        "      --report clusters/",
        "  embeddings4j cluster --input photos.npy --clusters 5:30 --images photos/",
        "  embeddings4j cluster --input photos.npy --min-cluster-size 5 --images photos/",
        "  embeddings4j cluster --input big.npy --min-cluster-size 100 --sample 20000 \\",
        "      --save-model groups.hdb",
        "  embeddings4j cluster --input new.npy --apply groups.hdb"})
final class ClusterCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE.npy",
      description = "The embeddings to cluster.")
  Path input;

  @Option(names = {"-c", "--clusters"}, paramLabel = "K|MIN:MAX",
      description = "Number of clusters, or a range (2:20): k-means is fitted for each count "
          + "and the one with the highest mean silhouette is kept; the table of counts goes "
          + "to stdout.")
  String clustersOption;

  @Option(names = "--silhouette-sample", defaultValue = "4096", paramLabel = "N",
      description = "With a range of --clusters: rows (drawn with --seed) the silhouettes are "
          + "computed on, at most " + 16_384 + " (default: ${DEFAULT-VALUE}).")
  int silhouetteSample;

  @Option(names = "--min-cluster-size", paramLabel = "N",
      description = "Instead of --clusters: density-based clustering (HDBSCAN), which finds "
          + "the number of clusters itself and leaves images in no dense group unclustered "
          + "(cluster -1); N is the smallest group that counts as a cluster.")
  Integer minClusterSize;

  @Option(names = "--min-samples", paramLabel = "M",
      description = "With --min-cluster-size: the neighbours (itself included) an image needs "
          + "to be in a dense region; larger calls more images noise (default: N).")
  Integer minSamples;

  @Option(names = "--cluster-selection", paramLabel = "eom|leaf", defaultValue = "eom",
      description = "With --min-cluster-size: eom keeps the most stable clusters (a few large "
          + "ones on evenly dense data), leaf the smallest groups of at least N (default: "
          + "${DEFAULT-VALUE}).")
  String clusterSelection;

  @Option(names = "--save-model", paramLabel = "FILE",
      description = "Save the fitted model (k-means: the centroids; HDBSCAN: fitted rows, "
          + "hierarchy, clusters) so that later rows can be placed in these clusters with "
          + "--apply.")
  Path saveModel;

  @Option(names = "--apply", paramLabel = "MODEL",
      description = "Place the rows of --input in the clusters of a model saved with "
          + "--save-model, without fitting: k-means assigns each row to its nearest centroid, "
          + "HDBSCAN puts it in the cluster it would have joined, or none (-1).")
  Path model;

  @Option(names = "--allow-mismatch", description = "With --apply: place rows even when the "
      + "model was fitted on embeddings made otherwise than --input's.")
  boolean allowMismatch;

  /** The number of clusters (the kept one, after a search). */
  int clusters;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--max-iterations", defaultValue = "100",
      description = "Lloyd iterations at most (default: ${DEFAULT-VALUE}).")
  int maxIterations;

  @Option(names = "--sample", paramLabel = "N",
      description = "Fit on N rows drawn at random (with --seed), then place every other row: "
          + "k-means assigns it to its nearest centroid (default: every row; for a set read in "
          + "place, 256 per cluster, FAISS's rule); HDBSCAN puts it where it would have joined "
          + "the fitted clusters, or in none (default: every row).")
  Integer sample;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE.csv",
      description = "Assignments (default: FILE.clusters.csv beside the input).")
  Path output;

  @Option(names = "--images", paramLabel = "DIR",
      description = "Folder the ids are relative to (the --input of embed): draws contact sheets.")
  Path images;

  @Option(names = "--report", paramLabel = "DIR", defaultValue = "clusters-report",
      description = "Report folder for contact sheets (default: ${DEFAULT-VALUE}).")
  Path report;

  @Option(names = "--per-sheet", defaultValue = "48",
      description = "Images per contact sheet (default: ${DEFAULT-VALUE}).")
  int perSheet;

  private PrintWriter err;

  @Override
  public Integer call() throws IOException {
    err = spec.commandLine().getErr();
    // Every option is checked before anything is read or written.
    if (perSheet < 1) {
      throw new ParameterException(spec.commandLine(), "--per-sheet must be at least 1, not "
          + perSheet);
    }
    if (model != null) {
      if (clustersOption != null || minClusterSize != null || minSamples != null
          || sample != null || saveModel != null) {
        throw new ParameterException(spec.commandLine(), "--apply places rows in saved "
            + "clusters: it fits nothing, so --clusters, --min-cluster-size, --min-samples, "
            + "--sample and --save-model do not go with it");
      }
      return place();
    }
    if (allowMismatch) {
      throw new ParameterException(spec.commandLine(), "--allow-mismatch goes with --apply");
    }
    if ((clustersOption == null) == (minClusterSize == null)) {
      throw new ParameterException(spec.commandLine(), clustersOption == null
          ? "give --clusters K (k-means), --clusters MIN:MAX (k-means, the count chosen by "
              + "silhouette) or --min-cluster-size N (HDBSCAN: the count found from density)"
          : "--clusters and --min-cluster-size exclude each other: give one");
    }
    if (minClusterSize != null) {
      return density();
    }
    if (minSamples != null) {
      throw new ParameterException(spec.commandLine(), "--min-samples goes with "
          + "--min-cluster-size (HDBSCAN), not with --clusters");
    }
    int[] range = parseClusters();
    clusters = range[1];
    boolean search = range[0] != range[1];
    if (silhouetteSample < 3 || silhouetteSample > Silhouette.MAX_POINTS) {
      throw new ParameterException(spec.commandLine(), "--silhouette-sample must be 3 to "
          + Silhouette.MAX_POINTS + ", not " + silhouetteSample);
    }
    if (maxIterations < 1) {
      throw new ParameterException(spec.commandLine(), "--max-iterations must be at least 1, "
          + "not " + maxIterations);
    }
    if (sample != null && sample < clusters) {
      throw new ParameterException(spec.commandLine(), "--sample " + sample + " must be at "
          + "least --clusters " + clusters);
    }
    if (images != null) {
      Outputs.checkReport(report);
    }
    Path csv = csvPath();
    Outputs.refuseOverlap(spec, saveModel == null ? List.of(csv)
        : List.of(csv, saveModel, ModelProvenance.file(saveModel)), EmbeddingSet.files(input));
    KMeansOptions options;
    try {
      options = KMeansOptions.clusters(clusters).withSeed(seed).withMaxIterations(maxIterations);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    SetRows in = SetRows.open(input, err, !common.quiet);
    int n = in.count();
    int d = in.dimension();
    int fitRows = fitRows(in);
    KMeans km;
    double[] searched = null;
    long start = System.nanoTime();
    try {
      if (search) {
        float[] fit = fitRows == n && !in.mapped() ? flat(in.loaded(), d)
            : sampleOf(in, fitRows);
        KMeansSearch.Result found = KMeansSearch.run(fit, fitRows, d, range[0],
            Math.min(range[1], Math.min(fitRows, silhouetteSample) - 1), options,
            silhouetteSample);
        km = found.bestModel();
        clusters = km.clusterCount();
        searched = found.clusterSilhouettes();
        spec.commandLine().getOut().print(found.toMarkdown());
        spec.commandLine().getOut().flush();
        if (!common.quiet) {
          int last = found.trials().get(found.trials().size() - 1).clusters();
          err.printf(Locale.ROOT, "kept %d clusters: the highest mean silhouette (%.4f) of %d to"
              + " %d, on %d rows%s%n", clusters, found.best().silhouette(), range[0], last,
              found.sample(), last < range[1] ? " (not " + range[1] + ": silhouettes need fewer"
                  + " clusters than the rows they are computed on)" : "");
        }
      } else {
        km = fitRows == n && !in.mapped() ? KMeans.fit(in.loaded(), options)
            : KMeans.fit(sampleOf(in, fitRows), fitRows, d, options);
      }
    } catch (IllegalArgumentException e) {
      // The options were checked above: what remains is about the data.
      throw new Main.InputException(input + ": " + e.getMessage(), e);
    }
    if (saveModel != null) {
      km.save(saveModel);
      if (in.embedder() != null) {
        ModelProvenance.write(saveModel, in.embedder());
      }
      if (!common.quiet) {
        err.println("saved the k-means model (" + km.clusterCount() + " centroids) to "
            + saveModel);
      }
    }
    int[] assign = fitRows == n ? km.assignments() : new int[n];
    float[] dist = new float[n];
    assignRows(km, in, assign, dist, fitRows != n);
    if (!common.quiet) {
      if (fitRows == n) {
        err.printf(Locale.ROOT, "k-means: %d clusters of %d rows in %d iterations (%s), inertia "
            + "%.4g, %.1f s%n", clusters, n, km.iterations(),
            km.converged() ? "converged" : "iteration limit", km.inertia(),
            (System.nanoTime() - start) / 1e9);
      } else {
        double inertia = 0;
        for (float v : dist) {
          inertia += (double) v * v;
        }
        err.printf(Locale.ROOT, "k-means: %d clusters fitted on a sample of %d of the %d rows in"
            + " %d iterations (%s), every row assigned; inertia of all rows %.4g, %.1f s%n",
            clusters, fitRows, n, km.iterations(),
            km.converged() ? "converged" : "iteration limit", inertia,
            (System.nanoTime() - start) / 1e9);
      }
    }
    // A search has scored its clustering on its sample already.
    double[] silhouettes = images == null ? null
        : searched != null ? searched : clusterSilhouettes(in, assign);
    return finish(csv, in.ids(), assign, "distance", i -> Float.toString(dist[i]), dist,
        "nearest the centre", silhouettes);
  }

  /**
   * Each row's distance to its centroid, and with {@code predict} its nearest centroid first, a
   * block at a time.
   */
  private static void assignRows(KMeans km, SetRows in, int[] assign, float[] dist,
      boolean predict) {
    int n = in.count();
    for (int from = 0; from < n; from += SetRows.BATCH) {
      int to = Math.min(n, from + SetRows.BATCH);
      float[][] rows = in.rows(from, to);
      int first = from;
      IntStream.range(0, to - from).parallel().forEach(r -> {
        if (predict) {
          assign[first + r] = km.predict(rows[r]);
        }
        dist[first + r] = (float) StandardMetric.EUCLIDEAN.distance(rows[r],
            km.centroid(assign[first + r]));
      });
    }
  }

  /** The CSV of assignments: --output, or FILE.clusters.csv beside the input. */
  private Path csvPath() {
    return output != null ? output : input.resolveSibling(
        input.getFileName().toString().replaceFirst("\\.npy$", "") + ".clusters.csv");
  }

  /**
   * HDBSCAN: the clusters found from density, on every row or on --sample rows with the others
   * placed; the CSV gives each row's strength and outlier score.
   */
  private int density() throws IOException {
    if (sample != null && sample < 2) {
      throw new ParameterException(spec.commandLine(), "--sample " + sample + " is too few"
          + " rows for HDBSCAN: give at least --min-samples rows, tens of thousands for a large"
          + " collection");
    }
    HdbscanOptions options;
    try {
      options = HdbscanOptions.minClusterSize(minClusterSize);
      if (minSamples != null) {
        options = options.withMinSamples(minSamples);
      }
      switch (clusterSelection.trim().toLowerCase(Locale.ROOT)) {
        case "eom" -> { }
        case "leaf" -> options = options.withLeafSelection();
        default -> throw new IllegalArgumentException("--cluster-selection must be eom or leaf,"
            + " not '" + clusterSelection + "'");
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage().startsWith("--")
          ? e.getMessage() : "--min-cluster-size/--min-samples: " + e.getMessage());
    }
    if (images != null) {
      Outputs.checkReport(report);
    }
    Path csv = csvPath();
    Outputs.refuseOverlap(spec, saveModel == null ? List.of(csv) : List.of(csv, saveModel),
        EmbeddingSet.files(input));
    SetRows in = SetRows.open(input, err, !common.quiet);
    int n = in.count();
    int d = in.dimension();
    int m = sample == null ? n : Math.min(sample, n);
    if (in.mapped() && (long) m * d * Float.BYTES > heapQuarter()) {
      throw new Main.InputException(input + ": HDBSCAN holds the vectors it is fitted on, and "
          + m + " x " + d + " floats take more than a quarter of the "
          + (Runtime.getRuntime().maxMemory() >> 20) + " MB heap: fit on fewer rows (--sample"
          + " 20000; the others are then placed in its clusters), reduce the dimension first"
          + " (embeddings4j reduce --components 32), or give more heap (JAVA_OPTS=-Xmx...)",
          null);
    }
    if (m > 50_000 && !common.quiet) {
      err.printf(Locale.ROOT, "note: HDBSCAN compares every pair of the %d rows (time grows with"
          + " the square of the rows and with the dimension); --sample 20000 fits on fewer and"
          + " places the others, and reducing the dimension first speeds both%n", m);
    }
    long start = System.nanoTime();
    Hdbscan.Result r;
    int[] labels;
    double[] strength;
    double[] outlier;
    // The sizes the user gave are the whole set's: scaled to a sample.
    HdbscanOptions fitted = options.forSample(m, n);
    try {
      // Every row (or the sample) in memory once more: rows read in place are copied, loaded
      // ones used as they are.
      int[] picked = m == n ? null : sampleIndices(n, m);
      Hdbscan.Model fit = picked == null && !in.mapped() ? Hdbscan.fitModel(in.loaded(), fitted)
          : Hdbscan.fitModel(picked == null ? sampleOf(in, n) : rowsAt(in, picked), m, d,
              fitted);
      if (saveModel != null) {
        save(fit.withFittedOn(in.embedder()));
      }
      r = fit.result();
      if (picked == null) {
        labels = r.labels();
        strength = r.probabilities();
        outlier = r.outlierScores();
      } else {
        labels = new int[n];
        strength = new double[n];
        outlier = new double[n];
        placeRows(fit, in, labels, strength, outlier);
        // The rows fitted on keep the clusters of the fit.
        for (int t = 0; t < m; t++) {
          labels[picked[t]] = r.labels()[t];
          strength[picked[t]] = r.probabilities()[t];
          outlier[picked[t]] = r.outlierScores()[t];
        }
      }
    } catch (IllegalArgumentException e) {
      throw new Main.InputException(input + ": " + e.getMessage(), e);
    }
    clusters = r.clusterCount();
    if (!common.quiet) {
      int noise = 0;
      for (int l : labels) {
        noise += l < 0 ? 1 : 0;
      }
      err.printf(Locale.ROOT, "HDBSCAN (min cluster size %d, min samples %d, %s): %d clusters"
          + " of %d rows%s, %d rows in none (noise), %.1f s%n", options.minClusterSize(),
          options.minSamples(), options.leafSelection() ? "leaves" : "most stable clusters",
          clusters, n, m == n ? "" : String.format(Locale.ROOT, " (fitted on a sample of %d with"
              + " min cluster size %d and min samples %d, the sizes scaled to it; the others"
              + " placed in its clusters)", m, fitted.minClusterSize(), fitted.minSamples()), noise,
          (System.nanoTime() - start) / 1e9);
      if (clusters == 0) {
        err.println("note: no denser group of --min-cluster-size " + minClusterSize + " or more"
            + " stands out; try a smaller --min-cluster-size or --min-samples");
      }
    }
    return finishDensity(csv, in.ids(), labels, strength, outlier);
  }

  /** The HDBSCAN CSV ({@code probability,outlier}) and report. */
  private int finishDensity(Path csv, List<String> ids, int[] labels, double[] strength,
      double[] outlier) throws IOException {
    // A cluster's sheet starts with its strongest members, the noise's with its least unusual
    // (every noise row has strength 0).
    float[] order = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      order[i] = (float) (labels[i] < 0 ? outlier[i] : 1 - strength[i]);
    }
    return finish(csv, ids, labels, "probability,outlier",
        i -> String.format(Locale.ROOT, "%.6f,%.6f", strength[i], outlier[i]), order,
        "most typical", null);
  }

  /** Every row placed in a model's clusters, a block at a time. */
  private static void placeRows(Hdbscan.Model model, SetRows in, int[] labels,
      double[] strength, double[] outlier) {
    int n = in.count();
    for (int from = 0; from < n; from += SetRows.BATCH) {
      int to = Math.min(n, from + SetRows.BATCH);
      Hdbscan.Prediction p = model.predict(in.rows(from, to));
      System.arraycopy(p.labels(), 0, labels, from, to - from);
      System.arraycopy(p.probabilities(), 0, strength, from, to - from);
      System.arraycopy(p.outlierScores(), 0, outlier, from, to - from);
    }
  }

  /** --save-model: the fitted HDBSCAN model, described by the set's embedder. */
  private void save(Hdbscan.Model fit) throws IOException {
    fit.save(saveModel);
    if (!common.quiet) {
      err.println("saved the HDBSCAN model (" + fit.size() + " fitted rows, "
          + fit.result().clusterCount() + " clusters) to " + saveModel);
    }
  }

  /** --apply: the rows placed in a saved model's clusters, nothing fitted. */
  private int place() throws IOException {
    if (images != null) {
      Outputs.checkReport(report);
    }
    Path csv = csvPath();
    List<Path> inputs = new ArrayList<>(EmbeddingSet.files(input));
    inputs.add(model);
    Outputs.refuseOverlap(spec, List.of(csv), inputs);
    KMeans km = null;
    Hdbscan.Model saved = null;
    EmbedderDescription fittedOn;
    int dimension;
    try {
      String kind = SdkFile.kindOf(model).orElse("");
      if (kind.equals(KMeans.KIND)) {
        km = KMeans.load(model);
        fittedOn = ModelProvenance.read(model);
        dimension = km.dimension();
      } else if (kind.equals(Hdbscan.Model.KIND)) {
        saved = Hdbscan.Model.load(model);
        fittedOn = saved.fittedOn().orElse(null);
        dimension = saved.dimension();
      } else {
        throw new Main.InputException(model + " is not a clustering model (k-means or HDBSCAN)"
            + " saved by cluster --save-model", null);
      }
    } catch (IOException e) {
      throw new Main.InputException(IoErrors.describe(e), e);
    }
    SetRows in = SetRows.open(input, err, !common.quiet);
    Provenance.check("the embedder of " + input, in.embedder(), "the embedder of the vectors "
        + model + " was fitted on", fittedOn, allowMismatch, err);
    int n = in.count();
    if (n > 0 && in.dimension() != dimension) {
      throw new Main.InputException(input + " has " + in.dimension() + "-dimensional rows but "
          + model + " was fitted on " + dimension + "-dimensional ones", null);
    }
    long start = System.nanoTime();
    if (km != null) {
      // k-means: every row assigned to its nearest centroid.
      int[] assign = new int[n];
      float[] dist = new float[n];
      assignRows(km, in, assign, dist, true);
      clusters = km.clusterCount();
      if (!common.quiet) {
        err.printf(Locale.ROOT, "assigned %d rows to the nearest of the %d centroids of %s,"
            + " %.1f s%n", n, clusters, model, (System.nanoTime() - start) / 1e9);
      }
      double[] silhouettes = images == null ? null : clusterSilhouettes(in, assign);
      return finish(csv, in.ids(), assign, "distance", i -> Float.toString(dist[i]), dist,
          "nearest the centre", silhouettes);
    }
    int[] labels = new int[n];
    double[] strength = new double[n];
    double[] outlier = new double[n];
    try {
      placeRows(saved, in, labels, strength, outlier);
    } catch (IllegalArgumentException e) {
      throw new Main.InputException(input + ": " + e.getMessage(), e);
    }
    clusters = saved.result().clusterCount();
    if (!common.quiet) {
      int noise = 0;
      for (int l : labels) {
        noise += l < 0 ? 1 : 0;
      }
      err.printf(Locale.ROOT, "placed %d rows in the %d clusters of %s (%s, fitted on %d rows):"
          + " %d rows in none (noise), %.1f s%n", n, clusters, model, saved.options(),
          saved.size(), noise, (System.nanoTime() - start) / 1e9);
    }
    return finishDensity(csv, in.ids(), labels, strength, outlier);
  }

  /**
   * Writes the CSV ({@code id,cluster,<column>}) and, with --images, the report: the report is
   * written into a new folder, the CSV replaced, then the folder put in place, so that a failure
   * before leaves both old, and one between the new CSV and the old report.
   *
   * @param labels each row's cluster, -1 for noise
   * @param value the third column of a row
   * @param order sorts a sheet's members, lowest first
   * @param orderName how the sheets' members are sorted, for their titles
   * @param silhouettes each cluster's mean silhouette for the report's table, or null
   * @return the exit code: partial when an image of the report could not be read
   */
  private int finish(Path csv, List<String> ids, int[] labels, String column,
      java.util.function.IntFunction<String> value, float[] order, String orderName,
      double[] silhouettes) throws IOException {
    SdkFile.IoConsumer<java.io.OutputStream> body = out -> {
      java.io.Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(out,
          StandardCharsets.UTF_8), 1 << 16);
      w.write("id,cluster," + column + "\n");
      for (int i = 0; i < labels.length; i++) {
        w.write(csvField(Ids.display(ids.get(i))));
        w.write(',');
        w.write(Integer.toString(labels[i]));
        w.write(',');
        w.write(value.apply(i));
        w.write('\n');
      }
      w.flush();
    };
    if (images == null) {
      writeAssignments(csv, body);
      return Main.EXIT_OK;
    }
    try (ReportFolder folder = Outputs.beginReport(report)) {
      int unreadable = writeReport(folder, ids, labels, order, orderName, silhouettes);
      writeAssignments(csv, body);
      folder.commit();
      if (!common.quiet) {
        boolean noise = java.util.Arrays.stream(labels).anyMatch(l -> l < 0);
        err.println("wrote " + clusters + " contact sheets" + (noise ? " and one of the noise"
            : "") + " and " + folder.target().resolve("index.html"));
      }
      return unreadable > 0 ? Main.EXIT_PARTIAL : Main.EXIT_OK;
    }
  }

  /** {@code --clusters K} as {@code {K, K}}, {@code --clusters MIN:MAX} as {@code {MIN, MAX}}. */
  private int[] parseClusters() {
    String v = clustersOption.trim();
    int colon = v.indexOf(':');
    try {
      if (colon < 0) {
        int k = Integer.parseInt(v);
        if (k < 1) {
          throw new ParameterException(spec.commandLine(), "--clusters must be at least 1, not "
              + k);
        }
        return new int[] {k, k};
      }
      int min = Integer.parseInt(v.substring(0, colon).trim());
      int max = Integer.parseInt(v.substring(colon + 1).trim());
      if (min < 2 || max < min) {
        throw new ParameterException(spec.commandLine(), "--clusters " + v + ": a range MIN:MAX"
            + " needs 2 <= MIN <= MAX (silhouettes compare 2 clusters or more), e.g. 2:20");
      }
      return new int[] {min, max};
    } catch (NumberFormatException e) {
      throw new ParameterException(spec.commandLine(), "--clusters '" + v + "' is neither a "
          + "number of clusters (8) nor a range (2:20)");
    }
  }

  private static float[] flat(float[][] rows, int d) {
    float[] out = new float[Math.multiplyExact(rows.length, d)];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * d, d);
    }
    return out;
  }

  /**
   * The rows the centroids are fitted on: {@code --sample}, or every row of a loaded set, or
   * for a set read in place 256 per cluster (FAISS's default cap) as far as a quarter of the
   * heap holds them.
   */
  private int fitRows(SetRows in) {
    int n = in.count();
    long bytesPerRow = 4L * Math.max(1, in.dimension());
    if (sample != null) {
      int m = Math.min(sample, n);
      if (in.mapped() && m * bytesPerRow > heapQuarter()) {
        throw new Main.InputException("--sample " + sample + " rows of " + in.dimension()
            + " floats take " + (m * bytesPerRow >> 20) + " MB, more than a quarter of the "
            + (Runtime.getRuntime().maxMemory() >> 20) + " MB heap: give a smaller --sample,"
            + " or more heap (JAVA_OPTS=-Xmx...)", null);
      }
      return m;
    }
    if (!in.mapped()) {
      return n;
    }
    long cap = Math.max(clusters, heapQuarter() / bytesPerRow);
    int m = (int) Math.min(n, Math.min(cap, 256L * clusters));
    if (m < 256L * clusters && m < n && !common.quiet) {
      err.println("note: the sample is " + m + " rows, fewer than 256 per cluster, to fit the"
          + " heap");
    }
    return m;
  }

  /**
   * {@code m} rows drawn without replacement, in file order ({@link RowSample}, seeded by
   * {@code --seed}), as one row-major array.
   */
  private float[] sampleOf(SetRows in, int m) {
    return rowsAt(in, sampleIndices(in.count(), m));
  }

  /** {@code m} of {@code n} row numbers, increasing, drawn from --seed. */
  private int[] sampleIndices(int n, int m) {
    return RowSample.indices(n, m, seed);
  }

  /** The given rows as one row-major array. */
  private static float[] rowsAt(SetRows in, int[] rows) {
    int d = in.dimension();
    float[] out = new float[Math.multiplyExact(rows.length, d)];
    for (int t = 0; t < rows.length; t++) {
      if (in.mapped()) {
        in.inPlace().copy(rows[t], rows[t] + 1, out, t * d);
      } else {
        System.arraycopy(in.loaded()[rows[t]], 0, out, t * d, d);
      }
    }
    return out;
  }

  /**
   * Each cluster's mean silhouette over a sample of --silhouette-sample rows (NaN for a cluster
   * with no sampled row), for the report: a low one marks a cluster that mixes groups. Null
   * when fewer than two clusters hold sampled rows.
   */
  private double[] clusterSilhouettes(SetRows in, int[] assign) {
    int n = in.count();
    int m = Math.min(n, Math.min(silhouetteSample, Silhouette.MAX_POINTS));
    if (m < 3 || clusters < 2) {
      return null;
    }
    int[] rows = sampleIndices(n, m);
    int[] labels = new int[m];
    for (int t = 0; t < m; t++) {
      labels[t] = assign[rows[t]];
    }
    if (java.util.Arrays.stream(labels).distinct().count() < 2) {
      return null;
    }
    double[] means = Silhouette.of(rowsAt(in, rows), m, in.dimension()).clusterMeans(labels,
        clusters);
    if (!common.quiet) {
      double all = 0;
      for (int label : labels) {
        all += means[label];
      }
      err.printf(Locale.ROOT, "mean silhouette %.4f on %d rows (per cluster in the report)%n",
          all / m, m);
    }
    return means;
  }

  private static long heapQuarter() {
    return Runtime.getRuntime().maxMemory() / 4;
  }

  private void writeAssignments(Path csv, SdkFile.IoConsumer<java.io.OutputStream> body)
      throws IOException {
    SdkFile.writeAtomically(csv, body);
    if (!common.quiet) {
      err.println("wrote assignments to " + csv);
    }
  }

  /**
   * The contact sheets and index.html into the folder; the count of unreadable images. Label
   * -1 (HDBSCAN's noise) gets a sheet of its own, after the clusters; {@code order} says how
   * {@code dist} sorts a sheet's members.
   */
  private int writeReport(ReportFolder folder, List<String> ids, int[] assign, float[] dist,
      String order, double[] silhouettes) throws IOException {
    ImageDecoder decoder = ImageDecoder.defaults();
    HtmlReport html = new HtmlReport("Clusters of " + input.getFileName());
    List<List<String>> rows = new ArrayList<>();
    int unreadable = 0;
    // One pass: each cluster's size and its members nearest the centre (ties by row).
    int[] sizes = new int[clusters + 1];
    Comparator<Integer> nearer = Comparator.<Integer>comparingDouble(i -> dist[i])
        .thenComparingInt(i -> i);
    List<java.util.PriorityQueue<Integer>> nearest = new ArrayList<>();
    for (int c = 0; c <= clusters; c++) {
      nearest.add(new java.util.PriorityQueue<>(nearer.reversed()));
    }
    for (int i = 0; i < assign.length; i++) {
      int slot = assign[i] < 0 ? clusters : assign[i];
      sizes[slot]++;
      java.util.PriorityQueue<Integer> q = nearest.get(slot);
      if (q.size() < perSheet) {
        q.add(i);
      } else if (nearer.compare(i, q.peek()) < 0) {
        q.poll();
        q.add(i);
      }
    }
    int sheets = sizes[clusters] > 0 ? clusters + 1 : clusters;
    for (int c = 0; c < sheets; c++) {
      boolean noise = c == clusters;
      List<Integer> members = new ArrayList<>(nearest.get(c));
      members.sort(nearer);
      List<BufferedImage> thumbs = new ArrayList<>();
      for (int i : members) {
        try {
          thumbs.add(Thumbnails.scale(decoder.decode(
              ImageSource.of(Ids.resolve(images, ids.get(i)))), 96));
        } catch (EmbeddingException e) {
          unreadable++;
          if (!common.quiet) {
            err.println("failed: " + e.getMessage());
          }
        }
      }
      String name = noise ? "noise.png" : String.format(Locale.ROOT, "cluster-%02d.png", c);
      ContactSheet.write(folder.resolve(name), thumbs, 8, 96, noise
          ? "noise: " + sizes[c] + " images in no cluster"
          : "cluster " + c + ": " + sizes[c] + " images (" + order + " first)");
      html.image(noise ? "Noise (in no cluster)" : "Cluster " + c, name, sizes[c] + " images");
      List<String> row = new ArrayList<>(List.of(noise ? "noise (-1)" : Integer.toString(c),
          Integer.toString(sizes[c])));
      if (silhouettes != null) {
        row.add(noise || Double.isNaN(silhouettes[c]) ? "-"
            : String.format(Locale.ROOT, "%.3f", silhouettes[c]));
      }
      rows.add(row);
    }
    html.table(silhouettes == null ? "Cluster sizes" : "Cluster sizes and mean silhouettes"
        + " (on a sample; low: a cluster that mixes groups)", silhouettes == null
        ? List.of("cluster", "images") : List.of("cluster", "images", "silhouette"), rows);
    html.write(folder.resolve("index.html"));
    return unreadable;
  }

  static String csvField(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n")
        ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
