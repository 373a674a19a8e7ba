package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code search --report} pictures each query beside its neighbours. */
class SearchReportCliTest {

  @TempDir Path dir;

  @Test
  void aReportShowsTheQueryAndItsNeighboursWithNamesAndDistances() throws IOException {
    Path photos = dir.resolve("photos");
    Random random = new Random(3);
    for (int i = 0; i < 4; i++) {
      EmbedUpdateCliTest.picture(photos.resolve("bars/b" + i + ".png"), 0, random);
      EmbedUpdateCliTest.picture(photos.resolve("discs/d" + i + ".png"), 1, random);
    }
    Path set = dir.resolve("photos.npy");
    assertEquals(Main.EXIT_OK, EmbedUpdateCliTest.embed(photos, set).code());
    Path report = dir.resolve("similar");
    CliRun r = CliRun.of(CommandsTest.args(new String[] {"search", "--index", set.toString(),
        "--query", photos.resolve("bars/b2.png").toString(), "--k", "3", "--images",
        photos.toString(), "--report", report.toString()}));
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.err().contains("wrote " + report.resolve("index.html")), r.err());
    String html = Files.readString(report.resolve("index.html"));
    // The query's row: the query itself shaded, then three neighbours, the first the same file
    // at distance 0.
    assertEquals(1, html.split("class=\"query\"", -1).length - 1, html);
    assertTrue(html.contains("query: " + photos.resolve("bars/b2.png")), html);
    assertTrue(html.contains("1. bars/b2.png<br>0.000<"), html);
    assertTrue(html.contains("2. ") && html.contains("3. "), html);
    Matcher img = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
    int images = 0;
    while (img.find()) {
      assertTrue(Files.exists(report.resolve(img.group(1))), img.group(1));
      images++;
    }
    assertEquals(4, images, "the query and three neighbours (the query's file once, as both)");

    CliRun noReport = CliRun.of(CommandsTest.args(new String[] {"search", "--index",
        set.toString(), "--query", photos.resolve("bars/b2.png").toString(), "--images",
        photos.toString()}));
    assertEquals(Main.EXIT_USAGE, noReport.code());
    assertTrue(noReport.err().contains("--images goes with --report"), noReport.err());
    CliRun noImages = CliRun.of(CommandsTest.args(new String[] {"search", "--index",
        set.toString(), "--query", photos.resolve("bars/b2.png").toString(), "--report",
        report.toString()}));
    assertEquals(Main.EXIT_USAGE, noImages.code());
    assertTrue(noImages.err().contains("give --images DIR"), noImages.err());
  }
}
