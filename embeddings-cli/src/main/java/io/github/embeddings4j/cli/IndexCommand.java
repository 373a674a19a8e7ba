package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.NeighborIndex;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.core.search.Compression;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.GraphIndex;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Builds a search index from vectors and saves it. */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    header = "Build a flat or graph (HNSW) search index from vectors and save it.",
    description =
        "Builds a search index over the rows of a .npy matrix and saves it as one checksummed "
        + "file, written atomically, for 'embeddings4j search --index'. A flat index answers "
        + "exactly by scanning every vector; a graph index (HNSW) answers approximately in "
        + "milliseconds at a recall set by the search beam (--ef at search time), and with "
        + "--compress int8 keeps a quarter of the floats' memory. Ids are the rows' names from "
        + "--ids (one per line) or the set's own ids file, else the row numbers. With --update, "
        + "an existing index is brought in line with the set instead: entries no longer in it "
        + "are removed, changed ones replaced, new ones added.",
    footer = {
        "",
        "Examples:",
        "  embeddings4j index --input photos.npy --metric cosine --output photos.e4j",
        "  embeddings4j index --input big.npy --compress int8 --m 16 \\",
        "      --ef-construction 200 --output big.e4j",
        "  embeddings4j search --index photos.e4j --query q.npy --k 10 --ef 128 --json",
        "  embeddings4j embed --input photos/ --output photos.npy --update",
        "  embeddings4j index --input photos.npy --output photos.e4j --update"})
