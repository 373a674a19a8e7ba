package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {

  private final AtomicLong now = new AtomicLong();
  private final StringWriter text = new StringWriter();

  private ProgressReporter reporter(ProgressReporter.Mode mode) {
    return new ProgressReporter(new PrintWriter(text, true), mode, now::get);
  }

  @Test
  void linesModePrintsAtIntervalsAndAtTheEnd() {
    ProgressReporter r = reporter(ProgressReporter.Mode.LINES);
    r.onProgress(new Progress("embed", 0, 100, 0));
    now.set(1_000_000_000L);
    r.onProgress(new Progress("embed", 10, 100, 0)); // too soon: skipped
    now.set(6_000_000_000L);
    r.onProgress(new Progress("embed", 60, 100, 1));
    now.set(7_000_000_000L);
    r.onProgress(new Progress("embed", 100, 100, 1)); // the end is always shown
    String[] lines = text.toString().split("\n");
    assertEquals(3, lines.length, text.toString());
    assertTrue(lines[1].contains("60/100") && lines[1].contains("10.0/s")
        && lines[1].contains("0:04 left") && lines[1].contains("1 failed"), lines[1]);
    assertTrue(lines[2].contains("100%") && lines[2].contains("elapsed"), lines[2]);
  }

  @Test
  void barModeRedrawsInPlaceAndEndsTheLine() {
    ProgressReporter r = reporter(ProgressReporter.Mode.BAR);
    r.onProgress(new Progress("fit", 0, 4, 0));
    now.set(200_000_000L);
    r.onProgress(new Progress("fit", 2, 4, 0));
    now.set(400_000_000L);
    r.onProgress(new Progress("fit", 4, 4, 0));
    String s = text.toString();
    assertEquals(3, s.chars().filter(c -> c == '\r').count());
    assertTrue(s.endsWith("\n"), "the finished bar ends its line");
    assertTrue(s.contains("[###############...............]  50%"), s);
  }

  @Test
  void quietModeHidesProgressButNamesFailures() {
    ProgressReporter r = reporter(ProgressReporter.Mode.QUIET);
    r.onProgress(new Progress("embed", 5, 5, 0));
    r.onFailure(new EmbeddingException("a.jpg", "truncated", null));
    assertEquals("failed: a.jpg: truncated\n", text.toString());
  }

  @Test
  void failuresArePrintedOnTheirOwnLine() {
    ProgressReporter r = reporter(ProgressReporter.Mode.BAR);
    r.onProgress(new Progress("embed", 1, 5, 0));
    r.onFailure(new EmbeddingException("a.jpg", "truncated JPEG", null));
    assertTrue(text.toString().contains("\nfailed: a.jpg: truncated JPEG\n"), text.toString());
  }

  @Test
  void unknownTotalsShowCountAndRate() {
    assertEquals("scan 50  25.0/s  0:02 elapsed",
        ProgressReporter.describe(new Progress("scan", 50, -1, 0), 2.0));
    assertEquals("1:01:01", ProgressReporter.clock(3661));
  }

  @Test
  void jsonIsOneEscapedObject() {
    assertEquals("{\"a\": 1, \"b\": 0.5, \"c\": \"x\\\"y\\n\", \"d\": null, \"e\": true}",
        Json.object(new java.util.LinkedHashMap<>(Map.of()) {
          {
            put("a", 1);
            put("b", 0.5);
            put("c", "x\"y\n");
            put("d", Double.NaN);
            put("e", true);
          }
        }));
  }
}
