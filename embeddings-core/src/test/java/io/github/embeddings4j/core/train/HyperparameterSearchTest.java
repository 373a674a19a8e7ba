package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.core.data.LabeledImages;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HyperparameterSearchTest {

  private final SearchSpace space = SearchSpace.builder().learningRates(1e-2, 1e-12)
      .batchSizes(25, 50).updaters(Updater.ADAM, Updater.RMSPROP).build();

  @Test
  void gridHoldsEveryCombinationOnTheBase() {
    Hyperparameters base = Hyperparameters.builder().epochs(7).seed(9).build();
    List<Hyperparameters> grid = space.grid(base);
    assertEquals(8, grid.size());
    assertEquals(8, grid.stream().distinct().count());
    assertTrue(grid.stream().allMatch(h -> h.epochs() == 7 && h.seed() == 9));
  }

  @Test
  void randomSearchIsASeededSubsetOfTheGrid() {
    List<Hyperparameters> a = HyperparameterSearch.random(space, 3, 11).configurations();
    assertEquals(a, HyperparameterSearch.random(space, 3, 11).configurations());
    assertEquals(3, a.size());
    assertTrue(space.grid(Hyperparameters.defaults()).containsAll(a));
    assertEquals(8, HyperparameterSearch.random(space, 20, 11).configurations().size());
  }

  @Test
  void searchReturnsTheBestOfItsTable() throws Exception {
    // A usable rate against one too small to learn anything: the search must pick the first.
    SearchSpace two = SearchSpace.builder().learningRates(3e-3, 1e-12).build();
    LabeledImages train = TestData.train(100);
    List<Progress> trainings = new ArrayList<>();
    List<Progress> searched = new ArrayList<>();
    HyperparameterSearch.SearchResult r = HyperparameterSearch.grid(two)
        .trainer(EmbeddingTrainer.builder().architecture(Architecture.smallCnn(8))
            .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(10).build())
            .listener(trainings::add).build())
        .listener(searched::add)
        .run(train, TestData.validation(60));
    assertEquals(2, r.trials().size());
    // Each training's reports name its trial; the search reports each finished trial.
    List<String> tasks = trainings.stream().map(Progress::task).distinct().toList();
    assertEquals(List.of("trial 1/2: epoch 1/1", "trial 2/2: epoch 1/1"), tasks);
    assertEquals(List.of(1L, 2L), searched.stream().map(Progress::completed).toList());
    double max = r.trials().stream()
        .mapToDouble(HyperparameterSearch.Trial::validationAccuracy).max().orElseThrow();
    assertEquals(max, r.best().validationAccuracy());
    assertEquals(3e-3, r.best().hyperparameters().learningRate());
    assertTrue(r.toMarkdown().contains("(best)"), r.toMarkdown());
    assertSame(r.best(), r.trials().stream()
        .filter(t -> t.validationAccuracy() == max).findFirst().orElseThrow());
  }
}
