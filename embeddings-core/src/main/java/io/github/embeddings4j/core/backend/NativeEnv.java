package io.github.embeddings4j.core.backend;

import com.sun.jna.NativeLibrary;

/**
 * The process environment as native libraries see it. Java cannot set environment variables and
 * {@link System#getenv} is a copy taken at start-up, but ND4J's native libraries (OpenBLAS,
 * OpenMP) read settings from the environment when they load: these calls go to the C library's
 * {@code setenv} and {@code getenv} through JNA, which ND4J already brings.
 */
final class NativeEnv {

  private NativeEnv() {}

  /**
   * Sets a variable for this process, replacing any value.
   *
   * @param name the variable
   * @param value its value
   * @return true if {@code setenv} succeeded
   * @throws LinkageError or RuntimeException if the C library cannot be reached through JNA
   */
  static boolean set(String name, String value) {
    return NativeLibrary.getInstance("c").getFunction("setenv")
        .invokeInt(new Object[] {name, value, 1}) == 0;
  }

  /**
   * A variable's current value in the process environment.
   *
   * @param name the variable
   * @return its value, or null if it is not set
   * @throws LinkageError or RuntimeException if the C library cannot be reached through JNA
   */
  static String get(String name) {
    return NativeLibrary.getInstance("c").getFunction("getenv")
        .invokeString(new Object[] {name}, false);
  }
}
