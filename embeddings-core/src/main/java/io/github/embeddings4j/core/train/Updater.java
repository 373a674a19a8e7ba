package io.github.embeddings4j.core.train;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;

/** The optimisers a network can be trained with. */
public enum Updater {
  /** Adam (beta1 0.9, beta2 0.999): the robust default. */
  ADAM,
  /** Stochastic gradient descent with Nesterov momentum 0.9. */
  NESTEROVS,
  /** RMSProp (decay 0.95). */
  RMSPROP,
  /** Plain stochastic gradient descent. */
  SGD;

  /** DL4J's updater with a fixed rate, or the schedule when it is not null. */
  IUpdater create(double learningRate, ISchedule schedule) {
    return switch (this) {
      case ADAM -> schedule == null ? new Adam(learningRate) : new Adam(schedule);
      case NESTEROVS -> schedule == null ? new Nesterovs(learningRate, 0.9)
          : new Nesterovs(schedule, 0.9);
      case RMSPROP -> schedule == null ? new RmsProp(learningRate)
          : new RmsProp(schedule);
      case SGD -> schedule == null ? new Sgd(learningRate) : new Sgd(schedule);
    };
  }
}
