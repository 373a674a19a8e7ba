package io.github.embeddings4j.core.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.embed.Activations;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.core.embed.Pooling;
import io.github.embeddings4j.core.image.ColorOrder;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.Preprocessing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link io.github.embeddings4j.api.Embedder} on any ONNX vision model: torchvision and timm
 * CNNs, vision transformers, the image towers of CLIP, SigLIP or DINOv2, Keras and TensorFlow
 * models converted to ONNX. Images are decoded, preprocessed exactly as the model's family does
 * in Python ({@link Preprocessing}: {@code imagenet}, {@code clip}, {@code inception}, or one's
 * own), run on ONNX Runtime, pooled and, by default, L2-normalised.
 *
 * <pre>{@code
 * try (OnnxEmbedder embedder = OnnxEmbedder.builder(Path.of("resnet50.onnx"))
 *     .preprocessing(Preprocessing.imagenet())
 *     .build()) {
 *   float[] v = embedder.embed(Path.of("cat.jpg"));   // PyTorch's features for the same image
 * }
 * }</pre>
 *
 * <p><b>What is embedded.</b> The model's first output by default, or any output or intermediate
 * tensor by name ({@link Builder#output(String)}). A Hugging Face export whose first output is
 * the token sequence gives its {@code image_embeds} (CLIP) instead, or its {@code
 * pooler_output} where the sequence has no class token (SigLIP). A 4-D feature map is pooled
 * over its positions ({@link Pooling#AVG} or {@link Pooling#MAX}); a 3-D token sequence {@code [batch, tokens,
 * width]} gives its first (class) token ({@link Pooling#CLS}, the default where the sequence
 * has one token more than a square grid of patches) or the mean or max over all tokens (the
 * mean is the default for a square grid, which has no class token); a 2-D output is used as it
 * is. The image input is the first input
 * of rank 4 with 1 or 3 channels, channels first ({@code [n, c, h, w]}, PyTorch) or last ({@code
 * [n, h, w, c]}, TensorFlow), unless named ({@link Builder#input(String)}).
 *
 * <p><b>Speed and threads.</b> One ONNX Runtime session serves every thread, with intra-op
 * threads = the processors and every graph optimisation on; batches are tuned as for every
 * {@link NetworkEmbedder}; a model exported with a fixed batch size runs batches in parts of
 * that size. {@link #close()} frees the session's native memory.
 *
 * <p><b>Large models.</b> A model over 2 GB (ViT-H, ViT-g, the larger CLIP and DINOv2 towers)
 * keeps its weights in external data files beside the {@code .onnx} file, as {@code
 * torch.onnx.export} and {@code onnx.save_model(..., save_as_external_data=True)} write them.
 * Load such a model by its path: the files are found in the model's folder, checked before ONNX
 * Runtime starts (missing, or named outside that folder: refused, naming the file), and hashed
 * with the model into {@link #sha256()}.
 *
 * <p><b>Half precision.</b> A model whose image input is float16, bfloat16 or float64 (models
 * converted to half precision with their inputs and outputs) is fed images converted from
 * float32, and outputs of those types are read back as float32.
 */
public final class OnnxEmbedder extends NetworkEmbedder {

  /** ONNX Runtime's session option: where a model loaded from memory finds its external data. */
  static final String EXTERNAL_DATA_FOLDER =
      "session.model_external_initializers_file_folder_path";

  private static final Logger LOG = LoggerFactory.getLogger(OnnxEmbedder.class);

  private final String source;
  private final String sha256;
  private final OnnxModelInfo info;
  private final String input;
  private final String output;
  private final Preprocessing preprocessing;

  private OnnxEmbedder(Parts parts, String source, String sha256, OnnxModelInfo info,
      String input, String output, Preprocessing preprocessing) {
    super(parts);
    this.source = source;
    this.sha256 = sha256;
    this.info = info;
    this.input = input;
    this.output = output;
    this.preprocessing = preprocessing;
  }

  /**
   * Starts an embedder on a model file.
   *
   * @param model the {@code .onnx} file
   * @return a builder
   */
  public static Builder builder(Path model) {
    return new Builder(Objects.requireNonNull(model, "model"), null, model.toString());
  }

  /**
   * Starts an embedder on a model held in memory.
   *
   * @param model the model's bytes
   * @param name names the model in messages
   * @return a builder
   */
  public static Builder builder(byte[] model, String name) {
    return new Builder(null, model.clone(), Objects.requireNonNull(name, "name"));
  }

  /**
   * The model file (or the name given with its bytes).
   *
   * @return the source
   */
  public String source() {
    return source;
  }

  /**
   * The SHA-256 of the model's bytes, lower-case hex: what identifies the model in files that
   * record how their vectors were made. For a model with external data, the digest runs over
   * the model file and then each data file, in the order the model first names them ({@link
   * #sha256(Path)}).
   *
   * @return 64 hex digits
   */
  public String sha256() {
    return sha256;
  }

  /**
   * The SHA-256 that an embedder built on this file would report ({@link #sha256()}), without
   * starting ONNX Runtime: of the file's bytes, followed by those of its external data files
   * where it has any. For a file that is not ONNX, the file's own SHA-256.
   *
   * @param model the {@code .onnx} file
   * @return 64 hex digits
   * @throws IOException if the file or one of its data files cannot be read, is missing, or is
   *     named outside the model's folder; the message names it
   */
  public static String sha256(Path model) throws IOException {
    ByteBuffer bytes;
    try {
      bytes = Builder.map(model, model.toString());
    } catch (EmbeddingException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getMessage(), e);
    }
    List<String> locations;
    try {
      locations = OnnxModelInfo.parse(bytes).externalData();
    } catch (IllegalArgumentException notOnnx) {
      locations = List.of();
    }
    try {
      return sha256(bytes, externalFiles(model, locations));
    } catch (EmbeddingException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * The preprocessing recorded beside a model in {@code FILE.onnx.json} (scripts/onnx/export.py
   * writes it from the weights' own transforms), which {@link Builder#build()} uses unless
   * another is given.
   *
   * @param model the {@code .onnx} file
   * @return the recorded preprocessing, or empty when there is no such file
   * @throws EmbeddingException if the file exists but cannot be read or understood
   */
  public static java.util.Optional<Preprocessing> recordedPreprocessing(Path model)
      throws EmbeddingException {
    return java.util.Optional.ofNullable(Sidecar.read(model));
  }

  /**
   * The external data files a model names, resolved in its folder and checked.
   *
   * @param model the model file
   * @param locations the {@code location} values, as {@link OnnxModelInfo#externalData()}
   * @return the files, in the same order
   * @throws EmbeddingException if a location is absolute or leaves the model's folder, or a
   *     file is missing or not a regular file; the message names the model, the location and
   *     the fix
   */
  static List<Path> externalFiles(Path model, List<String> locations) throws EmbeddingException {
    if (locations.isEmpty()) {
      return List.of();
    }
    Path folder = model.toAbsolutePath().normalize().getParent();
    List<Path> files = new java.util.ArrayList<>();
    for (String location : locations) {
      Path rel;
      try {
        rel = Path.of(location);
      } catch (java.nio.file.InvalidPathException e) {
        throw new EmbeddingException(model.toString(), "external data location '" + location
            + "' is not a valid file name", e);
      }
      Path file = folder.resolve(rel).normalize();
      if (rel.isAbsolute() || !file.startsWith(folder)) {
        throw new EmbeddingException(model.toString(), "external data location '" + location
            + "' points outside the model's folder " + folder + "; ONNX keeps a model's"
            + " external data beside it, under a relative name: re-save the model with"
            + " onnx.save_model(model, path, save_as_external_data=True)", null);
      }
      if (!Files.exists(file)) {
        throw new EmbeddingException(model.toString(), "its weights are in the external data"
            + " file " + file + ", which is missing; copy that file (" + location + ") beside"
            + " the model", null);
      }
      if (!Files.isRegularFile(file)) {
        throw new EmbeddingException(model.toString(), "external data " + file
            + " is not a file", null);
      }
      files.add(file);
    }
    return files;
  }

  /**
   * What the model file holds.
   *
   * @return its description
   */
  public OnnxModelInfo info() {
    return info;
  }

  /**
   * The input the images are fed to.
   *
   * @return the input's name
   */
  public String inputName() {
    return input;
  }

  /**
   * The tensor that is embedded.
   *
   * @return its name
   */
  public String outputName() {
    return output;
  }

  /**
   * How images become the model's input.
   *
   * @return the preprocessing
   */
  public Preprocessing preprocessing() {
    return preprocessing;
  }

  /**
   * How this embedder makes its vectors: the model (by the SHA-256 of its bytes; the path is
   * information only), the tensor embedded, pooling, normalisation, the preprocessing and the
   * dimension.
   *
   * @return the description
   */
  @Override
  public io.github.embeddings4j.api.EmbedderDescription describe() {
    return decoder().describe(io.github.embeddings4j.api.EmbedderDescription.builder(
            "onnx sha256=" + sha256, dimension()).weights("in the model file").layer(output)
        .pooling(pooling().name().toLowerCase(java.util.Locale.ROOT)).normalized(normalizes())
        .input(preprocessing.height() + "x" + preprocessing.width() + "x"
            + preprocessing.channels(), preprocessing.colorOrder().name(),
            preprocessing.values())
        .extra(io.github.embeddings4j.api.EmbedderDescription.INFO_PREFIX + "model_path", source))
        .build();
  }

  @Override
  public String toString() {
    return "OnnxEmbedder[" + source + ", input=" + input + ", output=" + output + ", dimension="
        + dimension() + ", pooling=" + pooling() + ", normalize=" + normalizes()
        + ", preprocessing=" + preprocessing.name() + "]";
  }

  /** Options of an {@link OnnxEmbedder}; only the model is required. Not thread-safe. */
  public static final class Builder {
    private final Path path;
    private final byte[] bytes;
    private final String name;
    private Preprocessing preprocessing;
    private String input;
    private String output;
    private Pooling pooling;
    private boolean normalize = true;
    private ImageDecoder decoder = ImageDecoder.defaults();
    private int networkBatch = DEFAULT_NETWORK_BATCH;
    private boolean batchFixed;
    private int concurrency = Math.max(1, Math.min(4, Runtime.getRuntime()
        .availableProcessors()));

    private Builder(Path path, byte[] bytes, String name) {
      this.path = path;
      this.bytes = bytes;
      this.name = name;
    }

    /**
     * How images become input. Default: what {@code FILE.onnx.json} beside the model file says
     * (scripts/onnx/export.py writes it from the weights' own transforms: torchvision's V2
     * ResNet50 weights, for one, resize to 232, not 256); else {@link Preprocessing#imagenet()}
     * at the model's input size where the model fixes one (the resize in the same proportion,
     * 256 for 224), and one-channel {@code [0, 1]} luminance for a model that takes one
     * channel.
     *
     * @param p the preprocessing
     * @return this builder
     */
    public Builder preprocessing(Preprocessing p) {
      this.preprocessing = Objects.requireNonNull(p, "preprocessing");
      return this;
    }

    /**
     * The input the images are fed to. Default: the first input of rank 4 with 1 or 3 channels.
     *
     * @param name the input's name
     * @return this builder
     */
    public Builder input(String name) {
      this.input = Objects.requireNonNull(name, "input");
      return this;
    }

    /**
     * The tensor to embed: any output, or any tensor a node of the graph produces (an
     * intermediate layer). Default: the first output.
     *
     * @param name the tensor's name
     * @return this builder
     */
    public Builder output(String name) {
      this.output = Objects.requireNonNull(name, "output");
      return this;
    }

    /**
     * How the output becomes a vector. Default: {@link Pooling#AVG} for feature maps, {@link
     * Pooling#CLS} for token sequences; vectors are used as they are.
     *
     * @param p the pooling
     * @return this builder
     */
    public Builder pooling(Pooling p) {
      this.pooling = Objects.requireNonNull(p, "pooling");
      return this;
    }

    /**
     * Whether vectors are scaled to unit L2 length. Default {@code true}, as for the zoo.
     *
     * @param on whether to normalise
     * @return this builder
     */
    public Builder normalize(boolean on) {
      this.normalize = on;
      return this;
    }

    /**
     * The decoder (and so the size limits) for the images. Default {@link
     * ImageDecoder#defaults()}.
     *
     * @param d the decoder
     * @return this builder
     */
    public Builder decoder(ImageDecoder d) {
      this.decoder = Objects.requireNonNull(d, "decoder");
      return this;
    }

    /**
     * Fixes the images per forward pass. By default the embedder measures sizes from 1 to
     * {@value NetworkEmbedder#DEFAULT_NETWORK_BATCH} on its first passes and keeps the fastest.
     *
     * @param size at least 1
     * @return this builder
     */
    public Builder networkBatchSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("network batch size must be positive: " + size);
      }
      this.networkBatch = size;
      this.batchFixed = true;
      return this;
    }

    /**
     * The most forward passes at once (threads running the one session). Default: the
     * processors, at most 4.
     *
     * @param passes at least 1
     * @return this builder
     */
    public Builder concurrency(int passes) {
      if (passes < 1) {
        throw new IllegalArgumentException("concurrency must be positive: " + passes);
      }
      this.concurrency = passes;
      return this;
    }

    /**
     * Loads the model and builds the embedder; its dimension is known when this returns.
     *
     * @return the embedder
     * @throws EmbeddingException if the file is missing or unreadable, is not an ONNX model, is
     *     truncated or damaged, or ONNX Runtime cannot load it (the message names the file)
     * @throws IllegalArgumentException for an input or output name the model does not have (the
     *     message lists the valid ones), a model without an image input, or preprocessing that
     *     does not fit the model's input
     */
    public OnnxEmbedder build() throws EmbeddingException {
      // A file is mapped, not read onto the heap: a 1.2 GB ViT-L is parsed, hashed and handed
      // to ONNX Runtime without a copy in the JVM's heap.
      ByteBuffer model = bytes != null ? ByteBuffer.wrap(bytes) : map(path, name);
      OnnxModelInfo info;
      try {
        info = OnnxModelInfo.parse(model);
      } catch (IllegalArgumentException e) {
        throw new EmbeddingException(name, e.getMessage(), null);
      }
      List<Path> external = List.of();
      if (!info.externalData().isEmpty()) {
        if (path == null) {
          throw new EmbeddingException(name, "the model keeps its weights in external data ("
              + String.join(", ", info.externalData()) + "), which a model held in memory"
              + " cannot find; build it with OnnxEmbedder.builder(Path) on the .onnx file,"
              + " with its data files beside it", null);
        }
        external = externalFiles(path, info.externalData());
      }
      String sha;
      try {
        sha = sha256(model, external);
      } catch (IOException e) {
        throw new EmbeddingException(name, "cannot read its external data: " + e.getMessage(),
            e);
      }
      OnnxModelInfo.Tensor in = imageInput(info);
      List<OnnxModelInfo.Tensor> others = info.inputs().stream()
          .filter(t -> !t.name().equals(in.name())).toList();
      if (!others.isEmpty()) {
        throw new IllegalArgumentException(name + ": besides its image input '" + in.name()
            + "' the model needs " + others + ", which an image embedder cannot give; export"
            + " the image part by itself (for CLIP: the vision tower with its projection,"
            + " e.g. Hugging Face's CLIPVisionModelWithProjection or open_clip's model.visual)");
      }
      long[] dims = in.shape();
      boolean last = dims[1] != 1 && dims[1] != 3 && (dims[3] == 1 || dims[3] == 3);
      int channels = (int) (last ? dims[3] : dims[1]);
      long h = last ? dims[1] : dims[2];
      long w = last ? dims[2] : dims[3];
      Preprocessing p = preprocessing(channels, h, w, last, in.type().equals("uint8"));
      String out = output != null ? output : defaultOutput(info.outputs());
      if (out == null) {
        throw new IllegalArgumentException(name + ": the model has no outputs");
      }
      boolean isOutput = info.outputs().stream().anyMatch(t -> t.name().equals(out));
      if (!isOutput) {
        if (!info.tensors().contains(out)) {
          throw new IllegalArgumentException(name + ": no output or tensor named '" + out
              + "'; outputs: " + names(info.outputs()) + "; other tensors: "
              + preview(info.tensors()));
        }
        model = withOutput(model, out);
      }
      OrtForward first;
      OrtSession.SessionOptions options = null;
      try {
        options = OrtForward.options();
        if (!external.isEmpty()) {
          options.addConfigEntry(EXTERNAL_DATA_FOLDER,
              path.toAbsolutePath().normalize().getParent().toString());
        }
        OrtSession session = model.hasArray()
            ? OrtForward.environment().createSession(model.array(), options)
            : OrtForward.environment().createSession(model, options);
        first = OrtForward.of(session, options, in.name(), out,
            new long[] {p.shape()[0], p.shape()[1], p.shape()[2]}, last);
      } catch (OrtException e) {
        if (options != null) {
          options.close();
        }
        throw new EmbeddingException(name, "ONNX Runtime cannot load the model: "
            + e.getMessage(), e);
      }
      int dimension;
      Pooling chosen;
      try {
        // One blank image shows the output's shape, which the file may leave open.
        Activations probe = first.forward(new float[p.size()], 1);
        boolean sequence = probe.rank() == 2;
        // A sequence has a class token first when it holds one token more than a square grid
        // of patches (ViT, CLIP, DINOv2: 197 = 14 x 14 + 1); SigLIP's 196 has none: its mean.
        boolean classToken = sequence && !patchesOnly(probe.shape()[0]);
        chosen = pooling != null ? pooling : classToken ? Pooling.CLS : Pooling.AVG;
        dimension = NetworkEmbedder.pool(probe, chosen, false)[0].length;
      } catch (RuntimeException e) {
        first.close();
        if (e instanceof IllegalArgumentException) {
          throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        throw new EmbeddingException(name, "the model failed on a blank " + p.height() + "x"
            + p.width() + " image: " + e.getMessage(), e);
      }
      OrtForward pass = first;
      Parts parts = new Parts(name, p, decoder, pass, chosen, normalize, networkBatch,
          batchFixed, concurrency, dimension);
      LOG.info("{}: input '{}' {}, output '{}', dimension {}, preprocessing {}, {}", name,
          in.name(), in, out, dimension, p, pass.engine());
      return new OnnxEmbedder(parts, name, sha, info, in.name(), out, p);
    }

    /** A read-only mapping of a model file. */
    private static ByteBuffer map(Path path, String name) throws EmbeddingException {
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        long size = ch.size();
        if (size > Integer.MAX_VALUE) {
          throw new EmbeddingException(name, "the file is " + size + " bytes; an ONNX file holds"
              + " at most 2 GB, larger models keep their weights in external data files beside"
              + " it (scripts/onnx/export.py writes them so)", null);
        }
        return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
      } catch (NoSuchFileException e) {
        throw new EmbeddingException(name, "no such file; give the path of an .onnx model"
            + " (scripts/onnx/export.py writes one from PyTorch)", e);
      } catch (IOException e) {
        throw new EmbeddingException(name, "cannot read the model: " + e.getMessage(), e);
      }
    }

    /** The image input: the one named, or the first of rank 4 with 1 or 3 channels. */
    private OnnxModelInfo.Tensor imageInput(OnnxModelInfo info) {
      if (input != null) {
        for (OnnxModelInfo.Tensor t : info.inputs()) {
          if (t.name().equals(input)) {
            if (!imageShaped(t)) {
              throw new IllegalArgumentException(name + ": input '" + input + "' is " + t
                  + ", not an image batch [n, c, h, w] or [n, h, w, c] with 1 or 3 channels"
                  + " of float32, float16, bfloat16, float64 or uint8");
            }
            return t;
          }
        }
        throw new IllegalArgumentException(name + ": no input named '" + input + "'; inputs: "
            + names(info.inputs()));
      }
      for (OnnxModelInfo.Tensor t : info.inputs()) {
        if (imageShaped(t)) {
          return t;
        }
      }
      throw new IllegalArgumentException(name + ": no image-shaped input (float32, float16,"
          + " bfloat16, float64 or uint8 [n, c, h, w] or [n, h, w, c] with 1 or 3 channels);"
          + " inputs: "
          + info.inputs());
    }

    /**
     * The output embedded by default: the first, except where the first is a token sequence
     * ({@code [batch, tokens, width]}, Hugging Face's {@code last_hidden_state}) and the model
     * also gives, as a vector, {@code image_embeds} (CLIP's projected embedding) or, where the
     * sequence has no class token, {@code pooler_output} (SigLIP's attention-pooling head).
     */
    static String defaultOutput(List<OnnxModelInfo.Tensor> outputs) {
      if (outputs.isEmpty()) {
        return null;
      }
      OnnxModelInfo.Tensor first = outputs.get(0);
      long[] shape = first.shape();
      if (shape.length == 3) {
        // image_embeds: CLIP's projected embedding. pooler_output only where the sequence has
        // no class token (SigLIP's attention-pooling head): ViTModel exported from a fine-tuned
        // checkpoint has a pooler of random weights, so its class token stays the default.
        if (hasVector(outputs, "image_embeds")) {
          return "image_embeds";
        }
        if (shape[1] > 0 && patchesOnly(shape[1]) && hasVector(outputs, "pooler_output")) {
          return "pooler_output";
        }
      }
      return first.name();
    }

    private static boolean hasVector(List<OnnxModelInfo.Tensor> outputs, String name) {
      return outputs.stream().anyMatch(t -> t.name().equals(name) && t.shape().length == 2);
    }

    /** Whether a token count is a square grid of patches, with no class token. */
    static boolean patchesOnly(long tokens) {
      long side = Math.round(Math.sqrt(tokens));
      return tokens > 1 && side * side == tokens;
    }

    /** The element types images are fed as (converted from float32 at the input). */
    private static final List<String> IMAGE_TYPES = List.of("float32", "float16", "bfloat16",
        "float64", "uint8");

    private static boolean imageShaped(OnnxModelInfo.Tensor t) {
      long[] s = t.shape();
      return IMAGE_TYPES.contains(t.type()) && s.length == 4 && (s[1] == 1 || s[1] == 3
          || s[3] == 1 || s[3] == 3);
    }

    private Preprocessing preprocessing(int channels, long h, long w, boolean last,
        boolean pixels) throws EmbeddingException {
      Preprocessing p = preprocessing;
      if (p == null && path != null) {
        p = Sidecar.read(path);
      }
      boolean preset = p == null || Preprocessing.PRESETS.contains(p.name());
      if (p == null) {
        // A uint8 input takes the pixels themselves (the model scales them).
        Preprocessing base = pixels ? Preprocessing.raw()
            : channels == 1 ? Preprocessing.none() : Preprocessing.imagenet();
        p = channels == 1 ? base.toBuilder().colorOrder(ColorOrder.GRAY).build() : base;
      }
      if (pixels && !p.rawPixels()) {
        throw new IllegalArgumentException(name + ": its input takes uint8 pixels, 0 to 255,"
            + " which the model scales itself; preprocessing " + p.name() + " gives "
            + p.values() + " (use Preprocessing.raw(), --preprocess raw, adjusting its size"
            + " and resize if needed)");
      }
      if (preset && h > 0 && w > 0 && (h != p.height() || w != p.width())) {
        // The default or a preset by name on a model of another fixed size (CLIP at 336,
        // SigLIP at 384): the preset at the model's size, its resize in the same proportion
        // (256 for 224). A size set by hand (a name with '*') is kept, and refused below when
        // it does not fit.
        int resize = (int) Math.round(Math.min(h, w) * (double) p.resize()
            / Math.min(p.height(), p.width()));
        p = p.toBuilder().size((int) h, (int) w).resize(resize).build();
      }
      if (p.channels() != channels) {
        throw new IllegalArgumentException(name + ": the model takes " + channels
            + "-channel images; preprocessing " + p.name() + " gives " + p.channels()
            + (channels == 1 ? " (use a GRAY colour order)" : " (use RGB or BGR)"));
      }
      if ((h > 0 && h != p.height()) || (w > 0 && w != p.width())) {
        throw new IllegalArgumentException(name + ": the model takes " + h + "x" + w
            + " images; preprocessing " + p.name() + " gives " + p.height() + "x" + p.width()
            + " (set the size to the model's)");
      }
      return p.channelsLast() == last ? p : p.toBuilder().channelsLast(last).build();
    }
  }

  private static String names(List<OnnxModelInfo.Tensor> list) {
    return list.stream().map(OnnxModelInfo.Tensor::name).toList().toString();
  }

  private static String preview(List<String> tensors) {
    return tensors.size() <= 20 ? tensors.toString()
        : tensors.subList(0, 20) + " and " + (tensors.size() - 20) + " more ('models --inspect'"
            + " lists them all)";
  }

  /**
   * The model with one more graph output, an intermediate tensor: the model's bytes followed by a
   * second {@code graph} field that holds only that output. Protocol buffers' parsers merge a
   * repeated message field into the first (its repeated fields append), so ONNX Runtime reads
   * one graph with one more output. The tensor's element type is left to ONNX Runtime's type
   * inference, so float16 tensors work as float32 ones do. One copy of the model, on the heap.
   *
   * @param model the model's bytes, from position to limit
   * @param tensor the tensor to add as an output
   * @return the new model
   */
  static ByteBuffer withOutput(ByteBuffer model, String tensor) {
    OnnxProto.Writer info = new OnnxProto.Writer();
    info.string(1, tensor); // name only: the type is inferred

    OnnxProto.Writer graph = new OnnxProto.Writer();
    graph.bytes(12, info.bytes());
    OnnxProto.Writer tail = new OnnxProto.Writer();
    tail.bytes(7, graph.bytes());
    byte[] t = tail.bytes();
    ByteBuffer out = ByteBuffer.allocate(model.remaining() + t.length);
    out.put(model.duplicate()).put(t).flip();
    return out;
  }

  private static String sha256(ByteBuffer bytes, List<Path> external) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
    md.update(bytes.duplicate());
    byte[] buf = new byte[1 << 20];
    for (Path f : external) {
      try (java.io.InputStream in = Files.newInputStream(f)) {
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
      } catch (IOException e) {
        throw new IOException(f + ": " + e.getMessage(), e);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
