package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.cli.report.ContactSheet;
import io.github.embeddings4j.cli.report.HtmlReport;
import io.github.embeddings4j.cli.report.ReportFolder;
import io.github.embeddings4j.cli.report.ScatterPlot;
import io.github.embeddings4j.cli.report.Thumbnails;
import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.eval.ClusteringAgreement;
import io.github.embeddings4j.core.eval.EmbeddingEvaluator;
import io.github.embeddings4j.core.eval.EvaluationReport;
import io.github.embeddings4j.core.eval.Voting;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.reduce.ThresholdBinarizer;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.train.Architecture;
import io.github.embeddings4j.core.train.EmbeddingTrainer;
import io.github.embeddings4j.core.train.Hyperparameters;
import io.github.embeddings4j.core.train.TrainedEmbedder;
import io.github.embeddings4j.core.train.TrainingResult;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The main job: Fashion-MNIST end to end. Trains a small CNN embedder, embeds, evaluates kNN,
 * retrieval and a linear probe against raw pixels, reduces with PCA, searches with binary codes,
 * clusters, and writes a report folder with the accuracy table beside the published benchmark.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "Fashion-MNIST end to end, with a report folder.",
    description =
        "Fashion-MNIST end to end: kNN on raw pixels as the baseline; train a small CNN "
        + "embedder; embed all images; kNN, recall@10, mAP@10 and a linear probe on the "
        + "embeddings; PCA; 64-bit binary codes under Hamming distance; k-means. Writes a "
        + "report folder (index.html, a PCA scatter plot, a nearest-neighbour gallery, "
        + "cluster contact sheets) with the accuracy table beside the dataset's published "
        + "benchmark, and prints that table.",
    footer = {
        "",
        "Example:",
        "  # full data, about 1.5 minutes on 2 idle cores",
        "  embeddings4j demo",
        "  embeddings4j demo --train 10000 --test 2000 --epochs 1 --report quick-report"})
