package io.github.embeddings4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeFlavourTest {

  private static final Set<String> AVX2 = Set.of("sse4_2", "avx", "avx2", "fma");
  private static final Set<String> AVX512 =
      Set.of("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl");

  @Test
  void anAvx2CpuGetsTheBestBuildWhoseJarIsPresent() {
    assertEquals("-onednn-avx2", NativeFlavour.choose("linux-x86_64", AVX2, null, ext -> true));
    assertEquals("-avx2", NativeFlavour.choose("linux-x86_64", AVX2, null,
        ext -> ext.equals("-avx2")));
  }

  @Test
  void anAvx512CpuFallsBackToAvx2JarsWhenNoAvx512JarIsPresent() {
    assertEquals("-onednn-avx512", NativeFlavour.choose("linux-x86_64", AVX512, null, e -> true));
    assertEquals("-onednn-avx2", NativeFlavour.choose("linux-x86_64", AVX512, null,
        ext -> ext.endsWith("avx2")));
  }

  @Test
  void withoutFlagsOrJarsOrOnOtherPlatformsThePlainBuildStays() {
    assertEquals("", NativeFlavour.choose("linux-x86_64", Set.of("sse4_2", "avx"), null, e -> true));
    assertEquals("", NativeFlavour.choose("linux-x86_64", AVX2, null, ext -> false));
    assertEquals("", NativeFlavour.choose("macosx-arm64", AVX2, null, ext -> true));
    assertEquals("", NativeFlavour.choose("windows-x86_64", AVX2, null, ext -> true));
  }

  @Test
  void theOverrideWinsWhenItCanBeHonoured() {
    assertEquals("", NativeFlavour.choose("linux-x86_64", AVX2, "plain", ext -> true));
    assertEquals("-avx2", NativeFlavour.choose("linux-x86_64", AVX2, "avx2", ext -> true));
    // Not on this CPU: ignored, the usual choice is made.
    assertEquals("-onednn-avx2", NativeFlavour.choose("linux-x86_64", AVX2, "avx512", e -> true));
  }

  @Test
  void cpuFlagsAreReadFromCpuinfo(@TempDir Path dir) throws Exception {
    Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"), "processor\t: 0\nvendor_id\t: "
        + "GenuineIntel\nflags\t\t: fpu sse4_2 AVX2 fma avx512f\nbugs\t\t: spectre_v1\n");
    assertEquals(Set.of("fpu", "sse4_2", "avx2", "fma", "avx512f"), NativeFlavour.cpuFlags(cpuinfo));
    assertEquals(Set.of(), NativeFlavour.cpuFlags(dir.resolve("missing")));
  }

  @Test
  void theJarsOfThisBuildAreFoundWhereJavaCppLooks() {
    // The core POM adds exactly the oneDNN classifier on linux-x86_64: the resource test must
    // see it, and must not see -avx2 (JavaCPP would load that one instead).
    ClassLoader loader = getClass().getClassLoader();
    assertTrue(loader.getResource(NativeFlavour.BINDINGS + "linux-x86_64-avx2/libjnind4jcpu.so")
        == null);
    assertTrue(loader.getResource(
        NativeFlavour.BINDINGS + "linux-x86_64-onednn-avx2/libjnind4jcpu.so") != null);
    assertFalse(NativeFlavour.supported("-avx2", Set.of("avx")));
  }
}
