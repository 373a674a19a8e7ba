package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Every command's help: no picocli warning, nothing wider than a terminal of 80 columns. */
class HelpTest {

  static Stream<String> commands() {
    List<String> names = new ArrayList<>(List.of(""));
    new CommandLine(new Main()).getSubcommands().forEach((name, sub) -> {
      names.add(name);
      // Commands of commands too: "classify fit", "classify predict".
      for (String inner : sub.getSubcommands().keySet()) {
        names.add(name + " " + inner);
      }
    });
    names.remove("help");
    assertTrue(names.containsAll(List.of("classify", "classify fit", "classify predict")),
        names.toString());
    return names.stream();
  }

  private static CliRun runCapturingSystemErr(String... args) {
    // picocli prints its own warnings (e.g. an unescaped '%') to System.err, not to the
    // command's writer.
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      CliRun run = CliRun.of(args);
      return new CliRun(run.code(), run.out(),
          run.err() + captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }

  @ParameterizedTest
  @MethodSource("commands")
  void helpHasNoWarningsAndFitsEightyColumns(String command) {
    CliRun run = command.isEmpty() ? runCapturingSystemErr("--help")
        : runCapturingSystemErr((command + " --help").split(" "));
    assertEquals(0, run.code(), run.toString());
    assertFalse(run.err().contains("WARN"), run.toString());
    for (String line : run.out().split("\n")) {
      assertTrue(line.length() <= 80, command + ": " + line.length() + " columns: " + line);
    }
  }

  @ParameterizedTest
  @MethodSource("commands")
  void versionIsPrintedByEveryCommand(String command) {
    CliRun run = command.isEmpty() ? CliRun.of("--version")
        : CliRun.of((command + " --version").split(" "));
    assertEquals(0, run.code(), run.toString());
    assertTrue(run.out().startsWith("embeddings4j "), run.toString());
  }
}
