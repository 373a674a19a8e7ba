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
 * "interpolation", "mean": [..], "std": [..], "stretch"}}; without that file, the same record
 * in the model's own metadata under the key {@value FineTunedOnnx#METADATA_KEY} (models this SDK
 * fine-tuned).
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
    String text;
    String where = json.toString();
    try {
      if (Files.isRegularFile(json)) {
        text = Files.readString(json);
      } else {
        where = model + " (metadata " + FineTunedOnnx.METADATA_KEY + ")";
        text = Files.isRegularFile(model) ? metadata(model, FineTunedOnnx.METADATA_KEY) : null;
        if (text == null) {
          return null;
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new EmbeddingException(where, "cannot read: " + e.getMessage(), e);
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
      if (Pattern.compile("\"stretch\"\\s*:\\s*true").matcher(b).find()) {
        p.stretch(true);
      }
      return p.build();
    } catch (IllegalArgumentException e) {
      throw new EmbeddingException(where, "the preprocessing it records is not"
          + " usable (" + e.getMessage() + "); fix it, or give the preprocessing explicitly", e);
    }
  }

  /**
   * A value of the model's {@code metadata_props}, read from the top level of the file without
   * reading its graph.
   *
   * @param model the {@code .onnx} file
   * @param key the key
   * @return the value, or null when the model has no such entry
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is not an ONNX model
   */
  static String metadata(Path model, String key) throws IOException {
    java.nio.ByteBuffer bytes;
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(model)) {
      bytes = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0,
          Math.min(ch.size(), Integer.MAX_VALUE));
    }
    ProtoReader m = new ProtoReader(bytes, 0, bytes.limit());
    while (m.more()) {
      long tag = m.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 14 && wire == 2) {
        ProtoReader e = m.message();
        String k = null;
        String v = null;
        while (e.more()) {
          long t = e.varint();
          if (t >>> 3 == 1 && (t & 7) == 2) {
            k = e.string();
          } else if (t >>> 3 == 2 && (t & 7) == 2) {
            v = e.string();
          } else {
            e.skip((int) (t & 7));
          }
        }
        if (key.equals(k)) {
          return v;
        }
      } else {
        m.skip(wire);
      }
    }
    return null;
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
