package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.StandardMetric;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Planted near-duplicates are found as groups, exactly with a flat index, and by a graph. */
class NearDuplicatesTest {

  /** 2,000 random vectors, then planted copies with small noise; the groups planted. */
  record Planted(float[][] x, List<Set<Long>> groups) {}

  static Planted planted() {
    SplittableRandom r = new SplittableRandom(17);
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      float[] v = new float[32];
      for (int t = 0; t < v.length; t++) {
        v[t] = (float) r.nextGaussian();
      }
      rows.add(v);
    }
    List<Set<Long>> groups = new ArrayList<>();
    int[] sizes = new int[76];
    java.util.Arrays.fill(sizes, 0, 50, 2);      // 50 pairs
    java.util.Arrays.fill(sizes, 50, 75, 3);     // 25 triples
    sizes[75] = 15;                              // one burst of 15 shots
    for (int g = 0; g < sizes.length; g++) {
      long original = 7L * g;
      Set<Long> group = new HashSet<>(List.of(original));
      for (int c = 1; c < sizes[g]; c++) {
        float[] copy = rows.get((int) original).clone();
        for (int t = 0; t < copy.length; t++) {
          copy[t] += (float) (r.nextGaussian() * 0.01);
        }
        group.add((long) rows.size());
        rows.add(copy);
      }
      groups.add(group);
    }
    return new Planted(rows.toArray(float[][]::new), groups);
  }

  static Set<Set<Long>> asSets(NearDuplicates.Result r) {
    Set<Set<Long>> out = new HashSet<>();
    r.groups().forEach(g -> out.add(new HashSet<>(g.ids())));
    return out;
  }

  @Test
  void plantedGroupsAreFoundExactlyLargestFirst() {
    Planted p = planted();
    NearDuplicates.Result r = NearDuplicates.builder(0.5).build()
        .find(p.x(), StandardMetric.EUCLIDEAN);
    assertEquals(new HashSet<>(p.groups()), asSets(r));
    assertEquals(15, r.groups().get(0).ids().size());
    assertEquals(3, r.groups().get(1).ids().size());
    assertEquals(2, r.groups().get(r.groups().size() - 1).ids().size());
    assertEquals(100 + 75 + 15, r.duplicates());
    int all = 50 + 25 * 3 + 15 * 14 / 2;
    assertTrue(r.pairs().size() < all && r.pairs().size() >= all - 15 * 14 / 2 + 15 * 10 / 2,
        "the burst's pairs beyond 10 neighbours may be missed: " + r.pairs().size());
    assertEquals(15, r.saturated(), "the burst's shots each have more than 10 duplicates");
    for (NearDuplicates.Group g : r.groups()) {
      assertTrue(g.largestLink() < 0.5 && g.largestLink() > 0, g.toString());
      List<Long> sorted = new ArrayList<>(g.ids());
      sorted.sort(null);
      assertEquals(sorted, g.ids(), "members in the order given");
    }
    double typical = r.nearestDistances()[1];
    assertTrue(typical > 3, "an entry without a copy is far from the rest: " + typical);
    assertTrue(r.nearestDistances()[0] < 0.2, "a planted original is near its copy");

    NearDuplicates.Result strict = NearDuplicates.builder(0.5).neighbours(20).build()
        .find(p.x(), StandardMetric.EUCLIDEAN);
    assertEquals(0, strict.saturated(), "20 neighbours take in the whole burst");
    assertEquals(all, strict.pairs().size(), "every pair within a group");
    assertEquals(asSets(r), asSets(strict));
  }

  @Test
  void aGraphFindsTheSameGroupsOnEasyData() {
    Planted p = planted();
    try (GraphIndex g = GraphIndex.builder(32).metric(StandardMetric.EUCLIDEAN).seed(3)
        .threads(1).build()) {
      g.addAll(0, p.x());
      long[] ids = new long[p.x().length];
      java.util.Arrays.setAll(ids, i -> i);
      NearDuplicates.Result r = NearDuplicates.builder(0.5).build().find(g, ids, p.x(), null);
      assertEquals(new HashSet<>(p.groups()), asSets(r));
    }
  }

  @Test
  void everyFormGivesTheSameAnswerAcrossChunks() {
    Planted p = planted();
    NearDuplicates whole = NearDuplicates.builder(0.5).build();
    NearDuplicates small = NearDuplicates.builder(0.5).chunk(97).build();
    NearDuplicates.Result expected = whole.find(p.x(), StandardMetric.EUCLIDEAN);
    FlatIndex flat = FlatIndex.builder(32).metric(StandardMetric.EUCLIDEAN).build();
    flat.addAll(0, p.x());
    NearDuplicates.Result fromFlat = small.find(flat, null);
    assertEquals(expected.groups(), fromFlat.groups());
    assertEquals(expected.pairs(), fromFlat.pairs());
    assertEquals(expected.saturated(), fromFlat.saturated());
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected.nearestDistances(),
        fromFlat.nearestDistances());
    try (GraphIndex g = GraphIndex.builder(32).metric(StandardMetric.EUCLIDEAN).seed(3)
        .threads(1).build()) {
      g.addAll(0, p.x());
      g.remove(3L);
      List<Integer> progress = new ArrayList<>();
      NearDuplicates.Result fromGraph = small.find(g, pr -> progress.add((int) pr.completed()));
      assertEquals(asSets(expected), asSets(fromGraph), "the graph finds every planted group");
      assertEquals(p.x().length - 1, fromGraph.nearestDistances().length);
      assertEquals(p.x().length - 1, (int) progress.get(progress.size() - 1));
      assertEquals(97, (int) progress.get(0));
    }
  }

  @Test
  void groupsChainAndTheThresholdIsInclusive() {
    float[][] line = {{0f}, {0.5f}, {1f}, {3f}};
    NearDuplicates.Result chained = NearDuplicates.builder(0.5).build()
        .find(line, StandardMetric.EUCLIDEAN);
    assertEquals(1, chained.groups().size());
    assertEquals(List.of(0L, 1L, 2L), chained.groups().get(0).ids());
    assertEquals(0.5, chained.groups().get(0).largestLink());
    assertEquals(List.of(new NearDuplicates.Pair(0, 1, 0.5), new NearDuplicates.Pair(1, 2, 0.5)),
        chained.pairs());
    assertEquals(List.of(), NearDuplicates.builder(0.49).build()
        .find(line, StandardMetric.EUCLIDEAN).groups());
    assertEquals(2.0, NearDuplicates.builder(0.5).build()
        .find(line, StandardMetric.EUCLIDEAN).nearestDistances()[3]);
    assertEquals(0, NearDuplicates.builder(1).build()
        .find(new float[0][], StandardMetric.COSINE).groups().size());
  }

  @Test
  void pairsFoundElsewhereGroupAsTheSelfJoinGroupsThem() {
    // A chain 40-7-12, a pair 3-90, and 55-56-57 closed in a triangle.
    List<NearDuplicates.Pair> pairs = List.of(new NearDuplicates.Pair(7, 40, 0.05),
        new NearDuplicates.Pair(7, 12, 0.02), new NearDuplicates.Pair(3, 90, 0.01),
        new NearDuplicates.Pair(55, 56, 0.03), new NearDuplicates.Pair(56, 57, 0.04),
        new NearDuplicates.Pair(55, 57, 0.06));
    List<NearDuplicates.Group> byId = NearDuplicates.group(pairs, null);
    assertEquals(List.of(List.of(7L, 12L, 40L), List.of(55L, 56L, 57L), List.of(3L, 90L)),
        byId.stream().map(NearDuplicates.Group::ids).toList(), "largest first, then first id");
    assertEquals(List.of(0.05, 0.06, 0.01),
        byId.stream().map(NearDuplicates.Group::largestLink).toList());
    // Another order of the members: by a rank of one's own (here, descending id).
    List<NearDuplicates.Group> reversed = NearDuplicates.group(pairs, id -> -id);
    assertEquals(List.of(57L, 56L, 55L), reversed.get(0).ids());
    assertEquals(List.of(40L, 12L, 7L), reversed.get(1).ids());
    assertEquals(List.of(), NearDuplicates.group(List.of(), null));
  }

  @Test
  void badSettingsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> NearDuplicates.builder(-0.1));
    assertThrows(IllegalArgumentException.class, () -> NearDuplicates.builder(Double.NaN));
    assertThrows(IllegalArgumentException.class,
        () -> NearDuplicates.builder(0.1).neighbours(0));
    FlatIndex f = FlatIndex.builder(1).build();
    assertThrows(IllegalArgumentException.class, () -> NearDuplicates.builder(0.1).build()
        .find(f, new long[2], new float[1][1], null));
  }
}
