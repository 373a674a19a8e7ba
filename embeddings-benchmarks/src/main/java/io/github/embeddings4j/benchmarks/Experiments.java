package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.classify.KnnClassifier;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import io.github.embeddings4j.core.eval.EmbeddingEvaluator;
import io.github.embeddings4j.core.eval.EvaluationReport;
import io.github.embeddings4j.core.eval.KnnAccuracy;
import io.github.embeddings4j.core.eval.Voting;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.reduce.PcaOptions;
import io.github.embeddings4j.core.reduce.SimHash;
import io.github.embeddings4j.core.reduce.ThresholdBinarizer;
import io.github.embeddings4j.core.search.BinaryIndex;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.train.Architecture;
import io.github.embeddings4j.core.train.EmbeddingTrainer;
import io.github.embeddings4j.core.train.FineTuner;
import io.github.embeddings4j.core.train.HyperparameterSearch;
import io.github.embeddings4j.core.train.Hyperparameters;
import io.github.embeddings4j.core.train.LearningRateSchedule;
import io.github.embeddings4j.core.train.SearchSpace;
import io.github.embeddings4j.core.train.TrainedEmbedder;
import io.github.embeddings4j.core.train.TrainingResult;
import io.github.embeddings4j.core.train.Updater;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Fashion-MNIST experiments, one seeded command that writes its figures into a markdown
 * page beside the published benchmark. Each experiment fills its own section of the page
 * (between {@code <!-- E3 -->} and {@code <!-- /E3 -->} markers), so experiments can be run
 * one at a time and the page keeps the others.
 *
 * <pre>
 * java -cp ... io.github.embeddings4j.benchmarks.Experiments --only E3,E1,E6,E5 \
 *     --out docs/RESULTS.md --work target/experiments
 * </pre>
 *
 * <p>Options (defaults in brackets): {@code --only} [E3,E1,E6,E5]; {@code --out}
 * [docs/RESULTS.md]; {@code --work} [target/experiments], where the E3 network is saved and
 * re-used when present; {@code --epochs} [6], {@code --batch} [128], {@code --lr} [0.002],
 * {@code --schedule} [cosine], {@code --patience} [3] of the E3 network; {@code --e6-train} [1000], {@code --e6-val} [500], {@code --e6-epochs} [1];
 * {@code --e5-backbone} [30000], {@code --e5-test} [1000], {@code --e5-epochs} [5], {@code
 * --e5-backbone-epochs} [2]; E7's options are listed in {@link ZooTransfer} ({@code --only E7},
 * not in the default list: it trains a zoo CNN); {@code --seed} [42]; {@code --limit} [none]: use only the first
 * n training images (and n/6 test images), a smoke run of every code path.
 */
public final class Experiments {

  private static final String PUBLISHED = """
      | method (published, Fashion-MNIST benchmark) | test accuracy |
      |---|---:|
      | human performance | 0.835 |
      | scikit-learn KNeighborsClassifier on raw pixels (best setting) | 0.860 |
      | "2 Conv+pooling" CNN | 0.916 |
      | "2 Conv+3 FC" CNN | 0.932 |
      """;

  private final Map<String, String> opts;
  private final long seed;
  private FashionMnist.Split data;
  /** E3's embeddings of the training and test images, kept for E4 when both run. */
  private float[][] e3Train;
  private float[][] e3Test;

  private Experiments(Map<String, String> opts) {
    this.opts = opts;
    this.seed = Long.parseLong(opt("seed", "42"));
  }

