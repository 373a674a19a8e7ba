package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.image.ImageFiles;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.io.NpyWriter;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        "Embed images with a CNN of the model zoo into a float32 .npy matrix (one row per "
        + "image) and an ids file beside it (FILE.ids.txt: the image's path relative to its "
        + "--input folder, one per row, same order). Folders are searched recursively. "
        + "Images that cannot be read are reported and skipped; the exit code is then 3.",
    footer = {
        "",
        "Example:",
        "  embeddings4j embed --input photos/ --output photos.npy --model resnet50 \\",
        "      --normalize",
        "  embeddings4j embed --input a.jpg --input b.png --output two.npy \\",
        "      --weights random"})
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

  static List<Item> collect(List<Path> inputs) {
    List<Item> items = new ArrayList<>();
    for (Path in : inputs) {
      if (Files.isDirectory(in)) {
        try {
          for (Path p : ImageFiles.list(in)) {
            items.add(new Item(ImageSource.of(p), in.relativize(p).toString().replace('\\', '/')));
          }
        } catch (IOException e) {
          throw new Main.InputException("cannot list folder " + in + ": " + e.getMessage(), e);
        }
      } else if (Files.exists(in)) {
        items.add(new Item(ImageSource.of(in), in.toString()));
      } else {
        throw new Main.InputException("no such file or folder: " + in, null);
      }
    }
    return items;
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    List<Item> items = collect(inputs);
    if (items.isEmpty()) {
      throw new Main.InputException("no images found in " + inputs, null);
    }
    ProgressReporter progress = ProgressReporter.forConsole(err, common.quiet);
    ZooEmbedder embedder = modelOptions.build(spec);
    List<String> ids = new ArrayList<>();
    long failed;
    try (embedder; NpyWriter out = NpyWriter.open(output, embedder.dimension())) {
      if (!common.quiet) {
        err.printf("embedding %d images with %s (layer %s, dimension %d)%n", items.size(),
            modelOptions.model, embedder.layer(), embedder.dimension());
      }
      List<ImageSource> sources = items.stream().map(Item::source).toList();
      int[] next = {0};
      long[] bad = {0};
      embedder.embedEach(sources, result -> {
        Item item = items.get(next[0]++);
        if (result instanceof EmbeddingResult.Success s) {
          try {
            out.write(s.vector());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          ids.add(item.id());
        } else {
          bad[0]++;
        }
      }, progress);
      progress.finishBar();
      failed = bad[0];
      if (ids.isEmpty()) {
        throw new Main.InputException("none of the " + items.size() + " images could be embedded",
            null);
      }
      out.commit();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    Npy.writeIds(Npy.idsFile(output), ids);
    if (!common.quiet) {
      err.printf("wrote %d x %d to %s and ids to %s%s%n", ids.size(), embedder.dimension(),
          output, Npy.idsFile(output),
          failed > 0 ? "; " + failed + " image(s) failed (listed above)" : "");
    }
    return failed > 0 ? Main.EXIT_PARTIAL : Main.EXIT_OK;
  }
}
