/**
 * The {@code embeddings4j} command-line tool. It uses only the public API of the other
 * modules. Exit codes: 0 success, 1 usage error, 2 input error, 3 partial failure.
 */
package io.github.embeddings4j.cli;
