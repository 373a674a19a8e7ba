package io.github.embeddings4j.core.zoo;

import org.deeplearning4j.zoo.PretrainedType;

/** The datasets the model zoo publishes weights for (not every model has every set). */
public enum PretrainedSet {
  /** ImageNet (ILSVRC 2012), 1000 classes. */
  IMAGENET(PretrainedType.IMAGENET),
  /** ImageNet at a larger input size (NASNet-Large). */
  IMAGENET_LARGE(PretrainedType.IMAGENETLARGE),
  /** MNIST digits (LeNet). */
  MNIST(PretrainedType.MNIST),
  /** CIFAR-10 (VGG16). */
  CIFAR10(PretrainedType.CIFAR10),
  /** VGGFace, faces (VGG16). */
  VGGFACE(PretrainedType.VGGFACE);

  private final PretrainedType dl4j;

  PretrainedSet(PretrainedType dl4j) {
    this.dl4j = dl4j;
  }

  /** The zoo's name for this set. */
  PretrainedType dl4j() {
    return dl4j;
  }
}
