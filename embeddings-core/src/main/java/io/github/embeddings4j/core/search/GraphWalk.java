package io.github.embeddings4j.core.search;

import java.util.function.IntPredicate;

/**
 * The two walks of an HNSW graph, on a {@link GraphStore} snapshot: the greedy descent of the
 * upper layers and the beam search of one layer, both ignoring nodes at or above {@code limit}
 * (not yet published to searches, or not yet stored), and reading neighbour lists without locks:
 * a list being rewritten by an insertion may be read half old, half new, but holds node numbers
 * only, each a stored node, so a walk never meets a broken one.
 */
final class GraphWalk {

  private GraphWalk() {}

  /** Greedy descent on an upper layer; returns (distance bits << 32 | node). */
  static long greedy(GraphStore st, NodeScorer sc, int ep, float epd, int level,
      int limit) {
    boolean changed = true;
    while (changed) {
      changed = false;
      int[] arr = st.upper[ep >>> st.shift][ep & st.mask];
      int base = (level - 1) * st.strideUp;
      int count = Math.min(arr[base], st.strideUp - 1);
      for (int i = 1; i <= count; i++) {
        int n = arr[base + i];
        if (n >= limit) {
          continue;
        }
        float d = sc.distance(n);
        if (d < epd || (d == epd && n < ep)) {
          ep = n;
          epd = d;
          changed = true;
        }
      }
    }
    return ((long) Float.floatToRawIntBits(epd) << 32) | (ep & 0xffffffffL);
  }

  /** Empties the heaps, marks the entry point visited and puts it on the frontier. */
  private static Visited start(GraphScratch s, int ep, float epd, int limit) {
    Visited visited = s.visited;
    visited.reset(limit);
    s.frontier.clear();
    s.results.clear();
    visited.visit(ep);
    s.frontier.push(epd, ep);
    return visited;
  }

  /** The beam search of one layer; leaves the {@code ef} nearest in {@code s.results}. */
  static void searchLayer(GraphStore st, NodeScorer sc, int ep, float epd, int ef,
      int level, int limit, GraphScratch s) {
    Visited visited = start(s, ep, epd, limit);
    NodeHeap frontier = s.frontier;
    NodeHeap results = s.results;
    results.push(epd, ep);
    while (frontier.size() > 0) {
      float d = frontier.topDistance();
      if (results.size() >= ef && d > results.topDistance()) {
        break;
      }
      int c = frontier.topNode();
      frontier.pop();
      int[] gather = s.gather;
      int g = unvisitedNeighbours(st, c, level, limit, visited, gather);
      s.sink += sc.touch(gather, g);
      for (int j = 0; j < g; j++) {
        int n = gather[j];
        float dn = sc.distance(n);
        if (results.admits(dn, n, ef)) {
          frontier.push(dn, n);
          if (results.size() < ef) {
            results.push(dn, n);
          } else {
            results.replaceTop(dn, n);
          }
        }
      }
    }
  }

  /**
   * The beam search of layer 0 for a filtered query: every node is walked through, but only
   * nodes {@code accept} passes enter {@code s.results} (the {@code ef} nearest of them). Gives
   * up, returning false, once it has computed more than {@code budget} distances, or when the
   * share of accepted nodes among those it has met says filling the beam would take more: the
   * caller then scans the accepted nodes instead, so a rare or distant subset never costs a
   * walk of the whole graph.
   */
  static boolean searchLayerFiltered(GraphStore st, NodeScorer sc, int ep, float epd, int ef,
      int limit, GraphScratch s, IntPredicate accept, long budget) {
    Visited visited = start(s, ep, epd, limit);
    NodeHeap frontier = s.frontier;
    NodeHeap results = s.results;
    long met = 1;
    long accepted = 0;
    if (accept.test(ep)) {
      results.push(epd, ep);
      accepted++;
    }
    while (frontier.size() > 0) {
      float d = frontier.topDistance();
      if (results.size() >= ef && d > results.topDistance()) {
        break;
      }
      int c = frontier.topNode();
      frontier.pop();
      int[] gather = s.gather;
      int g = unvisitedNeighbours(st, c, 0, limit, visited, gather);
      s.sink += sc.touch(gather, g);
      for (int j = 0; j < g; j++) {
        int n = gather[j];
        float dn = sc.distance(n);
        boolean ok = accept.test(n);
        met++;
        if (ok) {
          accepted++;
        }
        if (results.admits(dn, n, ef)) {
          frontier.push(dn, n);
          if (ok) {
            if (results.size() < ef) {
              results.push(dn, n);
            } else {
              results.replaceTop(dn, n);
            }
          }
        }
      }
      // Past the budget, or on course to pass it: filling the beam takes at least ef / (the
      // share accepted among the nodes met so far) nodes, which near a query far from the
      // accepted ones can be most of the graph. (Twice that as the rule cut walks that would
      // have succeeded near queries of the filter's own class: 20% scans instead of 4%.)
      if (met > budget || (met >= ef && (double) ef * met > (double) budget * (accepted + 1))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Puts the neighbours of node {@code c} on {@code level} that are below {@code limit} and
   * not yet visited into {@code gather}, marking them visited; returns their count. The
   * unvisited neighbours first, then their distances: the loads of one distance overlap the
   * next one's without the visited stamps in between.
   */
  private static int unvisitedNeighbours(GraphStore st, int c, int level, int limit,
      Visited visited, int[] gather) {
    int[] arr;
    int base;
    int count;
    if (level == 0) {
      arr = st.links0[c >>> st.shift];
      base = (c & st.mask) * st.stride0;
      count = Math.min(arr[base], st.stride0 - 1);
    } else {
      arr = st.upper[c >>> st.shift][c & st.mask];
      base = (level - 1) * st.strideUp;
      count = Math.min(arr[base], st.strideUp - 1);
    }
    int g = 0;
    for (int i = 1; i <= count; i++) {
      int n = arr[base + i];
      if (n < limit && visited.visit(n)) {
        gather[g++] = n;
      }
    }
    return g;
  }

  /** Insertion sort by (distance, node): lists are short. */
  static void sortByDistance(float[] d, int[] n, int count) {
    for (int i = 1; i < count; i++) {
      float di = d[i];
      int ni = n[i];
      int j = i - 1;
      while (j >= 0 && (d[j] > di || (d[j] == di && n[j] > ni))) {
        d[j + 1] = d[j];
        n[j + 1] = n[j];
        j--;
      }
      d[j + 1] = di;
      n[j + 1] = ni;
    }
  }
}
