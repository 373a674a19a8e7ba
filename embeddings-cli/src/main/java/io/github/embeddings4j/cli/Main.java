package io.github.embeddings4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code embeddings4j} command: dispatches to its subcommands. */
@Command(
    name = "embeddings4j",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Image embeddings on the JVM: embed, compare, search, cluster and evaluate.",
    subcommands = {DemoCommand.class, ModelsCommand.class, BackendCommand.class,
        EmbedCommand.class, ReduceCommand.class, IndexCommand.class, SearchCommand.class,
        DuplicatesCommand.class, ClusterCommand.class,
        EvaluateCommand.class, TrainCommand.class, FinetuneCommand.class,
        ClassifyCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Exit codes: 0 success, 1 usage error, 2 input error, 3 partial failure."})
public final class Main implements Runnable {

  /** Success. */
  public static final int EXIT_OK = 0;
  /** The command line was wrong. */
  public static final int EXIT_USAGE = 1;
  /** An input (file, folder, dataset) was missing or unreadable. */
  public static final int EXIT_INPUT = 2;
  /** Some items failed and were reported; the rest succeeded. */
  public static final int EXIT_PARTIAL = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * Runs the tool and exits with its code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    // JavaCPP's own warnings through SLF4J, so that they follow the levels below: the CUDA 13
    // preset brings JavaCPP 1.5.13, and JavaCPP warns on every load that ND4J's presets are
    // 1.5.7 (they run on it; docs/gpu.md).
    if (System.getProperty("org.bytedeco.javacpp.logger") == null) {
      System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
    }
    // Before any logger exists: --verbose shows the libraries' INFO lines too (ND4J, DL4J).
    if (java.util.Arrays.asList(args).contains("--verbose")) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
      System.setProperty("org.slf4j.simpleLogger.log.io.github.embeddings4j", "info");
    }
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /**
   * Runs the tool without exiting, for tests and embedding.
   *
   * @param args the command line
   * @param out where results go
   * @param err where messages and progress go
   * @return the exit code
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    // Every subcommand's --version prints the tool's version, not an empty line.
    for (CommandLine sub : cli.getSubcommands().values()) {
      sub.getCommandSpec().versionProvider(new Version());
      for (CommandLine inner : sub.getSubcommands().values()) {
        inner.getCommandSpec().versionProvider(new Version());
      }
    }
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(Main::usageError);
    boolean[] verbose = {false};
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof CommandLine.ParameterException pe) {
        return usageError(pe);
      }
      verbose[0] = parseResult.hasMatchedOption("--verbose")
          || (parseResult.subcommand() != null
              && parseResult.subcommand().hasMatchedOption("--verbose"));
      return failure(e, commandLine.getErr(), verbose[0]);
    });
    try {
      return cli.execute(args);
    } catch (OutOfMemoryError e) {
      // Errors pass picocli's handlers. The heap the work needed is gone with the stack that
      // held it, so there is room again to say so.
      return failure(e, err, java.util.Arrays.asList(args).contains("--verbose"));
    }
  }

  /**
   * Prints one failure as {@code error: ...} and returns its exit code: 2 for every failure that
   * reaches here (an input, a file, the heap). Java class names and stack traces only with
   * {@code --verbose}.
   */
  static int failure(Throwable e, PrintWriter err, boolean verbose) {
    if (verbose) {
      e.printStackTrace(err);
    }
    Throwable t = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
    for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof OutOfMemoryError) {
        t = c; // also when a worker thread's failure wraps it
        break;
      }
    }
    String message;
    if (t instanceof OutOfMemoryError) {
      message = "input too large for the heap; raise -Xmx (now "
          + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB), e.g. JAVA_OPTS=-Xmx8g";
    } else if (t instanceof java.io.IOException ioe) {
      message = io.github.embeddings4j.core.io.IoErrors.describe(ioe);
    } else if ((t instanceof InputException || t instanceof IllegalArgumentException
        || t instanceof io.github.embeddings4j.api.EmbeddingException) && t.getMessage() != null) {
      message = t.getMessage();
    } else {
      message = (t.getMessage() == null ? "an internal error" : t.getMessage())
          + (verbose ? "" : " (run with --verbose for the details)");
    }
    err.println("error: " + message);
    err.flush();
    return EXIT_INPUT;
  }

  private static int usageError(CommandLine.ParameterException e, String[] args) {
    return usageError(e);
  }

  private static int usageError(CommandLine.ParameterException e) {
    CommandLine cmd = e.getCommandLine();
    cmd.getErr().println("error: " + e.getMessage());
    cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
    return EXIT_USAGE;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"embeddings4j " + (v == null ? "(development build)" : v)};
    }
  }

  /** A problem with the user's input: printed as one line, exit code 2. */
  static final class InputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InputException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
