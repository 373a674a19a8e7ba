package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.cli.report.HtmlReport;
import io.github.embeddings4j.cli.report.ReportFolder;
import io.github.embeddings4j.core.search.NearDuplicates;
import java.io.PrintWriter;
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

  /** The most groups a report pictures (the largest; a note counts the rest). */
  static final int REPORT_GROUPS = 300;

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
          + "images' files are, for --redundant and --report.")
  Path images;

  @Option(names = "--report", paramLabel = "DIR",
      description = "Also write a report folder: an index.html with each group's thumbnails "
          + "(the image --keep chooses framed green, the others dashed red), the "
          + REPORT_GROUPS + " largest groups. Needs --images.")
  Path report;

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
    if ((redundant || report != null) && images == null) {
      throw new ParameterException(spec.commandLine(), (redundant ? "--redundant prints the"
          + " files to let go" : "--report pictures the images") + ": give --images DIR, the"
          + " folder the set was embedded from");
    }
    if (!redundant && report == null && (images != null
        || spec.commandLine().getParseResult().hasMatchedOption("--keep"))) {
      throw new ParameterException(spec.commandLine(), "--images and --keep go with"
          + " --redundant or --report");
    }
    if (nul && !redundant) {
      throw new ParameterException(spec.commandLine(), "--null goes with --redundant");
    }
    if (images != null && !java.nio.file.Files.isDirectory(images)) {
      throw new Main.InputException("--images " + images + ": no such folder", null);
    }
    if (report != null) {
      try {
        Outputs.checkReport(report);
      } catch (java.io.IOException e) {
        throw new Main.InputException(io.github.embeddings4j.core.io.IoErrors.describe(e), e);
      }
    }
    int threadCount = OptionValues.threads(spec, threads);
    int unreadable = 0;
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
      List<Resolved> resolved = redundant || report != null ? resolve(r, stored, rule, err)
          : List.of();
      int letGo = redundant ? printRedundant(resolved, out) : 0;
      if (!redundant) {
        print(r, stored, out);
      }
      unreadable = report != null ? writeReport(resolved, stored, rule, err) : 0;
      double[] spread = NearDuplicates.spread(r.nearestDistances());
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
    return unreadable > 0 ? Main.EXIT_PARTIAL : Main.EXIT_OK;
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

  /** A member of a group whose file is there: its entry and the file as looked up. */
  private record Member(long id, StoredIndex.EntryFile entry) {
    Path file() {
      return entry.path();
    }

    java.nio.file.attribute.BasicFileAttributes facts() {
      return entry.facts();
    }
  }

  /**
   * A group with the members whose file is there (at least two), and the one {@code --keep}
   * keeps.
   */
  private record Resolved(int number, List<Member> members, int keeper) {}

  /**
   * Finds each group's files under {@code --images} and chooses its keeper; members whose file
   * is gone are left out (a note says how many), and a group left with one file drops out.
   */
  private List<Resolved> resolve(NearDuplicates.Result r, StoredIndex stored, Keep rule,
      PrintWriter err) {
    List<Resolved> out = new ArrayList<>();
    int gone = 0;
    int number = 0;
    for (NearDuplicates.Group g : r.groups()) {
      number++;
      List<Member> members = new ArrayList<>();
      for (long id : g.ids()) {
        StoredIndex.EntryFile f = stored.file(id, images);
        if (f == null) {
          gone++;
        } else {
          members.add(new Member(id, f));
        }
      }
      if (members.size() < 2) {
        continue;
      }
      int keeper = 0;
      for (int i = 1; i < members.size(); i++) {
        var mine = members.get(i).facts();
        var best = members.get(keeper).facts();
        boolean better = switch (rule) {
          case LARGEST -> mine.size() > best.size();
          case OLDEST -> mine.lastModifiedTime().compareTo(best.lastModifiedTime()) < 0;
          case FIRST -> false;
        };
        if (better) {
          keeper = i;
        }
      }
      out.add(new Resolved(number, members, keeper));
    }
    if (gone > 0 && !common.quiet) {
      err.println("note: " + gone + " images of the groups have no file under " + images
          + " (moved or deleted since they were embedded): left out");
    }
    return out;
  }

  /** Prints every member of each group but its keeper; returns how many. */
  private int printRedundant(List<Resolved> groups, PrintWriter out) {
    int printed = 0;
    for (Resolved g : groups) {
      List<Object> letGo = new ArrayList<>();
      for (int i = 0; i < g.members().size(); i++) {
        if (i == g.keeper()) {
          continue;
        }
        Path file = g.members().get(i).file();
        letGo.add(file.toString());
        if (!json) {
          out.print(file);
          out.print(nul ? '\0' : '\n');
        }
        printed++;
      }
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("group", g.number());
        o.put("keep", g.members().get(g.keeper()).file().toString());
        o.put("redundant", letGo);
        out.println(Json.object(o));
      }
    }
    out.flush();
    return printed;
  }

  /**
   * The report folder: a thumbnail of every member of the largest groups (decoded on all
   * cores) and an index.html showing them, the keeper first. Returns how many images could
   * not be read.
   */
  private int writeReport(List<Resolved> groups, StoredIndex stored, Keep rule,
      PrintWriter err) {
    List<Resolved> shown = groups.subList(0, Math.min(groups.size(), REPORT_GROUPS));
    try (ReportFolder folder = Outputs.beginReport(report)) {
      List<Path> files = new ArrayList<>();
      for (Resolved g : shown) {
        g.members().forEach(m -> files.add(m.file()));
      }
      ReportThumbnails thumbs = ReportThumbnails.write(folder, files, 160, "image");
      List<List<HtmlReport.GroupTile>> rows = new ArrayList<>();
      for (Resolved g : shown) {
        List<Member> order = new ArrayList<>(g.members());
        order.add(0, order.remove(g.keeper()));
        List<HtmlReport.GroupTile> tiles = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
          Member m = order.get(i);
          ReportThumbnails.Thumb t = thumbs.of(m.file());
          tiles.add(new HtmlReport.GroupTile(t.name(), stored.display(m.id()) + "\n"
              + bytes(m.facts().size()) + ", " + t.caption() + "\n" + (i == 0 ? "keep ("
              + rule.name().toLowerCase(Locale.ROOT) + ")" : "let go"), i == 0));
        }
        rows.add(tiles);
      }
      HtmlReport html = new HtmlReport("Near-duplicates in " + input.getFileName());
      html.paragraph(groups.size() + " groups with files under " + images + "; in each, the"
          + " image kept by --keep " + rule.name().toLowerCase(Locale.ROOT) + " comes first"
          + " (green), the ones --redundant lists after it (dashed red)."
          + (groups.size() > shown.size() ? " The " + shown.size() + " largest groups are"
          + " shown." : ""));
      html.groups("Groups", rows);
      html.write(folder.resolve("index.html"));
      folder.commit();
      if (!common.quiet) {
        err.println("wrote " + folder.target().resolve("index.html") + " (" + shown.size()
            + " groups" + (groups.size() > shown.size() ? " of " + groups.size() : "") + ")");
      }
      return thumbs.unreadable();
    } catch (java.io.IOException e) {
      throw new Main.InputException(io.github.embeddings4j.core.io.IoErrors.describe(e), e);
    }
  }

  private static String bytes(long n) {
    return n >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", n / 1048576.0)
        : n >= 1 << 10 ? String.format(Locale.ROOT, "%.0f kB", n / 1024.0) : n + " bytes";
  }
}
