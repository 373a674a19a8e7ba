package io.github.embeddings4j.cli;

import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists the models, their layers, dimensions and weights. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    header = "List the zoo's models, layers, dimensions and weights.",
    description =
        "List the zoo's models: input size, colour order and scaling, the default "
        + "embedding layer and dimension for pretrained and for randomly initialised "
        + "weights, and the pretrained weights available. --layers MODEL lists every layer "
        + "of one model. --inspect FILE.onnx describes an ONNX model: inputs, outputs, "
        + "operator set, operator counts, parameters and the tensors --output-name can embed.",
    footer = {
        "",
        "Examples:",
        "  embeddings4j models",
        "  embeddings4j models --layers squeezenet",
        "  embeddings4j models --inspect resnet50.onnx"})
final class ModelsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = "--layers", paramLabel = "MODEL",
      description = "List every layer of this model (builds it with random weights).")
  String layersOf;

  @Option(names = "--inspect", paramLabel = "FILE.onnx",
      description = "Describe an ONNX model without running it.")
  java.nio.file.Path inspect;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (inspect != null) {
      return inspect(out);
    }
    if (layersOf != null) {
      ZooModel m;
      try {
        m = ModelOptions.parseModel(layersOf);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      try (ZooEmbedder e = ZooEmbedder.builder(m).weights(Weights.random(1)).build()) {
        out.println("layers of " + m.zooName() + " (randomly initialised graph; pretrained"
            + " graphs use Keras names):");
        for (String layer : e.layerNames()) {
          out.println("  " + layer + (layer.equals(e.layer()) ? "   <- default embedding layer" : ""));
        }
      } catch (io.github.embeddings4j.api.EmbeddingException e) {
        throw new Main.InputException(e.getMessage(), e);
      }
      return Main.EXIT_OK;
    }
    out.printf("%-11s %-8s %-6s %-14s %-38s %-22s %s%n", "model", "input", "colour", "scaling",
        "pretrained layer (dim)", "random-init layer (dim)", "weights");
    for (ZooModel m : ZooModel.values()) {
      InputFormat f = m.inputFormat();
      String trained = m.defaultLayer(true) == null ? "-"
          : m.defaultLayer(true) + " (" + m.defaultDimension(true) + ")";
      String init = m.defaultLayer(false) == null || !m.supportsRandomInit() ? "-"
          : m.defaultLayer(false) + " (" + m.defaultDimension(false) + ")";
      String weights = m.pretrainedSets().stream().map(s -> s.name().toLowerCase(Locale.ROOT))
          .sorted().collect(Collectors.joining(", "));
      out.printf("%-11s %-8s %-6s %-14s %-38s %-22s %s%n", m.zooName(),
          f.height() + "x" + f.width(), f.colorOrder().name().toLowerCase(Locale.ROOT),
          f.scaling().name().toLowerCase(Locale.ROOT), trained, init,
          (weights.isEmpty() ? "" : weights + ", ")
              + (m.supportsRandomInit() ? "random, " : "") + "FILE");
    }
    out.println();
    out.println("and any vision model exported to ONNX: --model FILE.onnx (--preprocess imagenet,"
        + " clip, inception, siglip or none; models --inspect FILE.onnx shows what it holds;"
        + " docs/onnx.md)");
    return Main.EXIT_OK;
  }

  private Integer inspect(PrintWriter out) {
    io.github.embeddings4j.core.onnx.OnnxModelInfo info;
    try {
      info = io.github.embeddings4j.core.onnx.OnnxModelInfo.parse(
          java.nio.file.Files.readAllBytes(inspect));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Main.InputException("no such file: " + inspect, e);
    } catch (java.io.IOException e) {
      throw new Main.InputException(inspect + ": cannot read: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new Main.InputException(inspect + ": " + e.getMessage(), e);
    }
    out.println("model:       " + inspect + (info.producer().isEmpty() ? ""
        : " (written by " + info.producer() + ")"));
    out.println("IR version:  " + info.irVersion() + ", operator sets " + info.opsets());
    for (var t : info.inputs()) {
      out.println("input:       " + t);
    }
    for (var t : info.outputs()) {
      out.println("output:      " + t);
    }
    out.printf(Locale.ROOT, "parameters:  %,d (%.1f MB as float32)%n", info.parameters(),
        info.parameters() * 4 / 1e6);
    String sidecar = inspect.getFileName() + ".json";
    boolean pixels = info.inputs().stream().anyMatch(t -> t.type().equals("uint8"));
    try {
      out.println("preprocess:  " + io.github.embeddings4j.core.onnx.OnnxEmbedder
          .recordedPreprocessing(inspect).map(p -> p + ", from " + sidecar)
          .orElse("none recorded (no " + sidecar + "); embed uses --preprocess, default"
              + (pixels ? " raw (the pixels, 0 to 255, for its uint8 input)"
                  : " imagenet") + " at the input's size"));
    } catch (io.github.embeddings4j.api.EmbeddingException e) {
      out.println("preprocess:  " + sidecar + " is not usable: " + e.getMessage());
    }
    java.nio.file.Path folder = inspect.toAbsolutePath().normalize().getParent();
    for (String location : info.externalData()) {
      String state;
      try {
        java.nio.file.Path f = folder.resolve(location).normalize();
        state = !f.startsWith(folder) ? "outside the model's folder: refused when loading"
            : size(java.nio.file.Files.size(f));
      } catch (java.io.IOException e) {
        state = "missing: copy it beside the model";
      } catch (java.nio.file.InvalidPathException e) {
        state = "not a valid file name";
      }
      out.println("weights in:  " + location + " (external data, " + state + ")");
    }
    int nodes = info.operators().values().stream().mapToInt(Integer::intValue).sum();
    out.println("operators:   " + nodes + " nodes: " + info.operators().entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
    java.util.List<String> untrainable = io.github.embeddings4j.core.onnx.OnnxImport.untrainable(
        info.operators().keySet());
    out.println("fine-tune:   " + (untrainable.isEmpty() ? fineTuneVerdict(inspect, info)
        : "no: " + String.join(", ", untrainable) + " cannot be trained here; embed, and"
            + " classify fit on its embeddings, work"));
    try {
      io.github.embeddings4j.core.onnx.FineTunedOnnx tuned =
          io.github.embeddings4j.core.onnx.FineTunedOnnx.read(inspect);
      if (tuned != null) {
        out.println("fine-tuned:  from " + tuned.baseModel() + " (sha256 " + tuned.baseSha256()
            + "), " + tuned.classes().size() + " classes " + tuned.classes()
            + "; classify predict --model " + inspect + " labels images with it");
      }
    } catch (java.io.IOException | IllegalArgumentException e) {
      out.println("fine-tuned:  its record is not readable: " + e.getMessage());
    }
    out.println("tensors:     " + info.tensors().size() + " a node produces (each can be"
        + " embedded with --output-name):");
    for (String t : info.tensors()) {
      out.println("  " + t);
    }
    return Main.EXIT_OK;
  }

  /**
   * Whether a file whose operators all have layers reads as a trainable graph: the import
   * itself, at the size the export fixed (224 x 224 where it fixed none), so that conditions
   * on those operators (a pooling's ceil_mode, a reshape's target) are checked too.
   */
  private static String fineTuneVerdict(java.nio.file.Path file,
      io.github.embeddings4j.core.onnx.OnnxModelInfo info) {
    int[] size = info.inputs().isEmpty() ? null
        : io.github.embeddings4j.core.onnx.OnnxImport.fixedSize(info.inputs().get(0).shape());
    int h = size != null ? size[0] : 224;
    int w = size != null ? size[1] : 224;
    try {
      io.github.embeddings4j.core.onnx.OnnxImport.Imported im =
          io.github.embeddings4j.core.onnx.OnnxImport.read(file, h, w);
      String verdict = "yes, read at " + h + "x" + w + " as " + im.network().getVertices().length
          + " layers and vertices; feature layer " + im.features()
          + (im.classifier() == null ? "" : ", classifier " + im.classifier())
          + ": finetune --model " + file;
      im.network().close();
      return verdict;
    } catch (IllegalArgumentException e) {
      String why = e.getMessage();
      String prefix = file + ": ";
      return "no: " + (why.startsWith(prefix) ? why.substring(prefix.length()) : why);
    } catch (java.io.IOException e) {
      return "not known: " + e.getMessage();
    }
  }

  private static String size(long bytes) {
    return bytes >= 1_000_000 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1e6)
        : String.format(Locale.ROOT, "%.1f KB", bytes / 1e3);
  }
}
