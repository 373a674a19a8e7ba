package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbedderDescription;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/** The check that a query embedder's vectors are comparable with the ones of a file. */
final class Provenance {

  private Provenance() {}

  /**
   * Refuses (exit 2) when the two descriptions differ, printing both; with {@code allow} only
   * warns. Does nothing when either side is unknown.
   *
   * @param what the query side, e.g. {@code the query embedder}, or the file whose vectors
   *     a model is applied to
   * @param query its description, or null
   * @param file the file
   * @param stored the file's description, or null
   * @param allow whether {@code --allow-mismatch} was given
   * @param err where warnings go
   */
  static void check(String what, EmbedderDescription query, Path file,
      EmbedderDescription stored, boolean allow, PrintWriter err) {
    check(what, query, "the embedder that made " + file, stored, allow, err);
  }

  /**
   * As {@link #check(String, EmbedderDescription, Path, EmbedderDescription, boolean,
   * PrintWriter)}, with the other side named in words.
   *
   * @param what the query side
   * @param query its description, or null
   * @param other the other side, e.g. {@code the embeddings pca.e4j was fitted on}
   * @param stored its description, or null
   * @param allow whether {@code --allow-mismatch} was given
   * @param err where warnings go
   */
  static void check(String what, EmbedderDescription query, String other,
      EmbedderDescription stored, boolean allow, PrintWriter err) {
    String text = mismatch(what, query, other, stored);
    if (text == null) {
      return;
    }
    if (allow) {
      err.println("warning: " + text + "\n  (--allow-mismatch: comparing them anyway)");
      return;
    }
    throw new Main.InputException(text + "\n  use the options that made the file, or"
        + " --allow-mismatch to compare them anyway", null);
  }

  /**
   * Refuses (exit 2) when the two descriptions differ, printing both and {@code fix}; there is
   * no way past it. Does nothing when either side is unknown.
   *
   * @param what the side of this run
   * @param query its description, or null
   * @param other the other side in words
   * @param stored its description, or null
   * @param fix what the user can do instead
   */
  static void requireSame(String what, EmbedderDescription query, String other,
      EmbedderDescription stored, String fix) {
    String text = mismatch(what, query, other, stored);
    if (text != null) {
      throw new Main.InputException(text + "\n  " + fix, null);
    }
  }

  /** Both descriptions and their differences, or null when they match or one is unknown. */
  private static String mismatch(String what, EmbedderDescription query, String other,
      EmbedderDescription stored) {
    if (query == null || stored == null) {
      return null;
    }
    List<String> diff = query.differences(stored);
    if (diff.isEmpty()) {
      return null;
    }
    String hint = "";
    String orientation = "extra." + io.github.embeddings4j.core.image.ImageDecoder.ORIENTATION_KEY;
    if (diff.stream().anyMatch(d -> d.startsWith(orientation + ":"))) {
      hint = "\n  (orientation: one side turned photos upright by their EXIF orientation, the"
          + " other fed them as stored, as versions before 2026-12-06 did and --keep-orientation"
          + " does; give both the same setting)";
    }
    return what + " does not match " + other + ":\n"
        + "  " + what + ": " + query + "\n"
        + "  " + other + ": " + stored + "\n"
        + "  differs in " + String.join("; ", diff) + hint;
  }
}
