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

/**
 * Finds the image files in a folder tree. {@link #walk} accounts for every entry named like an
 * image: each is either listed or reported with the reason (an unreadable folder, a dangling
 * symbolic link, a loop of links, a FIFO), so that callers can report it as a failed item
 * instead of losing it or aborting the whole walk.
 */
public final class ImageFiles {

  /**
   * The file extensions taken for images, lower case, without the dot: those the decoder reads,
   * and HEIC, HEIF, AVIF and JPEG XL, which it recognises and refuses naming the way to convert
   * them, so that a folder of phone photos reports its HEIC files instead of passing over them.
   */
  public static final Set<String> EXTENSIONS =
      Set.of("jpg", "jpeg", "png", "bmp", "gif", "wbmp", "tif", "tiff", "webp", "heic", "heif",
          "avif", "jxl");

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
   * An entry of a walk that could not be listed, and why.
   *
   * @param path the folder or file
   * @param reason the reason, e.g. {@code cannot list folder: permission denied}
   */
  public record Problem(Path path, String reason) {}

  /**
   * What a walk found.
   *
   * @param files the image files, sorted by path
   * @param problems the entries that could not be listed, sorted by path
   */
  public record Listing(List<Path> files, List<Problem> problems) {
    /**
     * Copies the lists.
     *
     * @param files the image files
     * @param problems the problems
     */
    public Listing {
      files = List.copyOf(files);
      problems = List.copyOf(problems);
    }
  }

  /**
   * The image files under a folder, recursively, sorted by path, and every entry that could not
   * be listed: a subfolder that cannot be read (the rest of the walk goes on), and entries with
   * an image extension that are not regular files (dangling or looping symbolic links, FIFOs,
   * sockets, devices: a FIFO would block the reader forever). Symbolic links to files are
   * followed, links to folders are not.
   *
   * @param folder the folder
   * @return the files and the problems
   * @throws IOException if the folder itself cannot be read
   * @throws IllegalArgumentException if {@code folder} is not a directory
   */
  public static Listing walk(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException("not a folder: " + folder);
    }
    List<Path> files = new java.util.ArrayList<>();
    List<Problem> problems = new java.util.ArrayList<>();
    Files.walkFileTree(folder, new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult visitFile(Path file,
          java.nio.file.attribute.BasicFileAttributes attrs) {
        if (!isImage(file)) {
          return java.nio.file.FileVisitResult.CONTINUE;
        }
        if (attrs.isRegularFile()) {
          files.add(file);
        } else if (attrs.isSymbolicLink()) {
          try {
            var target = Files.readAttributes(file,
                java.nio.file.attribute.BasicFileAttributes.class);
            if (target.isRegularFile()) {
              files.add(file);
            } else if (!target.isDirectory()) {
              problems.add(new Problem(file, "a symbolic link to something that is not a file"
                  + " (a FIFO, socket or device)"));
            }
          } catch (java.nio.file.NoSuchFileException e) {
            problems.add(new Problem(file, "a dangling symbolic link (its target does not"
                + " exist)"));
          } catch (IOException e) {
            problems.add(new Problem(file, "cannot follow the symbolic link: "
                + io.github.embeddings4j.core.io.IoErrors.reason(e)));
          }
        } else if (attrs.isOther()) {
          problems.add(new Problem(file, "not a regular file (a FIFO, socket or device)"));
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e)
          throws IOException {
        if (file.equals(folder)) {
          throw e;
        }
        problems.add(new Problem(file, (Files.isDirectory(file,
            java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "cannot list folder: " : "cannot read: ")
            + io.github.embeddings4j.core.io.IoErrors.reason(e)));
        return java.nio.file.FileVisitResult.CONTINUE;
      }
    });
    files.sort(null);
    problems.sort(java.util.Comparator.comparing(Problem::path));
    return new Listing(files, problems);
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
