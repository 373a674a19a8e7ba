package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.NearDuplicates;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

/** Finds groups of near-duplicate images in an embeddings file or index. */
@Command(
    name = "duplicates",
    mixinStandardHelpOptions = true,
    header = "Find groups of near-duplicate images in an embeddings file or index.",
    description =
        "Searches every image's nearest neighbours in an embeddings file (.npy, exactly) or an "
        + "index written by 'embeddings4j index' (a graph answers approximately, and fast on "
        + "large collections), keeps the pairs within --threshold, and prints the groups they "
        + "form, largest first: copies, re-encodings, resized or lightly edited versions, "
        + "bursts of shots. Groups chain: A near B and B near C group A, B and C. stderr ends "
        + "with how the nearest distances are spread, to choose a threshold by.",
    footer = {
        "",
        "Examples:",
        "  embeddings4j duplicates --input photos.npy",
        "  embeddings4j duplicates --input photos.npy --threshold 0.05 --json",
        "  embeddings4j duplicates --input big.e4j --threshold 0.08 --k 20",
        "  embeddings4j duplicates --input photos.npy --redundant --images photos/ > extra.txt"})
final class DuplicatesCommand implements Callable<Integer> {

  /** The default threshold for cosine: a cosine similarity of 0.9, as imagededup's CNN mode. */
  static final double COSINE_THRESHOLD = 0.1;

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE.npy|FILE.e4j",
      description = "The embeddings (with FILE.ids.txt beside it for names), or an index file "
          + "written by 'embeddings4j index'.")
  Path input;

  @Option(names = "--threshold", paramLabel = "D",
      description = "The largest distance at which two images are duplicates (default for "
          + "cosine: 0.1, a similarity of 0.9; other metrics need it).")
  Double threshold;

  @Option(names = {"-k", "--k"}, defaultValue = "10",
      description = "Nearest neighbours looked at per image (default: ${DEFAULT-VALUE}); raise "
          + "it when a note says images have more duplicates than that.")
  int k;

  @Option(names = "--metric",
      description = "cosine, euclidean, manhattan, dot or hamming for a .npy file (default: "
          + "cosine); an index uses its own.")
  String metric;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads searching (default: all cores).")
  Integer threads;

  @Option(names = "--json", description = "Print one JSON object per group, then a summary.")
  boolean json;

  @Option(names = "--redundant",
      description = "Print only the files to let go: every image of each group but the one "
          + "--keep chooses, one path per line (for review, then rm or mv). Needs --images.")
  boolean redundant;

  @Option(names = "--keep", paramLabel = "RULE", defaultValue = "largest",
      description = "Which image of a group --redundant keeps: largest (the most bytes: "
          + "the original rather than a re-encoded or shrunk copy), oldest (the earliest "
          + "modification time), first (the first in the set). Ties go to the first. "
          + "Default: ${DEFAULT-VALUE}.")
  String keep;

  @Option(names = "--images", paramLabel = "DIR",
      description = "The folder the set was embedded from (embed's --input): where the "
          + "images' files are, for --redundant.")
  Path images;

  @Option(names = "--null",
      description = "With --redundant: end each path with a NUL byte, not a newline (for "
          + "xargs -0; paths may hold newlines).")
  boolean nul;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    OptionValues.k(spec, k);
    DistanceMetric asked = OptionValues.metric(spec, metric);
    if (threshold != null && !(threshold >= 0 && !threshold.isInfinite())) {
      throw new ParameterException(spec.commandLine(), "--threshold must be a distance of 0 or"
          + " more, not " + threshold);
    }
    Keep rule = Keep.parse(spec, keep);
    if (redundant && images == null) {
      throw new ParameterException(spec.commandLine(), "--redundant prints the files to let go:"
          + " give --images DIR, the folder the set was embedded from");
    }
    if (!redundant && (images != null || nul
        || spec.commandLine().getParseResult().hasMatchedOption("--keep"))) {
      throw new ParameterException(spec.commandLine(), "--images, --keep and --null go with"
          + " --redundant");
    }
    if (images != null && !java.nio.file.Files.isDirectory(images)) {
      throw new Main.InputException("--images " + images + ": no such folder", null);
    }
    int threadCount = OptionValues.threads(spec, threads);
    long t0 = System.nanoTime();
    // No notes on the file's embedder: the collection is only compared with itself.
    try (StoredIndex stored = StoredIndex.open(input, asked, threadCount, null)) {
      String metricName = stored.metric().metricName();
      double limit;
      if (threshold != null) {
        limit = threshold;
      } else if (metricName.equals(StandardMetric.COSINE.metricName())) {
        limit = COSINE_THRESHOLD;
      } else {
        throw new Main.InputException(input + " is searched with the " + metricName + " metric,"
            + " which has no default threshold: give --threshold D (the distance below which"
            + " two images are duplicates; run with a guess and read the spread of nearest"
            + " distances it prints)", null);
      }
      long t1 = System.nanoTime();
      ProgressReporter progress = ProgressReporter.forConsole(err, common.quiet || json);
      NearDuplicates.Result r = stored.duplicates(NearDuplicates.builder(limit).neighbours(k)
          .build(), progress);
      int count = r.nearestDistances().length;
      progress.finishBar();
      double seconds = (System.nanoTime() - t0) / 1e9;
      double searchSeconds = (System.nanoTime() - t1) / 1e9;
      int letGo = redundant ? printRedundant(r, stored, rule, out, err) : 0;
      if (!redundant) {
        print(r, stored, out);
      }
      double[] spread = spread(r.nearestDistances());
      if (json) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("groups", r.groups().size());
        summary.put("duplicates", r.duplicates());
        if (redundant) {
          summary.put("redundant", letGo);
          summary.put("keep", rule.name().toLowerCase(Locale.ROOT));
        }
        summary.put("images", count);
        summary.put("pairs", r.pairs().size());
        summary.put("saturated", r.saturated());
        summary.put("threshold", limit);
        summary.put("metric", metricName);
        summary.put("k", k);
        summary.put("approximate", stored.graph());
        Map<String, Object> nearest = new LinkedHashMap<>();
        nearest.put("p1", spread[0]);
        nearest.put("p5", spread[1]);
        nearest.put("p50", spread[2]);
        summary.put("nearest_distance", nearest);
        summary.put("search_seconds", Math.round(searchSeconds * 1000) / 1000.0);
        summary.put("seconds", Math.round(seconds * 1000) / 1000.0);
        out.println(Json.object(summary));
      } else if (!common.quiet) {
        if (redundant) {
          err.printf(Locale.ROOT, "%d files to let go, keeping the %s of each group%n", letGo,
              rule.name().toLowerCase(Locale.ROOT));
        }
        err.printf(Locale.ROOT, "%d groups hold %d of %d images (%d pairs within %s, %s) in"
            + " %.2f s%s%n", r.groups().size(), r.duplicates(), count,
            r.pairs().size(), limit, metricName, seconds,
            stored.graph() ? "; the graph's search is approximate: a pair it misses is not"
            + " shown" : "");
        err.printf(Locale.ROOT, "nearest-neighbour distances: 1%% of images below %.4g, 5%%"
            + " below %.4g, half below %.4g%n", spread[0], spread[1], spread[2]);
      }
      if (r.saturated() > 0 && !common.quiet) {
        err.println("note: " + r.saturated() + " images had all " + k + " of their nearest"
            + " within the threshold: they may have more duplicates than their group shows;"
            + " raise --k");
      }
    }
    return Main.EXIT_OK;
  }

  private void print(NearDuplicates.Result r, StoredIndex stored, PrintWriter out) {
    int number = 0;
    for (NearDuplicates.Group g : r.groups()) {
      number++;
      if (json) {
        List<Object> names = new ArrayList<>(g.ids().size());
        for (long id : g.ids()) {
          names.add(stored.display(id));
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("group", number);
        o.put("size", g.ids().size());
        o.put("largest_link", g.largestLink());
        o.put("members", names);
        out.println(Json.object(o));
      } else {
        out.printf(Locale.ROOT, "group %d: %d images, linked within %.4g%n", number,
            g.ids().size(), g.largestLink());
        for (long id : g.ids()) {
          out.println("  " + stored.display(id));
        }
      }
    }
  }

  /** Which member of a group {@code --redundant} keeps. */
  enum Keep {
    LARGEST, OLDEST, FIRST;

    static Keep parse(CommandSpec spec, String value) {
      for (Keep k : values()) {
        if (k.name().equalsIgnoreCase(value)) {
          return k;
        }
      }
      throw new ParameterException(spec.commandLine(), "--keep must be largest, oldest or"
          + " first, not '" + value + "'");
    }
  }

  /**
   * Prints every member of each group but its keeper; members whose file is gone are neither
   * kept nor printed (a note says how many). Returns how many paths were printed.
   */
  private int printRedundant(NearDuplicates.Result r, StoredIndex stored, Keep rule,
      PrintWriter out, PrintWriter err) {
    int printed = 0;
    int gone = 0;
    int number = 0;
    for (NearDuplicates.Group g : r.groups()) {
      number++;
      List<Path> files = new ArrayList<>();
      List<java.nio.file.attribute.BasicFileAttributes> facts = new ArrayList<>();
      for (long id : g.ids()) {
        String name = stored.name(id);
        Path file = name == null ? null : io.github.embeddings4j.core.io.Ids.resolve(images,
            name);
        java.nio.file.attribute.BasicFileAttributes a = null;
        if (file != null) {
          try {
            a = java.nio.file.Files.readAttributes(file,
                java.nio.file.attribute.BasicFileAttributes.class);
          } catch (java.io.IOException e) {
            a = null;
          }
        }
        if (a == null || !a.isRegularFile()) {
          gone++;
          continue;
        }
        files.add(file);
        facts.add(a);
      }
      if (files.size() < 2) {
        continue;
      }
      int keeper = 0;
      for (int i = 1; i < files.size(); i++) {
        boolean better = switch (rule) {
          case LARGEST -> facts.get(i).size() > facts.get(keeper).size();
          case OLDEST -> facts.get(i).lastModifiedTime()
              .compareTo(facts.get(keeper).lastModifiedTime()) < 0;
          case FIRST -> false;
        };
        if (better) {
          keeper = i;
        }
      }
      List<Object> letGo = new ArrayList<>();
      for (int i = 0; i < files.size(); i++) {
        if (i == keeper) {
          continue;
        }
        letGo.add(files.get(i).toString());
        if (!json) {
          out.print(files.get(i));
          out.print(nul ? '\0' : '\n');
        }
        printed++;
      }
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("group", number);
        o.put("keep", files.get(keeper).toString());
        o.put("redundant", letGo);
        out.println(Json.object(o));
      }
    }
    out.flush();
    if (gone > 0 && !common.quiet) {
      err.println("note: " + gone + " images of the groups have no file under " + images
          + " (moved or deleted since they were embedded): left out");
    }
    return printed;
  }

  /** The 1st, 5th and 50th percentiles of the nearest distances (NaN ones left out). */
  private static double[] spread(double[] nearest) {
    double[] d = Arrays.stream(nearest).filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (d.length == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    return new double[] {d[(int) (0.01 * (d.length - 1))], d[(int) (0.05 * (d.length - 1))],
        d[(int) (0.5 * (d.length - 1))]};
  }
}
