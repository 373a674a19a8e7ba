package io.github.embeddings4j.core.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Finds the image files in a folder tree. */
public final class ImageFiles {

  /** The file extensions taken for images, lower case, without the dot. */
  public static final Set<String> EXTENSIONS =
      Set.of("jpg", "jpeg", "png", "bmp", "gif", "wbmp", "tif", "tiff");

  private ImageFiles() {}

  /**
   * Whether a file name has an image extension (case-insensitive).
   *
   * @param file a path
   * @return {@code true} for e.g. {@code a.JPG}
   */
  public static boolean isImage(Path file) {
    Path name = file.getFileName();
    if (name == null) {
      return false;
    }
    String s = name.toString();
    int dot = s.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(s.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /**
   * The image files under a folder, recursively, in a stable order (sorted by path), so that
   * repeated runs number the images the same way. Only paths are held, never pixels.
   *
   * @param folder the folder
   * @return the regular files with an image extension
   * @throws IOException if the folder cannot be listed
   * @throws IllegalArgumentException if {@code folder} is not a directory
   */
  public static List<Path> list(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException("not a folder: " + folder);
    }
    try (Stream<Path> walk = Files.walk(folder)) {
      return walk.filter(Files::isRegularFile).filter(ImageFiles::isImage).sorted()
          .collect(Collectors.toUnmodifiableList());
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
