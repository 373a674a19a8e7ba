package io.github.embeddings4j.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that exists but cannot be trusted: truncated, altered, of another kind or of a newer
 * format version. The message names the file and what is wrong with it.
 */
public class DamagedFileException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;

  /**
   * Creates the exception.
   *
   * @param file the file
   * @param problem what is wrong with it
   */
  public DamagedFileException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  /**
   * Creates the exception with a cause.
   *
   * @param file the file
   * @param problem what is wrong with it
   * @param cause the underlying failure
   */
  public DamagedFileException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  /**
   * The damaged file.
   *
   * @return its path
   */
  public Path file() {
    return file;
  }
}
