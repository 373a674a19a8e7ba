package io.github.embeddings4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.embeddings4j.core.ChildJvm;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class OpenMpWaitTest {

  @Test
  void passiveByDefaultAndTheUsersVariableAndTheSwitchWin() {
    assertEquals("PASSIVE", OpenMpWait.choose(null, null));
    assertEquals("PASSIVE", OpenMpWait.choose("auto", ""));
    assertEquals("ACTIVE", OpenMpWait.choose("active", null));
    assertNull(OpenMpWait.choose(null, "active"), "the user's variable wins");
    assertNull(OpenMpWait.choose("passive", "ACTIVE"));
    assertNull(OpenMpWait.choose("OFF", null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OpenMpWait.choose("sometimes", null));
    assertEquals("-Dembeddings4j.ompWaitPolicy=sometimes is not a policy; use auto, off, "
        + "passive or active", e.getMessage());
  }

  @Test
  void thePolicyIsInTheEnvironmentWhenNd4jLoads() throws Exception {
    assumeTrue("linux-x86_64".equals(NativeFlavour.platform()), "set on Linux x86-64 only");
    String auto = runChild(List.of(), Map.of());
    assertTrue(auto.contains("applied=PASSIVE env=PASSIVE "), auto);
    String off = runChild(List.of("-D" + OpenMpWait.PROPERTY + "=off"), Map.of());
    assertTrue(off.contains("applied=null env=null "), off);
    String user = runChild(List.of(), Map.of(OpenMpWait.ENV, "active"));
    assertTrue(user.contains("applied=null env=active "), user);
  }

  private static String runChild(List<String> jvmArgs, Map<String, String> env)
      throws IOException, InterruptedException {
    Map<String, String> childEnv = new HashMap<>();
    childEnv.put(OpenMpWait.ENV, null);
    childEnv.putAll(env);
    return ChildJvm.run(Child.class, jvmArgs, childEnv);
  }

  /** Selects, loads ND4J, and prints the policy set and the one in the environment. */
  public static final class Child {

    private Child() {}

    /**
     * Runs the child.
     *
     * @param args none
     */
    public static void main(String[] args) {
      NativeFlavour.select();
      Nd4j.create(2, 2).addi(1);
      System.out.println("applied=" + OpenMpWait.applied() + " env="
          + NativeEnv.get(OpenMpWait.ENV) + " ");
    }
  }
}
