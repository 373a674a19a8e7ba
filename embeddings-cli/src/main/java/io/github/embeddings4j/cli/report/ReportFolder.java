package io.github.embeddings4j.cli.report;

import io.github.embeddings4j.api.EmbedderDescription;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A report folder written as one unit: its files go to a hidden folder beside it ({@code
 * .NAME.writing-*}), and {@link #commit()} puts that folder in the report's place, so that a
 * reader sees the old report or the new one, never a mix (a run that fails or is killed leaves
 * the old report as it was), and files of an earlier, larger report do not linger.
 *
 * <p>A hidden folder of a run that was interrupted (SIGINT, SIGTERM) is deleted at shutdown;
 * one of a run killed outright (SIGKILL) is deleted by the next run's {@link #begin} once it is
 * an hour old, as the SDK's file writes treat their temporaries.
 *
 * <p>Replacing a folder deletes it, so only a folder this class wrote (it holds a {@value
 * #MARKER} file), an empty one, or a report written before the marker existed (an {@code
 * index.html} of {@link HtmlReport} and nothing but pictures, pages and the demo's model) is
 * replaced; any other folder is refused before anything is written, naming what in it is not a
 * report's.
 *
 * <pre>{@code
 * try (ReportFolder folder = ReportFolder.begin(Path.of("clusters-report"))) {
 *   ContactSheet.write(folder.resolve("cluster-00.png"), thumbs, 8, 96, "cluster 0");
 *   html.write(folder.resolve("index.html"));
 *   folder.commit();
 * }   // not committed: the hidden folder is deleted, the old report stays
 * }</pre>
 */
public final class ReportFolder implements AutoCloseable {

  /** The file that marks a folder as a report this class wrote. */
  public static final String MARKER = ".embeddings4j-report";

  private static final String WRITING = ".writing-";
  private static final String OLD = ".old-";

  /** Hidden folders of another run older than this are left over from a kill. */
  static final Duration STALE_AFTER = Duration.ofHours(1);

  private final Path target;
  private final Path staging;
  private boolean committed;

  private ReportFolder(Path target, Path staging) {
    this.target = target;
    this.staging = staging;
  }

  /**
   * Starts a new version of the report folder {@code target}, after checking that what is there
   * may be replaced. Removes the {@code .NAME.old-*} folders a replacement killed between its two
   * renames left behind, and {@code .NAME.writing-*} folders over an hour old.
   *
   * @param target the report folder; need not exist
   * @return the folder to write into
   * @throws IllegalArgumentException if {@code target} is a file, or a folder that is not a
   *     report, naming the entry that shows it
   * @throws IOException if the hidden folder cannot be made
   */
  public static ReportFolder begin(Path target) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    if (abs.getParent() == null || abs.getFileName() == null) {
      throw new IllegalArgumentException(target + ": a report needs a folder of its own, not the"
          + " file system's root");
    }
    requireReplaceable(target, abs);
    Path parent = abs.getParent();
    Files.createDirectories(parent);
    for (Path old : siblings(abs, OLD)) {
      deleteTree(old);
    }
    long cutoff = System.currentTimeMillis() - STALE_AFTER.toMillis();
    for (Path stale : siblings(abs, WRITING)) {
      if (Files.getLastModifiedTime(stale).toMillis() < cutoff) {
        deleteTree(stale);
      }
    }
    Path staging = Files.createTempDirectory(parent, "." + abs.getFileName() + WRITING);
    Cleanup.PENDING.add(staging);
    return new ReportFolder(abs, staging);
  }

  /**
   * Checks, without writing anything, that {@link #begin} would accept {@code target}: for
   * commands that check every option before their work starts.
   *
   * @param target the report folder; need not exist
   * @throws IllegalArgumentException as {@link #begin}
   * @throws IOException if the folder cannot be read
   */
  public static void check(Path target) throws IOException {
    requireReplaceable(target, target.toAbsolutePath().normalize());
  }

  /**
   * Where the new version's files go until {@link #commit()}.
   *
   * @return the hidden folder
   */
  public Path dir() {
    return staging;
  }

  /**
   * A file of the new version.
   *
   * @param name its path inside the report, such as {@code index.html} or {@code thumbs/a.png}
   * @return the path to write it to
   */
  public Path resolve(String name) {
    return staging.resolve(name);
  }

  /**
   * The report folder itself, where the files are after {@link #commit()}.
   *
   * @return the folder, absolute
   */
  public Path target() {
    return target;
  }

  /**
   * Puts the new version in the report's place: the old folder is renamed aside, the new one
   * renamed to the report's name, and the old one deleted. If the second rename fails, the old
   * folder is renamed back.
   *
   * @throws IOException if a rename fails (the old report is then in place)
   * @throws IllegalStateException if already committed
   */
  public void commit() throws IOException {
    if (committed) {
      throw new IllegalStateException("report folder " + target + " is already committed");
    }
    Files.writeString(staging.resolve(MARKER), "a report folder written by embeddings4j "
        + EmbedderDescription.currentSdkVersion() + "; it is replaced as a whole on the next run\n",
        StandardCharsets.UTF_8);
    if (Files.exists(target)) {
      requireReplaceable(target, target);
      Path old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + OLD);
      Files.delete(old);
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        Cleanup.PENDING.remove(staging);
      } catch (IOException | RuntimeException e) {
        try {
          Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException back) {
          e.addSuppressed(back);
        }
        throw e;
      }
      committed = true;
      deleteTree(old);
    } else {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      Cleanup.PENDING.remove(staging);
      committed = true;
    }
  }

  /** Deletes the hidden folder unless it was committed; the old report stays as it was. */
  @Override
  public void close() {
    if (!committed) {
      try {
        deleteTree(staging);
        Cleanup.PENDING.remove(staging);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete the unfinished report " + staging, e);
      }
    }
  }

  /** Fails unless {@code abs} is absent, an empty folder, or a report folder. */
  private static void requireReplaceable(Path shown, Path abs) throws IOException {
    if (!Files.exists(abs)) {
      return;
    }
    if (!Files.isDirectory(abs)) {
      throw new IllegalArgumentException(shown + " is a file, not a report folder: name a folder"
          + " (it is made if missing)");
    }
    if (Files.exists(abs.resolve(MARKER))) {
      return;
    }
    List<Path> entries = list(abs);
    if (entries.isEmpty()) {
      return;
    }
    String foreign = foreignEntry(abs, entries);
    if (foreign != null) {
      throw new IllegalArgumentException(shown + " holds " + foreign + ", which is not part of a"
          + " report, and a new report replaces the whole folder: name a new or empty folder,"
          + " or move that out");
    }
  }

  /**
   * For a folder without the marker: the first entry that an earlier report could not have
   * written, or null when it is such a report (an HtmlReport index.html, then only pictures,
   * pages, the demo's model and a thumbs folder of pictures).
   */
  private static String foreignEntry(Path dir, List<Path> entries) throws IOException {
    Path index = dir.resolve("index.html");
    if (!Files.isRegularFile(index) || !HtmlReport.wrote(index)) {
      return "no index.html of an embeddings4j report";
    }
    for (Path p : entries) {
      String name = p.getFileName().toString();
      if (Files.isDirectory(p) && name.equals("thumbs")) {
        for (Path t : list(p)) {
          if (!Files.isRegularFile(t) || !t.getFileName().toString().endsWith(".png")) {
            return "thumbs/" + t.getFileName();
          }
        }
      } else if (!Files.isRegularFile(p) || !reportFile(name)) {
        return name;
      }
    }
    return null;
  }

  private static boolean reportFile(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".html") || n.equals("cnn-embedder.zip");
  }

  private static List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(out::add);
    }
    return out;
  }

  /** The hidden siblings {@code .NAME<kind>*} of a report folder. */
  private static List<Path> siblings(Path target, String kind) throws IOException {
    String prefix = "." + target.getFileName() + kind;
    List<Path> out = new ArrayList<>();
    for (Path p : list(target.getParent())) {
      if (p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)) {
        out.add(p);
      }
    }
    return out;
  }

  /** The hidden folders of reports being written, deleted by a shutdown hook (SIGINT, SIGTERM). */
  private static final class Cleanup {
    static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();

    static {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        for (Path p : PENDING) {
          try {
            deleteTree(p);
          } catch (IOException | RuntimeException e) {
            // Nothing to tell anyone at shutdown; the next run removes it once an hour old.
          }
        }
      }, "embeddings4j-report-cleanup"));
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        try {
          Files.delete(p);
        } catch (NoSuchFileException gone) {
          // deleted meanwhile: what we wanted
        }
      }
    }
  }
}
