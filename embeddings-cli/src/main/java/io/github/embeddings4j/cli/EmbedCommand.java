package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.image.ImageFiles;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.FileStamp;
import io.github.embeddings4j.core.io.Ids;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.io.Npy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Embeds images into a {@code .npy} matrix with an ids file beside it. */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    header = "Embed images into a .npy matrix and an ids file.",
    description =
        "Embed images with a zoo CNN or an ONNX model (--model FILE.onnx) into a float32 .npy "
        + "matrix (one row per image) and an ids file beside it (FILE.ids.txt: the image's "
        + "path relative to its --input folder, one per row, same order). Folders are searched "
        + "recursively. Images that cannot be read are reported and skipped; the exit code is "
        + "then 3. An --input FILE.npy of shape (N, C, H, W) float32 is taken as network input "
        + "already preprocessed (N rows out, ids 0 to N-1). With --update, only the images that "
        + "are new or changed (size or modification time) since --output was written are "
        + "embedded; the other rows are kept and rows of images no longer found are dropped.",
    footer = {
        "",
        "Examples:",
        "  embeddings4j embed --input photos/ --output photos.npy --model resnet50",
        "  embeddings4j embed --input a.jpg --input b.png --output two.npy \\",
        "      --weights random",
        "  embeddings4j embed --model resnet50.onnx --preprocess imagenet \\",
        "      --input photos/ --output e.npy",
        "  embeddings4j embed --input photos/ --output photos.npy --model resnet50 \\",
        "      --update"})
