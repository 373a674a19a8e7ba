package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.onnx.OnnxModelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Finds an ONNX model, and the external data files beside it, on the machine a task runs on.
 * In order:
 * <ol>
 *   <li>a URI of a Hadoop file system ({@code hdfs://}, {@code s3a://}, {@code gs://}, {@code
 *       abfs://}, ...): the model and its data files are copied once per JVM into a private
 *       folder under {@code java.io.tmpdir}, removed when the JVM exits;
 *   <li>a local path or {@code file:} URI that exists here;
 *   <li>a file of that name shipped with {@code spark-submit --files} (its data files shipped
 *       the same way land beside it).
 * </ol>
 */
final class OnnxFiles {

  private static final Map<String, Path> FETCHED = new ConcurrentHashMap<>();
  private static final List<Path> FOLDERS = new ArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(OnnxFiles::deleteFolders,
        "embeddings4j-delete-fetched-models"));
  }

  private OnnxFiles() {}

  /**
   * The model's path on this machine.
   *
   * @param model a path, a {@code file:} URI, a Hadoop URI, or a name shipped with --files
   * @return a local file
   * @throws EmbeddingException if it is in none of those places, or cannot be copied; the
   *     message names the model and where it was looked for
   */
  static Path local(String model) throws EmbeddingException {
    URI uri = uri(model);
    if (uri != null && !"file".equals(uri.getScheme())) {
      try {
        return FETCHED.computeIfAbsent(model, m -> {
          try {
            return fetch(uri, newFolder());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      } catch (UncheckedIOException e) {
        throw new EmbeddingException(model, "cannot copy the model to this machine: "
            + e.getCause().getMessage(), e.getCause());
      }
    }
    Path here = uri != null ? Path.of(uri) : Path.of(model);
    if (Files.isRegularFile(here)) {
      return here;
    }
    Path shipped = EmbedderSpec.shippedFile(here.getFileName().toString());
    if (shipped != null) {
      return shipped;
    }
    throw new EmbeddingException(model, "no such file on this machine, nor shipped with --files;"
        + " put it at this path on the driver and every executor, ship it (with its .data"
        + " files, if any) with spark-submit --files, or give a URI every executor can read"
        + " (hdfs://, s3a://, gs://, abfs://)", null);
  }

  /** A URI with a scheme of more than one letter (not a Windows drive), or null. */
  private static URI uri(String model) {
    if (!model.contains(":/")) {
      return null;
    }
    try {
      URI u = URI.create(model);
      return u.getScheme() == null || u.getScheme().length() == 1 ? null : u;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static synchronized Path newFolder() throws IOException {
    Path dir = Files.createTempDirectory("embeddings4j-model-");
    FOLDERS.add(dir);
    return dir;
  }

  /**
   * Copies a model and the external data files it names from any Hadoop file system into a
   * folder, each through a temporary name, so a file seen under its own name is whole. A data
   * location that leads out of the model's folder is not fetched (the embedder refuses it).
   *
   * @param model the model's URI
   * @param into the local folder
   * @return the local model file
   * @throws IOException if a file cannot be read or written; the message names it
   */
  static Path fetch(URI model, Path into) throws IOException {
    org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(model);
    FileSystem fs = remote.getFileSystem(new Configuration());
    Path local = into.resolve(remote.getName());
    copy(fs, remote, local);
    List<String> data;
    try {
      data = OnnxModelInfo.parse(Files.readAllBytes(local)).externalData();
    } catch (IllegalArgumentException notOnnx) {
      return local; // the embedder names what is wrong with it
    }
    for (String location : data) {
      Path target = into.resolve(location).normalize();
      if (!target.startsWith(into) || Path.of(location).isAbsolute()) {
        continue;
      }
      Files.createDirectories(target.getParent());
      copy(fs, new org.apache.hadoop.fs.Path(remote.getParent(), location), target);
    }
    return local;
  }

  private static void copy(FileSystem fs, org.apache.hadoop.fs.Path from, Path to)
      throws IOException {
    Path part = to.resolveSibling("." + to.getFileName() + ".part");
    try (InputStream in = fs.open(from)) {
      Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      Files.deleteIfExists(part);
      throw new IOException(from + ": " + e.getMessage(), e);
    }
    Files.move(part, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static synchronized void deleteFolders() {
    for (Path dir : FOLDERS) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        // best effort at exit
      }
    }
  }
}
