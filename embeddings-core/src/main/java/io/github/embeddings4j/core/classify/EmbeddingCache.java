package io.github.embeddings4j.core.classify;

import io.github.embeddings4j.api.Embedder;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.io.SdkFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Embeds a folder of class folders once and keeps the vectors for later runs: the key of a
 * cache entry is the SHA-256 of the embedder's description (every compared field) and of the
 * dataset's file list (each image's path relative to the folder, class, size and modification
 * time), so a different model, other weights, another layer or preprocessing, or an added,
 * removed, replaced or touched image gives a new entry, and everything else reuses the old one.
 * Each entry is an {@link EmbeddingSet} ({@code KEY.npy} with its ids and description,
 * committed together) and a list of the images that could not be embedded ({@code
 * KEY.failed.txt}, written first). A damaged entry is embedded again and replaced.
 *
 * <pre>{@code
 * EmbeddingCache cache = EmbeddingCache.in(EmbeddingCache.defaultDirectory());
 * EmbeddingCache.Dataset d = cache.embed(embedder, ImageFolder.scan(Path.of("photos")),
 *     ProgressListener.none());
 * HeadTrainer.Result r = HeadTrainer.builder().build().fit(d.vectors(), d.labels());
 * }</pre>
 *
 * <p>Entries are never deleted by the SDK: remove the folder to reclaim the space. Thread-safe;
 * two processes filling one entry each commit a whole set and the last one wins.
 */
public final class EmbeddingCache {

  private static final String KEY_VERSION = "embeddings4j embedding cache 1";
  private static final int CHUNK = 64;

  private final Path directory;

  private EmbeddingCache(Path directory) {
    this.directory = directory;
  }

  /**
   * A cache in a folder (created when first written).
   *
   * @param directory the folder
   * @return the cache
   */
  public static EmbeddingCache in(Path directory) {
    return new EmbeddingCache(Objects.requireNonNull(directory, "directory"));
  }

  /**
   * No cache: every call embeds.
   *
   * @return a cache that keeps nothing
   */
  public static EmbeddingCache none() {
    return new EmbeddingCache(null);
  }

