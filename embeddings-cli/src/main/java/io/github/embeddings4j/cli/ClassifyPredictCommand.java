package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.Embedder;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.core.classify.FineTunedClassifier;
import io.github.embeddings4j.core.classify.ImageClassifier;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.core.image.ImageFiles;
import io.github.embeddings4j.core.io.DamagedFileException;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.io.SdkFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Labels images with a classifier head saved by {@code classify fit}. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    header = "Label images with a classifier head, or with a fine-tuned network.",
    description =
        "Label images with a head saved by 'classify fit' (--head): the embedder it was trained "
        + "with is built again from what the head file records (refused when its model file "
        + "changed since), every image is embedded and classified. Or with a network saved by "
        + "'finetune --model' (--model tuned.onnx or tuned.zip): its own classifier gives the "
        + "probabilities and its record the class names. A CSV is written with the "
        + "columns path, label, probability (and label_K, probability_K up to --top-k). "
        + "Folders are searched recursively. Images that cannot be read are reported and "
        + "skipped; the exit code is then 3.",
    footer = {
        "",
        "Example:",
        "  embeddings4j classify predict --head products.e4j --input new/ \\",
        "      --output labels.csv --top-k 3",
        "  embeddings4j classify predict --model tuned.onnx --input new/ --output labels.csv"})
final class ClassifyPredictCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = "--head", paramLabel = "FILE.e4j",
      description = "A classifier head saved by 'classify fit'.")
  Path headFile;

  @Option(names = "--model", paramLabel = "FILE",
      description = "A network saved by 'finetune --model' (tuned.onnx, tuned.zip), which "
          + "classifies with its own head (instead of --head).")
  Path modelFile;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "PATH",
      description = "An image file or a folder of images; repeatable.")
  List<Path> inputs;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.csv",
      description = "The labels to write.")
  Path output;

  @Option(names = "--embedder-file", paramLabel = "FILE",
      description = "The embedder's model file (ONNX, saved model or weights) when it is no "
          + "longer where 'classify fit' found it; it must have the same SHA-256.")
  Path embedderFile;

  @Option(names = "--top-k", defaultValue = "1", paramLabel = "K",
      description = "Classes per image, most probable first (default: ${DEFAULT-VALUE}).")
  int topK;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (topK < 1) {
      throw new ParameterException(spec.commandLine(), "--top-k must be at least 1, not "
          + topK);
    }
    if ((headFile == null) == (modelFile == null)) {
      throw new ParameterException(spec.commandLine(), headFile == null
          ? "give --head FILE.e4j (a head saved by 'classify fit') or --model FILE (a network"
              + " saved by 'finetune --model')"
          : "--head and --model exclude each other: give one");
    }
    List<Path> read = new ArrayList<>(inputs);
    read.add(headFile != null ? headFile : modelFile);
    Outputs.refuseOverlap(spec, List.of(output), read);
    ImageClassifier classifier = null;
    FineTunedClassifier tuned = null;
    if (headFile != null) {
      try {
        classifier = ImageClassifier.load(headFile);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new Main.InputException("no such head file: " + headFile, e);
      } catch (DamagedFileException e) {
        throw new Main.InputException(e.getMessage() + "; fit the head again (classify fit)",
            e);
      }
    }
    EmbedCommand.Collected collected = EmbedCommand.collect(inputs, err, common.quiet);
    List<EmbedCommand.Item> items = collected.items();
    ProgressReporter progress = ProgressReporter.forConsole(err, common.quiet);
    for (ImageFiles.Problem p : collected.problems()) {
      progress.onFailure(new EmbeddingException(p.path().toString(), p.reason(), null));
    }
    if (items.isEmpty()) {
      throw new Main.InputException(collected.problems().isEmpty() ? "no images found in "
          + inputs : "none of the " + collected.problems().size() + " images could be read",
          null);
    }
    Embedder embedder;
    if (modelFile != null) {
      try {
        tuned = FineTunedClassifier.open(modelFile);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new Main.InputException("--model " + modelFile + ": no such file", e);
      } catch (IllegalArgumentException | EmbeddingException e) {
        throw new Main.InputException(ModelOptions.inOptionWords(e.getMessage()), e);
      }
      embedder = tuned.embedder();
    } else {
      try {
        embedder = classifier.openEmbedder(embedderFile);
      } catch (EmbeddingException e) {
        throw new Main.InputException(headFile + ": " + ModelOptions.inOptionWords(
            e.getMessage()), e);
      }
    }
    List<String> classNames = tuned != null ? tuned.classNames() : classifier.classNames();
    final ImageClassifier head = classifier;
    final FineTunedClassifier own = tuned;
    int k = Math.min(topK, classNames.size());
    StringBuilder csv = new StringBuilder("path");
    for (int i = 1; i <= k; i++) {
      csv.append(i == 1 ? ",label,probability" : ",label_" + i + ",probability_" + i);
    }
    csv.append('\n');
    long[] counts = new long[2]; // classified, failed
    try (embedder) {
      if (!common.quiet) {
        err.printf("labelling %d images with %s (%d classes; %s)%n", items.size(),
            headFile != null ? headFile : modelFile, classNames.size(), head != null
                ? "embedder " + head.spec() : "its own classifier");
      }
      int[] next = {0};
      Consumer<EmbeddingResult> sink = r -> {
        EmbedCommand.Item item = items.get(next[0]++);
        if (r instanceof EmbeddingResult.Success s) {
          csv.append(cell(item.source().name()));
          for (ImageClassifier.Prediction p : head != null ? head.topK(s.vector(), k)
              : own.topK(s.vector(), k)) {
            csv.append(',').append(cell(p.className())).append(',')
                .append(String.format(Locale.ROOT, "%.6f", p.probability()));
          }
          csv.append('\n');
          counts[0]++;
        } else {
          counts[1]++;
        }
      };
      List<ImageSource> sources = items.stream().map(EmbedCommand.Item::source).toList();
      if (embedder instanceof NetworkEmbedder n) {
        n.embedEach(sources, sink, progress);
      } else {
        embedInChunks(embedder, sources, sink, progress);
      }
      progress.finishBar();
    }
    long failed = counts[1] + collected.problems().size();
    if (counts[0] == 0) {
      throw new Main.InputException("none of the " + (items.size()
          + collected.problems().size()) + " images could be classified", null);
    }
    byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
    try {
      SdkFile.writeAtomically(output, out -> out.write(bytes));
    } catch (IOException e) {
      throw new Main.InputException("cannot write " + output + ": " + IoErrors.describe(e), e);
    }
    if (!common.quiet) {
      err.printf("wrote %d labels to %s%s%n", counts[0], output, failed > 0 ? "; " + failed
          + " image(s) failed (listed above)" : "");
    }
    return failed > 0 ? Main.EXIT_PARTIAL : Main.EXIT_OK;
  }

  /** Embeds through the single batch call, a bounded number of images at a time. */
  private static void embedInChunks(Embedder embedder, List<ImageSource> sources,
      Consumer<EmbeddingResult> sink, ProgressReporter progress) {
    int chunk = 64;
    long failed = 0;
    for (int from = 0; from < sources.size(); from += chunk) {
      for (EmbeddingResult r : embedder.embedBatch(sources.subList(from,
          Math.min(sources.size(), from + chunk)))) {
        if (r instanceof EmbeddingResult.Failure f) {
          failed++;
          progress.onFailure(f.error());
        }
        sink.accept(r);
      }
      progress.onProgress(new Progress("embed", Math.min(sources.size(), from + chunk),
          sources.size(), failed));
    }
  }

  /** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
  static String cell(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0
        && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
