/**
 * Churn prediction: an L2-regularised logistic regression fitted by Newton's method (IRLS), its evaluation on a
 * seeded holdout, scoring of new records, behavioural features from stored events, and the intervention choice.
 * Everything here is deterministic: same records and seed, same model, bit for bit.
 */
import { type ChurnFeatures } from './churnFeatures';
import { buildDesignMatrix, encodeRow, fitEncoder, type CsvRecord, type DatasetEncoder } from './csvDataset';
import { predict, predictMany, trainLogistic, type LogisticModel } from './logisticRegression';
import { accuracy, auc, trainHoldoutSplit } from './modelEvaluation';

export {
  churnFeaturesFromEvents,
  defaultFeatureWindows,
  type BehaviourEvent,
  type ChurnFeatures,
  type FeatureWindows,
} from './churnFeatures';
export { predict, predictMany, trainLogistic, type LogisticModel, type LogisticOptions } from './logisticRegression';
export { accuracy, auc, createPrng, seededShuffle, trainHoldoutSplit } from './modelEvaluation';

/** A stored churn model: the record encoder plus the fitted logistic regression, all plain JSON. */
export interface ChurnModel extends LogisticModel {
  version: 1;
  kind: 'logistic';
  encoder: DatasetEncoder;
  l2: number;
}

/** How a trained churn model did on rows it never saw. */
export interface ChurnMetrics {
  trainedRows: number;
  holdoutRows: number;
  /** Share of holdout rows classified correctly at a 0.5 threshold. */
  accuracy: number;
  /** Area under the ROC curve on the holdout (NaN when the holdout holds only one class). */
  auc: number;
  /** Share of positive (churned) labels over all rows. */
  positiveRate: number;
}

/** Options for {@link trainChurnModel}. */
export interface TrainChurnOptions {
  /** Label column. Default `churned`. */
  label?: string;
  /** Columns left out of the features, e.g. `months_active`. */
  exclude?: readonly string[];
  /** Columns forced to be categorical. */
  categorical?: readonly string[];
  /** L2 penalty, see `LogisticOptions.l2`. Default 1. */
  l2?: number;
  /** Seed of the train/holdout shuffle. Default 42. */
  seed?: number;
  /** Share of rows held out. Default 0.2. */
  holdoutFraction?: number;
  iterations?: number;
}

/**
 * Trains a churn model on parsed CSV records: seeded shuffle, 80/20 split, encoder fitted on the training part
 * only (so holdout statistics never leak into the standardisation), Newton-fitted logistic regression, and
 * metrics measured on the holdout. The returned model is the one that was measured.
 */
export function trainChurnModel(
  records: readonly CsvRecord[],
  options: TrainChurnOptions = {},
): { model: ChurnModel; metrics: ChurnMetrics } {
  const label = options.label ?? 'churned';
  const l2 = options.l2 ?? 1;
  const seed = options.seed ?? 42;
  const encoderOptions = { label, exclude: options.exclude ?? [], categorical: options.categorical ?? [] };
  const { train, holdout } = trainHoldoutSplit(records, { seed, holdoutFraction: options.holdoutFraction ?? 0.2 });
  const encoder = fitEncoder(train, encoderOptions);
  const trainSet = buildDesignMatrix(train, encoderOptions, encoder);
  const holdoutSet = buildDesignMatrix(holdout, encoderOptions, encoder);
  const fitted = trainLogistic(trainSet.X, trainSet.y, { l2, iterations: options.iterations });
  const probabilities = predictMany(fitted, holdoutSet.X);
  const positives = trainSet.y.reduce((a, b) => a + b, 0) + holdoutSet.y.reduce((a, b) => a + b, 0);
  return {
    model: { version: 1, kind: 'logistic', encoder, weights: fitted.weights, bias: fitted.bias, l2 },
    metrics: {
      trainedRows: train.length,
      holdoutRows: holdout.length,
      accuracy: accuracy(probabilities, holdoutSet.y),
      auc: auc(probabilities, holdoutSet.y),
      positiveRate: positives / records.length,
    },
  };
}

/** Churn probability of one record (the label column, if present, is ignored). */
export function scoreChurn(model: ChurnModel, record: CsvRecord): number {
  return predict(model, encodeRow(model.encoder, record));
}

/** The three retention plays: winback email sequence, in-app retention offer, or a customer-success alert. */
export type Intervention = 'email' | 'in_app' | 'human';

/** Thresholds of {@link selectIntervention}. */
export const interventionThresholds = { veryHighRisk: 0.9, usageDrop: 0.5 } as const;

/**
 * Picks the retention play for a user already judged at risk (the caller decides the trigger threshold):
 * 1. `human` when a payment failed in the recent window (a billing problem needs a person, not a coupon), or when
 *    the risk is very high (> 0.9) and the account is high value (worth a person's time);
 * 2. `in_app` when product usage dropped by half or more (reach them where they still are, with a retention offer);
 * 3. `email` otherwise (enrol in the winback sequence).
 */
export function selectIntervention(
  score: number,
  features: Pick<ChurnFeatures, 'payment_failures' | 'feature_usage_drop'>,
  context: { highValue?: boolean } = {},
): Intervention {
  if (features.payment_failures > 0) return 'human';
  if (score > interventionThresholds.veryHighRisk && context.highValue === true) return 'human';
  if (features.feature_usage_drop >= interventionThresholds.usageDrop) return 'in_app';
  return 'email';
}
