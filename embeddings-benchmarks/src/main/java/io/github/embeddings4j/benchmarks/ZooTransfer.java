package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.eval.KnnAccuracy;
import io.github.embeddings4j.core.eval.LinearProbe;
import io.github.embeddings4j.core.eval.Voting;
import io.github.embeddings4j.core.train.Augmentation;
import io.github.embeddings4j.core.train.FineTuneResult;
import io.github.embeddings4j.core.train.Hyperparameters;
import io.github.embeddings4j.core.train.ZooFineTuner;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * E7: transfer learning with a zoo CNN at photo size. Fashion-MNIST is written as RGB class
 * folders of {@code size x size} PNGs ({@link FashionMnistFolders}); a zoo CNN (SqueezeNet by
 * default) is trained from random weights by {@code ZooFineTuner} on classes 0-4 and is the
 * backbone; the new task is classes 5-9 with 10, 50 and 100 labelled images per class (seeded
 * picks, each set inside the next), scored on the 5-9 test images, four ways: (a) kNN (k = 1,
 * cosine) on the backbone's frozen embeddings, (b) a linear head ({@code LinearProbe}) on the
 * same embeddings, (c) the backbone fine-tuned (backbone rate 0.1 of the head's), (d) the same
 * network from random weights with the same settings and epochs.
 *
 * <p>Run through {@link Experiments} ({@code --only E7}); options with their defaults: {@code
 * --e7-model} [squeezenet], {@code --e7-size} [56], {@code --e7-backbone} [2000] images per
 * class of 0-4, {@code --e7-backbone-epochs} [3], {@code --e7-epochs} [15] for (c) and (d),
 * {@code --e7-test} [1000] test images per class of 5-9, {@code --e7-shots} [10,50,100],
 * {@code --e7-batch} [32], {@code --e7-lr} [0.001]. The backbone is saved in {@code
 * <work>/e7/backbone.zip} and re-used when present (delete it to retrain); its training
 * checkpoints, so an interrupted run resumes.
 */
final class ZooTransfer {

  private final Map<String, String> opts;
  private final long seed;
  private final Path work;
  private final FashionMnist.Split data;

  ZooTransfer(Map<String, String> opts, long seed, Path work, FashionMnist.Split data) {
    this.opts = opts;
    this.seed = seed;
    this.work = work.resolve("e7");
    this.data = data;
  }

  private String opt(String name, String fallback) {
    return opts.getOrDefault(name, fallback);
  }

  private int intOpt(String name, int fallback) {
    return Integer.parseInt(opt(name, String.valueOf(fallback)));
  }

  private static void log(String s) {
    System.err.println(Instant.now() + " E7 " + s);
  }

  /** Writes a folder set once; a folder already there (from an earlier run) is kept. */
  private Path folders(String name, boolean train, int[] classes, int perClass, int size)
      throws IOException {
    Path dir = work.resolve(name);
    if (!Files.isDirectory(dir)) {
      Path tmp = work.resolve(name + ".writing");
      deleteTree(tmp);
      int n = FashionMnistFolders.write(train ? data.train() : data.test(), classes, perClass,
          size, seed, tmp);
      Files.move(tmp, dir);
      log("wrote " + n + " images to " + dir);
    }
    return dir;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** The first {@code n} images (by name) of each class folder of a seeded sample. */
  private Path few(Path pool, int n) throws IOException {
    Path dir = work.resolve("few-" + n);
    deleteTree(dir);
    try (Stream<Path> classes = Files.list(pool)) {
      for (Path c : classes.filter(Files::isDirectory).sorted().toList()) {
        Path to = Files.createDirectories(dir.resolve(c.getFileName()));
        try (Stream<Path> files = Files.list(c)) {
          for (Path f : files.sorted().limit(n).toList()) {
            Files.copy(f, to.resolve(f.getFileName()));
          }
        }
      }
    }
    return dir;
  }

  private static float[][] embed(ZooEmbedder e, ImageFolder folder) {
    List<ImageSource> sources = new ArrayList<>();
    for (ImageFolder.Entry entry : folder.entries()) {
      sources.add(ImageSource.of(entry.file()));
    }
    float[][] out = new float[sources.size()][];
    for (int from = 0; from < sources.size(); from += 256) {
      List<EmbeddingResult> r = e.embedBatch(sources.subList(from, Math.min(sources.size(),
          from + 256)));
      for (int i = 0; i < r.size(); i++) {
        if (!(r.get(i) instanceof EmbeddingResult.Success s)) {
          throw new IllegalStateException("cannot embed " + r.get(i));
        }
        out[from + i] = s.vector();
      }
    }
    return out;
  }

  String run() throws Exception {
    ZooModel model = ZooModel.parse(opt("e7-model", "squeezenet"));
    int size = intOpt("e7-size", 56);
    int epochs = intOpt("e7-epochs", 15);
    int batch = intOpt("e7-batch", 32);
    double lr = Double.parseDouble(opt("e7-lr", "0.001"));
    int[] old = {0, 1, 2, 3, 4};
    int[] fresh = {5, 6, 7, 8, 9};
    List<Integer> shots = new ArrayList<>();
    for (String s : opt("e7-shots", "10,50,100").split(",")) {
      shots.add(Integer.parseInt(s.trim()));
    }
    int maxShots = shots.stream().mapToInt(Integer::intValue).max().orElseThrow();
    Files.createDirectories(work);
    Path oldTrain = folders("old-train", true, old, intOpt("e7-backbone", 2000), size);
    Path oldVal = folders("old-val", false, old, 200, size);
    Path pool = folders("new-pool", true, fresh, maxShots, size);
    Path newTest = folders("new-test", false, fresh, intOpt("e7-test", 1000), size);
    ImageFolder test = ImageFolder.scan(newTest);

    Path backboneFile = work.resolve("backbone.zip");
    Hyperparameters hb = Hyperparameters.builder().epochs(intOpt("e7-backbone-epochs", 3))
        .batchSize(batch).learningRate(lr).patience(2).seed(seed).build();
    double backboneSeconds = Double.NaN;
    String backboneNote;
    if (!Files.isRegularFile(backboneFile)) {
      ImageFolder backTrain = ImageFolder.scan(oldTrain);
      FineTuneResult r = ZooFineTuner.builder(model).weights(Weights.random(seed))
          .inputSize(size, size).backboneLearningRateScale(1).hyperparameters(hb)
          .checkpoint(work.resolve("backbone.zip.checkpoint")).resume(true)
          .listener(p -> {
            if (p.completed() == p.total() || p.task().startsWith("skipped")) {
              log("backbone " + p.task());
            }
          })
          .build().fit(backTrain, ImageFolder.scan(oldVal));
      r.save(backboneFile);
      Files.deleteIfExists(work.resolve("backbone.zip.checkpoint"));
      backboneSeconds = r.seconds();
      backboneNote = String.format(Locale.ROOT, "%d images of classes 0-4, %d epoch(s) run, "
          + "epoch %d kept, validation accuracy on classes 0-4 %.4f, %.0f s", backTrain.size(),
          r.history().size(), r.bestEpoch(), r.bestValidationAccuracy(), backboneSeconds);
      log("backbone: " + backboneNote);
    } else {
      backboneNote = "re-used from " + backboneFile + " (" + io.github.embeddings4j.core.zoo
          .FineTunedModel.read(backboneFile).training() + ")";
    }

    long t = System.nanoTime();
    float[][] testEmb;
    try (ZooEmbedder e = ZooEmbedder.fineTuned(backboneFile).build()) {
      testEmb = embed(e, test);
    }
    double testEmbedSeconds = (System.nanoTime() - t) / 1e9;
    int[] testLabels = test.labels();

    StringBuilder sb = new StringBuilder("## E7: transfer learning with a zoo CNN on photo"
        + " folders\n\n").append(String.format(Locale.ROOT, "Fashion-MNIST written as RGB "
        + "class folders of %dx%d PNGs (`FashionMnistFolders`). Backbone: %s from random "
        + "weights, trained by `ZooFineTuner` at %dx%d (%s). New task: classes 5-9 with n "
        + "labelled images per class (seeded picks, each set inside the next), scored on %d "
        + "test images of classes 5-9. (a) kNN (k = 1, cosine) and (b) a linear head "
        + "(`LinearProbe`) on the backbone's frozen embeddings (pooled `%s`, %d test images "
        + "embedded once in %.0f s, not in the columns); (c) the backbone fine-tuned, backbone "
        + "rate 0.1 of the head's, %d epochs, augmentation on; (d) the same network from random "
        + "weights, same settings and epochs. Seconds: embedding the few images and fitting "
        + "(a, b), training (c, d).%n%n", size, size, model.zooName(), size, size,
        backboneNote, test.size(), io.github.embeddings4j.core.zoo.FineTunedModel.read(backboneFile)
        .embeddingLayer(),
        test.size(), testEmbedSeconds, epochs))
        .append("| n per class | (a) kNN, frozen | s | (b) linear head, frozen | s | "
            + "(c) fine-tuned | s | (d) from scratch | s |\n"
            + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    List<String> notes = new ArrayList<>();
    for (int n : shots) {
      ImageFolder few = ImageFolder.scan(few(pool, n));
      long s = System.nanoTime();
      float[][] fewEmb;
      try (ZooEmbedder e = ZooEmbedder.fineTuned(backboneFile).build()) {
        fewEmb = embed(e, few);
      }
      double embedSeconds = (System.nanoTime() - s) / 1e9;
      s = System.nanoTime();
      double knn = KnnAccuracy.of(fewEmb, few.labels(), testEmb, testLabels, 1,
          StandardMetric.COSINE, Voting.UNIFORM);
      double knnSeconds = embedSeconds + (System.nanoTime() - s) / 1e9;
      s = System.nanoTime();
      double head = LinearProbe.fit(fewEmb, few.labels(), seed).accuracy(testEmb, testLabels);
      double headSeconds = embedSeconds + (System.nanoTime() - s) / 1e9;
      Hyperparameters hf = hb.toBuilder().epochs(epochs).batchSize(Math.min(batch, few.size()))
          .build();
      s = System.nanoTime();
      FineTuneResult tunedRun = ZooFineTuner.builder(model).weights(Weights.file(backboneFile))
          .inputSize(size, size).backboneLearningRateScale(0.1).hyperparameters(hf)
          .augmentation(Augmentation.defaults()).build().fit(few, null);
      double tunedSeconds = (System.nanoTime() - s) / 1e9;
      double tuned = tunedRun.accuracy(test);
      s = System.nanoTime();
      FineTuneResult scratchRun = ZooFineTuner.builder(model).weights(Weights.random(seed))
          .inputSize(size, size).backboneLearningRateScale(1).hyperparameters(hf)
          .augmentation(Augmentation.defaults()).build().fit(few, null);
      double scratchSeconds = (System.nanoTime() - s) / 1e9;
      double scratch = scratchRun.accuracy(test);
      sb.append(String.format(Locale.ROOT, "| %d | %.4f | %.1f | %.4f | %.1f | %.4f | %.0f | "
          + "%.4f | %.0f |%n", n, knn, knnSeconds, head, headSeconds, tuned, tunedSeconds,
          scratch, scratchSeconds));
      log(String.format(Locale.ROOT, "n=%d knn %.4f head %.4f tuned %.4f scratch %.4f", n, knn,
          head, tuned, scratch));
      if (tuned <= scratch) {
        notes.add(String.format(Locale.ROOT, "at n = %d fine-tuning does not beat training "
            + "from scratch (%.4f against %.4f)", n, tuned, scratch));
      }
      if (head <= knn) {
        notes.add(String.format(Locale.ROOT, "at n = %d the linear head does not beat kNN "
            + "(%.4f against %.4f)", n, head, knn));
      }
    }
    sb.append(notes.isEmpty() ? "\nFine-tuning beats training from scratch, and the linear "
        + "head beats kNN, at every shot count.\n" : "\nWhere the expected order does not "
        + "hold: " + String.join("; ", notes) + ".\n");
    return sb.toString();
  }
}
