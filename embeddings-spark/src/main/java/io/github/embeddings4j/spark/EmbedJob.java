package io.github.embeddings4j.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code spark-submit} entry point: embeds a folder (recursively, image files only) or a
 * {@code binaryFile} glob into a Parquet store ({@link EmbeddingStore}).
 *
 * <pre>
 * spark-submit --class io.github.embeddings4j.spark.EmbedJob embeddings-spark-app.jar \
 *     --input hdfs:///photos --output hdfs:///embeddings/photos \
 *     --model resnet50 --weights imagenet --normalize
 * </pre>
 *
 * <p>Ids are assigned 0, 1, 2, ... in path order, after embedding (so the image bytes are never
 * shuffled). Images that fail are stored with a null vector and their error, listed at the end
 * (the first 20), and counted; the job still writes everything else. Exit status: 0 when every
 * image was embedded, 3 when some failed ({@code --allow-failures} makes that 0), 1 for bad
 * options or a job that could not run. {@code --help} lists the options.
 */
public final class EmbedJob {

  /**
   * Image file names a folder input picks up: the decoder's formats, and HEIC, AVIF and JPEG XL,
   * which fail with the way to convert them rather than being passed over.
   */
  static final String IMAGE_GLOB = "*.{jpg,jpeg,png,bmp,gif,tif,tiff,webp,heic,heif,avif,jxl,"
      + "JPG,JPEG,PNG,BMP,GIF,TIF,TIFF,WEBP,HEIC,HEIF,AVIF,JXL}";

  private EmbedJob() {}

  /**
   * Runs the job in the session {@code spark-submit} provides (or a local one when run with
   * {@code java} and no master set: {@code local[*]}).
   *
   * @param args the options; {@code --help} lists them
   */
  public static void main(String[] args) {
    JobMain.main("embed", usage(), () -> {
      Options o = Options.parse(args);
      return o == null ? null : spark -> run(spark, o, System.out);
    });
  }

  static String usage() {
    return String.join("\n",
        "usage: EmbedJob --input FOLDER|GLOB --output PARQUET [options]",
        "  --input PATH          folder (searched recursively for " + IMAGE_GLOB + ")",
        "                        or a file glob such as hdfs:///photos/*/*.jpg",
        "  --output PATH         Parquet folder to write (id, path, vector, error)",
        "  --overwrite           replace the output if it exists",
        "  --model NAME          resnet50 (default), vgg16, vgg19, squeezenet, xception,",
        "                        darknet19, nasnet, lenet, simplecnn, or an ONNX file",
        "                        (FILE.onnx: hdfs://, s3a://..., a path on every machine,",
        "                        or shipped with --files with its .data files)",
        "  --weights W           imagenet (default), random, cifar10, vggface, mnist, or a",
        "                        model file (ship it with --files; found by its name)",
        "  --seed N              seed of random weights (default 42)",
        "  --layer NAME          layer to embed (default: the model's own)",
        "  --pooling avg|max|cls global pooling (default avg; cls: first token, ONNX)",
        "  --preprocess P        ONNX: imagenet, clip, inception, siglip, none, raw (default:",
        "                        the model's .onnx.json, else imagenet)",
        "  --output-name NAME    ONNX: the output or tensor to embed (default: the first)",
        "  --normalize true|false  L2-normalise vectors (default true)",
        "  --keep-orientation    feed images as stored, ignoring their EXIF orientation",
        "                        (default: photos are turned upright)",
        "  --input-size HxW      network input size (default: the model's)",
        "  --batch N             rows per embedder call (default 64)",
        "  --network-batch N     images per forward pass (default: the core's)",
        "  --concurrency N       network copies per executor (default: the core's)",
        "  --partitions N        repartition the images before embedding (default: as read)",
        "  --allow-failures      exit 0 even when some images failed");
  }

