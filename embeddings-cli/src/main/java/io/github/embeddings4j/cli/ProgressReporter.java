package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows progress of long work on stderr: a redrawn bar with rate and time left on a terminal,
 * plain lines every few seconds otherwise (logs, CI), nothing when quiet. Failures are printed
 * as they happen, one line each, quiet or not.
 */
final class ProgressReporter implements ProgressListener {

  /** How progress is shown. */
  enum Mode {
    /** A bar redrawn in place with carriage returns. */
    BAR,
    /** A line every {@link #LINE_INTERVAL_NANOS}, and one at the end. */
    LINES,
    /** No progress; failures still. */
    QUIET
  }

  static final long LINE_INTERVAL_NANOS = 5_000_000_000L;
  private static final long BAR_INTERVAL_NANOS = 100_000_000L;
  private static final int BAR_WIDTH = 30;

  private final PrintWriter err;
  private final Mode mode;
  private final LongSupplier clock;
  private String task;
  private long startNanos;
  private long lastDrawNanos;
  private boolean barOpen;

  ProgressReporter(PrintWriter err, Mode mode, LongSupplier clock) {
    this.err = err;
    this.mode = mode;
    this.clock = clock;
  }

  /**
   * The reporter for this process: a bar when stderr is a terminal, lines otherwise.
   *
   * @param err where to write
   * @param quiet whether to show nothing
   * @return the reporter
   */
  static ProgressReporter forConsole(PrintWriter err, boolean quiet) {
    Mode mode = quiet ? Mode.QUIET : System.console() != null ? Mode.BAR : Mode.LINES;
    return new ProgressReporter(err, mode, System::nanoTime);
  }

  Mode mode() {
    return mode;
  }

  @Override
  public synchronized void onProgress(Progress p) {
    if (mode == Mode.QUIET) {
      return;
    }
    long now = clock.getAsLong();
    if (!p.task().equals(task)) {
      finishBar();
      task = p.task();
      startNanos = now;
      lastDrawNanos = Long.MIN_VALUE;
    }
    boolean done = p.isTotalKnown() && p.completed() >= p.total();
    long interval = mode == Mode.BAR ? BAR_INTERVAL_NANOS : LINE_INTERVAL_NANOS;
    if (!done && lastDrawNanos != Long.MIN_VALUE && now - lastDrawNanos < interval) {
      return;
    }
    lastDrawNanos = now;
    String line = describe(p, (now - startNanos) / 1e9);
    if (mode == Mode.BAR) {
      err.print("\r" + line + "\u001b[K");
      barOpen = true;
      if (done) {
        finishBar();
      }
    } else {
      err.println(line);
    }
    err.flush();
  }

  @Override
  public synchronized void onFailure(EmbeddingException error) {
    // Even when quiet: a script that sees exit code 3 needs the names of the failed files.
    finishBar();
    err.println("failed: " + ModelOptions.inOptionWords(error.getMessage()));
    err.flush();
  }

  /** Ends a bar line so that the next output starts on a fresh line. */
  synchronized void finishBar() {
    if (barOpen) {
      err.println();
      err.flush();
      barOpen = false;
    }
  }

  /**
   * One line: task, bar (when the total is known), counts, rate, time left.
   *
   * @param p the progress
   * @param seconds time since the task started
   * @return the line
   */
  static String describe(Progress p, double seconds) {
    StringBuilder sb = new StringBuilder(p.task()).append(' ');
    if (p.isTotalKnown()) {
      int filled = (int) Math.round(p.fraction() * BAR_WIDTH);
      sb.append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled))
          .append("] ").append(String.format(Locale.ROOT, "%3.0f%% ", 100 * p.fraction()));
      sb.append(p.completed()).append('/').append(p.total());
    } else {
      sb.append(p.completed());
    }
    double rate = seconds > 0 ? p.completed() / seconds : 0;
    if (rate > 0) {
      sb.append(String.format(Locale.ROOT, "  %.1f/s", rate));
      if (p.isTotalKnown() && p.completed() < p.total()) {
        sb.append("  ").append(clock((p.total() - p.completed()) / rate)).append(" left");
      } else {
        sb.append("  ").append(clock(seconds)).append(" elapsed");
      }
    }
    if (p.failed() > 0) {
      sb.append("  ").append(p.failed()).append(" failed");
    }
    return sb.toString();
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