  /**
   * The default folder: {@code $XDG_CACHE_HOME/embeddings4j/embeddings} where that variable is
   * set, else {@code ~/.cache/embeddings4j/embeddings}.
   *
   * @return the folder
   */
  public static Path defaultDirectory() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("embeddings4j").resolve("embeddings");
  }

  /**
   * The cache's folder.
   *
   * @return the folder, or null for {@link #none()}
   */
  public Path directory() {
    return directory;
  }

  /**
   * An image that could not be embedded.
   *
   * @param file the image
   * @param reason why
   */
  public record Failed(Path file, String reason) {}

  /**
   * The embeddings of a dataset.
   *
   * @param vectors one per image embedded, in the folder's order
   * @param labels their classes
   * @param files their images
   * @param classNames the class names, by label
   * @param failed the images that could not be embedded (left out of the vectors)
   * @param cached whether the vectors came from the cache rather than the embedder
   * @param entry the cache entry's vectors file, or null without a cache (or when it could not
   *     be written)
   * @param cacheProblem why the entry could not be written (the vectors are still returned),
   *     or null
   */
  public record Dataset(float[][] vectors, int[] labels, List<Path> files,
      List<String> classNames, List<Failed> failed, boolean cached, Path entry,
      String cacheProblem) {

    /**
     * Copies the lists.
     *
     * @param vectors the vectors
     * @param labels the labels
     * @param files the images
     * @param classNames the class names
     * @param failed the failures
     * @param cached whether they came from the cache
     * @param entry the cache entry or null
     * @param cacheProblem why the entry could not be written, or null
     */
    public Dataset {
      files = List.copyOf(files);
      classNames = List.copyOf(classNames);
      failed = List.copyOf(failed);
    }
  }

  /**
   * The cache entry's vectors file for an embedder and a dataset (whether or not it exists).
   *
   * @param embedder the embedder's description
   * @param folder the dataset
   * @return the file, or null for {@link #none()}
   * @throws IOException if an image's size or time cannot be read
   */
  public Path entry(EmbedderDescription embedder, ImageFolder folder) throws IOException {
    return directory == null ? null : directory.resolve(key(embedder, folder) + ".npy");
  }

  /**
   * The vectors of every image of a dataset: from the cache when an entry for this embedder
   * and these files exists, else embedded (failures reported to the listener and left out)
   * and stored.
   *
   * @param embedder the embedder
   * @param folder the dataset
   * @param listener hears about failures and progress ({@code "embed"})
   * @return the vectors, labels and failures; when the entry cannot be written the vectors
   *     are returned all the same, with the reason in {@link Dataset#cacheProblem()}
   * @throws IOException if an image's size or time cannot be read
   */
  public Dataset embed(Embedder embedder, ImageFolder folder, ProgressListener listener)
      throws IOException {
    ProgressListener progress = listener == null ? ProgressListener.none() : listener;
    EmbedderDescription description = embedder.describe();
    Path entry = entry(description, folder);
    if (entry != null && Files.exists(entry)) {
      Dataset hit = read(entry, description, folder);
      if (hit != null) {
        return hit;
      }
    }
    List<ImageFolder.Entry> entries = folder.entries();
    List<float[]> vectors = new ArrayList<>(entries.size());
    List<Integer> labels = new ArrayList<>(entries.size());
    List<Path> files = new ArrayList<>(entries.size());
    List<String> ids = new ArrayList<>(entries.size());
    List<Failed> failed = new ArrayList<>();
    for (int from = 0; from < entries.size(); from += CHUNK) {
      List<ImageFolder.Entry> chunk = entries.subList(from, Math.min(entries.size(),
          from + CHUNK));
      List<ImageSource> sources = new ArrayList<>(chunk.size());
      for (ImageFolder.Entry e : chunk) {
        sources.add(ImageSource.of(e.file()));
      }
      List<EmbeddingResult> results = embedder.embedBatch(sources);
      for (int i = 0; i < chunk.size(); i++) {
        ImageFolder.Entry e = chunk.get(i);
        if (results.get(i) instanceof EmbeddingResult.Success s) {
          vectors.add(s.vector());
          labels.add(e.label());
          files.add(e.file());
          ids.add(relative(folder, e.file()));
        } else {
          EmbeddingException error = ((EmbeddingResult.Failure) results.get(i)).error();
          failed.add(new Failed(e.file(), reason(error, e.file())));
          notify(() -> progress.onFailure(error));
        }
      }
      Progress p = new Progress("embed", Math.min(entries.size(), from + CHUNK),
          entries.size(), failed.size());
      notify(() -> progress.onProgress(p));
    }
    float[][] rows = vectors.toArray(new float[0][]);
    String problem = null;
    if (entry != null) {
      StringBuilder list = new StringBuilder();
      for (Failed f : failed) {
        list.append(relative(folder, f.file())).append('\t')
            .append(f.reason().replace('\n', ' ').replace('\t', ' ')).append('\n');
      }
      byte[] bytes = list.toString().getBytes(StandardCharsets.UTF_8);
      try {
        SdkFile.writeAtomically(failedFile(entry), out -> out.write(bytes));
        EmbeddingSet.write(entry, rows, ids, description);
      } catch (IOException e) {
        // A cache that cannot be written costs the next run time, not this run its vectors.
        problem = IoErrors.describe(e);
        entry = null;
      }
    }
    return new Dataset(rows, labels.stream().mapToInt(Integer::intValue).toArray(), files,
        folder.classNames(), failed, false, entry, problem);
  }

  /** The entry's vectors and the failures recorded beside it, or null when it is unusable. */
  private static Dataset read(Path entry, EmbedderDescription description, ImageFolder folder) {
    EmbeddingSet.Contents set;
    Map<String, String> reasons = new HashMap<>();
    try {
      set = EmbeddingSet.read(entry);
      Path failedFile = failedFile(entry);
      if (Files.exists(failedFile)) {
        for (String line : Files.readAllLines(failedFile, StandardCharsets.UTF_8)) {
          int tab = line.indexOf('\t');
          if (tab > 0) {
            reasons.put(line.substring(0, tab), line.substring(tab + 1));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return null; // damaged or half-written by other means: embedded again and replaced
    }
    if (set.embedder() == null || !description.matches(set.embedder())) {
      return null;
    }
    Map<String, float[]> byId = new HashMap<>();
    for (int i = 0; i < set.ids().size(); i++) {
      byId.put(set.ids().get(i), set.vectors()[i]);
    }
    List<float[]> vectors = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    List<Failed> failed = new ArrayList<>();
    for (ImageFolder.Entry e : folder.entries()) {
      String id = relative(folder, e.file());
      float[] v = byId.get(id);
      if (v != null) {
        vectors.add(v);
        labels.add(e.label());
        files.add(e.file());
      } else {
        failed.add(new Failed(e.file(), reasons.getOrDefault(id,
            "could not be embedded when the cache entry " + entry.getFileName() + " was made")));
      }
    }
    return new Dataset(vectors.toArray(new float[0][]),
        labels.stream().mapToInt(Integer::intValue).toArray(), files, folder.classNames(),
        failed, true, entry, null);
  }

  private static Path failedFile(Path entry) {
    String name = entry.getFileName().toString();
    return entry.resolveSibling(name.substring(0, name.length() - 4) + ".failed.txt");
  }

  private static String relative(ImageFolder folder, Path file) {
    return folder.root().relativize(file).toString().replace('\\', '/');
  }

  private static String reason(EmbeddingException e, Path file) {
    String m = e.getMessage() == null ? "failed" : e.getMessage();
    String prefix = file + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  /** The SHA-256 of the embedder's compared fields and of every image's path, size and time. */
  static String key(EmbedderDescription embedder, ImageFolder folder) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    StringBuilder sb = new StringBuilder(KEY_VERSION).append('\n');
    embedder.toMap().forEach((k, v) -> {
      if (!k.equals("sdk_version") && !k.startsWith("extra." + EmbedderDescription.INFO_PREFIX)) {
        sb.append(k).append('=').append(v).append('\n');
      }
    });
    sb.append("classes=").append(String.join("/", folder.classNames())).append('\n');
    md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
    for (ImageFolder.Entry e : folder.entries()) {
      long size;
      long time;
      try {
        size = Files.size(e.file());
        time = Files.getLastModifiedTime(e.file()).toMillis();
      } catch (IOException x) {
        // Unreadable now: still a key (the image will fail to embed and be reported).
        size = -1;
        time = -1;
        if (!(x instanceof java.nio.file.NoSuchFileException
            || x instanceof java.nio.file.AccessDeniedException)) {
          throw new IOException(e.file() + ": " + IoErrors.reason(x), x);
        }
      }
      md.update((relative(folder, e.file()) + '\t' + e.label() + '\t' + size + '\t' + time
          + '\n').getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(md.digest()).substring(0, 40);
  }

  private static void notify(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      // A listener never stops the work.
    }
  }
}
