package io.github.embeddings4j.core.io;

import io.github.embeddings4j.api.EmbedderDescription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a model fitted on embeddings (a PCA file, say) was fitted on: a description beside it,
 * {@code MODEL.description.json}, holding the {@link EmbedderDescription} of the embeddings and
 * the model file's SHA-256, so that applying the model to vectors of another embedder can be
 * refused, and a description left beside another version of the model is noticed.
 *
 * <p>Stateless and thread-safe.
 */
public final class ModelProvenance {

  /** The value of the description's {@code format} field. */
  public static final String FORMAT = "embeddings4j model description";

  private ModelProvenance() {}

  /**
   * The description file of a model: {@code pca64.e4j} gets {@code pca64.e4j.description.json}.
   *
   * @param model the model file
   * @return its description file
   */
  public static Path file(Path model) {
    return model.resolveSibling(model.getFileName() + ".description.json");
  }

  /**
   * Records what a model (already written) was fitted on.
   *
   * @param model the model file
   * @param fittedOn the description of the embeddings it was fitted on
   * @throws IOException if the model cannot be read or the description not written
   */
  public static void write(Path model, EmbedderDescription fittedOn) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("format_version", 1);
    m.put("model", model.getFileName().toString());
    m.put("model_sha256", Checksums.sha256(model));
    m.put("fitted_on", new LinkedHashMap<>(fittedOn.toMap()));
    byte[] bytes = JsonText.write(m).getBytes(StandardCharsets.US_ASCII);
    SdkFile.writeAtomically(file(model), out -> out.write(bytes));
  }

  /**
   * Reads what a model was fitted on.
   *
   * @param model the model file
   * @return the description, or null when the model has none
   * @throws DamagedFileException if the description is damaged or belongs to another version
   *     of the model file, naming it
   * @throws IOException if a file cannot be read
   */
  public static EmbedderDescription read(Path model) throws IOException {
    Path file = file(model);
    Map<String, Object> m;
    try {
      m = JsonText.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return null;
    } catch (java.nio.charset.CharacterCodingException | IllegalArgumentException e) {
      throw new DamagedFileException(file, "not a model description: " + e.getMessage());
    }
    if (!FORMAT.equals(m.get("format"))) {
      throw new DamagedFileException(file, "not a model description (format " + m.get("format")
          + ")");
    }
    String sha = Checksums.sha256(model);
    if (!sha.equals(m.get("model_sha256"))) {
      throw new DamagedFileException(file, "describes another version of " + model.getFileName()
          + " (it records sha256=" + m.get("model_sha256") + ", the file has " + sha + ")");
    }
    if (!(m.get("fitted_on") instanceof Map<?, ?> f)) {
      throw new DamagedFileException(file, "fitted_on is not an object");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    f.forEach((k, v) -> fields.put(String.valueOf(k), String.valueOf(v)));
    try {
      return EmbedderDescription.fromMap(fields);
    } catch (IllegalArgumentException e) {
      throw new DamagedFileException(file, e.getMessage());
    }
  }
}
