package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A search over fine-tunings of SqueezeNet (random weights, 48 x 48) on tiny folders. */
class ZooFineTuneSearchTest {

  private static final int SIZE = 48;

  @TempDir static Path shared;
  private static ImageFolder train;
  private static ImageFolder validation;
  /** The frozen depth the guides' examples use (SqueezeNet's fifth fire module). */
  private static final String MIDDLE = "fire5";

  @BeforeAll
  static void folders() throws Exception {
    train = ImageFolder.scan(PhotoFolders.write(shared.resolve("train"), 40, 1, 6, 6));
    validation = ImageFolder.scan(PhotoFolders.write(shared.resolve("val"), 40, 2, 4, 4));
  }

  private static ZooFineTuner.Builder base(List<Progress> heard) {
    return ZooFineTuner.builder(ZooModel.SQUEEZENET).weights(Weights.random(7))
        .inputSize(SIZE, SIZE).augmentation(Augmentation.none())
        .hyperparameters(Hyperparameters.builder().epochs(2).batchSize(4).patience(5).seed(3)
            .build())
        .listener(heard::add);
  }

  private static SearchSpace rates() {
    return SearchSpace.builder().learningRates(3e-3, 1e-4).build();
  }

  @Test
  void theGridTriesEveryCombinationKeepsTheBestAndReportsEachTrial() throws Exception {
    List<Progress> heard = new ArrayList<>();
    ZooFineTuner.Builder base = base(heard);
    ZooFineTuneSearch search = ZooFineTuneSearch.grid(rates(), Arrays.asList(null, MIDDLE));
    List<ZooFineTuneSearch.Configuration> configs = search.configurations(base);
    // Learning rate slowest, then the frozen depth.
    assertEquals(List.of(3e-3, 3e-3, 1e-4, 1e-4),
        configs.stream().map(c -> c.hyperparameters().learningRate()).toList());
    assertEquals(Arrays.asList(null, MIDDLE, null, MIDDLE),
        configs.stream().map(ZooFineTuneSearch.Configuration::freezeUpTo).toList());

    ZooFineTuneSearch.Result r = search.run(base, train, validation);
    assertEquals(configs, r.trials().stream().map(ZooFineTuneSearch.Trial::configuration)
        .toList());
    ZooFineTuneSearch.Trial best = r.trials().get(0);
    for (ZooFineTuneSearch.Trial t : r.trials()) {
      assertTrue(t.validationAccuracy() >= 0 && t.validationAccuracy() <= 1, t.toString());
      assertEquals(2, t.epochsRun());
      if (t.validationAccuracy() > best.validationAccuracy()) {
        best = t;
      }
    }
    assertEquals(best, r.best());
    assertEquals(best.validationAccuracy(), r.bestResult().bestValidationAccuracy());
    assertEquals(best.configuration().hyperparameters(), r.bestResult().hyperparameters());
    assertEquals(String.valueOf(best.configuration().freezeUpTo()),
        r.bestResult().model().training().get("freezeUpTo"));

    // The search's best trial is what fine-tuning that configuration alone gives.
    FineTuneResult alone = base(new ArrayList<>())
        .hyperparameters(best.configuration().hyperparameters())
        .freezeUpTo(best.configuration().freezeUpTo()).build().fit(train, validation);
    assertEquals(best.validationAccuracy(), alone.bestValidationAccuracy());
    assertEquals(best.bestEpoch(), alone.bestEpoch());

    // Each trial's progress names the trial; one "search" report follows each trial.
    List<String> tasks = heard.stream().map(Progress::task).toList();
    assertTrue(tasks.contains("trial 1/4: epoch 2/2"), tasks.toString());
    assertTrue(tasks.contains("trial 4/4: epoch 1/2"), tasks.toString());
    List<Long> searched = heard.stream().filter(p -> p.task().equals("search"))
        .map(Progress::completed).toList();
    assertEquals(List.of(1L, 2L, 3L, 4L), searched);

    String table = r.toMarkdown();
    assertEquals(2 + 4, table.split("\n").length, table);
    assertEquals(1, table.split("\\(best\\)", -1).length - 1, table);
    assertTrue(table.contains("(none)") && table.contains(MIDDLE), table);
  }

  @Test
  void aRandomSearchIsASeededSampleOfTheGridWithoutRepetition() {
    ZooFineTuner.Builder base = base(new ArrayList<>());
    List<String> depths = Arrays.asList(null, MIDDLE);
    List<ZooFineTuneSearch.Configuration> grid =
        ZooFineTuneSearch.grid(rates(), depths).configurations(base);
    List<ZooFineTuneSearch.Configuration> a =
        ZooFineTuneSearch.random(rates(), depths, 3, 11).configurations(base);
    assertEquals(a, ZooFineTuneSearch.random(rates(), depths, 3, 11).configurations(base));
    assertEquals(3, a.size());
    assertEquals(3, a.stream().distinct().count());
    assertTrue(grid.containsAll(a), a.toString());
    List<ZooFineTuneSearch.Configuration> other =
        ZooFineTuneSearch.random(rates(), depths, 3, 12).configurations(base);
    List<ZooFineTuneSearch.Configuration> another =
        ZooFineTuneSearch.random(rates(), depths, 3, 13).configurations(base);
    assertTrue(!a.equals(other) || !a.equals(another), "three seeds drew the same sample");
    // Asking for more trials than there are combinations tries them all, in grid order.
    assertEquals(grid, ZooFineTuneSearch.random(rates(), depths, 9, 11).configurations(base));
    assertNotEquals(0, grid.size());
  }
}
