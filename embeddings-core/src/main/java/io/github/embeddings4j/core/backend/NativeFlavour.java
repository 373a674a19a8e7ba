package io.github.embeddings4j.core.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the build ("flavour") of ND4J's native CPU library before ND4J loads it, so that a CPU
 * with AVX2 or AVX-512 gets the optimised build without the user doing anything.
 *
 * <p>JavaCPP loads {@code <platform><extension>} where the extension comes from the system
 * property {@value #PROPERTY} ({@code -avx2}, {@code -onednn-avx2}, ...), read once, when ND4J
 * is first touched. {@link #select()} therefore has to run before any {@code Nd4j} call; the
 * embedders of this SDK call it first thing. It sets the property only when
 *
 * <ul>
 *   <li>the user has not set it (a {@code -Djavacpp.platform.extension=...} is left as it is;
 *       to run the plain build, leave the flavour jar off the class path, see below),</li>
 *   <li>the platform is {@code linux-x86_64} and {@code /proc/cpuinfo} lists the flags the build
 *       needs, and</li>
 *   <li>the jar of that build is on the class path (the {@code nd4j-native} artifact with the
 *       classifier {@code linux-x86_64-avx2} or {@code linux-x86_64-onednn-avx2}).</li>
 * </ul>
 *
 * <p>Otherwise nothing is set. Note what JavaCPP does with the property: it narrows the
 * preset's list of extensions to those the property ends with and tries them from the last, and
 * a flavour whose jar it finds is loaded even when the property names another (with both the
 * {@code -avx2} and {@code -onednn-avx2} jars present it loads {@code -avx2}, whatever is set;
 * with only a flavour jar and the plain one, that flavour, even when the property is empty). So
 * the class path decides, and {@code embeddings-core} ships exactly one flavour jar; {@link
 * #loadedFlavour()} tells what was loaded. The override {@value #OVERRIDE} ({@code plain},
 * {@code avx2}, {@code avx512}, {@code onednn-avx2}, {@code onednn-avx512}) names the flavour
 * to ask for when its jar is present; with the jars above it cannot undo what the class path
 * holds.
 */
public final class NativeFlavour {

  /** JavaCPP's system property for the native build's extension. */
  public static final String PROPERTY = "javacpp.platform.extension";

  /** This SDK's override: the flavour wanted, without the leading dash. */
  public static final String OVERRIDE = "embeddings4j.nativeFlavour";

  private static final Logger LOG = LoggerFactory.getLogger(NativeFlavour.class);

  /** Where each flavour's native library sits inside its jar. */
  static final String BINDINGS = "org/nd4j/linalg/cpu/nativecpu/bindings/";

  /**
   * Flavours in order of preference. oneDNN first: with its layer helpers switched on ({@link
   * OneDnn}) it measured fastest here; without them it runs as fast as -avx2.
   */
  static final List<String> PREFERENCE =
      List.of("-onednn-avx512", "-avx512", "-onednn-avx2", "-avx2");

  private static final String CHOSEN = chooseOnce();

  private NativeFlavour() {}

  /**
   * Makes the choice (once per JVM; later calls return the same answer), together with the
   * choice between ND4J's CPU and CUDA backends ({@link Backends}). Call before the first use of
   * ND4J.
   *
   * @return the extension in effect for JavaCPP: {@code ""} for the plain build, or e.g. {@code
   *     "-avx2"}
   * @throws IllegalStateException if {@value Backends#PROPERTY} asks for a GPU that cannot be
   *     used, or has an unknown value (the message says which)
   */
  public static String select() {
    String refusal = Backends.refusal();
    if (refusal != null) {
      throw new IllegalStateException(refusal);
    }
    return CHOSEN;
  }

  /**
   * Whether the build in effect carries oneDNN (the {@code -onednn-*} flavours).
   *
   * @return {@code true} when {@link #select()} is a oneDNN flavour
   */
  public static boolean isOneDnn() {
    String loaded = loadedBuild();
    return loaded != null ? loaded.contains("-onednn") : CHOSEN.startsWith("-onednn");
  }

  /**
   * The flavour JavaCPP actually loaded, in the form of {@link #select()}: {@code ""} for the
   * plain build, else e.g. {@code "-onednn-avx2"}.
   *
   * @return the extension loaded, or null before ND4J has loaded its CPU library
   */
  public static String loadedFlavour() {
    String build = loadedBuild();
    String platform = platform();
    if (build == null) {
      return null;
    }
    return build.startsWith(platform) ? build.substring(platform.length()) : build;
  }

  /**
   * The build of ND4J's native CPU library that JavaCPP actually loaded, from the library's
   * path: e.g. {@code "linux-x86_64-onednn-avx2"}, or {@code "linux-x86_64"} for the plain one.
   * This, not the property, is the truth: JavaCPP loads a flavour whose jar is on the class path
   * even when the property names another (see the POM of {@code embeddings-core}).
   *
   * @return the build's folder name, or null before ND4J has loaded it (or on the CUDA backend)
   */
  public static String loadedBuild() {
    try {
      String path = org.bytedeco.javacpp.Loader.getLoadedLibraries().get("nd4jcpu");
      if (path == null) {
        return null;
      }
      Path dir = Path.of(path).getParent();
      return dir == null ? path : dir.getFileName().toString();
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("cannot ask JavaCPP what it loaded: {}", e.toString());
      return null;
    }
  }

  private static String chooseOnce() {
    boolean cuda = Backends.choose();
    String platform = platform();
    // Read once: the OpenBLAS kernels and the flavour are both chosen from them.
    Set<String> flags = "linux-x86_64".equals(platform) ? cpuFlags(Path.of("/proc/cpuinfo"))
        : Set.of();
    if (!cuda && !flags.isEmpty() && !nd4jAlreadyLoaded()) {
      OpenBlasCore.applyBeforeLoad(flags);
      OpenMpWait.applyBeforeLoad();
    }
    String user = System.getProperty(PROPERTY);
    if (user != null) {
      LOG.debug("ND4J native flavour set by the user: {}={}", PROPERTY, user);
      return user;
    }
    if (cuda) {
      // JavaCPP applies the extension to every native library it loads, the CUDA backend's
      // too, which has no -avx2 or -onednn builds: leave it unset when CUDA may be used.
      LOG.debug("ND4J native flavour: not chosen (the CUDA backend may be used)");
      return "";
    }
    if (nd4jAlreadyLoaded()) {
      LOG.warn("ND4J's native library was loaded before NativeFlavour.select(): the build in use "
          + "stays as it is (call select() before the first use of ND4J, or set -D{})", PROPERTY);
      return "";
    }
    ClassLoader loader = NativeFlavour.class.getClassLoader();
    Predicate<String> jarPresent =
        ext -> loader.getResource(BINDINGS + platform + ext + "/libjnind4jcpu.so") != null;
    String choice = choose(platform, flags, System.getProperty(OVERRIDE), jarPresent);
    if (choice.isEmpty() && !flags.isEmpty()) {
      for (String ext : PREFERENCE) {
        if (jarPresent.test(ext) && !supported(ext, flags)) {
          // JavaCPP would load it anyway (it loads any flavour whose jar it finds), and the
          // first instruction the CPU lacks would kill the JVM.
          LOG.error("The ND4J build {}{} is on the class path but this CPU lacks its "
              + "instructions; JavaCPP will load it anyway and the JVM may crash with an illegal "
              + "instruction. Exclude org.nd4j:nd4j-native:{}{} from your dependencies.",
              platform, ext, platform, ext);
        }
      }
    }
    if (!choice.isEmpty()) {
      System.setProperty(PROPERTY, choice);
      LOG.debug("ND4J native flavour: {}{} (CPU flags; override with -D{}=...)", platform, choice,
          PROPERTY);
    } else {
      LOG.debug("ND4J native flavour: plain {} build", platform);
    }
    return choice;
  }

  /** Whether JavaCPP has already loaded ND4J's CPU library, when setting the property is moot. */
  private static boolean nd4jAlreadyLoaded() {
    try {
      for (String lib : org.bytedeco.javacpp.Loader.getLoadedLibraries().keySet()) {
        if (lib.contains("nd4jcpu")) {
          return true;
        }
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("cannot ask JavaCPP what it loaded: {}", e.toString());
    }
    return false;
  }

  /**
   * The decision itself, without side effects, so that it can be tested.
   *
   * @param platform JavaCPP's platform name, e.g. {@code linux-x86_64}
   * @param flags the CPU's flags, lower case
   * @param override the value of {@value #OVERRIDE}, or null
   * @param jarPresent whether the jar of an extension (e.g. {@code -avx2}) is on the class path
   * @return the extension to use, {@code ""} for the plain build
   */
  static String choose(String platform, Set<String> flags, String override,
      Predicate<String> jarPresent) {
    if (!"linux-x86_64".equals(platform)) {
      return "";
    }
    if (override != null) {
      String wanted = override.isBlank() || override.equals("plain") ? "" : "-" + override.strip();
      if (wanted.isEmpty() || (supported(wanted, flags) && jarPresent.test(wanted))) {
        return wanted;
      }
      LOG.warn("{}={} ignored: the CPU lacks its flags or its jar is not on the class path",
          OVERRIDE, override);
    }
    for (String ext : PREFERENCE) {
      if (supported(ext, flags) && jarPresent.test(ext)) {
        return ext;
      }
    }
    return "";
  }

  /** Whether the CPU has what a flavour is compiled for. */
  static boolean supported(String ext, Set<String> flags) {
    if (ext.endsWith("avx512")) {
      // The -avx512 builds are compiled for the Skylake-X set.
      return flags.containsAll(Set.of("avx512f", "avx512bw", "avx512dq", "avx512vl"));
    }
    if (ext.endsWith("avx2")) {
      return flags.containsAll(Set.of("avx2", "fma"));
    }
    return ext.isEmpty();
  }

  /** The CPU flags listed in a {@code /proc/cpuinfo}-style file; empty if it cannot be read. */
  static Set<String> cpuFlags(Path cpuinfo) {
    try {
      for (String line : Files.readAllLines(cpuinfo)) {
        if (line.startsWith("flags")) {
          int colon = line.indexOf(':');
          Set<String> flags = new HashSet<>();
          for (String f : line.substring(colon + 1).trim().split("\\s+")) {
            flags.add(f.toLowerCase(Locale.ROOT));
          }
          return flags;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot read {}: {}", cpuinfo, e.toString());
    }
    return Set.of();
  }

  /** JavaCPP's platform name, from its own property when the build pinned it. */
  static String platform() {
    String pinned = System.getProperty("javacpp.platform");
    if (pinned != null && !pinned.isBlank()) {
      return pinned;
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
    return os.startsWith("linux") && x64 ? "linux-x86_64" : os + "-" + arch;
  }
}