final class IndexCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE.npy",
      description = "The vectors, one per row (an embeddings file or any float .npy matrix).")
  Path input;

  @Option(names = "--ids", paramLabel = "FILE.txt",
      description = "One id per line, one per row (default: the set's ids file, else row "
          + "numbers).")
  Path ids;

  @Option(names = "--metric", defaultValue = "cosine",
      description = "cosine, euclidean or dot (graph), or any metric of 'search' (flat) "
          + "(default: ${DEFAULT-VALUE}).")
  String metric;

  @Option(names = "--type", defaultValue = "graph", paramLabel = "flat|graph",
      description = "flat (exact) or graph (approximate HNSW) (default: ${DEFAULT-VALUE}).")
  String type;

  @Option(names = "--compress", defaultValue = "none", paramLabel = "none|int8",
      description = "Graph only: int8 keeps one byte a component in memory, the floats in a "
          + "mapped file for the re-rank (default: ${DEFAULT-VALUE}).")
  String compress;

  @Option(names = "--rerank", defaultValue = "1", paramLabel = "F",
      description = "With --compress int8: re-rank the best k x F candidates on the exact floats "
          + "(0: none) (default: ${DEFAULT-VALUE}).")
  int rerank;

  @Option(names = "--m", defaultValue = "16", paramLabel = "M",
      description = "Graph: neighbours per node (twice that on the bottom layer) "
          + "(default: ${DEFAULT-VALUE}).")
  int m;

  @Option(names = "--ef-construction", defaultValue = "200", paramLabel = "N",
      description = "Graph: the beam while building; larger is slower and better "
          + "(default: ${DEFAULT-VALUE}).")
  int efConstruction;

  @Option(names = "--ef-search", defaultValue = "64", paramLabel = "N",
      description = "Graph: the default search beam saved with the index; 'search --ef' "
          + "overrides it (default: ${DEFAULT-VALUE}).")
  int efSearch;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads for building (default: all cores). With 1 and a seed the graph is "
          + "the same on every run.")
  Integer threads;

  @Option(names = "--seed", defaultValue = "42",
      description = "Seed of the graph's random levels (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
      description = "The index file to write (e.g. photos.e4j).")
  Path output;

  @Option(names = "--json", description = "Print one JSON object describing the index.")
  boolean json;

  @Option(names = "--update",
      description = "Bring the index at --output in line with --input: remove the entries "
          + "whose names are gone, replace those whose vectors changed, add the new ones; the "
          + "index keeps its own type, metric and parameters (a graph is rebuilt when a fifth "
          + "of its nodes are removed entries). Without an index at --output, builds one.")
  boolean update;

  /** The build options that --update takes from the index file instead. */
  private static final List<String> SAVED_OPTIONS = List.of("--type", "--metric", "--compress",
      "--rerank", "--m", "--ef-construction", "--ef-search", "--seed");

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    DistanceMetric metricValue = OptionValues.metric(spec, metric);
    boolean graph = switch (type.toLowerCase(Locale.ROOT)) {
      case "graph" -> true;
      case "flat" -> false;
      default -> throw new ParameterException(spec.commandLine(),
          "--type must be flat or graph, not '" + type + "'");
    };
    Compression compression = switch (compress.toLowerCase(Locale.ROOT)) {
      case "none" -> Compression.NONE;
      case "int8" -> Compression.INT8;
      default -> throw new ParameterException(spec.commandLine(),
          "--compress must be none or int8, not '" + compress + "'");
    };
    if (!graph && compression != Compression.NONE) {
      throw new ParameterException(spec.commandLine(),
          "--compress applies to graph indexes only: use --type graph, or leave --compress out");
    }
    int threadCount = OptionValues.threads(spec, threads);
    if (update && spec.commandLine().getParseResult().hasMatchedOption("--seed")) {
      throw new ParameterException(spec.commandLine(), "--update keeps the seed saved in the"
          + " index: leave --seed out, or build the index anew without --update");
    }
    SetRows source = SetRows.open(input, err, !common.quiet && !json);
    if (source.mapped() && (update || !graph || compression == Compression.NONE)) {
      throw new Main.InputException(input + " (" + Files.size(input) / 1_000_000 + " MB) is"
          + " larger than a quarter of the " + (Runtime.getRuntime().maxMemory() >> 20) + " MB"
          + " heap: " + (update ? "--update loads the set" : !graph ? "a flat index file holds"
          + " every vector (search the .npy itself: it is read in place)" : "a graph without"
          + " compression holds every vector on the heap; --compress int8 keeps a quarter")
          + ", or raise the heap (JAVA_OPTS=-Xmx...)", null);
    }
    if (source.count() == 0) {
      throw new Main.InputException(input + " holds no vectors (0 rows): nothing to index", null);
    }
    List<String> names = source.ids();
    if (ids != null) {
      try {
        names = Npy.readIds(ids, source.count());
      } catch (IOException e) {
        throw new Main.InputException(IoErrors.describe(e), e);
      }
    }
    boolean rowNumbers = true;
    for (int i = 0; i < names.size() && rowNumbers; i++) {
      rowNumbers = names.get(i).equals(Integer.toString(i));
    }
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new Main.InputException("cannot write " + output + ": the folder " + parent
          + " does not exist", null);
    }
    if (update && Files.exists(output)) {
      return update(source, checked(source, 0, source.count(), names), names, rowNumbers,
          threadCount, out, err);
    }
    if (update && !common.quiet && !json) {
      err.println("note: there is no index at " + output + " yet: building one");
    }
    long t0 = System.nanoTime();
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("output", output.toString());
    report.put("type", graph ? "graph" : "flat");
    report.put("metric", metricValue.metricName());
    report.put("vectors", source.count());
    report.put("dimension", source.dimension());
    report.put("embedder", source.embedder() == null ? null : source.embedder().model());
    try {
      if (graph) {
        GraphIndex.Builder b;
        try {
          b = GraphIndex.builder(source.dimension()).metric(metricValue).maxDegree(m)
              .beamWidth(efConstruction).searchBeam(efSearch).seed(seed).threads(threadCount)
              .compression(compression).rerank(rerank).embedder(source.embedder());
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try (GraphIndex index = b.build()) {
          // A loaded set goes in with one call; one read in place, a batch at a time.
          int step = source.mapped() ? SetRows.BATCH : source.count();
          for (int from = 0; from < source.count(); from += step) {
            int to = Math.min(source.count(), from + step);
            float[][] batch = checked(source, from, to, names);
            if (rowNumbers) {
              index.addAll(from, batch);
            } else {
              index.addAll(names.subList(from, to), batch);
            }
          }
          double buildSeconds = (System.nanoTime() - t0) / 1e9;
          index.save(output);
          GraphIndex.Memory memory = index.memoryBytes();
          report.put("m", m);
          report.put("ef_construction", efConstruction);
          report.put("ef_search", efSearch);
          report.put("compression", compression.name().toLowerCase(Locale.ROOT));
          report.put("threads", threadCount);
          report.put("build_seconds", round(buildSeconds));
          report.put("memory_bytes", memory.heap());
        }
      } else {
        float[][] rows = checked(source, 0, source.count(), names);
        FlatIndex index = FlatIndex.builder(source.dimension()).metric(metricValue)
            .threads(threadCount).embedder(source.embedder()).build();
        if (rowNumbers) {
          index.addAll(0, rows);
        } else {
          for (int i = 0; i < rows.length; i++) {
            index.add(names.get(i), rows[i]);
          }
        }
        report.put("build_seconds", round((System.nanoTime() - t0) / 1e9));
        index.save(output);
      }
    } catch (IllegalArgumentException e) {
      throw new Main.InputException(input + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new Main.InputException(IoErrors.describe(e), e);
    }
    report.put("file_bytes", Files.size(output));
    report.put("seconds", round((System.nanoTime() - t0) / 1e9));
    if (json) {
      out.println(Json.object(report));
    } else if (!common.quiet) {
      err.printf(Locale.ROOT, "indexed %d vectors of dimension %d (%s, %s) in %.2f s: %s "
          + "(%d bytes)%n", source.count(), source.dimension(), report.get("type"),
          metricValue.metricName(), (double) report.get("seconds"), output,
          (long) report.get("file_bytes"));
    }
    return Main.EXIT_OK;
  }

  /** {@code --update} of an existing index file. */
  private Integer update(SetRows set, float[][] rows, List<String> names, boolean rowNumbers,
      int threadCount, PrintWriter out, PrintWriter err) throws IOException {
    long t0 = System.nanoTime();
    Optional<String> kind;
    try {
      kind = SdkFile.kindOf(output);
    } catch (IOException e) {
      throw new Main.InputException(IoErrors.describe(e), e);
    }
    if (kind.isEmpty() || !List.of("FIDX", "GIDX").contains(kind.get())) {
      throw new Main.InputException(output + " is not an index written by 'embeddings4j index'"
          + " (" + kind.map(k -> "an embeddings4j '" + k + "' file").orElse("not an embeddings4j"
          + " file") + "): --update would replace it; give another --output, or remove it",
          null);
    }
    NeighborIndex<float[]> index;
    try {
      index = kind.get().equals("GIDX") ? GraphIndex.load(output, threadCount)
          : FlatIndex.load(output);
    } catch (IOException e) {
      throw new Main.InputException(IoErrors.describe(e) + "; build the index anew without"
          + " --update", e);
    }
    NeighborIndex<float[]> result = index;
    try {
      checkSavedOptions(index);
      EmbedderDescription stored = index instanceof GraphIndex g ? g.embedder().orElse(null)
          : ((FlatIndex) index).embedder().orElse(null);
      Provenance.requireSame("the vectors of " + input, set.embedder(),
          "the embedder that made the entries of " + output, stored,
          "build the index anew without --update");
      int dimension = index instanceof GraphIndex g ? g.dimension()
          : ((FlatIndex) index).dimension();
      if (dimension != rows[0].length) {
        throw new Main.InputException(input + " holds vectors of dimension " + rows[0].length
            + ", " + output + " of " + dimension + ": build the index anew without --update",
            null);
      }
      IndexUpdate.Result r;
      try {
        r = IndexUpdate.apply(index, output, rows, names, rowNumbers);
      } catch (IllegalArgumentException e) {
        throw new Main.InputException(input + ": " + e.getMessage(), e);
      }
      result = r.index();
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("output", output.toString());
      report.put("type", index instanceof GraphIndex ? "graph" : "flat");
      report.put("metric", index.metric().metricName());
      report.put("vectors", result.size());
      report.put("kept", r.kept());
      report.put("added", r.added());
      report.put("changed", r.changed());
      report.put("removed", r.removed());
      report.put("rebuilt", r.rebuilt());
      report.put("written", !r.unchanged());
      if (!r.unchanged()) {
        try {
          if (result instanceof GraphIndex g) {
            g.save(output);
          } else {
            ((FlatIndex) result).save(output);
          }
        } catch (IOException e) {
          throw new Main.InputException(IoErrors.describe(e), e);
        }
      }
      report.put("seconds", round((System.nanoTime() - t0) / 1e9));
      if (json) {
        out.println(Json.object(report));
      } else if (!common.quiet) {
        err.println(r.unchanged()
            ? output + " is up to date: " + r.kept() + " entries, none new, changed or gone"
            : String.format(Locale.ROOT, "updated %s: %d kept, %d added, %d changed, %d"
                + " removed%s, in %.2f s", output, r.kept(), r.added(), r.changed(),
                r.removed(), r.rebuilt() ? "; the graph was rebuilt (a fifth or more of its"
                + " nodes were removed entries)" : "", (double) report.get("seconds")));
      }
      return Main.EXIT_OK;
    } finally {
      closeQuietly(index);
      if (result != index) {
        closeQuietly(result);
      }
    }
  }

  /**
   * Rows {@code [from, to)} of the set, refused (exit 2, nothing written) when one holds a
   * non-finite value: checked as they are indexed, so a set read in place is read once.
   */
  private float[][] checked(SetRows source, int from, int to, List<String> names) {
    float[][] batch = source.rows(from, to);
    for (int i = 0; i < batch.length; i++) {
      for (float v : batch[i]) {
        if (!Float.isFinite(v)) {
          throw new Main.InputException(input + ": row " + (from + i) + " (" + names.get(
              from + i) + ") holds a non-finite value " + v + "; remove or repair that row",
              null);
        }
      }
    }
    return batch;
  }

  /** Refuses build options given with --update that differ from the index's own. */
  private void checkSavedOptions(NeighborIndex<float[]> index) {
    var parsed = spec.commandLine().getParseResult();
    Map<String, String> saved = new LinkedHashMap<>();
    saved.put("--type", index instanceof GraphIndex ? "graph" : "flat");
    saved.put("--metric", index.metric().metricName());
    if (index instanceof GraphIndex g) {
      saved.put("--compress", g.compression().name().toLowerCase(Locale.ROOT));
      saved.put("--rerank", Integer.toString(g.rerank()));
      saved.put("--m", Integer.toString(g.maxDegree()));
      saved.put("--ef-construction", Integer.toString(g.beamWidth()));
      saved.put("--ef-search", Integer.toString(g.searchBeam()));
    }
    for (String option : SAVED_OPTIONS) {
      if (!parsed.hasMatchedOption(option) || option.equals("--seed")) {
        continue;
      }
      Object value = parsed.matchedOption(option).getValue();
      String given = String.valueOf(value).toLowerCase(Locale.ROOT);
      if (option.equals("--metric")) {
        given = StandardMetric.fromName(given).metricName();
      }
      String own = saved.get(option);
      if (own == null || !own.equals(given)) {
        throw new Main.InputException(option + " " + given + " differs from " + output
            + (own == null ? ", a flat index, which has no such parameter" : "'s " + own)
            + ": --update keeps the index's own parameters; leave " + option + " out, or build"
            + " the index anew without --update", null);
      }
    }
  }

  private static void closeQuietly(NeighborIndex<float[]> index) {
    if (index instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        // nothing to report: the index was only read
      }
    }
  }

  private static double round(double seconds) {
    return Math.round(seconds * 1000) / 1000.0;
  }
}