final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Folder with the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
  Path data = FashionMnist.defaultDirectory();

  @Option(names = "--train", paramLabel = "N", defaultValue = "60000",
      description = "Training images to use (default: ${DEFAULT-VALUE}).")
  int train;

  @Option(names = "--test", paramLabel = "N", defaultValue = "10000",
      description = "Test images to use (default: ${DEFAULT-VALUE}).")
  int test;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "1",
      description = "Training epochs of the CNN (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--cnn-images", paramLabel = "N", defaultValue = "15000",
      description = "Training images the CNN learns from (of --train; default: ${DEFAULT-VALUE}, "
          + "which keeps the run near 1.5 minutes on 2 idle cores).")
  int cnnImages;

  @Option(names = "--k", paramLabel = "K", defaultValue = "5",
      description = "Neighbours that vote (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--report", paramLabel = "DIR", defaultValue = "demo-report",
      description = "Report folder (default: ${DEFAULT-VALUE}).")
  Path report;

  private PrintWriter err;
  private long stepStart;
  /** The new report, written beside the old one until the run succeeds. */
  private ReportFolder folder;

  private void step(String what) {
    stepStart = System.nanoTime();
    if (!common.quiet) {
      err.println("== " + what);
    }
  }

  private double seconds() {
    return (System.nanoTime() - stepStart) / 1e9;
  }

  @Override
  public Integer call() throws IOException {
    try {
      return demo();
    } finally {
      if (folder != null) {
        folder.close();   // a run that failed leaves the old report as it was
      }
    }
  }

  private Integer demo() throws IOException {
    err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (train < 20 || test < 1 || k < 1 || epochs < 1) {
      throw new ParameterException(spec.commandLine(), "--train must be at least 20 and --test, "
          + "--k, --epochs at least 1 (got " + train + ", " + test + ", " + k + ", " + epochs + ")");
    }
    Outputs.checkReport(report);
    long begin = System.nanoTime();
    FashionMnist.Split split;
    try {
      split = FashionMnist.load(data);
    } catch (IOException e) {
      throw new Main.InputException(e.getMessage(), e);
    }
    LabeledImages trainSet = split.train().head(train);
    LabeledImages testSet = split.test().head(test);
    int k = Math.min(this.k, trainSet.size());
    List<String> names = FashionMnist.CLASS_NAMES;
    folder = Outputs.beginReport(report);
    List<List<String>> rows = new ArrayList<>();

    // 1. Raw pixels, the published baseline's setting.
    step("kNN on raw pixels: " + trainSet.size() + " training, " + testSet.size() + " test images");
    float[][] pxTrain = pixels(trainSet);
    float[][] pxTest = pixels(testSet);
    EvaluationReport px = evaluate(pxTrain, trainSet, pxTest, testSet, StandardMetric.EUCLIDEAN,
        k, false);
    rows.add(row("raw pixels (784-d), " + k + "-NN Euclidean", px, seconds()));
    pxTrain = null;
    pxTest = null;

    // 2. Train a CNN embedder.
    step("training a small CNN embedder (" + epochs + " epoch(s) over "
        + Math.min(cnnImages, trainSet.size()) + " images)");
    LabeledImages.Holdout parts = trainSet.head(Math.max(20, cnnImages)).holdOut(0.1, seed);
    ProgressReporter progress = ProgressReporter.forConsole(err, common.quiet);
    TrainingResult trained = EmbeddingTrainer.builder().architecture(Architecture.smallCnn(128))
        .hyperparameters(Hyperparameters.defaults().toBuilder().epochs(epochs).seed(seed).build())
        .classes(10).listener(progress).build().train(parts.train(), parts.validation());
    progress.finishBar();
    double trainSeconds = seconds();
    TrainedEmbedder cnn = trained.embedder();
    cnn.save(folder.resolve("cnn-embedder.zip"));

    step("embedding all images");
    float[][] eTrain = cnn.embed(trainSet);
    float[][] eTest = cnn.embed(testSet);
    double embedSeconds = seconds();
    int d = eTrain[0].length;
    if (!common.quiet) {
      err.printf(Locale.ROOT, "%d embeddings of dimension %d in %.1f s%n",
          eTrain.length + eTest.length, d, embedSeconds);
    }

    // 3. Evaluate the embeddings.
    step("kNN, retrieval and linear probe on the CNN embeddings");
    EvaluationReport emb = evaluate(eTrain, trainSet, eTest, testSet, StandardMetric.COSINE, k,
        true);
    rows.add(row("CNN embeddings (" + d + "-d), " + k + "-NN cosine", emb, seconds()));

    step("PCA to 32 components, then kNN");
    Pca pca = Pca.fit(eTrain, Pca.keep(Math.min(32, d)));
    EvaluationReport reduced = evaluate(pca.reduceAll(eTrain), trainSet, pca.reduceAll(eTest),
        testSet, StandardMetric.COSINE, k, false);
    rows.add(row("CNN embeddings, PCA to " + pca.outputDimension() + ", " + k + "-NN cosine",
        reduced, seconds()));

    step("64-bit binary codes, Hamming kNN");
    int bits = Math.min(64, Math.min(d, eTrain.length));
    ThresholdBinarizer binarizer = ThresholdBinarizer.fit(eTrain,
        ThresholdBinarizer.Threshold.MEDIAN, Pca.fit(eTrain, Pca.keep(bits)));
    EvaluationReport codes = evaluate(EvaluateCommand.signs(binarizer::encode, eTrain, bits), trainSet,
        EvaluateCommand.signs(binarizer::encode, eTest, bits), testSet, StandardMetric.HAMMING, k, false);
    rows.add(row(bits + "-bit codes (" + (d * 32 / bits) + "x smaller), " + k + "-NN Hamming",
        codes, seconds()));

    // 4. Pictures.
    step("k-means, scatter plot, gallery and contact sheets");
    int shown = Math.min(testSet.size(), 3000);
    float[][] xy = Pca.fit(eTest, Pca.keep(2)).reduceAll(java.util.Arrays.copyOf(eTest, shown));
    ScatterPlot.write(folder.resolve("pca-scatter.png"), xy,
        java.util.Arrays.copyOf(testSet.labels(), shown), names,
        "CNN embeddings of " + shown + " test images, first two principal components");
    List<HtmlReport.GalleryRow> gallery = gallery(eTrain, trainSet, eTest, testSet);
    int clusters = Math.min(10, eTest.length);
    KMeans km = KMeans.fit(eTest, KMeansOptions.clusters(clusters).withSeed(seed));
    List<String> sheets = new ArrayList<>();
    int[] assign = km.assignments();
    int agreeing = 0;
    for (int c = 0; c < clusters; c++) {
      final int cluster = c;
      int[] members = IntStream.range(0, assign.length).filter(i -> assign[i] == cluster).toArray();
      int[] count = new int[10];
      for (int i : members) {
        count[testSet.label(i)]++;
      }
      agreeing += java.util.Arrays.stream(count).max().orElse(0);
      List<BufferedImage> thumbs = new ArrayList<>();
      float[] centre = km.centroid(c);
      IntStream.of(members).boxed()
          .sorted(Comparator.comparingDouble(i -> StandardMetric.EUCLIDEAN.distance(eTest[i], centre)))
          .limit(40).forEach(i -> thumbs.add(Thumbnails.of(testSet, i)));
      String file = String.format(Locale.ROOT, "cluster-%02d.png", c);
      ContactSheet.write(folder.resolve(file), thumbs, 10, 56,
          "cluster " + c + ": " + members.length + " images");
      sheets.add(file);
    }
    double purity = (double) agreeing / assign.length;

    // 5. The report.
    List<List<String>> published = List.of(
        List.of("human performance (published)", "0.8350", "", "", "", "", ""),
        List.of("scikit-learn KNeighborsClassifier on raw pixels (published)", "0.8600", "", "", "", "", ""),
        List.of("\"2 Conv+pooling\" CNN (published)", "0.9160", "", "", "", "", ""),
        List.of("\"2 Conv+3 FC\" CNN (published)", "0.9320", "", "", "", "", ""));
    List<List<String>> table = new ArrayList<>(rows);
    table.add(List.of("CNN softmax head itself", fmt(cnn.accuracy(testSet)), "", "", "", "", ""));
    table.add(List.of("linear probe on CNN embeddings", fmt(emb.linearProbeAccuracy()), "", "", "", "", ""));
    table.addAll(published);
    List<String> header = List.of("method", "accuracy", "recall@10", "mAP@10", "precision@10",
        "seconds", "");
    double total = (System.nanoTime() - begin) / 1e9;
    HtmlReport html = new HtmlReport("embeddings4j demo: Fashion-MNIST")
        .paragraph(String.format(Locale.ROOT, "%d training and %d test images; a small CNN "
            + "(conv32-pool-conv64-pool-dense%d) trained for %d epoch(s) in %.0f s; the whole "
            + "run took %.0f s.", trainSet.size(), testSet.size(), d, epochs, trainSeconds, total))
        .table("Test accuracy beside the published benchmark", header.subList(0, 6),
            table.stream().map(r -> r.subList(0, 6)).toList())
        .image("The embedding space", "pca-scatter.png", "first two principal components of "
            + "the test embeddings, coloured by class")
        .gallery("Nearest training images of test queries (green: same class)", gallery)
        .paragraph(String.format(Locale.ROOT, "k-means with %d clusters on the test embeddings: "
            + "%.1f%% of images share their cluster's most common class (normalised mutual "
            + "information %.3f, adjusted Rand index %.3f).", clusters, 100 * purity,
            ClusteringAgreement.normalizedMutualInformation(testSet.labels(), assign),
            ClusteringAgreement.adjustedRandIndex(testSet.labels(), assign)));
    for (int c = 0; c < sheets.size(); c++) {
      html.image("Cluster " + c, sheets.get(c), "the 40 images nearest the centre");
    }
    html.write(folder.resolve("index.html"));
    folder.commit();

    out.println("| " + String.join(" | ", header.subList(0, 6)) + " |");
    out.println("|---|---:|---:|---:|---:|---:|");
    for (List<String> r : table) {
      out.println("| " + String.join(" | ", r.subList(0, 6)) + " |");
    }
    if (!common.quiet) {
      err.printf(Locale.ROOT, "report: %s (%.0f s in all)%n", report.resolve("index.html"), total);
    }
    return Main.EXIT_OK;
  }

  private static float[][] pixels(LabeledImages images) {
    float[][] v = new float[images.size()][];
    for (int i = 0; i < v.length; i++) {
      v[i] = images.vector(i);
    }
    return v;
  }

  private EvaluationReport evaluate(float[][] tr, LabeledImages trainSet, float[][] te,
      LabeledImages testSet, StandardMetric metric, int k, boolean probe) {
    return EmbeddingEvaluator.builder().k(k).metric(metric)
        .voting(metric == StandardMetric.HAMMING ? Voting.UNIFORM : Voting.DISTANCE)
        .retrievalK(Math.min(10, tr.length)).linearProbe(probe).seed(seed)
        .classNames(FashionMnist.CLASS_NAMES).build()
        .evaluate(tr, trainSet.labels(), te, testSet.labels());
  }

  private static List<String> row(String method, EvaluationReport r, double seconds) {
    return List.of(method, fmt(r.knnAccuracy()), fmt(r.recallAtK()), fmt(r.mapAtK()),
        fmt(r.precisionAtK()), String.format(Locale.ROOT, "%.1f", seconds), "");
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
  }

  private List<HtmlReport.GalleryRow> gallery(float[][] eTrain, LabeledImages trainSet,
      float[][] eTest, LabeledImages testSet) throws IOException {
    Path thumbs = folder.resolve("thumbs");
    Files.createDirectories(thumbs);
    FlatIndex index = FlatIndex.builder(eTrain[0].length).metric(StandardMetric.COSINE).build();
    index.addAll(0, eTrain);
    List<HtmlReport.GalleryRow> rows = new ArrayList<>();
    for (int q = 0; q < Math.min(8, eTest.length); q++) {
      int query = q * Math.max(1, eTest.length / 8);
      String qName = "thumbs/test-" + query + ".png";
      Thumbnails.writePng(folder.resolve(qName), Thumbnails.of(testSet, query));
      List<HtmlReport.Hit> hits = new ArrayList<>();
      for (Neighbor n : index.search(eTest[query], 8)) {
        int id = (int) n.id();
        String name = "thumbs/train-" + id + ".png";
        Thumbnails.writePng(folder.resolve(name), Thumbnails.of(trainSet, id));
        hits.add(new HtmlReport.Hit(name, FashionMnist.CLASS_NAMES.get(trainSet.label(id)),
            n.distance(), trainSet.label(id) == testSet.label(query)));
      }
      rows.add(new HtmlReport.GalleryRow(qName,
          FashionMnist.CLASS_NAMES.get(testSet.label(query)), hits));
    }
    return rows;
  }
}
