package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.api.EmbeddingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.Adler32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One published weights file of the model zoo: where it is downloaded from, where it is cached
 * and its Adler-32 checksum, all as the zoo's own {@code ZooModel.initPretrained} has them
 * (same URL, same cache layout {@code <base>/models/<model>/<file>}, same checksum), so that a
 * cache filled by DL4J serves us and the other way round.
 *
 * <p>Why not call {@code initPretrained} itself: it downloads with timeouts of {@code
 * Integer.MAX_VALUE} milliseconds (a machine without network waits, it does not fail), and its
 * cache folder is a JVM-wide static ({@code DL4JResources.setBaseDirectory}). Here the cache
 * folder is per embedder, the host is resolved and connected to within a timeout, and a failure
 * says which file to place where.
 *
 * @param model the zoo's model name (the cache subfolder)
 * @param url where the zoo publishes the file
 * @param checksum the Adler-32 checksum the zoo expects, 0 when it has none
 * @param file where the file is cached
 */
record PretrainedFile(String model, String url, long checksum, Path file) {

  private static final Logger LOG = LoggerFactory.getLogger(PretrainedFile.class);

  /**
   * The file for one model and weight set.
   *
   * @param model the zoo model
   * @param cacheBase the cache's base folder (DL4J's default is {@code ~/.deeplearning4j})
   */
  static PretrainedFile of(org.deeplearning4j.zoo.ZooModel<?> model, PretrainedSet set,
      Path cacheBase) {
    String url = model.pretrainedUrl(set.dl4j());
    if (url == null) {
      throw new IllegalArgumentException(
          "the model zoo has no " + set + " weights for " + model.modelName());
    }
    String fileName = url.substring(url.lastIndexOf('/') + 1);
    Path file = cacheBase.resolve("models").resolve(model.modelName()).resolve(fileName);
    return new PretrainedFile(model.modelName(), url, model.pretrainedChecksum(set.dl4j()), file);
  }

  /**
   * Makes sure the file is in the cache with the right checksum, downloading it if needed.
   *
   * @param timeout the limit for resolving the host, connecting, and each read
   * @return the cached file
   * @throws EmbeddingException if it is not cached and cannot be downloaded, or its checksum is
   *     wrong; the message says which file to place where
   */
  Path ensure(Duration timeout) throws EmbeddingException {
    boolean downloaded = false;
    if (!Files.isRegularFile(file)) {
      download(timeout);
      downloaded = true;
    }
    long actual;
    try {
      actual = adler32(file);
    } catch (IOException e) {
      throw new EmbeddingException(file.toString(), "cannot read cached weights: " + e, e);
    }
    if (checksum != 0 && actual != checksum) {
      if (downloaded) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // Reported below anyway.
        }
      }
      throw new EmbeddingException(file.toString(), "weights file has Adler-32 checksum " + actual
          + ", expected " + checksum + (downloaded ? " (download deleted); " : "; ")
          + "replace it with " + url, null);
    }
    return file;
  }

  private void download(Duration timeout) throws EmbeddingException {
    String host = "";
    try {
      URL u = URI.create(url).toURL();
      host = u.getHost();
      resolve(host, timeout);
      Files.createDirectories(file.getParent());
      Path part = file.resolveSibling(file.getFileName() + ".part");
      LOG.info("downloading {} weights from {} to {}", model, url, file);
      HttpURLConnection c = (HttpURLConnection) u.openConnection();
      c.setConnectTimeout((int) timeout.toMillis());
      c.setReadTimeout((int) timeout.toMillis());
      if (c.getResponseCode() != 200) {
        throw new IOException("HTTP " + c.getResponseCode() + " " + c.getResponseMessage());
      }
      try (InputStream in = c.getInputStream(); OutputStream out = Files.newOutputStream(part)) {
        in.transferTo(out);
      }
      Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      throw new EmbeddingException(missingMessage(e), e);
    }
  }

  /** Name resolution is not covered by the connect timeout: bound it separately. */
  private static void resolve(String host, Duration timeout) throws IOException {
    CompletableFuture<InetAddress> lookup =
        CompletableFuture.supplyAsync(() -> {
          try {
            return InetAddress.getByName(host);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    try {
      lookup.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("cannot resolve " + host + " within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while resolving " + host);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause()
          : e.getCause();
      throw new IOException("cannot resolve " + host + " (" + cause + ")", cause);
    }
  }

  /** The message for a file that is neither cached nor downloadable. */
  String missingMessage(Throwable why) {
    return model + " weights are not in the cache and cannot be downloaded (" + why.getMessage()
        + "). Download " + url + " yourself and place it at " + file
        + (checksum != 0 ? " (Adler-32 checksum " + checksum + ")" : "")
        + ", or point ZooEmbedder.Builder.cacheDirectory(...) at a folder that has "
        + "models/" + model + "/" + file.getFileName();
  }

  /** The Adler-32 checksum of a file, as the zoo computes it. */
  static long adler32(Path path) throws IOException {
    Adler32 adler = new Adler32();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(path)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        adler.update(buf, 0, n);
      }
    }
    return adler.getValue();
  }
}
