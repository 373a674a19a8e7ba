package io.github.embeddings4j.core.onnx;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.image.Preprocessing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the preprocessing that {@code FILE.onnx.json} (written by scripts/onnx/export.py beside
 * the model) records: {@code "preprocessing": {"preset", "input_size": [h, w], "resize_size",
 * "interpolation", "mean": [..], "std": [..]}}.
 */
final class Sidecar {

  private static final Pattern BLOCK =
      Pattern.compile("\"preprocessing\"\\s*:\\s*\\{([^}]*)\\}");

  private Sidecar() {}

  /**
   * The preprocessing the model's sidecar records.
   *
   * @param model the {@code .onnx} file
   * @return the preprocessing, or null when there is no sidecar
   * @throws EmbeddingException if the sidecar exists but cannot be read or understood
   */
  static Preprocessing read(Path model) throws EmbeddingException {
    Path json = model.resolveSibling(model.getFileName() + ".json");
    if (!Files.isRegularFile(json)) {
      return null;
    }
    String text;
    try {
      text = Files.readString(json);
    } catch (IOException e) {
      throw new EmbeddingException(json.toString(), "cannot read: " + e.getMessage(), e);
    }
    Matcher block = BLOCK.matcher(text);
    if (!block.find()) {
      return null;
    }
    String b = block.group(1);
    try {
      String preset = string(b, "preset");
      Preprocessing.Builder p = (preset != null && !preset.equals("custom")
          ? Preprocessing.preset(preset) : Preprocessing.imagenet()).toBuilder();
      float[] size = numbers(b, "input_size");
      if (size != null && size.length == 2) {
        p.size((int) size[0], (int) size[1]);
      }
      float[] resize = numbers(b, "resize_size");
      if (resize != null && resize.length >= 1) {
        p.resize((int) resize[0]);
      }
      String interpolation = string(b, "interpolation");
      if (interpolation != null) {
        p.interpolation(Preprocessing.Interpolation.valueOf(interpolation.toUpperCase(
            java.util.Locale.ROOT)));
      }
      float[] mean = numbers(b, "mean");
      if (mean != null) {
        p.mean(mean);
      }
      float[] std = numbers(b, "std");
      if (std != null) {
        p.std(std);
      }
      return p.build();
    } catch (IllegalArgumentException e) {
      throw new EmbeddingException(json.toString(), "the preprocessing it records is not"
          + " usable (" + e.getMessage() + "); fix it, or give the preprocessing explicitly", e);
    }
  }

  private static String string(String block, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(block);
    return m.find() ? m.group(1) : null;
  }

  /** A number or a list of numbers. */
  private static float[] numbers(String block, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*(\\[[^\\]]*\\]|[-0-9.eE+]+)")
        .matcher(block);
    if (!m.find()) {
      return null;
    }
    String v = m.group(1).replace("[", "").replace("]", "").trim();
    if (v.isEmpty()) {
      return new float[0];
    }
    String[] parts = v.split(",");
    float[] out = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Float.parseFloat(parts[i].trim());
    }
    return out;
  }
}
