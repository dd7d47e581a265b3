/**
 * Classification metrics over integer labels. Pure arithmetic: no tfjs, no I/O.
 *
 * Conventions follow scikit-learn's `confusion_matrix` and
 * `precision_recall_fscore_support(average='macro', zero_division=0)`:
 * rows of the confusion matrix are true classes, columns are predicted classes, and a ratio whose
 * denominator is zero (a class that never occurs, or is never predicted) counts as 0. Macro
 * averages take the plain mean over all `classCount` classes, including those zero entries (as
 * scikit-learn does when given `labels=range(classCount)`), so a model that never predicts a class
 * is penalised for it.
 */

/** Every metric that the trainer reports for a labelled split. */
export interface ClassificationMetrics {
  /** Fraction of all examples predicted correctly. */
  accuracy: number;
  /** Recall of each class: correct predictions of class k over examples of class k (0 if none). */
  perClassAccuracy: number[];
  /** Mean of `perClassAccuracy` over all classes (balanced accuracy). */
  meanClassAccuracy: number;
  /** Precision of each class: correct predictions of class k over predictions of class k (0 if none). */
  perClassPrecision: number[];
  /** F1 of each class, the harmonic mean of precision and recall (0 if both are 0). */
  perClassF1: number[];
  /** Mean of `perClassF1` over all classes. */
  macroF1: number;
  /** `confusionMatrix[trueClass][predictedClass]` = count of examples. */
  confusionMatrix: number[][];
  /** Number of examples counted. */
  count: number;
}

function checkClassCount(classCount: number): void {
  if (!Number.isInteger(classCount) || classCount < 1) {
    throw new RangeError(`classCount: must be a positive integer, got ${classCount}`);
  }
}

/**
 * Counts (true, predicted) pairs. `labels` and `predictions` must have the same length and hold
 * integers in [0, classCount).
 */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classCount: number,
): number[][] {
  checkClassCount(classCount);
  if (labels.length !== predictions.length) {
    throw new RangeError(
      `predictions: length ${predictions.length} differs from labels length ${labels.length}`,
    );
  }
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const truth = labels[i];
    const predicted = predictions[i];
    if (!Number.isInteger(truth) || truth < 0 || truth >= classCount) {
      throw new RangeError(`labels[${i}]: must be an integer in [0, ${classCount}), got ${truth}`);
    }
    if (!Number.isInteger(predicted) || predicted < 0 || predicted >= classCount) {
      throw new RangeError(
        `predictions[${i}]: must be an integer in [0, ${classCount}), got ${predicted}`,
      );
    }
    matrix[truth][predicted] += 1;
  }
  return matrix;
}

/** Adds `from` into `into` cell by cell; both must be square with the same size. */
export function addConfusionMatrices(into: number[][], from: number[][]): number[][] {
  if (into.length !== from.length) {
    throw new RangeError(`from: size ${from.length} differs from ${into.length}`);
  }
  for (let i = 0; i < into.length; i++) {
    for (let j = 0; j < into.length; j++) into[i][j] += from[i][j];
  }
  return into;
}

const ratio = (numerator: number, denominator: number): number =>
  denominator === 0 ? 0 : numerator / denominator;

const mean = (values: number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

/** Derives every metric from a square confusion matrix (rows true, columns predicted). */
export function metricsFromConfusionMatrix(matrix: number[][]): ClassificationMetrics {
  const classCount = matrix.length;
  checkClassCount(classCount);
  for (const [i, row] of matrix.entries()) {
    if (row.length !== classCount) {
      throw new RangeError(`confusionMatrix[${i}]: has ${row.length} columns, expected ${classCount}`);
    }
  }
  const support = matrix.map((row) => row.reduce((sum, value) => sum + value, 0));
  const predictedTotals = matrix[0].map((_, j) => matrix.reduce((sum, row) => sum + row[j], 0));
  const correct = matrix.reduce((sum, row, k) => sum + row[k], 0);
  const count = support.reduce((sum, value) => sum + value, 0);

  const perClassAccuracy = matrix.map((row, k) => ratio(row[k], support[k]));
  const perClassPrecision = matrix.map((row, k) => ratio(row[k], predictedTotals[k]));
  const perClassF1 = perClassAccuracy.map((recall, k) =>
    ratio(2 * perClassPrecision[k] * recall, perClassPrecision[k] + recall),
  );
  return {
    accuracy: ratio(correct, count),
    perClassAccuracy,
    meanClassAccuracy: mean(perClassAccuracy),
    perClassPrecision,
    perClassF1,
    macroF1: mean(perClassF1),
    confusionMatrix: matrix.map((row) => row.slice()),
    count,
  };
}

/** Confusion matrix and every metric from labels and predictions in one call. */
export function classificationMetrics(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classCount: number,
): ClassificationMetrics {
  return metricsFromConfusionMatrix(confusionMatrix(labels, predictions, classCount));
}
