package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Neighbor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both ways of keeping the best k (heap and buffer) against a full sort. */
class TopKTest {

  /** The first k of the pairs in Neighbor's order (distance by Double.compare, then id). */
  private static List<Neighbor> sorted(List<Neighbor> all, int k) {
    List<Neighbor> s = new ArrayList<>(all);
    s.sort(Comparator.<Neighbor>comparingDouble(n -> n.distance() + 0.0)
        .thenComparingLong(Neighbor::id));
    List<Neighbor> out = new ArrayList<>();
    for (Neighbor n : s.subList(0, Math.min(k, s.size()))) {
      out.add(new Neighbor(n.id(), n.distance() + 0.0));
    }
    return out;
  }

  /** Candidates as the scans give them: skipped above the bound, offered otherwise. */
  private static void offerAll(TopK top, List<Neighbor> pairs) {
    for (Neighbor n : pairs) {
      if (!(n.distance() > top.bound())) {
        top.offer(n.distance(), n.id());
      }
    }
  }

  /** Distances with many ties (few distinct values), NaN, -0.0 and 0.0, in a seeded order. */
  private static List<Neighbor> pairs(int count, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Neighbor> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int kind = rnd.nextInt(20);
      double d = kind == 0 ? Double.NaN : kind == 1 ? -0.0 : kind == 2 ? 0.0
          : rnd.nextInt(50) * 0.25;
      out.add(new Neighbor(i * 7L % 1_000_003, d));
    }
    // Ids are distinct (7 and 1,000,003 coprime); shuffle so that ids do not follow the order.
    for (int i = out.size() - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      Neighbor t = out.get(i);
      out.set(i, out.get(j));
      out.set(j, t);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 10, 100, 127, 128, 200, 999})
  void bothWaysKeepTheBestKInNeighborOrder(int k) {
    for (long seed = 1; seed <= 20; seed++) {
      List<Neighbor> all = pairs(1 + (int) (seed * 97 % 2000), seed);
      List<Neighbor> expected = sorted(all, k);
      for (boolean buffered : new boolean[] {false, true}) {
        TopK top = new TopK(k, null, buffered);
        offerAll(top, all);
        assertEquals(expected, top.toList(), "k=" + k + " seed=" + seed + " buffered="
            + buffered);
        assertEquals(expected.size(), top.size());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void filterIsAskedOnlyAboutPairsThatWouldGetIn(boolean buffered) {
    List<Neighbor> all = pairs(5000, 3);
    LongPredicate even = id -> id % 2 == 0;
    long[] asked = {0};
    TopK top = new TopK(60, id -> {
      asked[0]++;
      return even.test(id);
    }, buffered);
    offerAll(top, all);
    List<Neighbor> kept = new ArrayList<>();
    for (Neighbor n : all) {
      if (even.test(n.id())) {
        kept.add(n);
      }
    }
    assertEquals(sorted(kept, 60), top.toList());
    assertTrue(asked[0] < all.size(), "asked " + asked[0] + " of " + all.size());
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void mergedPartsEqualOneScan(boolean buffered) {
    List<Neighbor> all = pairs(3000, 9);
    TopK whole = new TopK(150, null, buffered);
    for (int part = 0; part < 3; part++) {
      TopK local = new TopK(150, null, !buffered);
      offerAll(local, all.subList(part * 1000, part * 1000 + 1000));
      whole.addAll(local);
    }
    assertEquals(sorted(all, 150), whole.toList());
    // idAt/distanceAt read the same pairs as toList, in some order.
    List<Neighbor> read = new ArrayList<>();
    for (int i = 0; i < whole.size(); i++) {
      read.add(new Neighbor(whole.idAt(i), whole.distanceAt(i)));
    }
    assertEquals(sorted(all, 150), sorted(read, 150));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void boundNeverRejectsAPairThatBelongs(boolean buffered) {
    // Ascending then descending distances: the buffer's bound trails the heap's, never leads.
    List<Neighbor> all = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      all.add(new Neighbor(i, i < 200 ? 200 - i : i));
    }
    TopK top = new TopK(64, null, buffered);
    for (Neighbor n : all) {
      double bound = top.bound();
      boolean belongsSoFar = sorted(all.subList(0, all.indexOf(n) + 1), 64).contains(n);
      if (belongsSoFar) {
        assertTrue(Double.isNaN(bound) || n.distance() <= bound, n + " bound " + bound);
      }
      if (!(n.distance() > bound)) {
        top.offer(n.distance(), n.id());
      }
    }
    assertEquals(sorted(all, 64), top.toList());
  }
}