  /** Runs the job; returns the exit status. */
  static int run(SparkSession spark, Options o, PrintStream out) throws IOException {
    ImageEmbedder embedder = o.embedder();
    Dataset<Row> images = readImages(spark, o.input);
    if (o.partitions > 0) {
      images = images.repartition(o.partitions);
    }
    Dataset<Row> embedded = embedder.transform(images)
        .select(functions.col("path"), functions.col(embedder.getOrDefault(
            embedder.outputCol())).as(EmbeddingStore.VECTOR),
            functions.col(embedder.getOrDefault(embedder.errorCol())).as(EmbeddingStore.ERROR));
    // Spark's binaryFile source gives an empty file no row at all (no split of zero bytes), so
    // it would be neither embedded nor reported: such files are found on the driver and get a
    // failure row of their own.
    List<String> empties = emptyFiles(spark, o.input);
    if (!empties.isEmpty()) {
      List<Row> failures = new ArrayList<>();
      for (String path : empties) {
        failures.add(RowFactory.create(path, null, path + ": empty file (0 bytes), not an image"));
      }
      embedded = embedded.where(functions.not(functions.col("path").isin(empties.toArray())))
          .union(spark.createDataFrame(failures, embedded.schema()));
    }
    // Cache the (small) vectors so that numbering, writing and the report embed only once.
    embedded = embedded.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> numbered = withIds(spark, embedded.orderBy("path"));
      EmbeddingStore.write(numbered, o.output, o.overwrite);
      Dataset<Row> stored = EmbeddingStore.read(spark, o.output);
      long total = stored.count();
      List<Row> failed = stored.where(functions.col(EmbeddingStore.VECTOR).isNull())
          .select(EmbeddingStore.PATH, EmbeddingStore.ERROR).orderBy(EmbeddingStore.PATH)
          .limit(20).collectAsList();
      long failures = stored.where(functions.col(EmbeddingStore.VECTOR).isNull()).count();
      out.println("embedded " + (total - failures) + " of " + total + " images into "
          + o.output + " (" + embedder.spec() + ")");
      if (failures > 0) {
        out.println(failures + " failed" + (failures > failed.size() ? " (first "
            + failed.size() + " listed)" : "") + ":");
        for (Row r : failed) {
          out.println("  " + r.getString(1));
        }
      }
      return failures > 0 && !o.allowFailures ? 3 : 0;
    } finally {
      embedded.unpersist();
    }
  }

  /** A folder: every image file under it; anything else: a path or glob for binaryFile. */
  static Dataset<Row> readImages(SparkSession spark, String input) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(input);
    var fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    boolean folder = !input.matches(".*[*?\\[{].*") && fs.exists(p)
        && fs.getFileStatus(p).isDirectory();
    var reader = spark.read().format("binaryFile");
    if (folder) {
      reader = reader.option("recursiveFileLookup", "true").option("pathGlobFilter", IMAGE_GLOB);
    }
    return reader.load(input).select("path", "content");
  }

  /**
   * The empty files {@link #readImages} would read: under a folder, those matching {@link
   * #IMAGE_GLOB}; for a path or glob, the files it matches.
   */
  static List<String> emptyFiles(SparkSession spark, String input) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(input);
    var fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    List<String> out = new ArrayList<>();
    boolean glob = input.matches(".*[*?\\[{].*");
    if (!glob && fs.exists(p) && fs.getFileStatus(p).isDirectory()) {
      java.nio.file.PathMatcher images = java.nio.file.FileSystems.getDefault()
          .getPathMatcher("glob:" + IMAGE_GLOB);
      var files = fs.listFiles(p, true);
      while (files.hasNext()) {
        var f = files.next();
        if (f.getLen() == 0 && images.matches(java.nio.file.Path.of(f.getPath().getName()))) {
          out.add(f.getPath().toString());
        }
      }
    } else {
      org.apache.hadoop.fs.FileStatus[] matched = fs.globStatus(p);
      for (var f : matched == null ? new org.apache.hadoop.fs.FileStatus[0] : matched) {
        if (f.isFile() && f.getLen() == 0) {
          out.add(f.getPath().toString());
        }
      }
    }
    return out;
  }

  /** Adds ids 0, 1, 2, ... in the dataset's order (zipWithIndex: no single-partition step). */
  static Dataset<Row> withIds(SparkSession spark, Dataset<Row> ordered) {
    StructType schema = new StructType().add(EmbeddingStore.ID, DataTypes.LongType, false);
    for (var f : ordered.schema().fields()) {
      schema = schema.add(f);
    }
    JavaPairRDD<Row, Long> zipped = ordered.toJavaRDD().zipWithIndex();
    JavaRDD<Row> rows = zipped.map(t -> {
      Object[] values = new Object[t._1().length() + 1];
      values[0] = t._2();
      for (int i = 0; i < t._1().length(); i++) {
        values[i + 1] = t._1().get(i);
      }
      return RowFactory.create(values);
    });
    return spark.createDataFrame(rows, schema);
  }

  /** The parsed command line. */
  static final class Options {
    String input;
    String output;
    boolean overwrite;
    boolean allowFailures;
    int partitions;
    final Map<String, String> model = new HashMap<>();

    /** Parses; returns null for --help. */
    static Options parse(String[] args) {
      Options o = new Options();
      List<String> flags = List.of("--overwrite", "--allow-failures", "--keep-orientation",
          "--help", "-h");
      List<String> valued = List.of("--input", "--output", "--model", "--weights", "--seed",
          "--layer", "--pooling", "--normalize", "--input-size", "--batch", "--network-batch",
          "--concurrency", "--partitions", "--preprocess", "--output-name");
      List<String> rest = new ArrayList<>(List.of(args));
      for (int i = 0; i < rest.size(); i++) {
        String a = rest.get(i);
        if (flags.contains(a)) {
          switch (a) {
            case "--overwrite" -> o.overwrite = true;
            case "--allow-failures" -> o.allowFailures = true;
            case "--keep-orientation" -> o.model.put(a, "true");
            default -> {
              return null;
            }
          }
        } else if (valued.contains(a)) {
          if (i + 1 >= rest.size()) {
            throw new IllegalArgumentException(a + " needs a value");
          }
          String v = rest.get(++i);
          switch (a) {
            case "--input" -> o.input = v;
            case "--output" -> o.output = v;
            case "--partitions" -> o.partitions = positive(a, v);
            default -> o.model.put(a, v);
          }
        } else {
          throw new IllegalArgumentException("unknown option '" + a + "'");
        }
      }
      if (o.input == null || o.output == null) {
        throw new IllegalArgumentException("--input and --output are required");
      }
      o.embedder(); // fail on bad model options before Spark starts
      return o;
    }

    ImageEmbedder embedder() {
      ImageEmbedder e = new ImageEmbedder().setInputCol("content").setPathCol("path");
      for (Map.Entry<String, String> m : model.entrySet()) {
        String v = m.getValue();
        switch (m.getKey()) {
          case "--model" -> e.setModel(v);
          case "--weights" -> e.setWeights(v);
          case "--seed" -> e.setSeed(parseLong(m.getKey(), v));
          case "--layer" -> e.setLayer(v);
          case "--pooling" -> e.setPooling(v);
          case "--preprocess" -> e.setPreprocess(v);
          case "--output-name" -> e.setOutputName(v);
          case "--normalize" -> e.setNormalize(parseBoolean(m.getKey(), v));
          case "--keep-orientation" -> e.setKeepOrientation(true);
          case "--input-size" -> {
            String[] hw = v.toLowerCase(java.util.Locale.ROOT).split("x");
            if (hw.length != 2) {
              throw new IllegalArgumentException("--input-size must be HxW, e.g. 32x32, not '"
                  + v + "'");
            }
            e.setInputSize(positive(m.getKey(), hw[0]), positive(m.getKey(), hw[1]));
          }
          case "--batch" -> e.setBatchSize(positive(m.getKey(), v));
          case "--network-batch" -> e.setNetworkBatchSize(positive(m.getKey(), v));
          case "--concurrency" -> e.setConcurrency(positive(m.getKey(), v));
          default -> throw new IllegalStateException(m.getKey());
        }
      }
      e.spec();
      return e;
    }

    private static int positive(String option, String v) {
      try {
        int n = Integer.parseInt(v.trim());
        if (n >= 1) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(option + " must be a positive integer, not '" + v
          + "'");
    }

    private static long parseLong(String option, String v) {
      try {
        return Long.parseLong(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " must be an integer, not '" + v + "'", e);
      }
    }

    private static boolean parseBoolean(String option, String v) {
      return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "true", "yes", "1" -> true;
        case "false", "no", "0" -> false;
        default -> throw new IllegalArgumentException(option + " must be true or false, not '"
            + v + "'");
      };
    }
  }
}
