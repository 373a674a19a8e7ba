package io.github.embeddings4j.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/**
 * What an image file looked like when it was embedded: its size and its modification time, as
 * {@code make} and {@code rsync} judge whether a file changed. An embeddings set records one
 * per row ({@link EmbeddingSet}), so that an update embeds again only the images whose stamp
 * differs.
 *
 * <p>A file rewritten with the same size within the file system's time resolution, or whose
 * time a copy tool set back, keeps its stamp: such a change is not seen.
 *
 * @param size the size in bytes
 * @param modified the last modification time, in nanoseconds since 1970-01-01 UTC (as fine as
 *     the file system records it)
 */
public record FileStamp(long size, long modified) {

  /**
   * The stamp of a file now, following symbolic links (the stamp of the image they point to).
   *
   * @param file the file
   * @return its stamp
   * @throws IOException if its attributes cannot be read (a missing file, a dangling link)
   */
  public static FileStamp of(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return new FileStamp(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
  }

  /**
   * The stamp as a line of a stamps file: the size, a space, the time.
   *
   * @return the text
   */
  String encode() {
    return size + " " + modified;
  }

  /**
   * Reads a stamp written by {@link #encode()}.
   *
   * @param text the line
   * @return the stamp
   * @throws IllegalArgumentException if the text is not two integers
   */
  static FileStamp decode(String text) {
    int space = text.indexOf(' ');
    if (space < 0) {
      throw new IllegalArgumentException("not 'SIZE TIME': '" + text + "'");
    }
    try {
      return new FileStamp(Long.parseLong(text.substring(0, space)),
          Long.parseLong(text.substring(space + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not 'SIZE TIME': '" + text + "'", e);
    }
  }
}
