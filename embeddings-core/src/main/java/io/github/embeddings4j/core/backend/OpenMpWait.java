package io.github.embeddings4j.core.backend;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes ND4J's OpenMP threads sleep when they have no work instead of spinning, before the
 * library loads.
 *
 * <p>ND4J's native library runs its operations on OpenMP threads (GNU libgomp), which by default
 * spin for a while after each parallel region. Work done between ND4J calls on Java threads then
 * shares the cores with spinning threads. On this project's 2-core development machine, in a
 * 1,000-query matrix-product search (each ND4J product followed by a top-k selection on the
 * search threads), the selection took 75-87 ms per search and the copies into ND4J 42-63 ms with
 * the default, 46-53 and 31-38 ms with {@code OMP_WAIT_POLICY=PASSIVE}; ResNet50 inference (one
 * and two network copies) and the demo's CNN training were no slower (training 515 against 457
 * img/s, docs/models.md). OpenMP reads {@value #ENV} when it loads, so this class sets it through
 * the C library before ND4J's first use.
 *
 * <p>It never overrides: an {@value #ENV} already in the environment wins, and {@code
 * -D}{@value #PROPERTY}{@code =off} turns it off ({@code =ACTIVE} or {@code =PASSIVE} sets that
 * value). {@link NativeFlavour#select()} calls it on Linux x86-64 with the CPU backend.
 */
final class OpenMpWait {

  /** OpenMP's environment variable for what idle threads do. */
  public static final String ENV = "OMP_WAIT_POLICY";

  /** This SDK's switch: {@code auto} (default: PASSIVE), {@code off}, ACTIVE or PASSIVE. */
  public static final String PROPERTY = "embeddings4j.ompWaitPolicy";

  private static final Logger LOG = LoggerFactory.getLogger(OpenMpWait.class);

  private static volatile String applied;

  private OpenMpWait() {}

  /**
   * The policy to set, without side effects.
   *
   * @param property the value of {@value #PROPERTY}, or null
   * @param env the value of {@value #ENV} in the environment, or null
   * @return {@code PASSIVE} or {@code ACTIVE}, or null to leave OpenMP alone
   * @throws IllegalArgumentException if the property names no policy
   */
  static String choose(String property, String env) {
    if (env != null && !env.isBlank()) {
      return null;
    }
    String p = property == null ? "AUTO" : property.trim().toUpperCase(Locale.ROOT);
    return switch (p) {
      case "OFF" -> null;
      case "AUTO", "", "PASSIVE" -> "PASSIVE";
      case "ACTIVE" -> "ACTIVE";
      default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + property
          + " is not a policy; use auto, off, passive or active");
    };
  }

  /**
   * Sets {@value #ENV} for this process if {@link #choose} says so. Must run before ND4J's
   * native library loads; later it has no effect.
   */
  static void applyBeforeLoad() {
    String policy;
    try {
      policy = choose(System.getProperty(PROPERTY), System.getenv(ENV));
    } catch (IllegalArgumentException e) {
      LOG.warn("{}; OpenMP's wait policy left alone", e.getMessage());
      return;
    }
    if (policy == null) {
      LOG.debug("OpenMP wait policy left to OpenMP ({}={}, {}={})", ENV, System.getenv(ENV),
          PROPERTY, System.getProperty(PROPERTY));
      return;
    }
    try {
      if (NativeEnv.set(ENV, policy)) {
        applied = policy;
        LOG.debug("{}={} set for ND4J's OpenMP threads (-D{}=off leaves it alone)", ENV, policy,
            PROPERTY);
      } else {
        LOG.warn("could not set {}={}; OpenMP keeps its default", ENV, policy);
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("could not set {}={} ({}); OpenMP keeps its default", ENV, policy, e.toString());
    }
  }

  /**
   * The policy this class set, if it set one.
   *
   * @return {@code PASSIVE} or {@code ACTIVE}, or null
   */
  public static String applied() {
    return applied;
  }
}
