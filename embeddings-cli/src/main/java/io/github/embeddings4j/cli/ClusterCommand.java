package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.cli.report.ContactSheet;
import io.github.embeddings4j.cli.report.HtmlReport;
import io.github.embeddings4j.cli.report.ReportFolder;
import io.github.embeddings4j.cli.report.Thumbnails;
import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.Ids;
import io.github.embeddings4j.core.io.SdkFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
    header = "Group embeddings with k-means; contact sheets and a report.",
    description =
        "Group embeddings with k-means (k-means++ seeding, seeded). Writes the cluster of "
        + "each row (CSV: id,cluster,distance to centre) and, with --images, a report "
        + "folder with a contact sheet per cluster (its members nearest the centre first) "
        + "and an index.html.",
    footer = {
        "",
        "Example:",
        "  embeddings4j cluster --input photos.npy --clusters 8 --images photos/ \\",
        "      --report clusters/"})
final class ClusterCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE.npy",
      description = "The embeddings to cluster.")
  Path input;

  @Option(names = {"-c", "--clusters"}, required = true, paramLabel = "K", description = "Number of clusters.")
  int clusters;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--max-iterations", defaultValue = "100",
      description = "Lloyd iterations at most (default: ${DEFAULT-VALUE}).")
  int maxIterations;

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
    if (clusters < 1) {
      throw new ParameterException(spec.commandLine(), "--clusters must be at least 1, not "
          + clusters);
    }
    if (maxIterations < 1) {
      throw new ParameterException(spec.commandLine(), "--max-iterations must be at least 1, "
          + "not " + maxIterations);
    }
    if (perSheet < 1) {
      throw new ParameterException(spec.commandLine(), "--per-sheet must be at least 1, not "
          + perSheet);
    }
    if (images != null) {
      Outputs.checkReport(report);
    }
    Path csv = output != null ? output : input.resolveSibling(
        input.getFileName().toString().replaceFirst("\\.npy$", "") + ".clusters.csv");
    Outputs.refuseOverlap(spec, List.of(csv), EmbeddingSet.files(input));
    KMeansOptions options;
    try {
      options = KMeansOptions.clusters(clusters).withSeed(seed).withMaxIterations(maxIterations);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Matrices in = Matrices.read(input);
    if (!common.quiet) {
      in.noteUnchecked(input, err);
    }
    KMeans km;
    long start = System.nanoTime();
    try {
      km = KMeans.fit(in.rows(), options);
    } catch (IllegalArgumentException e) {
      // The options were checked above: what remains is about the data.
      throw new Main.InputException(input + ": " + e.getMessage(), e);
    }
    int[] assign = km.assignments();
    float[] dist = new float[assign.length];
    for (int i = 0; i < assign.length; i++) {
      dist[i] = (float) StandardMetric.EUCLIDEAN.distance(in.rows()[i], km.centroid(assign[i]));
    }
    if (!common.quiet) {
      err.printf(Locale.ROOT, "k-means: %d clusters of %d rows in %d iterations (%s), inertia "
          + "%.4g, %.1f s%n", clusters, assign.length, km.iterations(),
          km.converged() ? "converged" : "iteration limit", km.inertia(),
          (System.nanoTime() - start) / 1e9);
    }
    StringBuilder sb = new StringBuilder("id,cluster,distance\n");
    for (int i = 0; i < assign.length; i++) {
      sb.append(csvField(Ids.display(in.ids().get(i)))).append(',').append(assign[i]).append(',')
          .append(dist[i]).append('\n');
    }
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    if (images == null) {
      writeAssignments(csv, bytes);
      return Main.EXIT_OK;
    }
    try (ReportFolder folder = Outputs.beginReport(report)) {
      int unreadable = writeReport(folder, in, km, assign, dist);
      // The assignments and the report they picture are replaced one after the other, the
      // report last: a failure before leaves both old; one between, the new CSV and old report.
      writeAssignments(csv, bytes);
      folder.commit();
      if (!common.quiet) {
        err.println("wrote " + clusters + " contact sheets and "
            + folder.target().resolve("index.html"));
      }
      return unreadable > 0 ? Main.EXIT_PARTIAL : Main.EXIT_OK;
    }
  }

  private void writeAssignments(Path csv, byte[] bytes) throws IOException {
    SdkFile.writeAtomically(csv, out -> out.write(bytes));
    if (!common.quiet) {
      err.println("wrote assignments to " + csv);
    }
  }

  /** The contact sheets and index.html into the folder; the count of unreadable images. */
  private int writeReport(ReportFolder folder, Matrices in, KMeans km, int[] assign,
      float[] dist) throws IOException {
    ImageDecoder decoder = ImageDecoder.defaults();
    HtmlReport html = new HtmlReport("Clusters of " + input.getFileName());
    List<List<String>> rows = new ArrayList<>();
    int unreadable = 0;
    int[] sizes = km.clusterSizes();
    for (int c = 0; c < clusters; c++) {
      final int cluster = c;
      List<Integer> members = IntStream.range(0, assign.length).filter(i -> assign[i] == cluster)
          .boxed().sorted(Comparator.comparingDouble(i -> dist[i])).limit(perSheet).toList();
      List<BufferedImage> thumbs = new ArrayList<>();
      for (int i : members) {
        try {
          thumbs.add(Thumbnails.scale(decoder.decode(
              ImageSource.of(Ids.resolve(images, in.ids().get(i)))), 96));
        } catch (EmbeddingException e) {
          unreadable++;
          if (!common.quiet) {
            err.println("failed: " + e.getMessage());
          }
        }
      }
      String name = String.format(Locale.ROOT, "cluster-%02d.png", c);
      ContactSheet.write(folder.resolve(name), thumbs, 8, 96,
          "cluster " + c + ": " + sizes[c] + " images (nearest the centre first)");
      html.image("Cluster " + c, name, sizes[c] + " images");
      rows.add(List.of(Integer.toString(c), Integer.toString(sizes[c])));
    }
    html.table("Cluster sizes", List.of("cluster", "images"), rows);
    html.write(folder.resolve("index.html"));
    return unreadable;
  }

  static String csvField(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n")
        ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
