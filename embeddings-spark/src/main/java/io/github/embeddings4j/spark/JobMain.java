package io.github.embeddings4j.spark;

import java.io.IOException;
import org.apache.spark.sql.SparkSession;

/**
 * What every {@code spark-submit} entry point of this module does around its work: parse the
 * options (usage on {@code --help}, and after a bad option), start the session {@code
 * spark-submit} provides (or a local one when none is set), run, stop the session, and exit
 * with the job's status (1 for bad options or a failed job).
 */
final class JobMain {

  private JobMain() {}

  /** A job whose options were read: its work in a session, returning the exit status. */
  @FunctionalInterface
  interface Job {
    int run(SparkSession spark) throws IOException;
  }

  /** Reads the options: the job, or null for {@code --help}. */
  @FunctionalInterface
  interface Parser {
    Job parse();
  }

  /**
   * Runs a job and exits the JVM with its status.
   *
   * @param verb the job's name in messages and the application name, e.g. {@code embed}
   * @param usage the usage text
   * @param parser reads the options; an {@link IllegalArgumentException} is a bad option
   */
  static void main(String verb, String usage, Parser parser) {
    int status;
    SparkSession spark = null;
    try {
      Job job = parser.parse();
      if (job == null) {
        System.out.println(usage);
        return;
      }
      SparkSession.Builder b = SparkSession.builder().appName("embeddings4j " + verb);
      if (!System.getProperties().containsKey("spark.master")) {
        b.master("local[*]");
      }
      spark = b.getOrCreate();
      status = job.run(spark);
    } catch (IllegalArgumentException e) {
      System.err.println(verb + ": " + e.getMessage());
      System.err.println(usage);
      status = 1;
    } catch (IOException | RuntimeException e) {
      System.err.println(verb + " failed: " + e);
      status = 1;
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
    System.exit(status);
  }
}