final class EmbedCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin ModelOptions modelOptions;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "PATH",
      description = "An image file or a folder of images; repeatable.")
  List<Path> inputs;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.npy",
      description = "The matrix to write.")
  Path output;

  @Option(names = "--update",
      description = "Bring --output up to date: embed only the images that are new or changed "
          + "(size or modification time) since it was written, keep the other rows, drop the "
          + "rows of images no longer found. Needs the same model options as the set.")
  boolean update;

  /** One image to embed, its file, and the id it will have in the ids file. */
  record Item(Path path, String id) {
    ImageSource source() {
      return ImageSource.of(path);
    }
  }

  /** The images found, and the entries of folder walks that could not be listed. */
  record Collected(List<Item> items, List<ImageFiles.Problem> problems) {}

  static Collected collect(List<Path> inputs, PrintWriter err, boolean quiet) {
    List<Item> items = new ArrayList<>();
    List<ImageFiles.Problem> problems = new ArrayList<>();
    Map<String, Path> idSources = new HashMap<>();
    List<Path> seen = new ArrayList<>();
    for (Path in : inputs) {
      if (seen.stream().anyMatch(p -> Outputs.sameFile(p, in))) {
        if (!quiet) {
          err.println("note: --input " + in + " is given more than once; embedded once");
        }
        continue;
      }
      seen.add(in);
      List<Item> found = new ArrayList<>();
      if (Files.isDirectory(in)) {
        try {
          ImageFiles.Listing listing = ImageFiles.walk(in);
          for (Path p : listing.files()) {
            found.add(new Item(p, Ids.relative(in, p)));
          }
          problems.addAll(listing.problems());
        } catch (IOException e) {
          throw new Main.InputException("cannot list folder " + in + ": " + IoErrors.reason(e),
              e);
        }
      } else if (Files.exists(in) || Files.isSymbolicLink(in)) {
        found.add(new Item(in, Ids.of(in)));
      } else {
        throw new Main.InputException("no such file or folder: " + in, null);
      }
      for (Item item : found) {
        Path before = idSources.putIfAbsent(item.id(), in);
        if (before != null) {
          throw new Main.InputException("two images would have the id '"
              + Ids.display(item.id()) + "': one from --input " + before + ", one from --input "
              + in + " (ids are paths relative to their --input folder); give a folder above"
              + " both instead", null);
        }
      }
      items.addAll(found);
    }
    return new Collected(items, problems);
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (inputs.size() == 1 && inputs.get(0).toString().toLowerCase(java.util.Locale.ROOT)
        .endsWith(".npy")) {
      if (update) {
        throw new ParameterException(spec.commandLine(), "--update keeps the rows of unchanged "
            + "image files; an --input FILE.npy of network inputs is embedded whole: leave "
            + "--update out");
      }
      Outputs.refuseOverlap(spec, EmbeddingSet.files(output), inputs);
      return embedTensors(inputs.get(0), err);
    }
    Outputs.refuseOverlap(spec, EmbeddingSet.files(output), inputs);
    Collected collected = collect(inputs, err, common.quiet);
    List<Item> items = collected.items();
    long problems = collected.problems().size();
    if (items.isEmpty() && problems == 0) {
      throw new Main.InputException("no images found in " + inputs, null);
    }
    ProgressReporter progress = ProgressReporter.forConsole(err, common.quiet);
    for (ImageFiles.Problem p : collected.problems()) {
      progress.onFailure(new EmbeddingException(p.path().toString(), p.reason(), null));
    }
    if (items.isEmpty()) {
      throw new Main.InputException("none of the " + problems + " images could be read", null);
    }
    NetworkEmbedder embedder = modelOptions.build(spec);
    long failed;
    int written;
    try (embedder) {
      Plan plan = plan(items, update ? previous(embedder, err) : null);
      if (plan.upToDate()) {
        if (!common.quiet) {
          err.printf("%s is up to date: %d images, none new, changed or gone%n", output,
              items.size());
        }
        return problems > 0 ? Main.EXIT_PARTIAL : Main.EXIT_OK;
      }
      try (EmbeddingSet.Writer out = EmbeddingSet.writer(output, embedder.dimension(),
          embedder.describe())) {
        if (!common.quiet) {
          err.println(plan.previous() == null
              ? String.format("embedding %d images with %s", items.size(),
                  ModelOptions.describe(embedder))
              : String.format("updating %s: %d unchanged, embedding %d (%d new, %d changed), "
                  + "dropping %d no longer found, with %s", output, plan.kept(),
                  plan.toEmbed().size(), plan.added(), plan.toEmbed().size() - plan.added(),
                  plan.dropped(), ModelOptions.describe(embedder)));
        }
        RowSink sink = new RowSink(items, plan, out);
        List<ImageSource> sources = plan.toEmbed().stream().map(i -> items.get(i).source())
            .toList();
        long[] bad = {0};
        embedder.embedEach(sources, result -> {
          if (result instanceof EmbeddingResult.Success s) {
            sink.embedded(s.vector());
          } else {
            sink.failed();
            bad[0]++;
          }
        }, progress);
        sink.keptUpTo(items.size());
        progress.finishBar();
        failed = bad[0] + problems;
        written = out.rows();
        if (bad[0] == plan.toEmbed().size() && plan.keepsTheSet()) {
          if (!common.quiet) {
            err.printf("%s is unchanged: %d images, none new, changed or gone but the %d that"
                + " failed%n", output, written, bad[0]);
          }
          return Main.EXIT_PARTIAL;
        }
        if (written == 0) {
          throw new Main.InputException("none of the " + (items.size() + problems)
              + " images could be embedded", null);
        }
        out.commit();
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    if (!common.quiet) {
      err.printf("wrote %d x %d to %s, ids to %s and the description to %s%s%n", written,
          embedder.dimension(), output, EmbeddingSet.idsFile(output),
          EmbeddingSet.descriptionFile(output).getFileName(),
          failed > 0 ? "; " + failed + " image(s) failed (listed above)" : "");
    }
    return failed > 0 ? Main.EXIT_PARTIAL : Main.EXIT_OK;
  }

  /**
   * What an update starts from: the set at {@code --output}, checked to have been made by this
   * embedder; null when there is none yet (then every image is embedded).
   */
  private Previous previous(NetworkEmbedder embedder, PrintWriter err)
      throws IOException {
    if (!Files.exists(output) && !Files.exists(EmbeddingSet.journalFile(output))) {
      if (!common.quiet) {
        err.println("note: there is no set at " + output + " yet: every image is embedded");
      }
      return null;
    }
    Previous old;
    try {
      old = Previous.open(output, err, !common.quiet);
    } catch (io.github.embeddings4j.core.io.DamagedFileException | IllegalArgumentException e) {
      throw new Main.InputException(e.getMessage() + "; --update cannot keep rows of it: embed"
          + " without --update to write the set anew", e);
    }
    if (!old.described()) {
      throw new Main.InputException(output + " has no description (" + EmbeddingSet
          .descriptionFile(output).getFileName() + ": written by NumPy or an earlier version),"
          + " so the model that made its rows cannot be checked; embed without --update to"
          + " write the set anew", null);
    }
    Provenance.requireSame("the embedder of this run", embedder.describe(),
        "the embedder that made " + output, old.embedder(),
        "--update keeps the set's rows, so it needs the options that made them; embed without"
        + " --update to write the set anew with these");
    if (old.stamps() == null && !old.ids().isEmpty()) {
      err.println("warning: " + output + " records no file sizes and times (written by an"
          + " earlier version): the rows of images still there are kept as they are, so an"
          + " image changed since is not embedded again this time; from now on the set records"
          + " them");
    }
    return old;
  }

  /**
   * The set an update starts from: its description, ids and stamps, and its rows, loaded or,
   * for a set larger than a quarter of the heap, read in place from the file (the kept rows
   * are copied from it into the new set one at a time).
   *
   * @param ids one per row
   * @param stamps one per row, or null for a set of an earlier version
   * @param embedder the description's embedder, or null
   * @param described whether the set has a description
   * @param rows row {@code r}'s vector
   */
  record Previous(List<String> ids, List<FileStamp> stamps,
      io.github.embeddings4j.api.EmbedderDescription embedder, boolean described,
      java.util.function.IntFunction<float[]> rows) {

    static Previous of(EmbeddingSet.Contents c) {
      float[][] v = c.vectors();
      return new Previous(c.ids(), c.stamps(), c.embedder(), c.described(), r -> v[r]);
    }

    static Previous open(Path set, PrintWriter err, boolean talk) throws IOException {
      // A set whose commit was interrupted (no vectors file yet) is finished by read().
      if (!Files.isRegularFile(set) || Files.size(set) <= StoredIndex.mapAbove()) {
        return of(EmbeddingSet.read(set));
      }
      EmbeddingSet.Header h = EmbeddingSet.readHeader(set);
      io.github.embeddings4j.core.io.MappedNpy rows =
          io.github.embeddings4j.core.io.MappedNpy.open(set);
      if (talk) {
        err.printf(java.util.Locale.ROOT, "note: %s (%.2f GB) is read in place: its kept rows"
            + " are copied from the file, not loaded into the %d MB heap%n", set,
            Files.size(set) / 1e9, Runtime.getRuntime().maxMemory() >> 20);
      }
      return new Previous(h.ids(), h.stamps(), h.embedder(), h.described(), rows::row);
    }
  }

  /**
   * Which images an update embeds: {@code toEmbed} (positions in the items), the rest keep the
   * previous set's row {@code keepRow[i]}.
   */
  record Plan(Previous previous, int[] keepRow, List<Integer> toEmbed,
      List<FileStamp> stamps, int added, int dropped) {

    int kept() {
      return keepRow.length - toEmbed.size();
    }

    /** Whether the set needs no write: nothing to embed, and every row kept in its place. */
    boolean upToDate() {
      return toEmbed.isEmpty() && keepsTheSet();
    }

    /**
     * Whether the kept rows alone are the previous set, in its order, with its stamps: then an
     * update whose embeddings all fail changes nothing either.
     */
    boolean keepsTheSet() {
      if (previous == null || previous.stamps() == null) {
        return false;
      }
      int expect = 0;
      for (int row : keepRow) {
        if (row >= 0 && row != expect++) {
          return false;
        }
      }
      return expect == previous.ids().size();
    }
  }

  /**
   * Stamps every image (before it is read, so that a change while it is embedded is seen next
   * time) and matches it with the previous set's rows.
   */
  static Plan plan(List<Item> items, Previous previous) {
    Map<String, Integer> oldRows = new HashMap<>();
    if (previous != null) {
      for (int r = 0; r < previous.ids().size(); r++) {
        oldRows.put(previous.ids().get(r), r);
      }
    }
    int[] keepRow = new int[items.size()];
    List<Integer> toEmbed = new ArrayList<>();
    List<FileStamp> stamps = new ArrayList<>(items.size());
    int added = 0;
    int matched = 0;
    for (int i = 0; i < items.size(); i++) {
      FileStamp stamp;
      try {
        stamp = FileStamp.of(items.get(i).path());
      } catch (IOException e) {
        stamp = null; // the image cannot be read either; embedding it reports why
      }
      stamps.add(stamp);
      Integer row = oldRows.get(items.get(i).id());
      keepRow[i] = -1;
      if (row != null) {
        matched++;
        FileStamp before = previous.stamps() == null ? stamp : previous.stamps().get(row);
        if (stamp != null && stamp.equals(before)) {
          keepRow[i] = row;
        }
      } else if (previous != null) {
        added++;
      }
      if (keepRow[i] < 0) {
        toEmbed.add(i);
      }
    }
    int dropped = previous == null ? 0 : previous.ids().size() - matched;
    return new Plan(previous, keepRow, toEmbed, stamps, added, dropped);
  }

  /**
   * Writes the rows in the items' order as the embedded ones arrive, the kept rows between
   * them taken from the previous set.
   */
  private static final class RowSink {
    private final List<Item> items;
    private final Plan plan;
    private final EmbeddingSet.Writer out;
    private int next;
    private int position;

    RowSink(List<Item> items, Plan plan, EmbeddingSet.Writer out) {
      this.items = items;
      this.plan = plan;
      this.out = out;
    }

    void embedded(float[] vector) {
      int at = plan.toEmbed().get(next++);
      keptUpTo(at);
      write(vector, at);
      position = at + 1;
    }

    void failed() {
      int at = plan.toEmbed().get(next++);
      keptUpTo(at);
      position = at + 1;
    }

    /** Writes the kept rows before {@code limit}. */
    void keptUpTo(int limit) {
      for (; position < limit; position++) {
        write(plan.previous().rows().apply(plan.keepRow()[position]), position);
      }
    }

    private void write(float[] vector, int at) {
      try {
        out.add(vector, items.get(at).id(), plan.stamps().get(at));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Embeds an {@code (N, C, H, W)} array of network inputs prepared elsewhere: the forward pass,
   * pooling and normalisation only. Ids are the row numbers.
   */
  private Integer embedTensors(Path file, PrintWriter err) throws IOException {
    float[][] rows;
    try {
      rows = Npy.readRows(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Main.InputException("no such file: " + file, e);
    } catch (IllegalArgumentException | io.github.embeddings4j.core.io.DamagedFileException e) {
      throw new Main.InputException(e.getMessage(), e);
    }
    try (NetworkEmbedder embedder = modelOptions.build(spec)) {
      int size = embedder.preprocessor().size();
      if (rows.length == 0 || rows[0].length != size) {
        throw new Main.InputException(file + ": " + rows.length + " rows of "
            + (rows.length == 0 ? 0 : rows[0].length) + " values; the model takes "
            + java.util.Arrays.toString(embedder.preprocessor().shape()) + " (" + size
            + " values) per image", null);
      }
      float[] flat = new float[rows.length * size];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(rows[i], 0, flat, i * size, size);
      }
      if (!common.quiet) {
        err.printf("embedding %d prepared inputs from %s with %s%n", rows.length, file,
            ModelOptions.describe(embedder));
      }
      float[][] vectors = embedder.embedTensors(flat, rows.length);
      try (EmbeddingSet.Writer out = EmbeddingSet.writer(output, embedder.dimension(),
          embedder.describe())) {
        for (int i = 0; i < vectors.length; i++) {
          out.add(vectors[i], String.valueOf(i));
        }
        out.commit();
      }
      if (!common.quiet) {
        err.printf("wrote %d x %d to %s%n", vectors.length, embedder.dimension(), output);
      }
    }
    return Main.EXIT_OK;
  }
}
