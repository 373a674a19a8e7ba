package io.github.embeddings4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportFolderTest {

  @TempDir Path dir;

  /** The folder's entries by name, sorted (hidden ones included). */
  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Writes a report of {@code sheets} contact sheets, committed or not. */
  private static void report(Path target, int sheets, String title, boolean commit)
      throws IOException {
    try (ReportFolder f = ReportFolder.begin(target)) {
      HtmlReport html = new HtmlReport(title);
      for (int c = 0; c < sheets; c++) {
        String name = "cluster-0" + c + ".png";
        Files.writeString(f.resolve(name), title + " " + c);
        html.image("Cluster " + c, name, "");
      }
      html.write(f.resolve("index.html"));
      assertFalse(Files.exists(target.resolve("index.html"))
          && Files.readString(target.resolve("index.html")).contains(title),
          "nothing of the new version shows before the commit");
      if (commit) {
        f.commit();
      }
    }
  }

  @Test
  void aNewReportReplacesTheOldOneWholeAndLeavesNothingBeside() throws IOException {
    Path target = dir.resolve("clusters-report");
    report(target, 5, "first", true);
    assertEquals(List.of(".embeddings4j-report", "cluster-00.png", "cluster-01.png",
        "cluster-02.png", "cluster-03.png", "cluster-04.png", "index.html"), names(target));
    // Fewer clusters the second time: the old sheets go with the old report.
    report(target, 2, "second", true);
    assertEquals(List.of(".embeddings4j-report", "cluster-00.png", "cluster-01.png",
        "index.html"), names(target));
    assertEquals("second 1", Files.readString(target.resolve("cluster-01.png")));
    assertEquals(List.of("clusters-report"), names(dir), "no hidden folder left beside it");
  }

  @Test
  void aRunThatFailsLeavesTheOldReportAsItWas() throws IOException {
    Path target = dir.resolve("r");
    report(target, 3, "old", true);
    report(target, 1, "new", false);
    assertEquals("old 2", Files.readString(target.resolve("cluster-02.png")));
    assertTrue(Files.readString(target.resolve("index.html")).contains("old"));
    assertEquals(List.of("r"), names(dir), "the unfinished version is deleted");
  }

  @Test
  void aFolderThatIsNotAReportIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path photos = dir.resolve("photos");
    Files.createDirectories(photos);
    Files.writeString(photos.resolve("holiday.jpg"), "not ours");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReportFolder.begin(photos));
    assertTrue(e.getMessage().contains("no index.html of an embeddings4j report")
        && e.getMessage().contains(photos.toString()), e.getMessage());
    // A page of someone else's beside pictures is not a report either.
    Files.writeString(photos.resolve("index.html"), "<html><body>my album</body></html>");
    assertThrows(IllegalArgumentException.class, () -> ReportFolder.check(photos));
    assertEquals(List.of("holiday.jpg", "index.html"), names(photos));
    assertEquals(List.of("photos"), names(dir));

    Path file = dir.resolve("report.html");
    Files.writeString(file, "x");
    e = assertThrows(IllegalArgumentException.class, () -> ReportFolder.begin(file));
    assertTrue(e.getMessage().contains("is a file"), e.getMessage());
  }

  @Test
  void aReportFromBeforeTheMarkerIsReplacedUnlessSomethingElseWasAdded() throws IOException {
    // What the commands wrote before reports were replaced as a whole: no marker.
    Path target = dir.resolve("demo-report");
    Files.createDirectories(target.resolve("thumbs"));
    new HtmlReport("embeddings4j demo").write(target.resolve("index.html"));
    Files.writeString(target.resolve("cluster-09.png"), "old");
    Files.writeString(target.resolve("thumbs").resolve("test-0.png"), "old");
    Files.writeString(target.resolve("cnn-embedder.zip"), "old");
    Files.writeString(target.resolve("my-notes.txt"), "a user's own file");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ReportFolder.check(target));
    assertTrue(e.getMessage().contains("holds my-notes.txt"), e.getMessage());

    Files.delete(target.resolve("my-notes.txt"));
    report(target, 1, "new", true);
    assertEquals(List.of(".embeddings4j-report", "cluster-00.png", "index.html"),
        names(target));
  }

  @Test
  void anEmptyFolderIsTakenAndLeftoversOfAKilledSwapAreRemoved() throws IOException {
    Path target = dir.resolve("r");
    Files.createDirectories(target);
    // A replacement killed between its two renames leaves the old report under this name.
    Path leftover = dir.resolve(".r.old-12345");
    Files.createDirectories(leftover);
    Files.writeString(leftover.resolve("index.html"), "old");
    report(target, 1, "new", true);
    assertEquals(List.of("r"), names(dir));
    ReportFolder f = ReportFolder.begin(target);
    f.commit();
    assertThrows(IllegalStateException.class, f::commit);
    f.close();
    assertEquals(List.of(".embeddings4j-report"), names(target));
  }

  @Test
  void hiddenFoldersOfKilledRunsGoOnceAnHourOldAndFreshOnesStay() throws IOException {
    Path target = dir.resolve("r");
    Path stale = Files.createDirectories(dir.resolve(".r.writing-111"));
    Files.writeString(stale.resolve("index.html"), "half");
    Path fresh = Files.createDirectories(dir.resolve(".r.writing-222"));
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now()
        .minus(ReportFolder.STALE_AFTER).minusSeconds(60)));
    report(target, 1, "new", true);
    assertEquals(List.of(".r.writing-222", "r"), names(dir),
        "a fresh one may be another run's, still writing");
    assertTrue(Files.isDirectory(fresh));
  }

  /** The child of {@link #anInterruptedRunLeavesTheOldReportAndNoHiddenFolder}. */
  public static final class Interrupted {
    public static void main(String[] args) throws Exception {
      ReportFolder f = ReportFolder.begin(Path.of(args[0]));
      Files.writeString(f.resolve("cluster-00.png"), "new");
      System.out.println("ready");
      System.out.flush();
      Thread.sleep(60_000);
    }
  }

  @Test
  void anInterruptedRunLeavesTheOldReportAndNoHiddenFolder() throws Exception {
    Path target = dir.resolve("r");
    report(target, 2, "old", true);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        Interrupted.class.getName(), target.toString()).redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8))) {
      assertEquals("ready", out.readLine());
      assertEquals(2, names(dir).size(), "the hidden folder exists while the run writes");
      p.destroy();   // SIGTERM, as Ctrl-C or a job scheduler would send
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(List.of("r"), names(dir));
    assertEquals("old 1", Files.readString(target.resolve("cluster-01.png")));
  }
}
