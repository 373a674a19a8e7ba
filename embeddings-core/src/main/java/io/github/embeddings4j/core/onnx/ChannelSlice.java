package io.github.embeddings4j.core.onnx;

import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Channels {@code from..to} (inclusive) of a feature map: one group's input of a grouped
 * convolution that {@link OnnxImport} writes as one convolution per group. DL4J's own {@link
 * SubsetVertex} computes this at run time but gives feature maps a wrong type when a graph is
 * configured (a negative channel count in 1.0.0-M2.1); this vertex gives the right one. Saved
 * and read by DL4J's JSON as any vertex.
 */
public class ChannelSlice extends SubsetVertex {

  private static final long serialVersionUID = 1L;

  /**
   * A slice of channels.
   *
   * @param from the first channel
   * @param to the last channel (inclusive)
   */
  public ChannelSlice(@JsonProperty("from") int from, @JsonProperty("to") int to) {
    super(from, to);
  }

  @Override
  public ChannelSlice clone() {
    return new ChannelSlice(getFrom(), getTo());
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... in)
      throws InvalidInputTypeException {
    if (in.length == 1 && in[0] instanceof InputType.InputTypeConvolutional c) {
      return InputType.convolutional(c.getHeight(), c.getWidth(), getTo() - getFrom() + 1,
          c.getFormat());
    }
    return super.getOutputType(layerIndex, in);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelSlice s && s.getFrom() == getFrom() && s.getTo() == getTo();
  }

  @Override
  public int hashCode() {
    return 31 * getFrom() + getTo() + 7;
  }
}
