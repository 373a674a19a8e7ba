package io.github.embeddings4j.api;

/**
 * A failure caused by the outside world rather than by the caller's code: an image that cannot
 * be read or decoded, a model file that is missing or damaged, weights that cannot be
 * downloaded. The message names the input and says what is wrong with it.
 *
 * <p>Programming errors (a {@code null}, mismatched vector dimensions, a negative {@code k}) are
 * reported with unchecked exceptions instead, usually {@link IllegalArgumentException}.
 */
public class EmbeddingException extends Exception {

  private static final long serialVersionUID = 1L;

  /** The name of the input the failure is about, or {@code null}. */
  private final String input;

  /**
   * Creates an exception about no particular input.
   *
   * @param message what went wrong
   */
  public EmbeddingException(String message) {
    this(null, message, null);
  }

  /**
   * Creates an exception about no particular input, with its cause.
   *
   * @param message what went wrong
   * @param cause the underlying failure
   */
  public EmbeddingException(String message, Throwable cause) {
    this(null, message, cause);
  }

  /**
   * Creates an exception about one input. The message is prefixed with the input's name.
   *
   * @param input the name of the input (a path, or the name given to an {@link ImageSource});
   *     may be {@code null}
   * @param message what is wrong with it
   * @param cause the underlying failure, or {@code null}
   */
  public EmbeddingException(String input, String message, Throwable cause) {
    super(input == null ? message : input + ": " + message, cause);
    this.input = input;
  }

  /**
   * The input this failure is about.
   *
   * @return the input's name, or {@code null} when the failure is not about one input
   */
  public String input() {
    return input;
  }
}
