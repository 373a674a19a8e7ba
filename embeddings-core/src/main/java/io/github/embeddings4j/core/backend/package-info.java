/**
 * The native side of ND4J: which build of its CPU library is loaded ({@link
 * io.github.embeddings4j.core.backend.NativeFlavour}, chosen from the CPU's flags before ND4J
 * first loads) and DL4J's oneDNN layer helpers, which 1.0.0-M2.1 ships switched off ({@link
 * io.github.embeddings4j.core.backend.OneDnn}).
 */
package io.github.embeddings4j.core.backend;
