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
import io.github.embeddings4j.core.io.FileStamp;
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
 * Each entry is an {@link EmbeddingSet} ({@code KEY.npy} with its ids, description and each
 * image's {@link FileStamp}, committed together) and a list of the images that could not be
 * embedded ({@code KEY.failed.txt}, written first). A damaged entry is embedded again and
 * replaced.
 *
 * <p><b>A changed folder</b> is not embedded whole again: the latest entry of the same embedder
 * for the same folder (named by {@code LINE.latest}, where {@code LINE} hashes the embedder and
 * the folder's absolute path) lends the vectors of the images whose size and modification time
 * are unchanged, and only the added and changed images are embedded ({@link
 * Dataset#reused()}).
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

  private static final String KEY_VERSION = "embeddings4j embedding cache 2";

  /**
   * The version in a line's name (an embedder and a folder): kept when the key changed, so that
   * the latest entry of a line written before still lends its vectors.
   */
  private static final String LINE_VERSION = "embeddings4j embedding cache 1";
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
   * @param reused how many vectors were read from the cache rather than embedded: all of them
   *     when {@code cached}, those of unchanged images when an earlier entry of this folder
   *     was reused, else 0
   */
  public record Dataset(float[][] vectors, int[] labels, List<Path> files,
      List<String> classNames, List<Failed> failed, boolean cached, Path entry,
      String cacheProblem, int reused) {

    /**
     * A dataset of which nothing or everything came from the cache.
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
    public Dataset(float[][] vectors, int[] labels, List<Path> files, List<String> classNames,
        List<Failed> failed, boolean cached, Path entry, String cacheProblem) {
      this(vectors, labels, files, classNames, failed, cached, entry, cacheProblem,
          cached ? vectors.length : 0);
    }

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
     * @param reused how many vectors came from the cache
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
    return entry(embedder, folder, directory == null ? null : stamps(folder));
  }

  private Path entry(EmbedderDescription embedder, ImageFolder folder, FileStamp[] stamps) {
    return directory == null ? null
        : directory.resolve(key(embedder, folder, stamps) + ".npy");
  }

  /**
   * Every image's stamp, taken once (one {@code stat} each) for both the key and the entry:
   * null for an image that is gone or unreadable now (it fails to embed and is reported then).
   */
  private static FileStamp[] stamps(ImageFolder folder) throws IOException {
    List<ImageFolder.Entry> entries = folder.entries();
    FileStamp[] stamps = new FileStamp[entries.size()];
    for (int i = 0; i < stamps.length; i++) {
      try {
        stamps[i] = FileStamp.of(entries.get(i).file());
      } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
        stamps[i] = null;
      } catch (IOException e) {
        throw new IOException(entries.get(i).file() + ": " + IoErrors.reason(e), e);
      }
    }
    return stamps;
  }

  /**
   * The vectors of every image of a dataset: from the cache when an entry for this embedder
   * and these files exists, else embedded (failures reported to the listener and left out)
   * and stored; the images unchanged since the latest entry of this embedder and folder are
   * not embedded again but read from it.
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
    // Stamps before reading, so that an image changed while it is embedded is seen next time.
    FileStamp[] stamps = stamps(folder);
    Path entry = entry(description, folder, stamps);
    if (entry != null && Files.exists(entry)) {
      Dataset hit = read(entry, description, folder);
      if (hit != null) {
        return hit;
      }
    }
    List<ImageFolder.Entry> entries = folder.entries();
    int n = entries.size();
    float[][] lent = lent(description, folder, stamps);
    float[][] vectorOf = new float[n][];
    List<Integer> toEmbed = new ArrayList<>(n);
    int reused = 0;
    for (int i = 0; i < n; i++) {
      vectorOf[i] = lent[i];
      if (lent[i] == null) {
        toEmbed.add(i);
      } else {
        reused++;
      }
    }
    Map<Integer, Failed> failures = new HashMap<>();
    for (int from = 0; from < toEmbed.size(); from += CHUNK) {
      List<Integer> chunk = toEmbed.subList(from, Math.min(toEmbed.size(), from + CHUNK));
      List<ImageSource> sources = new ArrayList<>(chunk.size());
      for (int i : chunk) {
        sources.add(ImageSource.of(entries.get(i).file()));
      }
      List<EmbeddingResult> results = embedder.embedBatch(sources);
      for (int c = 0; c < chunk.size(); c++) {
        int i = chunk.get(c);
        if (results.get(c) instanceof EmbeddingResult.Success s) {
          vectorOf[i] = s.vector();
        } else {
          EmbeddingException error = ((EmbeddingResult.Failure) results.get(c)).error();
          failures.put(i, new Failed(entries.get(i).file(), reason(error,
              entries.get(i).file())));
          notify(() -> progress.onFailure(error));
        }
      }
      Progress p = new Progress("embed", Math.min(toEmbed.size(), from + CHUNK),
          toEmbed.size(), failures.size());
      notify(() -> progress.onProgress(p));
    }
    List<float[]> vectors = new ArrayList<>(n);
    List<Integer> labels = new ArrayList<>(n);
    List<Path> files = new ArrayList<>(n);
    List<String> ids = new ArrayList<>(n);
    List<FileStamp> kept = new ArrayList<>(n);
    List<Failed> failed = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ImageFolder.Entry e = entries.get(i);
      if (vectorOf[i] != null) {
        vectors.add(vectorOf[i]);
        labels.add(e.label());
        files.add(e.file());
        ids.add(relative(folder, e.file()));
        kept.add(stamps[i]);
      } else {
        failed.add(failures.get(i));
      }
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
        try (EmbeddingSet.Writer w = EmbeddingSet.writer(entry,
            rows.length > 0 ? rows[0].length : description.dimension(), description)) {
          for (int i = 0; i < rows.length; i++) {
            w.add(rows[i], ids.get(i), kept.get(i));
          }
          w.commit();
        }
        byte[] name = entry.getFileName().toString().getBytes(StandardCharsets.UTF_8);
        SdkFile.writeAtomically(latestFile(description, folder), out -> out.write(name));
      } catch (IOException e) {
        // A cache that cannot be written costs the next run time, not this run its vectors.
        problem = IoErrors.describe(e);
        entry = null;
      }
    }
    return new Dataset(rows, labels.stream().mapToInt(Integer::intValue).toArray(), files,
        folder.classNames(), failed, false, entry, problem, reused);
  }

  /**
   * The vectors the latest entry of this embedder and folder holds for images whose stamp is
   * unchanged, by position in the folder (null where there is none); all null when there is
   * no usable entry.
   */
  private float[][] lent(EmbedderDescription description, ImageFolder folder,
      FileStamp[] stamps) {
    float[][] out = new float[stamps.length][];
    if (directory == null) {
      return out;
    }
    EmbeddingSet.Contents set;
    try {
      String name = Files.readString(latestFile(description, folder), StandardCharsets.UTF_8)
          .strip();
      if (!name.matches("[0-9a-f]{40}\\.npy")) {
        return out;
      }
      set = EmbeddingSet.read(directory.resolve(name));
    } catch (IOException | RuntimeException e) {
      return out; // none yet, or gone or damaged: everything is embedded
    }
    if (set.embedder() == null || !description.matches(set.embedder()) || set.stamps() == null) {
      return out;
    }
    Map<String, Integer> rowOf = new HashMap<>();
    for (int r = 0; r < set.ids().size(); r++) {
      rowOf.put(set.ids().get(r), r);
    }
    List<ImageFolder.Entry> entries = folder.entries();
    for (int i = 0; i < stamps.length; i++) {
      Integer r = rowOf.get(relative(folder, entries.get(i).file()));
      if (r != null && stamps[i] != null && stamps[i].equals(set.stamps().get(r))) {
        out[i] = set.vectors()[r];
      }
    }
    return out;
  }

  /** Names the latest entry of an embedder for a folder, wherever its files stand. */
  private Path latestFile(EmbedderDescription embedder, ImageFolder folder) {
    MessageDigest md = sha256();
    StringBuilder sb = new StringBuilder(LINE_VERSION).append(" latest\n");
    comparedFields(embedder, sb);
    sb.append("root=").append(folder.root().toAbsolutePath().normalize()).append('\n');
    md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
    return directory.resolve(HexFormat.of().formatHex(md.digest()).substring(0, 40)
        + ".latest");
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

  /**
   * The SHA-256 of the embedder's compared fields and of every image's path, label and stamp
   * (size and modification time in nanoseconds; -1 for an image unreadable now).
   */
  static String key(EmbedderDescription embedder, ImageFolder folder, FileStamp[] stamps) {
    MessageDigest md = sha256();
    StringBuilder sb = new StringBuilder(KEY_VERSION).append('\n');
    comparedFields(embedder, sb);
    sb.append("classes=").append(String.join("/", folder.classNames())).append('\n');
    md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
    List<ImageFolder.Entry> entries = folder.entries();
    for (int i = 0; i < entries.size(); i++) {
      ImageFolder.Entry e = entries.get(i);
      FileStamp st = stamps[i];
      md.update((relative(folder, e.file()) + '\t' + e.label() + '\t'
          + (st == null ? -1 : st.size()) + '\t' + (st == null ? -1 : st.modified()) + '\n')
          .getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(md.digest()).substring(0, 40);
  }

  /** The embedder's fields that {@link EmbedderDescription#matches} compares, one a line. */
  private static void comparedFields(EmbedderDescription embedder, StringBuilder sb) {
    embedder.toMap().forEach((k, v) -> {
      if (!k.equals("sdk_version") && !k.startsWith("extra." + EmbedderDescription.INFO_PREFIX)) {
        sb.append(k).append('=').append(v).append('\n');
      }
    });
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static void notify(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      // A listener never stops the work.
    }
  }
}
