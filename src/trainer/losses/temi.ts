import * as tf from '@tensorflow/tfjs-core';

/**
 * TEMI's loss for one head and one direction (teacher on one image of each pair, student on the
 * other), the official beta_mi weighted as its TEMI class:
 *   L = -mean_i w_i log sum_c (q_s(c|x_i) q_t(c|x'_i))^beta / p(c)
 * in log space, so (q_s q_t)^beta has a finite gradient where q_s underflows:
 *   log sum_c exp(beta (log q_s + log q_t) - log p(c)).
 * `studentLogProbs` carry the gradient; the teacher's probabilities, the marginal p (an EMA of
 * the teacher's) and the weights w are constants.
 */
export function temiLoss(studentLogProbs: tf.Tensor2D, teacherProbs: tf.Tensor2D, marginal: tf.Tensor1D, weights: tf.Tensor1D, beta: number): tf.Scalar {
  return tf.tidy(() => {
    const logTeacher = tf.log(tf.maximum(teacherProbs, 1e-30));
    const pmi = tf.logSumExp(tf.sub(tf.mul(tf.add(studentLogProbs, logTeacher), beta), tf.log(marginal)), 1);
    return tf.neg(tf.mean(tf.mul(weights, pmi))) as tf.Scalar;
  });
}

/**
 * TEMI's per-pair weight: the teacher's agreement sum_c q_t(c|x) q_t(c|x') between an image and
 * its neighbour, averaged over the heads (the ensemble), so pairs the teacher heads place in
 * different clusters (likely false neighbours) count less.
 */
export function pairWeights(teacherA: tf.Tensor2D[], teacherB: tf.Tensor2D[]): tf.Tensor1D {
  return tf.tidy(() => tf.div(tf.addN(teacherA.map((a, h) => tf.sum(tf.mul(a, teacherB[h]!), 1))), teacherA.length) as tf.Tensor1D);
}
