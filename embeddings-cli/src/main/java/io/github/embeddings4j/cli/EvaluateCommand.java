package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.cli.report.Thumbnails;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.eval.EmbeddingEvaluator;
import io.github.embeddings4j.core.eval.EvaluationReport;
import io.github.embeddings4j.core.eval.Voting;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.reduce.SimHash;
import io.github.embeddings4j.core.reduce.ThresholdBinarizer;
import io.github.embeddings4j.core.train.TrainedEmbedder;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Measures how well embeddings classify and retrieve on a labelled dataset. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    header = "kNN accuracy, recall@10, mAP@10, precision@10 on labelled data.",
    description =
        "Measure embeddings on a labelled dataset: kNN accuracy of the test images "
        + "against the training images, retrieval recall@10, mAP@10 and precision@10 (same label is "
        + "relevant). --data is a folder of IDX files in Fashion-MNIST layout, or a folder "
        + "with train/ and test/ holding one folder per class. With --json, stdout is "
        + "exactly one JSON object with the keys accuracy, recall_at_10, map_at_10, "
        + "n_train, n_test, dimension, seconds (and more); everything else goes to stderr.",
    footer = {
        "",
        "Examples:",
        "  embeddings4j evaluate --data /usr/share/datasets/fashion-mnist \\",
        "      --embedder pixels --metric manhattan --k 5 --voting distance --json",
        "  embeddings4j evaluate --data DIR --embedder pixels --pca 50 \\",
        "      --limit-train 10000",
        "  embeddings4j evaluate --data DIR --embedder cnn.zip --binary 128 \\",
        "      --metric hamming"})