  /**
   * Runs the experiments named by {@code --only} and rewrites their sections of {@code --out}.
   *
   * @param args {@code --name value} pairs, see the class documentation
   * @throws IOException if Fashion-MNIST is missing or a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    new Experiments(opts).run();
  }

  private String opt(String name, String fallback) {
    return opts.getOrDefault(name, fallback);
  }

  private int intOpt(String name, int fallback) {
    return Integer.parseInt(opt(name, String.valueOf(fallback)));
  }

  private void run() throws IOException {
    Path out = Path.of(opt("out", "docs/RESULTS.md"));
    Path work = Path.of(opt("work", "target/experiments"));
    Files.createDirectories(work);
    data = FashionMnist.load(FashionMnist.defaultDirectory());
    if (opts.containsKey("limit")) {
      // A smoke run on the first images only: every code path, none of the published figures.
      int n = intOpt("limit", 60000);
      data = new FashionMnist.Split(data.train().head(n), data.test().head(Math.max(10, n / 6)));
    }
    String command = "java -cp <classpath> " + Experiments.class.getName() + " "
        + String.join(" ", opts.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .map(e -> "--" + e.getKey() + " " + e.getValue()).toList());
    Map<String, String> sections = new LinkedHashMap<>();
    for (String e : opt("only", "E3,E4,E1,E2,E6,E5").split(",")) {
      long t = System.nanoTime();
      log("starting " + e);
      String body = switch (e.trim().toUpperCase(Locale.ROOT)) {
        case "E1" -> e1();
        case "E2" -> e2();
        case "E3" -> e3(work);
        case "E4" -> e4(work);
        case "E5" -> e5();
        case "E6" -> e6();
        case "E7" -> e7(work);
        default -> throw new IllegalArgumentException("unknown experiment '" + e
            + "'; choose from E1, E2, E3, E4, E5, E6, E7");
      };
      double minutes = (System.nanoTime() - t) / 6e10;
      body += String.format(Locale.ROOT, "%nWall time of %s: %.1f min, run %s with `%s`.%n",
          e.trim(), minutes, Instant.now().toString().substring(0, 16) + "Z", command);
      sections.put(e.trim().toUpperCase(Locale.ROOT), body);
      writePage(out, sections);
      log("finished " + e + " in " + String.format(Locale.ROOT, "%.1f", minutes) + " min");
    }
  }

  private static void log(String s) {
    System.err.println(Instant.now() + " " + s);
  }

  /** Replaces the sections run now, keeping the others already on the page. */
  private static void writePage(Path out, Map<String, String> sections) throws IOException {
    String page = Files.exists(out) ? Files.readString(out) : "";
    if (!page.contains("<!-- E3 -->")) {
      page = "# Results on Fashion-MNIST\n\n"
          + "Written by `io.github.embeddings4j.benchmarks.Experiments` in `embeddings-benchmarks` (see "
          + "[training.md](training.md) for the command). 60,000 training and 10,000 test "
          + "images, pixels scaled to [0, 1]. Every figure below was measured on the 2-core "
          + "development machine, shared with other jobs, so wall times are upper bounds.\n\n"
          + PUBLISHED + "\n"
          + String.join("\n", List.of("E3", "E4", "E1", "E2", "E6", "E5").stream()
              .map(k -> "<!-- " + k + " -->\n_" + k + " not run yet._\n<!-- /" + k + " -->\n")
              .toList());
    }
    for (Map.Entry<String, String> s : sections.entrySet()) {
      String open = "<!-- " + s.getKey() + " -->";
      String close = "<!-- /" + s.getKey() + " -->";
      int a = page.indexOf(open);
      int b = page.indexOf(close);
      String block = open + "\n" + s.getValue().strip() + "\n" + close;
      page = a >= 0 && b > a ? page.substring(0, a) + block + page.substring(b + close.length())
          : page + "\n" + block + "\n";
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, page);
  }

  private static float[][] pixels(LabeledImages images) {
    float[][] out = new float[images.size()][];
    for (int i = 0; i < out.length; i++) {
      float[] v = images.vector(i);
      for (int j = 0; j < v.length; j++) {
        v[j] /= 255f;
      }
      out[i] = v;
    }
    return out;
  }

