package io.github.embeddings4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.embeddings4j.core.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The OpenBLAS kernel choice: the decision table, and in fresh JVMs (OpenBLAS reads the variable
 * once, when it loads) that the core set is the core OpenBLAS runs, that the user's environment
 * variable and {@code -Dembeddings4j.openblasCore=off} win, and that the SGEMM results agree.
 */
class OpenBlasCoreTest {

  private static final Set<String> AVX512 =
      Set.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl");

  @Test
  void choosesFromTheCpuFlags() {
    // Haswell's kernels on AVX-512 too: SkylakeX's gave wrong eigenvectors (see the class).
    assertEquals("Haswell", OpenBlasCore.choose(AVX512, null, null));
    assertEquals("Haswell", OpenBlasCore.choose(Set.of("avx", "avx2", "fma"), null, null));
    // AVX-512 without BW/VL (Knights Landing) is not the Skylake-X set.
    assertEquals("Haswell",
        OpenBlasCore.choose(Set.of("avx2", "fma", "avx512f", "avx512cd"), "auto", null));
    assertNull(OpenBlasCore.choose(Set.of("sse4_2", "avx"), null, null));
    assertNull(OpenBlasCore.choose(Set.of(), null, null));
  }

  @Test
  void theUsersVariableAndTheSwitchWin() {
    assertNull(OpenBlasCore.choose(AVX512, null, "Haswell"));
    assertNull(OpenBlasCore.choose(AVX512, "off", null));
    assertNull(OpenBlasCore.choose(AVX512, "OFF", null));
    assertEquals("Zen", OpenBlasCore.choose(AVX512, "Zen", null));
    assertEquals("SkylakeX", OpenBlasCore.choose(AVX512, "SkylakeX", null));
  }

  @Test
  void theCoreSetIsTheCoreOpenBlasRunsAndGivesTheSameProduct() throws Exception {
    String expected = OpenBlasCore.choose(NativeFlavour.cpuFlags(Path.of("/proc/cpuinfo")),
        null, null);
    assumeTrue(expected != null && "linux-x86_64".equals(NativeFlavour.platform()),
        "needs a linux-x86_64 CPU with AVX2 or AVX-512");
    String auto = runChild(List.of(), Map.of());
    assertTrue(auto.contains("applied=" + expected + " "), auto);
    assertTrue(auto.contains("loaded=" + expected.toLowerCase(Locale.ROOT) + " "), auto);

    String off = runChild(List.of("-D" + OpenBlasCore.PROPERTY + "=off"), Map.of());
    assertTrue(off.contains("applied=null "), off);

    String env = runChild(List.of(), Map.of(OpenBlasCore.ENV, "Haswell"));
    assertTrue(env.contains("applied=null loaded=haswell "), env);

    // The eigen-decomposition PCA relies on is right under the kernels chosen.
    assertTrue(auto.contains("eigenResidualOk=true"), auto);

    // Different kernels, the same product within float rounding.
    assertEquals(checksum(auto), checksum(off), 1e-3 * Math.abs(checksum(off)));
    assertEquals(checksum(auto), checksum(env), 1e-3 * Math.abs(checksum(env)));
  }

  @Test
  void theFlavourChosenIsTheFlavourLoaded() throws Exception {
    // JavaCPP loads any flavour whose jar it finds, whatever the property says; the build must
    // therefore carry exactly the flavour NativeFlavour asks for (it once carried -avx2 beside
    // -onednn-avx2, and oneDNN was never loaded).
    String out = runChild(List.of(), Map.of());
    int i = out.indexOf("chosen=");
    String[] parts = out.substring(i).split("\\s+");
    assertEquals(parts[0].substring("chosen=".length()),
        parts[1].substring("loadedFlavour=".length()), out);
  }

  private static double checksum(String out) {
    int i = out.indexOf("sum=");
    return Double.parseDouble(out.substring(i + 4).trim().split("\\s+")[0]);
  }

  private static String runChild(List<String> jvmArgs, Map<String, String> env)
      throws IOException, InterruptedException {
    // The user's variable must not leak in from the test JVM's environment.
    Map<String, String> childEnv = new java.util.HashMap<>();
    childEnv.put(OpenBlasCore.ENV, null);
    childEnv.putAll(env);
    return ChildJvm.run(Child.class, jvmArgs, childEnv);
  }

  /**
   * Whether OpenBLAS's {@code dsyevd} (through the SDK's {@code SymmetricEigen}) gives the top
   * eigenvector of a seeded 100 x 100 Gram matrix to 1e-9 relative residual. Under OpenBLAS
   * 0.3.19's SkylakeX kernels it gave 0.8.
   */
  static boolean eigenResidualOk() {
    int d = 100;
    java.util.Random r = new java.util.Random(1);
    double[] b = new double[d * d];
    for (int i = 0; i < b.length; i++) {
      b[i] = r.nextGaussian();
    }
    double[] a = new double[d * d];
    for (int i = 0; i < d; i++) {
      for (int j = i; j < d; j++) {
        double s = 0;
        for (int k = 0; k < d; k++) {
          s += b[k * d + i] * b[k * d + j];
        }
        a[i * d + j] = s;
        a[j * d + i] = s;
      }
    }
    double[] w = new double[d];
    double[] v = a.clone();
    int info = org.bytedeco.openblas.global.openblas.LAPACKE_dsyevd(
        org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'U', d, v, d,
        w);
    int c = d - 1;
    double res = 0;
    for (int i = 0; i < d; i++) {
      double s = 0;
      for (int k = 0; k < d; k++) {
        s += a[i * d + k] * v[k * d + c];
      }
      res += (s - w[c] * v[i * d + c]) * (s - w[c] * v[i * d + c]);
    }
    return info == 0 && Math.sqrt(res) / w[c] < 1e-9;
  }

  /** Selects, multiplies two seeded 300 x 300 matrices, and prints what OpenBLAS ran. */
  public static final class Child {

    private Child() {}

    /**
     * Runs the child.
     *
     * @param args none
     */
    public static void main(String[] args) {
      NativeFlavour.select();
      Nd4j.getRandom().setSeed(7);
      INDArray a = Nd4j.rand(DataType.FLOAT, 300, 300);
      INDArray b = Nd4j.rand(DataType.FLOAT, 300, 300);
      double sum = a.mmul(b).sumNumber().doubleValue();
      System.out.println("applied=" + OpenBlasCore.applied() + " loaded=" + OpenBlasCore.loaded()
          + " sum=" + sum + " ");
      System.out.println("eigenResidualOk=" + eigenResidualOk());
      System.out.println("chosen=[" + NativeFlavour.select() + "] loadedFlavour=["
          + NativeFlavour.loadedFlavour() + "] ");
    }
  }
}
