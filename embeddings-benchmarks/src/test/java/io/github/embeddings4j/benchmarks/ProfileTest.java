package io.github.embeddings4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.VerboseMode;

class ProfileTest {

  private static List<String> benchmarks() {
    Set<BenchmarkListEntry> all = BenchmarkList.defaultList().getAll(
        OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), List.of());
    List<String> names = new ArrayList<>();
    for (BenchmarkListEntry e : all) {
      names.add(e.getUsername());
    }
    return names;
  }

  private static int groupsMatching(Profile p, String benchmark) {
    int n = 0;
    for (Profile.Group g : p.groups()) {
      if (Pattern.compile(g.include()).matcher(benchmark).find()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void fullRunsEveryBenchmarkOnceAndQuickEveryOneButTheApiDispatch() {
    List<String> names = benchmarks();
    assertTrue(names.size() >= 12, names.toString());
    for (String b : names) {
      if (b.contains("CpuVsGpuBenchmark")) {
        // Needs a supported GPU and the -Pcuda build; run by name, never by a profile.
        assertEquals(0, groupsMatching(Profile.FULL, b), b);
        assertEquals(0, groupsMatching(Profile.QUICK, b), b);
        continue;
      }
      assertEquals(1, groupsMatching(Profile.FULL, b), b);
      assertEquals(b.contains("MetricBenchmark") ? 0 : 1, groupsMatching(Profile.QUICK, b), b);
    }
  }

  @Test
  void quickMeasuresKernelsAtTheGoalDimensionAndKeepsSingleShotTimesUnset() {
    Profile.Group kernels = Profile.QUICK.groups().stream()
        .filter(g -> g.name().equals("kernels")).findFirst().orElseThrow();
    Options o = kernels.options("/tmp/k.json", null);
    assertEquals(List.of("512"), new ArrayList<>(o.getParameter("dimension").get()));
    assertEquals(3, o.getMeasurementIterations().get());
    assertTrue(o.shouldFailOnError().get());
    Profile.Group batch = Profile.QUICK.groups().stream()
        .filter(g -> g.name().equals("batch")).findFirst().orElseThrow();
    assertFalse(batch.options("/tmp/b.json", null).getMeasurementTime().hasValue());
    Options full = Profile.FULL.groups().get(0).options("/tmp/l.json", null);
    assertFalse(full.getMeasurementIterations().hasValue());
  }

  @Test
  void onlyNarrowsAGroupAndUnknownProfilesAreNamed() {
    Profile.Group scan = Profile.QUICK.groups().stream()
        .filter(g -> g.name().equals("scan")).findFirst().orElseThrow();
    String include = scan.options("/tmp/s.json", "Hamming").getIncludes().get(0);
    Pattern p = Pattern.compile(include);
    assertTrue(p.matcher("io.github.embeddings4j.benchmarks.HammingScanBenchmark.search").find());
    assertFalse(p.matcher("io.github.embeddings4j.benchmarks.ScanBenchmark.search").find());
    assertEquals(Profile.FULL, Profile.of("Full"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Profile.of("fast"));
    assertTrue(e.getMessage().contains("fast"), e.getMessage());
  }
}