  private String e1() {
    LabeledImages train = data.train();
    LabeledImages test = data.test();
    float[][] x = pixels(train);
    float[][] q = pixels(test);
    StringBuilder sb = new StringBuilder("## E1: kNN on raw pixels\n\n"
        + "All 60,000 training images vote for each of the 10,000 test images; 784 pixels in "
        + "[0, 1]; exact search.\n\n| metric | k | voting | accuracy | seconds |\n"
        + "|---|---:|---|---:|---:|\n");
    for (Object[] c : new Object[][] {{StandardMetric.EUCLIDEAN, 5, Voting.UNIFORM},
        {StandardMetric.EUCLIDEAN, 5, Voting.DISTANCE}, {StandardMetric.COSINE, 5,
            Voting.UNIFORM}}) {
      long t = System.nanoTime();
      double acc = KnnAccuracy.of(x, train.labels(), q, test.labels(), (Integer) c[1],
          (StandardMetric) c[0], (Voting) c[2]);
      sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %.4f | %.1f |%n",
          ((StandardMetric) c[0]).metricName(), c[1],
          c[2].toString().toLowerCase(Locale.ROOT), acc, (System.nanoTime() - t) / 1e9));
      log("E1 " + c[0] + " k=" + c[1] + " " + c[2] + ": " + acc);
    }
    return sb.toString();
  }

  private Hyperparameters e3Hyperparameters() {
    return Hyperparameters.builder().epochs(intOpt("epochs", 6)).batchSize(intOpt("batch", 128))
        .learningRate(Double.parseDouble(opt("lr", "0.002")))
        .schedule(LearningRateSchedule.named(opt("schedule", "cosine")))
        .patience(intOpt("patience", 3)).seed(seed).build();
  }

  private String e3(Path work) throws IOException {
    Path model = work.resolve("e3-cnn.zip");
    Path history = work.resolve("e3-history.md");
    StringBuilder sb = new StringBuilder("## E3: embeddings of a CNN trained with the SDK\n\n");
    Hyperparameters h = e3Hyperparameters();
    TrainedEmbedder embedder;
    if (Files.exists(model) && Files.exists(history)) {
      embedder = TrainedEmbedder.load(model);
      sb.append("Network re-used from `").append(model).append("` (trained earlier with the "
          + "settings below; delete it to retrain).\n\n");
    } else {
      LabeledImages.Holdout parts = data.train().holdOut(0.1, seed);
      TrainingResult r = EmbeddingTrainer.builder().architecture(Architecture.smallCnn(128))
          .hyperparameters(h)
          .listener(p -> {
            if (p.completed() == p.total()) {
              log("E3 " + p.task() + " done");
            }
          })
          .build().train(parts.train(), parts.validation());
      r.embedder().save(model);
      Files.writeString(history, r.historyTable() + String.format(Locale.ROOT,
          "%nTraining wall time: %.1f min; kept epoch %d; stopped early: %s.%n",
          r.seconds() / 60, r.bestEpoch(), r.stoppedEarly()));
      embedder = r.embedder();
    }
    sb.append("Architecture: ").append(Architecture.smallCnn(128)).append(", trained on 54,000 "
        + "training images with 6,000 held out (stratified, seed ").append(seed)
        .append(") for early stopping; `").append(h.summary()).append(" epochs<=")
        .append(h.epochs()).append(" patience=").append(h.patience()).append("`.\n\n")
        .append(Files.readString(history)).append('\n');
    long t = System.nanoTime();
    float[][] train = embedder.embed(data.train());
    float[][] test = embedder.embed(data.test());
    double embedSeconds = (System.nanoTime() - t) / 1e9;
    e3Train = train;
    e3Test = test;
    sb.append(String.format(Locale.ROOT, "Embedding all 70,000 images (dimension %d, layer "
        + "`%s`): %.1f s. Softmax accuracy of the network itself on the test set: %.4f.%n%n",
        embedder.dimension(), embedder.embeddingLayer(), embedSeconds,
        embedder.accuracy(data.test())));
    sb.append("kNN: the 60,000 training embeddings vote for each test embedding; retrieval: "
        + "each test embedding queries the training embeddings, same label relevant "
        + "(definitions in `Retrieval`); linear probe: softmax regression on the frozen "
        + "training embeddings.\n\n").append(EvaluationReport.markdownHeader(10)).append('\n');
    EvaluationReport first = null;
    for (StandardMetric m : new StandardMetric[] {StandardMetric.COSINE,
        StandardMetric.EUCLIDEAN, StandardMetric.DOT_PRODUCT}) {
      for (Voting v : new Voting[] {Voting.UNIFORM, Voting.DISTANCE}) {
        if (v == Voting.DISTANCE && m == StandardMetric.DOT_PRODUCT) {
          continue; // negative distances
        }
        EvaluationReport r = EmbeddingEvaluator.builder().k(5).metric(m).voting(v)
            .retrievalK(10).linearProbe(first == null).seed(seed)
            .classNames(FashionMnist.CLASS_NAMES).build()
            .evaluate(train, data.train().labels(), test, data.test().labels());
        log("E3 " + r.markdownRow());
        sb.append(r.markdownRow()).append('\n');
        if (first == null) {
          first = r;
        }
      }
    }
    sb.append("\nThe same embeddings after PCA (fitted on the training embeddings, applied to "
        + "both), k = 5, uniform voting:\n\n| PCA | metric | kNN accuracy | recall@10 | "
        + "mAP@10 | linear probe | seconds |\n|---|---|---:|---:|---:|---:|---:|\n");
    for (PcaOptions o : new PcaOptions[] {Pca.keep(16), Pca.keep(32),
        Pca.keep(64), Pca.keep(32).whitened()}) {
      Pca pca = Pca.fit(train, o);
      float[][] rt = pca.reduceAll(train);
      float[][] rq = pca.reduceAll(test);
      for (StandardMetric m : new StandardMetric[] {StandardMetric.COSINE,
          StandardMetric.EUCLIDEAN}) {
        EvaluationReport r = EmbeddingEvaluator.builder().k(5).metric(m).retrievalK(10)
            .linearProbe(m == StandardMetric.COSINE).seed(seed).build()
            .evaluate(rt, data.train().labels(), rq, data.test().labels());
        String row = String.format(Locale.ROOT, "| %d%s (%.1f%% of variance) | %s | %.4f | "
            + "%.4f | %.4f | %s | %.1f |", pca.outputDimension(),
            pca.isWhitened() ? ", whitened" : "", 100 * varianceKept(pca), m.metricName(),
            r.knnAccuracy(), r.recallAtK(), r.mapAtK(),
            Double.isNaN(r.linearProbeAccuracy()) ? "-"
                : String.format(Locale.ROOT, "%.4f", r.linearProbeAccuracy()), r.seconds());
        log("E3 " + row);
        sb.append(row).append('\n');
      }
    }
    sb.append("\nConfusion matrix of kNN (cosine, k = 5, uniform) on the test set:\n\n")
        .append(first.confusion().toMarkdown());
    return sb.toString();
  }

  private static double varianceKept(Pca pca) {
    double sum = 0;
    for (double r : pca.explainedVarianceRatio()) {
      sum += r;
    }
    return sum;
  }

  /**
   * E2: PCA on raw pixels, by component count and by explained variance, then the same kNN as
   * E1's first row; accuracy and search time beside the unreduced pixels measured in this run.
   */
  private String e2() {
    LabeledImages trainSet = data.train();
    LabeledImages testSet = data.test();
    float[][] x = pixels(trainSet);
    float[][] q = pixels(testSet);
    StringBuilder sb = new StringBuilder("## E2: PCA on raw pixels, then kNN\n\n"
        + "PCA fitted on the 60,000 training images (784 pixels in [0, 1]), applied to training "
        + "and test images; then Euclidean kNN, k = 5, uniform voting, exact search (as E1). "
        + "Search time is the kNN classification of all 10,000 test images; the speed-up is "
        + "against the unreduced pixels, measured in the same run.\n\n"
        + "| input | dimension | variance kept | accuracy | PCA fit s | search s | search "
        + "speed-up |\n|---|---:|---:|---:|---:|---:|---:|\n");
    long t = System.nanoTime();
    double rawAcc = KnnAccuracy.of(x, trainSet.labels(), q, testSet.labels(), 5,
        StandardMetric.EUCLIDEAN, Voting.UNIFORM);
    double rawSeconds = (System.nanoTime() - t) / 1e9;
    sb.append(String.format(Locale.ROOT, "| raw pixels | 784 | 100%% | %.4f | - | %.1f | 1.0x |%n",
        rawAcc, rawSeconds));
    log("E2 raw " + rawAcc + " in " + rawSeconds + " s");
    for (PcaOptions o : new PcaOptions[] {Pca.keep(16), Pca.keep(32),
        Pca.keep(64), Pca.keep(128), Pca.varianceFraction(0.80),
        Pca.varianceFraction(0.90), Pca.varianceFraction(0.95)}) {
      long f = System.nanoTime();
      Pca pca = Pca.fit(x, o);
      double fitSeconds = (System.nanoTime() - f) / 1e9;
      float[][] rx = pca.reduceAll(x);
      float[][] rq = pca.reduceAll(q);
      long s = System.nanoTime();
      double acc = KnnAccuracy.of(rx, trainSet.labels(), rq, testSet.labels(), 5,
          StandardMetric.EUCLIDEAN, Voting.UNIFORM);
      double searchSeconds = (System.nanoTime() - s) / 1e9;
      String row = String.format(Locale.ROOT, "| PCA, %s | %d | %.1f%% | %.4f | %.1f | %.1f | "
          + "%.1fx |", o.count() == 0 ? String.format(Locale.ROOT, "variance >= %.2f",
          o.fraction()) : o.count() + " components", pca.outputDimension(),
          100 * varianceKept(pca), acc, fitSeconds, searchSeconds, rawSeconds / searchSeconds);
      log("E2 " + row);
      sb.append(row).append('\n');
    }
    return sb.toString();
  }

  /**
   * E4: binary codes of E3's embeddings (sign of PCA projections against their medians, and
   * SimHash random hyperplanes), searched with Hamming distance over packed bits.
   */
  private String e4(Path work) throws IOException {
    if (e3Train == null) {
      Path model = work.resolve("e3-cnn.zip");
      if (!Files.exists(model)) {
        throw new IllegalStateException("E4 needs E3's network " + model + "; run E3 first");
      }
      TrainedEmbedder embedder = TrainedEmbedder.load(model);
      e3Train = embedder.embed(data.train());
      e3Test = embedder.embed(data.test());
    }
    float[][] train = e3Train;
    float[][] test = e3Test;
    int[] trainLabels = data.train().labels();
    int[] testLabels = data.test().labels();
    int d = train[0].length;
    StringBuilder sb = new StringBuilder("## E4: binary codes of the E3 embeddings\n\n"
        + "Codes from E3's " + d + "-float embeddings; kNN with k = 5, uniform voting, Hamming "
        + "distance over packed 64-bit words (`BinaryIndex`), against the floats with cosine "
        + "(`FlatIndex`). Memory is for the " + train.length + " training vectors; search time "
        + "classifies the " + test.length + " test images.\n\n| code | bits | bytes per vector | memory | kNN accuracy | "
        + "search s |\n|---|---:|---:|---:|---:|---:|\n");
    long t = System.nanoTime();
    double floatAcc = accuracy(KnnClassifier.fit(train, trainLabels, StandardMetric.COSINE, 5,
        KnnClassifier.Vote.MAJORITY), test, testLabels);
    sb.append(String.format(Locale.ROOT, "| float32 (no code) | %d | %d | %.1f MB | %.4f | %.1f |%n",
        32 * d, 4 * d, 4.0 * d * train.length / 1e6, floatAcc, (System.nanoTime() - t) / 1e9));
    for (int bits : new int[] {32, 64, 128}) {
      if (bits > d) {
        continue;
      }
      ThresholdBinarizer b = ThresholdBinarizer.fit(train, ThresholdBinarizer.Threshold.MEDIAN,
          Pca.fit(train, Pca.keep(bits)));
      sb.append(codeRow("PCA + median threshold", bits, b::encode, train, trainLabels, test,
          testLabels)).append('\n');
    }
    for (int bits : new int[] {64, 128, 256, 512}) {
      SimHash h = SimHash.create(d, bits, seed);
      sb.append(codeRow("SimHash (random hyperplanes)", bits, h::encode, train, trainLabels,
          test, testLabels)).append('\n');
    }
    return sb.toString();
  }

  private String codeRow(String name, int bits, java.util.function.Function<float[], long[]> code,
      float[][] train, int[] trainLabels, float[][] test, int[] testLabels) {
    long t = System.nanoTime();
    int words = (bits + 63) / 64;
    BinaryIndex index = BinaryIndex.builder(words).build();
    for (int i = 0; i < train.length; i++) {
      index.add(i, code.apply(train[i]));
    }
    long[][] queries = new long[test.length][];
    for (int i = 0; i < test.length; i++) {
      queries[i] = code.apply(test[i]);
    }
    long s = System.nanoTime();
    int[] predicted = KnnClassifier.on(index, id -> trainLabels[(int) id], 5,
        KnnClassifier.Vote.MAJORITY).predictAll(queries);
    double searchSeconds = (System.nanoTime() - s) / 1e9;
    String row = String.format(Locale.ROOT, "| %s | %d | %d | %.2f MB | %.4f | %.1f |", name,
        bits, 8 * words, 8.0 * words * train.length / 1e6, fractionRight(predicted, testLabels),
        searchSeconds);
    log("E4 " + row + " (encoding " + (s - t) / 1e9 + " s)");
    return row;
  }

  private static double accuracy(KnnClassifier<float[]> knn, float[][] test, int[] labels) {
    return fractionRight(knn.predictAll(test), labels);
  }

  private static double fractionRight(int[] predicted, int[] labels) {
    int right = 0;
    for (int i = 0; i < predicted.length; i++) {
      right += predicted[i] == labels[i] ? 1 : 0;
    }
    return (double) right / predicted.length;
  }

  private String e6() {
    LabeledImages.Holdout parts = data.train().holdOut(0.1, seed);
    LabeledImages train = parts.train().samplePerClass(intOpt("e6-train", 1000) / 10, seed);
    LabeledImages val = parts.validation().samplePerClass(intOpt("e6-val", 500) / 10, seed);
    Hyperparameters base = Hyperparameters.builder().epochs(intOpt("e6-epochs", 1)).seed(seed)
        .patience(2).build();
    SearchSpace space = SearchSpace.builder().learningRates(1e-3, 1e-2).batchSizes(32, 128)
        .updaters(Updater.ADAM, Updater.NESTEROVS).build();
    HyperparameterSearch.SearchResult r = HyperparameterSearch.grid(space)
        .trainer(EmbeddingTrainer.builder().architecture(Architecture.smallCnn(128))
            .hyperparameters(base).build())
        .listener(p -> log("E6 trial " + p.completed() + "/" + p.total()))
        .run(train, val);
    HyperparameterSearch.Trial def = r.trials().stream()
        .filter(t -> t.hyperparameters().equals(base.toBuilder().batchSize(64).build()))
        .findFirst().orElse(null);
    StringBuilder sb = new StringBuilder("## E6: hyperparameter search\n\n")
        .append(String.format(Locale.ROOT, "Grid of learning rate x batch size x updater, each "
            + "trained from scratch (small CNN) on %d training images and scored on %d held-out "
            + "validation images, %d epoch(s) each.%n%n", train.size(), val.size(),
            base.epochs()))
        .append(r.toMarkdown());
    HyperparameterSearch.Trial best = r.best();
    sb.append(String.format(Locale.ROOT, "%nBest: `%s` at %.4f validation accuracy.%n",
        best.hyperparameters().summary(), best.validationAccuracy()));
    if (def == null) {
      // The default batch (64) is not in the grid; the default updater and rate at batch 128 are.
      HyperparameterSearch.Trial near = r.trials().stream()
          .filter(t -> t.hyperparameters().updater() == Updater.ADAM
              && t.hyperparameters().learningRate() == 1e-3
              && t.hyperparameters().batchSize() == 128)
          .findFirst().orElseThrow();
      sb.append(String.format(Locale.ROOT, "The default updater and rate (Adam, 0.001, batch "
          + "128) reach %.4f: the search gains %+.4f.%n", near.validationAccuracy(),
          best.validationAccuracy() - near.validationAccuracy()));
    }
    return sb.toString();
  }

  /** E7 (zoo CNN transfer on photo folders): see {@link ZooTransfer}. */
  private String e7(Path work) throws IOException {
    try {
      return new ZooTransfer(opts, seed, work, data).run();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("E7 failed: " + e, e);
    }
  }

  private String e5() {
    int[] old = {0, 1, 2, 3, 4};
    int[] fresh = {5, 6, 7, 8, 9};
    LabeledImages.Holdout parts = data.train().holdOut(0.1, seed);
    LabeledImages backboneTrain = parts.train().selectClasses(old)
        .samplePerClass(intOpt("e5-backbone", 30000) / 5, seed);
    LabeledImages backboneVal = parts.validation().selectClasses(old)
        .samplePerClass(200, seed);
    LabeledImages freshPool = parts.train().selectClasses(fresh);
    LabeledImages freshTest = data.test().selectClasses(fresh)
        .samplePerClass(intOpt("e5-test", 1000) / 5, seed);
    int epochs = intOpt("e5-epochs", 5);
    Hyperparameters h = Hyperparameters.builder().epochs(intOpt("e5-backbone-epochs", 2))
        .batchSize(64).seed(seed).build();
    long t = System.nanoTime();
    TrainingResult backbone = EmbeddingTrainer.builder().architecture(Architecture.smallCnn(128))
        .hyperparameters(h).build().train(backboneTrain, backboneVal);
    double backboneSeconds = (System.nanoTime() - t) / 1e9;
    log("E5 backbone " + backbone.bestValidationAccuracy());
    StringBuilder sb = new StringBuilder("## E5: transfer to unseen classes\n\n")
        .append(String.format(Locale.ROOT, "Backbone: small CNN trained on classes 0-4 only "
            + "(%d images, %d epoch(s), validation accuracy on classes 0-4 %.4f, %.0f s). "
            + "New task: classes 5-9 (sandal, shirt, sneaker, bag, ankle boot) with n labelled "
            + "images per class, scored on %d test images of those classes. kNN uses k = 1 and "
            + "cosine; fine-tuning freezes the convolutions (up to `pool2`) and trains the "
            + "embedding layer and a new 5-class head for %d epochs; from scratch trains the "
            + "same architecture for the same epochs on the same few images.%n%n",
            backboneTrain.size(), h.epochs(), backbone.bestValidationAccuracy(),
            backboneSeconds, freshTest.size(), epochs))
        .append("| n per class | kNN raw pixels | kNN backbone embeddings | fine-tuned backbone "
            + "| from scratch | seconds |\n|---:|---:|---:|---:|---:|---:|\n");
    float[][] testPixels = pixels(freshTest);
    float[][] testEmb = backbone.embedder().embed(freshTest);
    for (int n : new int[] {10, 50, 100}) {
      long s = System.nanoTime();
      LabeledImages few = freshPool.samplePerClass(n, seed + n);
      double raw = KnnAccuracy.of(pixels(few), few.labels(), testPixels, freshTest.labels(), 1,
          StandardMetric.COSINE, Voting.UNIFORM);
      double emb = KnnAccuracy.of(backbone.embedder().embed(few), few.labels(), testEmb,
          freshTest.labels(), 1, StandardMetric.COSINE, Voting.UNIFORM);
      Hyperparameters fh = h.toBuilder().epochs(epochs).batchSize(Math.min(32, few.size()))
          .build();
      double tuned = FineTuner.builder(backbone.embedder()).freezeUpTo("pool2").classes(5)
          .hyperparameters(fh).build().fit(few, null).embedder().accuracy(freshTest);
      double scratch = EmbeddingTrainer.builder().architecture(Architecture.smallCnn(128))
          .hyperparameters(fh).classes(5).build().train(few, null).embedder()
          .accuracy(freshTest);
      sb.append(String.format(Locale.ROOT, "| %d | %.4f | %.4f | %.4f | %.4f | %.0f |%n", n, raw,
          emb, tuned, scratch, (System.nanoTime() - s) / 1e9));
      log("E5 n=" + n + " raw " + raw + " emb " + emb + " tuned " + tuned + " scratch "
          + scratch);
    }
    return sb.toString();
  }
}
