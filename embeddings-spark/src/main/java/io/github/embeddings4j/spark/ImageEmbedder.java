package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that adds an embedding column to a DataFrame of images, with
 * the core's {@code ZooEmbedder} and its options (model, weights, layer, pooling, normalisation,
 * input size), or with any ONNX vision model through {@code OnnxEmbedder} (a model ending in
 * {@code .onnx}: preprocessing, output tensor, pooling, normalisation).
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("s3a://bucket/photos/*.jpg");
 * ImageEmbedder embedder = new ImageEmbedder()
 *     .setModel("resnet50").setWeights("imagenet")      // the core's defaults for ResNet50
 *     .setInputCol("content").setPathCol("path")         // binaryFile's columns (the defaults)
 *     .setOutputCol("embedding").setErrorCol("embedding_error");
 * Dataset<Row> embedded = embedder.transform(images);   // + embedding array<float>, error string
 * }</pre>
 *
 * <p>An ONNX model (CLIP's image tower, a ViT, anything {@code scripts/onnx/export.py} writes)
 * is named by its file: {@code setModel("hdfs:///models/vit_b_16.onnx")} (copied once to each
 * executor, with the external data files beside it), a path that exists on every machine, or a
 * file shipped with {@code spark-submit --files} (its name is enough).
 *
 * <p><b>Input.</b> The input column holds the image bytes ({@code binary}, e.g. the {@code
 * content} column of Spark's {@code binaryFile} source; the path column then names each image in
 * error messages) or a path ({@code string}: a local path, a {@code file:} URI, or any URI a
 * Hadoop file system reads, such as {@code hdfs://} or {@code s3a://}).
 *
 * <p><b>Output.</b> Two columns are appended: the embedding ({@code array<float>}, null when the
 * image failed) and the error ({@code string}: the image's name and what went wrong, null when it
 * succeeded). A failed image never fails the job; the other columns are kept as they are, and
 * rows keep their order within each partition. The embedding column's metadata records how the
 * vectors were made ({@link #describe()}; {@link #setRecordDescription(boolean)}), for {@link
 * EmbeddingStore} and the command-line tool to check queries against.
 *
 * <p><b>Execution.</b> The embedder is built once per executor JVM, on first use, and shared by
 * the tasks running there (see docs/spark.md for memory and thread settings). Rows are embedded
 * in batches of {@link #setBatchSize(int) batchSize}; the network itself runs on {@link
 * #setNetworkBatchSize(int) networkBatchSize} images at a time.
 *
 * <p>It saves and loads with Spark ML ({@code DefaultParamsWritable}), alone or inside a {@code
 * Pipeline}; weights given as a file are referred to by path, not copied.
 */
public final class ImageEmbedder extends Transformer implements DefaultParamsWritable {

  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> pathCol;
  private final Param<String> outputCol;
  private final Param<String> errorCol;
  private final Param<String> model;
  private final Param<String> weights;
  private final LongParam seed;
  private final Param<String> layer;
  private final Param<String> pooling;
  private final BooleanParam normalize;
  private final BooleanParam keepOrientation;
  private final IntParam inputHeight;
  private final IntParam inputWidth;
  private final IntParam batchSize;
  private final IntParam networkBatchSize;
  private final IntParam concurrency;
  private final BooleanParam recordDescription;
  private final Param<String> preprocess;
  private final Param<String> outputName;

  /** An embedder with a random uid and the defaults listed on each setter. */
  public ImageEmbedder() {
    this(Identifiable$.MODULE$.randomUID("imageEmbedder"));
  }

  /**
   * An embedder with a given uid (Spark ML's loader uses this constructor).
   *
   * @param uid the stage's unique id
   */
  public ImageEmbedder(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "column of image bytes (binary) or paths (string)");
    pathCol = new Param<>(this, "pathCol",
        "column naming each image in errors when the input is bytes; ignored if absent");
    outputCol = new Param<>(this, "outputCol", "embedding column to add (array<float>)");
    errorCol = new Param<>(this, "errorCol", "error column to add (string, null on success)");
    model = new Param<>(this, "model", "zoo model (resnet50, vgg16, vgg19, squeezenet, "
        + "xception, darknet19, nasnet, lenet, simplecnn) or an ONNX file (ending in .onnx)");
    weights = new Param<>(this, "weights",
        "imagenet, random, a pretrained set (cifar10, vggface, mnist) or a model file");
    seed = new LongParam(this, "seed", "seed of random initialisation");
    layer = new Param<>(this, "layer", "layer whose activations are embedded; empty: default");
    pooling = new Param<>(this, "pooling", "global pooling of feature maps: avg or max; token"
        + " sequences of ONNX models: cls (first token), avg or max");
    preprocess = new Param<>(this, "preprocess", "ONNX models: imagenet, clip, inception,"
        + " siglip or none; empty: what the model's .onnx.json says, else imagenet");
    outputName = new Param<>(this, "outputName", "ONNX models: the output or tensor embedded;"
        + " empty: the first output");
    normalize = new BooleanParam(this, "normalize", "scale vectors to unit L2 length");
    keepOrientation = new BooleanParam(this, "keepOrientation", "feed images as stored,"
        + " ignoring the EXIF orientation (default false: photos are turned upright)");
    inputHeight = new IntParam(this, "inputHeight", "network input height; 0: the model's");
    inputWidth = new IntParam(this, "inputWidth", "network input width; 0: the model's");
    batchSize = new IntParam(this, "batchSize", "rows handed to the embedder at a time");
    networkBatchSize = new IntParam(this, "networkBatchSize",
        "images per forward pass; 0: the core's default");
    concurrency = new IntParam(this, "concurrency",
        "network copies per executor JVM (concurrent forward passes); 0: the core's default");
    setDefault(inputCol, "content");
    setDefault(pathCol, "path");
    setDefault(outputCol, "embedding");
    setDefault(errorCol, "embedding_error");
    setDefault(model, "resnet50");
    setDefault(weights, "imagenet");
    setDefault(seed, (Object) 42L);
    setDefault(layer, "");
    setDefault(pooling, "avg");
    setDefault(normalize, (Object) true);
    setDefault(keepOrientation, (Object) false);
    setDefault(inputHeight, (Object) 0);
    setDefault(inputWidth, (Object) 0);
    setDefault(batchSize, (Object) 64);
    setDefault(networkBatchSize, (Object) 0);
    recordDescription = new BooleanParam(this, "recordDescription", "describe the embedder"
        + " in the output column's metadata (builds the network once on the driver)");
    setDefault(concurrency, (Object) 0);
    setDefault(recordDescription, (Object) true);
    setDefault(preprocess, "");
    setDefault(outputName, "");
  }

  /**
   * Spark ML's reader, used by {@code ImageEmbedder.load(path)} and by {@code
   * Pipeline.load}/{@code PipelineModel.load}.
   *
   * @return the reader
   */
  public static MLReader<ImageEmbedder> read() {
    return new DefaultParamsReader<>();
  }

  /**
   * Loads an embedder saved with {@code write().save(path)}.
   *
   * @param path where it was saved
   * @return the embedder
   */
  public static ImageEmbedder load(String path) {
    return read().load(path);
  }

  @Override
  public String uid() {
    return uid;
  }

  // The Param accessors below are how Spark ML finds the parameters (by reflection).

  /** @return the input column parameter */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** @return the path column parameter */
  public Param<String> pathCol() {
    return pathCol;
  }

  /** @return the output column parameter */
  public Param<String> outputCol() {
    return outputCol;
  }

  /** @return the error column parameter */
  public Param<String> errorCol() {
    return errorCol;
  }

  /** @return the model parameter */
  public Param<String> model() {
    return model;
  }

  /** @return the weights parameter */
  public Param<String> weights() {
    return weights;
  }

  /** @return the seed parameter */
  public LongParam seed() {
    return seed;
  }

  /** @return the layer parameter */
  public Param<String> layer() {
    return layer;
  }

  /** @return the pooling parameter */
  public Param<String> pooling() {
    return pooling;
  }

  /** @return the normalisation parameter */
  public BooleanParam normalize() {
    return normalize;
  }

  /** @return the parameter that keeps images as stored, ignoring EXIF orientations */
  public BooleanParam keepOrientation() {
    return keepOrientation;
  }

  /** @return the input height parameter */
  public IntParam inputHeight() {
    return inputHeight;
  }

  /** @return the input width parameter */
  public IntParam inputWidth() {
    return inputWidth;
  }

  /** @return the batch size parameter */
  public IntParam batchSize() {
    return batchSize;
  }

  /** @return the network batch size parameter */
  public IntParam networkBatchSize() {
    return networkBatchSize;
  }

  /** @return the concurrency parameter */
  public IntParam concurrency() {
    return concurrency;
  }

  /** @return the preprocessing parameter (ONNX models) */
  public Param<String> preprocess() {
    return preprocess;
  }

  /** @return the output name parameter (ONNX models) */
  public Param<String> outputName() {
    return outputName;
  }

  /** @return the parameter that records the embedder's description */
  public BooleanParam recordDescription() {
    return recordDescription;
  }

  /**
   * Whether {@link #transform} records how the vectors are made (the {@link
   * EmbedderDescription} of {@link #describe()}) in the output column's metadata, where Parquet,
   * {@link EmbeddingStore}'s conversions and the command-line tool find it to refuse queries
   * embedded another way. Default true; it builds the network once on the driver (cached in the
   * driver's JVM, and shared with the tasks in local mode).
   *
   * @param record false to leave the metadata alone (the vectors then cannot be checked)
   * @return this
   */
  public ImageEmbedder setRecordDescription(boolean record) {
    return put(recordDescription, record);
  }

  /**
   * How this stage's vectors are made: the embedder's description (model, weights or the ONNX
   * file's SHA-256, layer or tensor, pooling, normalisation, input format, dimension). Builds the network on the driver
   * on the first call for these parameters; later calls, and tasks of the same JVM, reuse it.
   *
   * @return the description
   * @throws IllegalStateException if the embedder cannot be built (e.g. the weights cannot be
   *     had), with the reason
   */
  public EmbedderDescription describe() {
    return ExecutorEmbedders.get(spec()).describe();
  }

  /**
   * The column of images: bytes ({@code binary}) or paths ({@code string}). Default {@code
   * content}, the image bytes of Spark's {@code binaryFile} source.
   *
   * @param column the column
   * @return this
   */
  public ImageEmbedder setInputCol(String column) {
    return put(inputCol, column);
  }

  /**
   * The column that names each image in error messages when the input is bytes. Default {@code
   * path} ({@code binaryFile}'s); without such a column images are named by their row.
   *
   * @param column the column
   * @return this
   */
  public ImageEmbedder setPathCol(String column) {
    return put(pathCol, column);
  }

  /**
   * The embedding column to add. Default {@code embedding}.
   *
   * @param column the column
   * @return this
   */
  public ImageEmbedder setOutputCol(String column) {
    return put(outputCol, column);
  }

  /**
   * The error column to add. Default {@code embedding_error}.
   *
   * @param column the column
   * @return this
   */
  public ImageEmbedder setErrorCol(String column) {
    return put(errorCol, column);
  }

  /**
   * The model: a zoo CNN by the command-line tool's names ({@code resnet50}, {@code simplecnn},
   * ...), or an ONNX file, whose name ends in {@code .onnx}: a URI every executor can read
   * ({@code hdfs://}, {@code s3a://}, ...; copied once per executor JVM with the external data
   * files beside it), a path that exists on the driver and every executor, or the name of a file
   * shipped with {@code spark-submit --files} (ship its {@code .data} files too). Default {@code
   * resnet50}.
   *
   * @param name the model
   * @return this
   */
  public ImageEmbedder setModel(String name) {
    if (!EmbedderSpec.isOnnx(name)) {
      EmbedderSpec.parseModel(name);
    }
    return put(model, name);
  }

  /**
   * How images become an ONNX model's input: {@code imagenet}, {@code clip}, {@code inception},
   * {@code siglip} or {@code none} (as the command line's {@code --preprocess}). Default: what the model's
   * {@code .onnx.json} says (scripts/onnx/export.py writes it), else {@code imagenet} at the
   * model's input size. Zoo models refuse it.
   *
   * @param preset the preset
   * @return this
   */
  public ImageEmbedder setPreprocess(String preset) {
    io.github.embeddings4j.core.image.Preprocessing.preset(preset);
    return put(preprocess, preset);
  }

  /**
   * The output, or any intermediate tensor, of an ONNX model to embed (as the command line's
   * {@code --output-name}; {@code embeddings4j models --inspect} lists them). Default: the
   * first output. Zoo models take {@link #setLayer(String)} instead.
   *
   * @param name the tensor's name
   * @return this
   */
  public ImageEmbedder setOutputName(String name) {
    return put(outputName, name);
  }

  /**
   * The weights: {@code imagenet} (default), {@code random} (with {@link #setSeed(long)}), a
   * pretrained set ({@code cifar10}, {@code vggface}, {@code mnist}) or a model file. A file
   * must exist at the same path on the driver and every executor, or be shipped with {@code
   * spark-submit --files} (it is then found by its name).
   *
   * @param value the weights
   * @return this
   */
  public ImageEmbedder setWeights(String value) {
    return put(weights, value);
  }

  /**
   * The seed of random initialisation. Default 42.
   *
   * @param value the seed
   * @return this
   */
  public ImageEmbedder setSeed(long value) {
    return put(seed, value);
  }

  /**
   * The layer whose activations are the embedding. Default: the model's own choice.
   *
   * @param name the layer name
   * @return this
   */
  public ImageEmbedder setLayer(String name) {
    return put(layer, name);
  }

  /**
   * Global pooling of feature maps: {@code avg} (default) or {@code max}; for token sequences of
   * ONNX models also {@code cls}, the first token.
   *
   * @param name the pooling
   * @return this
   */
  public ImageEmbedder setPooling(String name) {
    io.github.embeddings4j.core.embed.Pooling.parse(name);
    return put(pooling, name);
  }

  /**
   * Whether vectors are scaled to unit L2 length. Default true.
   *
   * @param value whether to normalise
   * @return this
   */
  public ImageEmbedder setNormalize(boolean value) {
    return put(normalize, value);
  }

  /**
   * Whether to feed images as stored, ignoring the EXIF orientation phones and cameras record.
   * Default false: photos are turned upright, as in the core and the command line; true matches
   * a Python pipeline that never calls {@code ImageOps.exif_transpose}.
   *
   * @param value whether to keep images as stored
   * @return this
   */
  public ImageEmbedder setKeepOrientation(boolean value) {
    return put(keepOrientation, value);
  }

  /**
   * Feeds the network another input size than the model's standard one.
   *
   * @param height the input height
   * @param width the input width
   * @return this
   */
  public ImageEmbedder setInputSize(int height, int width) {
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("input size must be positive: " + height + " x "
          + width);
    }
    put(inputHeight, height);
    return put(inputWidth, width);
  }

  /**
   * Rows handed to the embedder at a time. Default 64.
   *
   * @param rows at least 1
   * @return this
   */
  public ImageEmbedder setBatchSize(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1: " + rows);
    }
    return put(batchSize, rows);
  }

  /**
   * Images per forward pass. Default: the core's ({@code ZooEmbedder.DEFAULT_NETWORK_BATCH}).
   *
   * @param images at least 1
   * @return this
   */
  public ImageEmbedder setNetworkBatchSize(int images) {
    if (images < 1) {
      throw new IllegalArgumentException("networkBatchSize must be at least 1: " + images);
    }
    return put(networkBatchSize, images);
  }

  /**
   * Network copies per executor JVM, so the most concurrent forward passes; set it to the
   * executor's cores ({@code spark.executor.cores}). Default: the core's (processors, at most 4).
   *
   * @param copies at least 1
   * @return this
   */
  public ImageEmbedder setConcurrency(int copies) {
    if (copies < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1: " + copies);
    }
    return put(concurrency, copies);
  }

  private ImageEmbedder put(Param<?> p, Object value) {
    @SuppressWarnings("unchecked")
    Param<Object> any = (Param<Object>) p;
    set(any, value);
    return this;
  }

  private String str(Param<String> p) {
    return getOrDefault(p);
  }

  private int integer(IntParam p) {
    return (Integer) getOrDefault(p);
  }

  /** The embedder these parameters describe; the key of the executors' cache. */
  EmbedderSpec spec() {
    return new EmbedderSpec(str(model), str(weights), (Long) getOrDefault(seed), str(layer),
        str(pooling), (Boolean) getOrDefault(normalize), integer(inputHeight),
        integer(inputWidth), integer(networkBatchSize), integer(concurrency), str(preprocess),
        str(outputName), (Boolean) getOrDefault(keepOrientation));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    EmbedderSpec spec = spec();
    if (!EmbedderSpec.isOnnx(spec.model())) {
      EmbedderSpec.parseWeights(spec.weights(), spec.seed()); // a missing file fails here
    }
    DataType in = Vectors.field(schema, str(inputCol), "input").dataType();
    if (!(in instanceof BinaryType) && !(in instanceof StringType)) {
      throw new IllegalArgumentException("input column '" + str(inputCol) + "' must be binary "
          + "(image bytes) or string (paths), not " + in.simpleString());
    }
    for (String out : new String[] {str(outputCol), str(errorCol)}) {
      if (List.of(schema.fieldNames()).contains(out)) {
        throw new IllegalArgumentException("output column '" + out + "' already exists in "
            + schema.simpleString());
      }
    }
    if (str(outputCol).equals(str(errorCol))) {
      throw new IllegalArgumentException("outputCol and errorCol must differ: '"
          + str(outputCol) + "'");
    }
    return schema.add(str(outputCol), Vectors.FLOAT_ARRAY, true)
        .add(str(errorCol), DataTypes.StringType, true);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType in = dataset.schema();
    StructType out = transformSchema(in);
    int inputIndex = in.fieldIndex(str(inputCol));
    boolean bytes = in.fields()[inputIndex].dataType() instanceof BinaryType;
    int nameIndex = -1;
    if (bytes && List.of(in.fieldNames()).contains(str(pathCol))) {
      StructField f = in.fields()[in.fieldIndex(str(pathCol))];
      nameIndex = f.dataType() instanceof StringType ? in.fieldIndex(str(pathCol)) : -1;
    }
    EmbedRows f = new EmbedRows(spec(), inputIndex, bytes, nameIndex, integer(batchSize));
    Dataset<Row> embedded = dataset.toDF().mapPartitions(f, Encoders.row(out));
    // The row encoder keeps no metadata: the input columns' and the description go back on.
    return Vectors.withMetadata(embedded, (Boolean) getOrDefault(recordDescription)
        ? Vectors.describe(out, str(outputCol), describe()) : out);
  }

  @Override
  public ImageEmbedder copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public String toString() {
    return "ImageEmbedder[" + uid + ", " + spec() + "]";
  }

  /** The per-partition function: only serializable values, no reference to the stage. */
  private record EmbedRows(EmbedderSpec spec, int inputIndex, boolean bytes, int nameIndex,
      int batch) implements MapPartitionsFunction<Row, Row>, Serializable {

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      return new Batches(rows, this);
    }
  }

  /** Pulls a batch of rows, embeds it, hands the rows out with their two new values. */
  private static final class Batches implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final EmbedRows job;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();
    private long seen;

    Batches(Iterator<Row> rows, EmbedRows job) {
      this.rows = rows;
      this.job = job;
    }

    @Override
    public boolean hasNext() {
      if (ready.isEmpty() && rows.hasNext()) {
        fill();
      }
      return !ready.isEmpty();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    private void fill() {
      List<Row> batch = new ArrayList<>(job.batch());
      while (batch.size() < job.batch() && rows.hasNext()) {
        batch.add(rows.next());
      }
      String[] errors = new String[batch.size()];
      List<ImageSource> sources = new ArrayList<>(batch.size());
      int[] sourceOf = new int[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        sourceOf[i] = -1;
        Row r = batch.get(i);
        String name = nameOf(r);
        try {
          ImageSource s = source(r, name);
          if (s == null) {
            errors[i] = name + ": no image (the input column is null)";
          } else {
            sourceOf[i] = sources.size();
            sources.add(s);
          }
        } catch (IOException | RuntimeException e) {
          errors[i] = name + ": cannot read: " + e;
        }
      }
      List<EmbeddingResult> results = sources.isEmpty() ? List.of()
          : ExecutorEmbedders.get(job.spec()).embedBatch(sources);
      for (int i = 0; i < batch.size(); i++) {
        Row r = batch.get(i);
        float[] vector = null;
        String error = errors[i];
        if (sourceOf[i] >= 0) {
          EmbeddingResult res = results.get(sourceOf[i]);
          if (res instanceof EmbeddingResult.Success s) {
            vector = s.vector();
          } else {
            error = ((EmbeddingResult.Failure) res).error().getMessage();
          }
        }
        Object[] values = new Object[r.length() + 2];
        for (int c = 0; c < r.length(); c++) {
          values[c] = r.get(c);
        }
        values[r.length()] = vector;
        values[r.length() + 1] = error;
        ready.add(RowFactory.create(values));
      }
      seen += batch.size();
    }

    private String nameOf(Row r) {
      if (!job.bytes()) {
        return r.isNullAt(job.inputIndex()) ? "row " + seen : r.getString(job.inputIndex());
      }
      if (job.nameIndex() >= 0 && !r.isNullAt(job.nameIndex())) {
        return r.getString(job.nameIndex());
      }
      return "image without a name";
    }

    private ImageSource source(Row r, String name) throws IOException {
      if (r.isNullAt(job.inputIndex())) {
        return null;
      }
      if (job.bytes()) {
        return ImageSource.of((byte[]) r.get(job.inputIndex()), name);
      }
      String path = r.getString(job.inputIndex());
      URI uri = path.contains(":/") ? URI.create(path) : null;
      if (uri == null || uri.getScheme() == null || uri.getScheme().length() == 1) {
        return ImageSource.of(Path.of(path)); // a local path (or a Windows drive letter)
      }
      if (uri.getScheme().equals("file")) {
        return ImageSource.of(Path.of(uri));
      }
      // Any other scheme: read through Hadoop's file systems (hdfs, s3a, gs, abfs, ...).
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
      FileSystem fs = p.getFileSystem(new Configuration());
      try (InputStream s = fs.open(p)) {
        return ImageSource.of(s.readAllBytes(), path);
      }
    }
  }
}