final class EvaluateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = "--data", paramLabel = "DIR",
      description = "IDX files (Fashion-MNIST layout) or train/ and test/ class folders "
          + "(default: ${DEFAULT-VALUE}).")
  Path data = FashionMnist.defaultDirectory();

  @Option(names = "--embedder", paramLabel = "pixels|MODEL|FILE", defaultValue = "pixels",
      description = "Raw pixel values, a zoo model (e.g. squeezenet; see --weights), or a "
          + "model file saved by 'embeddings4j train' or 'finetune --model' (default: "
          + "${DEFAULT-VALUE}).")
  String embedder;

  @Option(names = {"--weights", "--model-weights"}, paramLabel = "imagenet|random|FILE",
      description = "Weights of a zoo --embedder, as in embed and search (default: the "
          + "model's own). --model-weights is the old name (deprecated), and --weights "
          + "uniform|distance still means --voting (deprecated).")
  String modelWeights;

  @Option(names = "--voting", paramLabel = "uniform|distance",
      description = "Vote weighting of the k neighbours (default: distance).")
  String voting;

  @Option(names = "--pca", paramLabel = "N", description = "Reduce to N principal components "
      + "(fitted on the training embeddings) first.")
  Integer pca;

  @Option(names = "--binary", paramLabel = "BITS", description = "Compare BITS-bit binary codes "
      + "(sign of the top BITS principal components about their medians; random hyperplanes when "
      + "BITS exceeds the dimension). Implies --metric hamming.")
  Integer binary;

  @Option(names = "--metric", defaultValue = "euclidean",
      description = "cosine, euclidean, manhattan, dot or hamming (default: ${DEFAULT-VALUE}).")
  String metric;

  @Option(names = {"-k", "--k"}, defaultValue = "5", description = "Voting neighbours (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--limit-train", paramLabel = "N", description = "Use the first N training images.")
  Integer limitTrain;

  @Option(names = "--limit-test", paramLabel = "N", description = "Use the first N test images.")
  Integer limitTest;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--clustering",
      description = "Also cluster the test embeddings with k-means (as many clusters as "
          + "classes, --seed) and say how well the clusters recover the classes: normalised "
          + "mutual information and adjusted Rand index.")
  boolean clustering;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  /** Labelled embeddings of one split. */
  record Embedded(float[][] vectors, int[] labels) {}

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    boolean talk = !common.quiet;
    if (k < 1) {
      throw new ParameterException(spec.commandLine(), "--k must be at least 1, not " + k);
    }
    atLeast("--limit-train", limitTrain, 1);
    atLeast("--limit-test", limitTest, 1);
    atLeast("--pca", pca, 1);
    atLeast("--binary", binary, 1);
    if (modelWeights != null && (modelWeights.equalsIgnoreCase("uniform")
        || modelWeights.equalsIgnoreCase("distance"))) {
      if (talk) {
        err.println("warning: --weights " + modelWeights + " is deprecated: use --voting "
            + modelWeights + " (--weights now names model weights, as in embed and search)");
      }
      if (voting == null) {
        voting = modelWeights;
      }
      modelWeights = null;
    } else if (talk && spec.commandLine().getParseResult().originalArgs().stream()
        .anyMatch(a -> a.startsWith("--model-weights"))) {
      err.println("warning: --model-weights is deprecated: use --weights");
    }
    String votingName = voting == null ? "distance" : voting.toLowerCase(Locale.ROOT);
    Voting votes = switch (votingName) {
      case "uniform" -> Voting.UNIFORM;
      case "distance" -> Voting.DISTANCE;
      default -> throw new ParameterException(spec.commandLine(),
          "--voting must be uniform or distance, not '" + voting + "'");
    };
    DistanceMetric m;
    try {
      m = binary != null ? StandardMetric.HAMMING : StandardMetric.fromName(metric);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    long start = System.nanoTime();

    Embedded train;
    Embedded test;
    List<String> classNames;
    if (isIdx(data)) {
      FashionMnist.Split split;
      try {
        split = FashionMnist.load(data);
      } catch (IOException e) {
        throw new Main.InputException(e.getMessage(), e);
      }
      LabeledImages tr = limit(split.train(), limitTrain);
      LabeledImages te = limit(split.test(), limitTest);
      checkK(tr.size());
      classNames = FashionMnist.CLASS_NAMES;
      if (talk) {
        err.printf("%s: %d training and %d test images of %dx%d%n", data, tr.size(), te.size(),
            tr.height(), tr.width());
      }
      train = embed(tr, err);
      test = embed(te, err);
    } else if (Files.isDirectory(data.resolve("train")) && Files.isDirectory(data.resolve("test"))) {
      ImageFolder tr = ImageFolder.scan(data.resolve("train"));
      ImageFolder te = ImageFolder.scan(data.resolve("test"));
      if (!tr.classNames().equals(te.classNames())) {
        throw new Main.InputException("train/ and test/ of " + data + " hold different classes: "
            + tr.classNames() + " and " + te.classNames(), null);
      }
      classNames = tr.classNames();
      checkK(limitTrain == null ? tr.entries().size()
          : Math.min(limitTrain, tr.entries().size()));
      train = embed(tr, limitTrain, err);
      test = embed(te, limitTest, err);
    } else {
      throw new Main.InputException(data + " holds neither IDX files (train-images-idx3-ubyte"
          + "[.gz] ...) nor train/ and test/ folders of class folders; for Fashion-MNIST run "
          + "'apt-get install dataset-fashion-mnist'", null);
    }
    if (train.vectors().length == 0 || test.vectors().length == 0) {
      throw new Main.InputException("nothing to evaluate: " + train.vectors().length
          + " training and " + test.vectors().length + " test embeddings", null);
    }

    float[][] trainVectors = train.vectors();
    float[][] testVectors = test.vectors();
    try {
      if (pca != null) {
        Pca p = Pca.fit(trainVectors, Pca.keep(pca));
        trainVectors = p.reduceAll(trainVectors);
        testVectors = p.reduceAll(testVectors);
      }
      if (binary != null) {
        int d = trainVectors[0].length;
        if (binary <= Math.min(d, trainVectors.length)) {
          ThresholdBinarizer b = ThresholdBinarizer.fit(trainVectors,
              ThresholdBinarizer.Threshold.MEDIAN,
              Pca.fit(trainVectors, Pca.keep(binary)));
          trainVectors = signs(b::encode, trainVectors, binary);
          testVectors = signs(b::encode, testVectors, binary);
        } else {
          SimHash h = SimHash.create(d, binary, seed);
          trainVectors = signs(h::encode, trainVectors, binary);
          testVectors = signs(h::encode, testVectors, binary);
        }
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    EvaluationReport report;
    try {
      // recall and mAP at 10, or at the training set's size when it is smaller
      report = EmbeddingEvaluator.builder().k(k).metric(m).voting(votes)
          .retrievalK(Math.min(10, trainVectors.length))
          .linearProbe(false).clustering(clustering).seed(seed).classNames(classNames).build()
          .evaluate(trainVectors, train.labels(), testVectors, test.labels());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("accuracy", report.knnAccuracy());
    out.put("recall_at_10", report.recallAtK());
    out.put("map_at_10", report.mapAtK());
    out.put("precision_at_10", report.precisionAtK());
    out.put("n_train", trainVectors.length);
    out.put("n_test", testVectors.length);
    out.put("dimension", trainVectors[0].length);
    out.put("seconds", Math.round(seconds * 1000) / 1000.0);
    out.put("embedder", embedder);
    out.put("metric", m.metricName());
    out.put("k", k);
    out.put("weights", votingName);
    out.put("voting", votingName);
    out.put("retrieval_k", report.retrievalK());
    out.put("pca", pca);
    out.put("binary_bits", binary);
    if (clustering) {
      out.put("clustering_nmi", report.clusteringNmi());
      out.put("clustering_ari", report.clusteringAri());
    }
    if (json) {
      spec.commandLine().getOut().println(Json.object(out));
    } else {
      PrintWriter o = spec.commandLine().getOut();
      o.printf(Locale.ROOT, "kNN accuracy   %.4f   (k=%d, %s, %s votes)%n", report.knnAccuracy(),
          k, m.metricName(), votingName);
      int rk = report.retrievalK();
      o.printf(Locale.ROOT, "%-15s%.4f%n%-15s%.4f%n%-15s%.4f%n", "recall@" + rk,
          report.recallAtK(), "mAP@" + rk, report.mapAtK(), "precision@" + rk,
          report.precisionAtK());
      if (clustering) {
        o.printf(Locale.ROOT, "%-15s%.4f%n%-15s%.4f%n", "k-means NMI", report.clusteringNmi(),
            "k-means ARI", report.clusteringAri());
      }
      o.printf(Locale.ROOT, "%d training, %d test, dimension %d, %.1f s%n", trainVectors.length,
          testVectors.length, trainVectors[0].length, seconds);
      if (talk) {
        err.println(report.confusion().toMarkdown());
      }
    }
    return Main.EXIT_OK;
  }

  private void atLeast(String option, Integer value, int min) {
    if (value != null && value < min) {
      throw new ParameterException(spec.commandLine(), option + " must be at least " + min
          + ", not " + value);
    }
  }

  /**
   * Binary codes as vectors of +1 and -1, so that the float evaluation pipeline compares them
   * with {@link StandardMetric#HAMMING} (which reads sign bits) exactly as it would the codes.
   */
  static float[][] signs(java.util.function.Function<float[], long[]> encode, float[][] rows,
      int bits) {
    float[][] out = new float[rows.length][bits];
    for (int i = 0; i < rows.length; i++) {
      long[] code = encode.apply(rows[i]);
      for (int b = 0; b < bits; b++) {
        out[i][b] = (code[b >>> 6] >>> (b & 63) & 1L) != 0 ? 1f : -1f;
      }
    }
    return out;
  }

  /** Refuses a --k the training set cannot serve, before anything is embedded. */
  private void checkK(int trainSize) {
    if (k > trainSize) {
      throw new ParameterException(spec.commandLine(), "--k " + k + " exceeds the "
          + trainSize + " training images; pass --k " + Math.max(1, trainSize) + " or less");
    }
  }

  static boolean isIdx(Path dir) {
    return Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))
        || Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"));
  }

  private static LabeledImages limit(LabeledImages images, Integer n) {
    return n == null ? images : images.head(n);
  }

  /** Embeds a dataset held in memory (IDX). */
  private Embedded embed(LabeledImages images, PrintWriter err) {
    int[] labels = images.labels();
    if (embedder.equals("pixels")) {
      float[][] v = new float[images.size()][];
      for (int i = 0; i < v.length; i++) {
        v[i] = images.vector(i);
      }
      return new Embedded(v, labels);
    }
    Path file = Path.of(embedder);
    if (Files.isRegularFile(file) && !ModelOptions.isFineTuned(file)) {
      try (TrainedEmbedder t = TrainedEmbedder.load(file)) {
        return new Embedded(t.embed(images), labels);
      } catch (IOException e) {
        throw new Main.InputException(e.getMessage(), e);
      }
    }
    List<ImageSource> sources = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      sources.add(ImageSource.of(Thumbnails.of(images, i), "image " + i));
    }
    return embedWithZoo(sources, labels, err);
  }

  /** Embeds a folder dataset, image files as they are. */
  private Embedded embed(ImageFolder folder, Integer n, PrintWriter err) throws IOException {
    List<ImageFolder.Entry> entries = folder.entries();
    if (n != null && n < entries.size()) {
      entries = entries.subList(0, n);
    }
    int[] labels = entries.stream().mapToInt(ImageFolder.Entry::label).toArray();
    Path file = Path.of(embedder);
    boolean onnx = embedder.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx");
    if (embedder.equals("pixels") || (Files.isRegularFile(file) && !onnx
        && !ModelOptions.isFineTuned(file))) {
      LabeledImages gray = folder.loadGrayscale(28, 28);
      if (Files.isRegularFile(file)) {
        try (TrainedEmbedder t = TrainedEmbedder.load(file)) {
          gray = folder.loadGrayscale(t.height(), t.width());
        }
      }
      return embed(limit(gray, n), err);
    }
    List<ImageSource> sources = entries.stream()
        .map(e -> (ImageSource) ImageSource.of(e.file())).toList();
    return embedWithZoo(sources, labels, err);
  }

  private Embedded embedWithZoo(List<ImageSource> sources, int[] labels, PrintWriter err) {
    ModelOptions options = new ModelOptions();
    options.model = embedder;
    options.weights = modelWeights;
    options.normalize = true;
    options.seed = seed;
    options.pooling = "avg";
    ProgressReporter progress = ProgressReporter.forConsole(err, common.quiet);
    List<float[]> vectors = new ArrayList<>();
    List<Integer> kept = new ArrayList<>();
    try (NetworkEmbedder z = options.build(spec)) {
      int[] next = {0};
      z.embedEach(sources, r -> {
        int i = next[0]++;
        if (r instanceof EmbeddingResult.Success s) {
          vectors.add(s.vector());
          kept.add(labels[i]);
        }
      }, progress);
      progress.finishBar();
    }
    return new Embedded(vectors.toArray(new float[0][]),
        kept.stream().mapToInt(Integer::intValue).toArray());
  }
}
