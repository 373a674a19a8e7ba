package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.cli.report.ReportFolder;
import io.github.embeddings4j.cli.report.Thumbnails;
import io.github.embeddings4j.core.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Thumbnails of image files for a report folder ({@code duplicates --report}, {@code search
 * --report}): each distinct file decoded once (upright, as embedded by default), on all cores,
 * written as {@code PREFIX-N.png}; a file that cannot be read is recorded with its reason.
 */
final class ReportThumbnails {

  /** What became of one file. */
  record Thumb(String name, int width, int height, String failure) {

    /** Its pixel size, or why it could not be read. */
    String caption() {
      return failure == null ? width + " x " + height : "cannot read: " + failure;
    }
  }

  private final Map<Path, Thumb> thumbs = new ConcurrentHashMap<>();

  private ReportThumbnails() {}

  /**
   * Decodes and writes the files' thumbnails.
   *
   * @param folder the report folder
   * @param files the files (repeats and nulls allowed)
   * @param size the longer side of a thumbnail
   * @param prefix the thumbnails' name prefix
   * @return the thumbnails, by file
   */
  static ReportThumbnails write(ReportFolder folder, List<Path> files, int size, String prefix) {
    ReportThumbnails out = new ReportThumbnails();
    List<Path> distinct = new ArrayList<>(new LinkedHashSet<>(files));
    distinct.remove(null);
    ImageDecoder decoder = ImageDecoder.defaults();
    java.util.stream.IntStream.range(0, distinct.size()).parallel().forEach(i -> {
      Path file = distinct.get(i);
      String name = String.format(Locale.ROOT, "%s-%d.png", prefix, i);
      try {
        BufferedImage image = decoder.decode(ImageSource.of(file));
        Thumbnails.writePng(folder.resolve(name), Thumbnails.scale(image, size));
        out.thumbs.put(file, new Thumb(name, image.getWidth(), image.getHeight(), null));
      } catch (EmbeddingException | IOException e) {
        String m = String.valueOf(e.getMessage());
        String prefixed = file + ": ";
        out.thumbs.put(file, new Thumb(null, 0, 0, m.startsWith(prefixed)
            ? m.substring(prefixed.length()) : m));
      }
    });
    return out;
  }

  /** The thumbnail of a file, or null when it was not among them. */
  Thumb of(Path file) {
    return file == null ? null : thumbs.get(file);
  }

  /** How many files could not be read. */
  int unreadable() {
    return (int) thumbs.values().stream().filter(t -> t.failure() != null).count();
  }
}
