package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.gpu.GpuOptions;
import io.github.embeddings4j.gpu.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Finds the nearest stored embeddings of images or vectors. */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    header = "k-nearest-neighbour search in an embeddings file or a saved index.",
    description =
        "k-nearest-neighbour search in an embeddings file (.npy, searched exactly) or in an "
        + "index written by 'embeddings4j index' (flat: exact; graph: approximate, --ef sets "
        + "the beam, --exact answers exactly from the stored vectors). A query is an image "
        + "(embedded with the model options, which must match those that made the file) or "
        + "a .npy vector or matrix (one query per row). Prints rank, id and distance per "
        + "neighbour; with --json one object per query, then {\"queries\": N, \"seconds\": S} "
        + "where S is the search time alone.",
    footer = {
        "",
        "Examples:",
        "  embeddings4j search --index photos.npy --query cat.jpg --k 5 --metric cosine",
        "  embeddings4j search --index photos.npy --query queries.npy --k 10 --json",
        "  embeddings4j search --index photos.e4j --query queries.npy --k 10 --ef 128",
        "  embeddings4j search --index photos.npy --query queries.npy --k 10 --device gpu"})
final class SearchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin ModelOptions modelOptions;

  @Option(names = "--index", required = true, paramLabel = "FILE.npy|FILE.e4j",
      description = "The embeddings to search (with FILE.ids.txt beside it for names), or an "
          + "index file written by 'embeddings4j index'.")
  Path index;

  @Option(names = {"-Q", "--query"}, required = true, paramLabel = "IMAGE|FILE.npy",
      description = "A query image or .npy vector/matrix; repeatable.")
  List<Path> queries;

  @Option(names = {"-k", "--k"}, defaultValue = "10", description = "Neighbours per query (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--metric",
      description = "cosine, euclidean, manhattan, dot or hamming (default: cosine for a .npy "
          + "file, the metric an index was built for).")
  String metric;

  @Option(names = "--ef", defaultValue = "0", paramLabel = "N",
      description = "Graph index: the search beam (at least k; larger: better recall, slower; "
          + "default: the one saved with the index).")
  int ef;

  @Option(names = "--exact",
      description = "Graph index: answer exactly from the stored vectors (for recall checks).")
  boolean exact;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads searching the queries (default: all cores).")
  Integer threads;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu|auto",
      description = "Where an exact search runs: cpu (default), gpu (an NVIDIA GPU with CUDA 13,"
          + " else an error) or auto (the GPU when one can be used, else the CPU). Flat indexes"
          + " and .npy files; dot, cosine and euclidean.")
  String device;

  @Option(names = "--gpu-storage", defaultValue = "float32", paramLabel = "TYPE",
      description = "How vectors are kept on the GPU: float32 (default), float16 or bfloat16"
          + " (half the memory; candidates are measured again in float32).")
  String gpuStorage;

  @Option(names = "--only", paramLabel = "GLOB",
      description = "Search only the entries whose names match this glob ('cats/**', '*.png';"
          + " * stays within a folder, ** crosses folders); repeatable: any of them.")
  List<String> only = new ArrayList<>();

  @Option(names = "--exclude", paramLabel = "GLOB",
      description = "Leave out the entries whose names match this glob (the query image"
          + " itself, a folder); repeatable.")
  List<String> exclude = new ArrayList<>();

  @Option(names = "--report", paramLabel = "DIR",
      description = "Also write a report folder: an index.html with each query's thumbnail "
          + "and its neighbours' (names and distances), the first " + REPORT_QUERIES
          + " queries. Needs --images.")
  Path report;

  @Option(names = "--images", paramLabel = "DIR",
      description = "The folder the collection was embedded from (embed's --input), where "
          + "--report finds the neighbours' files.")
  Path images;

  @Option(names = "--json", description = "Print one JSON object per query on stdout.")
  boolean json;

  @Option(names = "--allow-mismatch", description = "Search even when the query embedder or "
      + "vectors were made differently from the index (model, weights, layer, preprocessing).")
  boolean allowMismatch;

  /** The most queries a report pictures. */
  static final int REPORT_QUERIES = 100;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    OptionValues.k(spec, k);
    if ((report == null) != (images == null)) {
      throw new ParameterException(spec.commandLine(), report == null
          ? "--images goes with --report" : "--report pictures the neighbours: give --images"
          + " DIR, the folder the collection was embedded from");
    }
    if (images != null && !Files.isDirectory(images)) {
      throw new Main.InputException("--images " + images + ": no such folder", null);
    }
    if (report != null) {
      Outputs.checkReport(report);
    }
    DistanceMetric asked = OptionValues.metric(spec, metric);
    if (ef < 0) {
      throw new ParameterException(spec.commandLine(), "--ef must be at least 1, not " + ef);
    }
    int threadCount = OptionValues.threads(spec, threads);
    String where = device.trim().toLowerCase(Locale.ROOT);
    if (!List.of("cpu", "gpu", "auto").contains(where)) {
      throw new ParameterException(spec.commandLine(), "--device must be cpu, gpu or auto, not '"
          + device + "'");
    }
    Storage storage;
    try {
      storage = Storage.valueOf(gpuStorage.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--gpu-storage must be float32, float16"
          + " or bfloat16, not '" + gpuStorage + "'");
    }
    try (StoredIndex stored = StoredIndex.open(index, asked, threadCount,
        common.quiet ? null : err)) {
      if (!where.equals("cpu")) {
        stored.useGpu(GpuOptions.defaults().storage(storage)
            .fallbackToCpu(where.equals("auto")), common.quiet ? null : err);
      }
      if ((ef > 0 || exact) && !stored.graph()) {
        throw new ParameterException(spec.commandLine(), (exact ? "--exact" : "--ef")
            + " applies to graph indexes; " + index + " is searched exactly already ("
            + stored.describe() + ")");
      }
      return search(stored, out, err);
    }
  }

  private static String describe(List<String> only, List<String> exclude) {
    List<String> parts = new ArrayList<>();
    for (String g : only) {
      parts.add("--only '" + g + "'");
    }
    for (String g : exclude) {
      parts.add("--exclude '" + g + "'");
    }
    return String.join(" ", parts);
  }

  private int search(StoredIndex stored, PrintWriter out, PrintWriter err) throws IOException {
    DistanceMetric m = stored.metric();
    List<String> names = new ArrayList<>();
    List<Path> queryFiles = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    NetworkEmbedder embedder = null;
    try {
      for (Path q : queries) {
        Path fileName = q.getFileName();
        if (fileName != null && fileName.toString().endsWith(".npy")) {
          Matrices rows = Matrices.read(q);
          if (rows.rows().length == 0) {
            throw new Main.InputException(q + " holds no query vectors (0 rows)", null);
          }
          if (stored.embedder() != null) {
            Provenance.check("the query vectors " + q, rows.embedder(), index,
                stored.embedder(), allowMismatch, err);
          }
          for (int i = 0; i < rows.rows().length; i++) {
            names.add(rows.rows().length == 1 ? q.toString() : q + "[" + i + "]");
            queryFiles.add(null);
            vectors.add(rows.rows()[i]);
          }
        } else {
          if (embedder == null) {
            embedder = modelOptions.build(spec);
            if (stored.embedder() != null) {
              Provenance.check("the query embedder", embedder.describe(), index,
                  stored.embedder(), allowMismatch, err);
            }
          }
          try {
            vectors.add(embedder.embed(ImageSource.of(q)));
          } catch (EmbeddingException e) {
            throw new Main.InputException(e.getMessage(), e);
          }
          names.add(q.toString());
          queryFiles.add(q);
        }
      }
    } finally {
      if (embedder != null) {
        embedder.close();
      }
    }
    for (int i = 0; i < vectors.size(); i++) {
      if (vectors.get(i).length != stored.dimension()) {
        throw new Main.InputException("query " + names.get(i) + " has dimension "
            + vectors.get(i).length + " but " + index + " holds " + stored.dimension()
            + "-dimensional embeddings (use the same model and layer)", null);
      }
    }
    if (ef > 0 && ef < k) {
      throw new ParameterException(spec.commandLine(), "--ef " + ef + " is below --k " + k
          + ": the beam must hold at least k candidates");
    }
    StoredIndex.NameFilter filter;
    try {
      filter = stored.filter(only, exclude);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (filter != null && filter.passing() == 0) {
      throw new Main.InputException("no entry of " + index + " passes "
          + describe(only, exclude) + " (its " + stored.size() + " names are those a search"
          + " prints; globs match whole names: 'cats/*' for the files in cats/, 'cats/**'"
          + " also for those below it)", null);
    }
    if (filter != null && !common.quiet) {
      err.println((filter.passing() >= 0 ? filter.passing() + " of " + stored.size()
          : "the") + " entries that pass " + describe(only, exclude) + " are searched"
          + (stored.onGpu() ? " (on the CPU: the GPU search does not filter)" : ""));
    }
    long t0 = System.nanoTime();
    List<List<Neighbor>> results;
    try {
      results = stored.search(vectors.toArray(new float[0][]), k, ef, exact,
          filter == null ? null : filter.accept());
    } catch (IllegalArgumentException e) {
      throw new Main.InputException(e.getMessage(), e);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    for (int q = 0; q < results.size(); q++) {
      if (json) {
        StringBuilder hits = new StringBuilder("[");
        for (Neighbor n : results.get(q)) {
          if (hits.length() > 1) {
            hits.append(", ");
          }
          Map<String, Object> h = new LinkedHashMap<>();
          h.put("id", stored.display(n.id()));
          h.put("distance", n.distance());
          hits.append(Json.object(h));
        }
        Map<String, Object> head = new LinkedHashMap<>();
        head.put("query", names.get(q));
        head.put("metric", m.metricName());
        String obj = Json.object(head);
        out.println(obj.substring(0, obj.length() - 1) + ", \"neighbors\": " + hits + "]}");
      } else {
        out.println("query " + names.get(q) + " (" + m.metricName() + ")");
        int rank = 1;
        for (Neighbor n : results.get(q)) {
          out.printf(Locale.ROOT, "%4d  %-50s %.6f%n", rank++,
              stored.display(n.id()),
              n.distance());
        }
      }
    }
    if (json) {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("queries", results.size());
      summary.put("seconds", seconds);
      out.println(Json.object(summary));
    } else if (!common.quiet) {
      err.printf(Locale.ROOT, "%d quer%s against %d embeddings (%s) in %.3f s%n",
          results.size(), results.size() == 1 ? "y" : "ies", stored.size(), stored.describe(),
          seconds);
    }
    if (report != null) {
      return writeReport(stored, names, queryFiles, results, err) > 0 ? Main.EXIT_PARTIAL
          : Main.EXIT_OK;
    }
    return Main.EXIT_OK;
  }

  /**
   * The report folder: each query's thumbnail (for image queries) and its neighbours' (their
   * files found under --images), with names and distances. Returns how many images could not
   * be read.
   */
  private int writeReport(StoredIndex stored, List<String> names, List<Path> queryFiles,
      List<List<Neighbor>> results, PrintWriter err) throws IOException {
    int shown = Math.min(results.size(), REPORT_QUERIES);
    try (io.github.embeddings4j.cli.report.ReportFolder folder = Outputs.beginReport(report)) {
      // Each query, then its neighbours' files (null where there is none), looked up once.
      List<Path> files = new ArrayList<>();
      for (int q = 0; q < shown; q++) {
        files.add(queryFiles.get(q));
        for (Neighbor n : results.get(q)) {
          StoredIndex.EntryFile f = stored.file(n.id(), images);
          files.add(f == null ? null : f.path());
        }
      }
      ReportThumbnails thumbs = ReportThumbnails.write(folder, files, 128, "image");
      java.util.Iterator<Path> next = files.iterator();
      List<List<io.github.embeddings4j.cli.report.HtmlReport.Tile>> rows = new ArrayList<>();
      for (int q = 0; q < shown; q++) {
        List<io.github.embeddings4j.cli.report.HtmlReport.Tile> row = new ArrayList<>();
        ReportThumbnails.Thumb qt = thumbs.of(next.next());
        row.add(new io.github.embeddings4j.cli.report.HtmlReport.Tile(qt == null ? null
            : qt.name(), "query: " + names.get(q) + (qt == null ? "" : "\n" + qt.caption())));
        int rank = 1;
        for (Neighbor n : results.get(q)) {
          ReportThumbnails.Thumb t = thumbs.of(next.next());
          row.add(new io.github.embeddings4j.cli.report.HtmlReport.Tile(t == null ? null
              : t.name(), rank++ + ". " + stored.display(n.id()) + "\n" + String.format(
              Locale.ROOT, "%.4g", n.distance()) + (t == null ? "\nno file under " + images
              : t.failure() == null ? "" : "\n" + t.caption())));
        }
        rows.add(row);
      }
      io.github.embeddings4j.cli.report.HtmlReport html =
          new io.github.embeddings4j.cli.report.HtmlReport("Nearest images in "
              + index.getFileName());
      html.paragraph(results.size() + " quer" + (results.size() == 1 ? "y" : "ies") + ", the "
          + k + " nearest of each by " + stored.metric().metricName() + " distance"
          + (results.size() > shown ? "; the first " + shown + " are shown" : "") + ".");
      html.neighbours("Queries and their neighbours", rows);
      html.write(folder.resolve("index.html"));
      folder.commit();
      if (!common.quiet) {
        err.println("wrote " + folder.target().resolve("index.html"));
      }
      return thumbs.unreadable();
    }
  }


}
