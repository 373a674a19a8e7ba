package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main job on Fashion-MNIST: classify test images by their nearest training images and
 * compare the accuracy with the dataset's published benchmark.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
        "Fashion-MNIST end to end: k-nearest-neighbour classification of test images against",
        "training images, with the accuracy beside the dataset's published benchmark."},
    footer = {"", "Example:", "  embeddings4j demo --train 10000 --test 1000 --metric manhattan"})
final class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Folder with the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
  Path data = FashionMnist.defaultDirectory();

  @Option(names = "--train", paramLabel = "N", description = "Training images to use (default: ${DEFAULT-VALUE}).")
  int train = 10_000;

  @Option(names = "--test", paramLabel = "N", description = "Test images to classify (default: ${DEFAULT-VALUE}).")
  int test = 1_000;

  @Option(names = "--k", paramLabel = "K", description = "Neighbours that vote (default: ${DEFAULT-VALUE}).")
  int k = 5;

  @Option(names = "--metric", paramLabel = "NAME",
      description = "cosine, euclidean, manhattan, dot or hamming (default: ${DEFAULT-VALUE}).")
  String metric = "manhattan";

  @Option(names = {"-q", "--quiet"}, description = "Print only the result table.")
  boolean quiet;

  @Option(names = "--verbose", description = "Print stack traces of errors.")
  boolean verbose;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (train < 1 || test < 1 || k < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--train, --test and --k must be at least 1 (got " + train + ", " + test + ", " + k + ")");
    }
    DistanceMetric m;
    try {
      m = StandardMetric.fromName(metric);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    FashionMnist.Split split;
    try {
      split = FashionMnist.load(data);
    } catch (IOException e) {
      throw new Main.InputException(e.getMessage(), e);
    }
    LabeledImages trainSet = split.train().head(train);
    LabeledImages testSet = split.test().head(test);
    if (!quiet) {
      err.printf("Fashion-MNIST from %s: %d training and %d test images, %d-NN, %s%n",
          data, trainSet.size(), testSet.size(), k, m.metricName());
    }

    long start = System.nanoTime();
    float[][] trainVectors = new float[trainSet.size()][];
    for (int i = 0; i < trainVectors.length; i++) {
      trainVectors[i] = trainSet.vector(i);
    }
    AtomicInteger correct = new AtomicInteger();
    IntStream.range(0, testSet.size()).parallel().forEach(q -> {
      float[] query = testSet.vector(q);
      // Bounded max-heap of the k nearest, worst on top.
      PriorityQueue<Neighbor> heap = new PriorityQueue<>(k + 1, (x, y) -> y.compareTo(x));
      for (int i = 0; i < trainVectors.length; i++) {
        heap.add(new Neighbor(i, m.distance(query, trainVectors[i])));
        if (heap.size() > k) {
          heap.poll();
        }
      }
      double[] votes = new double[10];
      for (Neighbor n : heap) {
        votes[trainSet.label((int) n.id())] += 1.0 / (1e-9 + Math.max(0, n.distance()));
      }
      int best = 0;
      for (int c = 1; c < votes.length; c++) {
        if (votes[c] > votes[best]) {
          best = c;
        }
      }
      if (best == testSet.label(q)) {
        correct.incrementAndGet();
      }
    });
    double seconds = (System.nanoTime() - start) / 1e9;
    double accuracy = (double) correct.get() / testSet.size();

    out.println("| method | accuracy | test images | seconds |");
    out.println("|---|---:|---:|---:|");
    out.printf("| embeddings4j raw pixels, %d-NN %s, distance-weighted, %d training images | %.4f | %d | %.1f |%n",
        k, m.metricName(), trainSet.size(), accuracy, testSet.size(), seconds);
    out.println("| published: scikit-learn KNeighborsClassifier on raw pixels, 60,000 training images | 0.8600 | 10000 | |");
    out.println("| published: human performance | 0.8350 | | |");
    return Main.EXIT_OK;
  }
}
