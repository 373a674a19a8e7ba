package io.github.embeddings4j.core.classify;

import io.github.embeddings4j.api.Embedder;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.io.DamagedFileException;
import io.github.embeddings4j.core.io.SdkFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A classifier of images: a trained {@link Head} with its class names, the description of the
 * embedder whose vectors it was trained on, and (where known) how to build that embedder again
 * ({@link EmbedderSpec}). Saved as one checksummed file; applied only to vectors of an embedder
 * whose description matches. Immutable and safe to share between threads.
 *
 * <pre>{@code
 * try (Embedder embedder = ZooEmbedder.builder(ZooModel.RESNET50).build()) {
 *   HeadTrainer.Result r = HeadTrainer.builder().build().fit(vectors, labels);
 *   ImageClassifier c = ImageClassifier.of(r.head(), classNames, embedder.describe(), null);
 *   c.save(Path.of("products.e4j"));
 *   List<ImageClassifier.Classified> out = c.classify(embedder,
 *       List.of(ImageSource.of(Path.of("new.jpg"))), 3);
 * }
 * ImageClassifier again = ImageClassifier.load(Path.of("products.e4j"));
 * }</pre>
 *
 * <p><b>File.</b> An {@link SdkFile} of kind {@value #KIND} (a classifier head), written
 * atomically and refused whole when damaged: the class names, the embedder's description and
 * spec, the training settings and scores ({@link #info()}), the standardisation and the weights.
 */
public final class ImageClassifier {

  /** The {@link SdkFile} kind of a classifier head file. */
  public static final String KIND = "HEAD";

  private static final int VERSION = 1;

  private final Head head;
  private final List<String> classNames;
  private final EmbedderDescription embedder;
  private final EmbedderSpec spec;
  private final Map<String, String> info;

  private ImageClassifier(Head head, List<String> classNames, EmbedderDescription embedder,
      EmbedderSpec spec, Map<String, String> info) {
    this.head = Objects.requireNonNull(head, "head");
    this.classNames = List.copyOf(classNames);
    this.embedder = Objects.requireNonNull(embedder, "embedder");
    this.spec = spec;
    this.info = Collections.unmodifiableMap(new LinkedHashMap<>(info));
    if (this.classNames.size() != head.classCount()) {
      throw new IllegalArgumentException(this.classNames.size() + " class names for a head of "
          + head.classCount() + " classes");
    }
    if (embedder.dimension() != head.dimension()) {
      throw new IllegalArgumentException("vector dimensions differ: the embedder makes "
          + embedder.dimension() + ", the head takes " + head.dimension());
    }
  }

  /**
   * A classifier from a trained head.
   *
   * @param head the head
   * @param classNames the name of each label, as many as the head has classes
   * @param embedder the description of the embedder that made the training vectors
   * @param spec how to build that embedder again, or null when it cannot be said
   * @return the classifier
   * @throws IllegalArgumentException if the names or dimensions do not fit the head
   */
  public static ImageClassifier of(Head head, List<String> classNames,
      EmbedderDescription embedder, EmbedderSpec spec) {
    return new ImageClassifier(head, classNames, embedder, spec, Map.of());
  }

  /**
   * A copy with one more entry of {@link #info()}.
   *
   * @param key the key
   * @param value the value
   * @return the new classifier
   */
  public ImageClassifier withInfo(String key, String value) {
    Map<String, String> m = new LinkedHashMap<>(info);
    m.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return new ImageClassifier(head, classNames, embedder, spec, m);
  }

  /**
   * A copy recording how a head was trained: its settings, validation accuracy, epochs and
   * counts as {@link #info()} entries.
   *
   * @param r the training result
   * @return the new classifier
   */
  public ImageClassifier withTraining(HeadTrainer.Result r) {
    Map<String, String> m = new LinkedHashMap<>(info);
    HeadTrainer t = r.trainer();
    m.put("head", t.kind().name().toLowerCase(java.util.Locale.ROOT));
    m.put("hidden_size", Integer.toString(head.hiddenSize()));
    m.put("optimizer", t.optimizer().label());
    m.put("learning_rate", Double.toString(t.learningRate()));
    m.put("batch_size", Integer.toString(t.batchSize()));
    m.put("weight_decay", Double.toString(t.weightDecay()));
    m.put("seed", Long.toString(t.seed()));
    m.put("validation_accuracy", Double.toString(r.validationAccuracy()));
    m.put("best_epoch", Integer.toString(r.bestEpoch()));
    m.put("epochs_run", Integer.toString(r.epochsRun()));
    m.put("n_train", Integer.toString(r.trainCount()));
    m.put("n_validation", Integer.toString(r.validationCount()));
    return new ImageClassifier(head, classNames, embedder, spec, m);
  }

  /**
   * The head.
   *
   * @return the head
   */
  public Head head() {
    return head;
  }

  /**
   * The class names, by label.
   *
   * @return an unmodifiable list
   */
  public List<String> classNames() {
    return classNames;
  }

  /**
   * The description of the embedder the head was trained on.
   *
   * @return the description
   */
  public EmbedderDescription embedder() {
    return embedder;
  }

  /**
   * How to build the embedder again, or null when it was not recorded.
   *
   * @return the spec or null
   */
  public EmbedderSpec spec() {
    return spec;
  }

  /**
   * How the head was trained (settings and scores), as recorded.
   *
   * @return an unmodifiable, ordered map
   */
  public Map<String, String> info() {
    return info;
  }

  /**
   * A class and its probability.
   *
   * @param label the label
   * @param className its name
   * @param probability the head's probability, in {@code [0, 1]}
   */
  public record Prediction(int label, String className, float probability) {}

  /**
   * The predictions of one image.
   *
   * @param name the image's name ({@link ImageSource#name()})
   * @param top the most probable classes, most probable first; empty when it failed
   * @param error why the image could not be embedded, or null
   */
  public record Classified(String name, List<Prediction> top, EmbeddingException error) {
    /**
     * Copies the list.
     *
     * @param name the image
     * @param top the classes
     * @param error the failure or null
     */
    public Classified {
      top = List.copyOf(top);
    }
  }

  /**
   * The {@code k} most probable classes of one embedding, most probable first (the smaller
   * label first among equal probabilities).
   *
   * @param vector an embedding of the head's dimension
   * @param k how many, at least 1 (all classes when there are fewer)
   * @return the predictions
   * @throws IllegalArgumentException if {@code k < 1} or the dimension differs
   */
  public List<Prediction> topK(float[] vector, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1: " + k);
    }
    float[] p = head.probabilities(vector);
    Integer[] order = new Integer[p.length];
    for (int c = 0; c < p.length; c++) {
      order[c] = c;
    }
    java.util.Arrays.sort(order, (a, b) -> p[a] != p[b] ? Float.compare(p[b], p[a])
        : Integer.compare(a, b));
    List<Prediction> out = new ArrayList<>(Math.min(k, p.length));
    for (int i = 0; i < Math.min(k, p.length); i++) {
      int c = order[i];
      out.add(new Prediction(c, classNames.get(c), p[c]));
    }
    return out;
  }

  /**
   * The most probable class of one embedding.
   *
   * @param vector an embedding of the head's dimension
   * @return the prediction
   */
  public Prediction predict(float[] vector) {
    return topK(vector, 1).get(0);
  }

  /**
   * Refuses an embedder whose vectors are not comparable with the training vectors.
   *
   * @param other the embedder's description
   * @throws IllegalArgumentException listing the fields that differ
   */
  public void checkEmbedder(EmbedderDescription other) {
    List<String> diff = embedder.differences(other);
    if (!diff.isEmpty()) {
      throw new IllegalArgumentException("the embedder does not match the one the head was"
          + " trained on (" + embedder + "): it differs in " + String.join("; ", diff));
    }
  }

  /**
   * Builds the embedder the head was trained on from its {@link #spec()}, checking that its
   * files are unchanged and that it describes itself as the head's embedder.
   *
   * @return the embedder; the caller closes it
   * @throws EmbeddingException if there is no spec, a file changed or is missing, the embedder
   *     cannot be built or does not match
   */
  public Embedder openEmbedder() throws EmbeddingException {
    return openEmbedder(null);
  }

  /**
   * As {@link #openEmbedder()}, with the embedder's model file (ONNX file, saved network or
   * weights file) at another path than the one recorded; it must still have the recorded
   * SHA-256.
   *
   * @param movedFile where the model file is now, or null for the recorded path
   * @return the embedder; the caller closes it
   * @throws EmbeddingException as {@link #openEmbedder()}, or if the embedder has no model
   *     file
   */
  public Embedder openEmbedder(Path movedFile) throws EmbeddingException {
    if (spec == null) {
      throw new EmbeddingException("the head records no way to build its embedder ("
          + embedder + "); build that embedder yourself and pass it");
    }
    EmbedderSpec s;
    try {
      s = movedFile == null ? spec : spec.withFile(movedFile);
    } catch (IllegalArgumentException x) {
      throw new EmbeddingException(x.getMessage(), x);
    }
    // The orientation setting the head's vectors were made with (heads trained before the SDK
    // read orientations were made from images as stored).
    Embedder e = s.open(io.github.embeddings4j.core.image.ImageDecoder.matching(embedder));
    try {
      checkEmbedder(e.describe());
    } catch (IllegalArgumentException x) {
      e.close();
      throw new EmbeddingException(x.getMessage(), x);
    } catch (RuntimeException x) {
      e.close();
      throw x;
    }
    return e;
  }

  /**
   * Embeds images and classifies each; an image that cannot be embedded gets its error and the
   * others are classified.
   *
   * @param embedding the embedder, matching {@link #embedder()}
   * @param images the images
   * @param k the classes per image
   * @return one result per image, in order
   * @throws IllegalArgumentException if the embedder does not match or {@code k < 1}
   */
  public List<Classified> classify(Embedder embedding, List<? extends ImageSource> images,
      int k) {
    checkEmbedder(embedding.describe());
    List<Classified> out = new ArrayList<>(images.size());
    for (EmbeddingResult r : embedding.embedBatch(images)) {
      if (r instanceof EmbeddingResult.Success s) {
        out.add(new Classified(s.name(), topK(s.vector(), k), null));
      } else {
        EmbeddingResult.Failure f = (EmbeddingResult.Failure) r;
        out.add(new Classified(f.name(), List.of(), f.error()));
      }
    }
    return out;
  }

  /**
   * Writes the classifier as one file, atomically.
   *
   * @param file the target
   * @throws IOException if writing fails; a previous file is left intact
   */
  public void save(Path file) throws IOException {
    SdkFile.write(file, KIND, VERSION, out -> {
      out.writeStringMap(info);
      out.writeDescription(embedder);
      out.writeString(spec == null ? "" : spec.kind().name());
      out.writeStringMap(spec == null ? Map.of() : spec.settings());
      out.writeInt(classNames.size());
      for (String name : classNames) {
        out.writeString(name);
      }
      out.writeInt(head.dimension());
      out.writeInt(head.hiddenSize());
      out.writeInt(head.classCount());
      out.writeFloats(head.meanArray(), 0, head.dimension());
      out.writeFloats(head.invStdArray(), 0, head.dimension());
      float[] p = head.paramArray();
      out.writeFloats(p, 0, p.length);
    });
  }

  /**
   * Reads a file written by {@link #save}.
   *
   * @param file the file
   * @return the classifier
   * @throws DamagedFileException if the file is truncated, altered, not a classifier head or of
   *     a newer format; the message names it
   * @throws IOException if it cannot be read
   */
  public static ImageClassifier load(Path file) throws IOException {
    return SdkFile.read(file, KIND, VERSION, (in, version) -> {
      Map<String, String> info = in.readStringMap();
      EmbedderDescription description = in.readDescription();
      if (description == null) {
        throw in.damaged("the embedder's description is missing");
      }
      String kind = in.readString();
      Map<String, String> specSettings = in.readStringMap();
      EmbedderSpec spec;
      try {
        spec = kind.isEmpty() ? null : new EmbedderSpec(EmbedderSpec.Kind.valueOf(kind),
            specSettings);
      } catch (IllegalArgumentException e) {
        throw in.damaged("unknown embedder kind '" + kind + "'");
      }
      int n = in.readInt();
      in.require(n, 4, "class names");
      List<String> names = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        names.add(in.readString());
      }
      int dim = in.readInt();
      int hidden = in.readInt();
      int classes = in.readInt();
      if (dim < 1 || hidden < 0 || classes != n) {
        throw in.damaged("impossible head shape: dimension " + dim + ", hidden " + hidden
            + ", " + classes + " classes for " + n + " names");
      }
      Head.Layout layout = new Head.Layout(dim, hidden, classes);
      in.require(2L * dim + layout.size(), 4, "head values");
      float[] mean = new float[dim];
      float[] invStd = new float[dim];
      float[] params = new float[layout.size()];
      in.readFloats(mean, 0, dim);
      in.readFloats(invStd, 0, dim);
      in.readFloats(params, 0, params.length);
      return new ImageClassifier(new Head(dim, hidden, classes, mean, invStd, params), names,
          description, spec, info);
    });
  }

  @Override
  public String toString() {
    return "ImageClassifier[" + head + ", classes " + (classNames.size() <= 5 ? classNames
        : classNames.subList(0, 5) + "...") + ", embedder " + embedder + "]";
  }
}
