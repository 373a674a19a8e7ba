package io.github.embeddings4j.core.io;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;

/**
 * Messages for I/O failures that say which file and what the operating system said. The JDK's
 * file-system exceptions often carry only a path as their message ({@code AccessDeniedException:
 * /out/.x.tmp}) and keep the reason in their type; these put both into words.
 */
public final class IoErrors {

  private IoErrors() {}

  /**
   * The reason of a failure, without the path: {@code permission denied}, {@code no such file
   * or folder}, the operating system's own words where it gave them.
   *
   * @param e the failure
   * @return the reason
   */
  public static String reason(IOException e) {
    if (e instanceof DamagedFileException) {
      String m = e.getMessage();
      String prefix = ((DamagedFileException) e).file() + ": ";
      return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return lower(f.getReason());
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or folder";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "already exists";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "folder not empty";
    }
    if (e instanceof NotDirectoryException) {
      return "not a folder";
    }
    if (e instanceof NotLinkException) {
      return "not a symbolic link";
    }
    if (e instanceof FileSystemLoopException) {
      return "a loop of symbolic links";
    }
    if (e instanceof CharacterCodingException) {
      return "not text in the expected encoding (" + e.getClass().getSimpleName()
          .replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase() + ")";
    }
    if (e instanceof FileSystemException) {
      return "failed (" + e.getClass().getSimpleName() + ")";
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : lower(m);
  }

  /**
   * The failure as {@code PATH: reason} (both paths for a move), or its message where it names
   * no file.
   *
   * @param e the failure
   * @return the message
   */
  public static String describe(IOException e) {
    if (e instanceof DamagedFileException) {
      return e.getMessage();
    }
    if (e instanceof FileSystemException f && f.getFile() != null) {
      return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": "
          + reason(e);
    }
    return reason(e);
  }

  private static String lower(String s) {
    return s.length() > 1 && Character.isUpperCase(s.charAt(0))
        && Character.isLowerCase(s.charAt(1)) ? Character.toLowerCase(s.charAt(0))
        + s.substring(1) : s;
  }
}
