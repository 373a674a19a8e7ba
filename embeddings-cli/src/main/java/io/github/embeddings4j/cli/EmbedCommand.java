package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.image.ImageFiles;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.core.io.EmbeddingSet;
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
        + "already preprocessed (N rows out, ids 0 to N-1).",
    footer = {
        "",
        "Examples:",
        "  embeddings4j embed --input photos/ --output photos.npy --model resnet50",
        "  embeddings4j embed --input a.jpg --input b.png --output two.npy \\",
        "      --weights random",
        "  embeddings4j embed --model resnet50.onnx --preprocess imagenet \\",
        "      --input photos/ --output e.npy"})
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

  /** One image to embed and the id it will have in the ids file. */
  record Item(ImageSource source, String id) {}

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
            found.add(new Item(ImageSource.of(p), Ids.relative(in, p)));
          }
          problems.addAll(listing.problems());
        } catch (IOException e) {
          throw new Main.InputException("cannot list folder " + in + ": " + IoErrors.reason(e),
              e);
        }
      } else if (Files.exists(in) || Files.isSymbolicLink(in)) {
        found.add(new Item(ImageSource.of(in), Ids.of(in)));
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
    try (embedder; EmbeddingSet.Writer out = EmbeddingSet.writer(output, embedder.dimension(),
        embedder.describe())) {
      if (!common.quiet) {
        err.printf("embedding %d images with %s%n", items.size(),
            ModelOptions.describe(embedder));
      }
      List<ImageSource> sources = items.stream().map(Item::source).toList();
      int[] next = {0};
      long[] bad = {0};
      embedder.embedEach(sources, result -> {
        Item item = items.get(next[0]++);
        if (result instanceof EmbeddingResult.Success s) {
          try {
            out.add(s.vector(), item.id());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        } else {
          bad[0]++;
        }
      }, progress);
      progress.finishBar();
      failed = bad[0] + problems;
      written = out.rows();
      if (written == 0) {
        throw new Main.InputException("none of the " + (items.size() + problems)
            + " images could be embedded", null);
      }
      out.commit();
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
