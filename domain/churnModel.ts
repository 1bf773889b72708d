/**
 * Churn prediction: an L2-regularised logistic regression fitted by Newton's method (IRLS), its evaluation on a
 * seeded holdout, scoring of new records, behavioural features from stored events, and the intervention choice.
 * Everything here is deterministic: same records and seed, same model, bit for bit.
 */
import {
  eventRecordsFromCsv,
  type ChurnFeatures,
  type CsvFeatureMapping,
  type DroppedColumn,
  type MappedColumn,
} from './churnFeatures';
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

/** Risk above which the scan intervenes; precision and recall are measured at it. */
export const CHURN_RISK_THRESHOLD = 0.7;

/**
 * How a model trained on a CSV export reads event features: which column each feature stood for, the range it took
 * in training (the scan clamps event values into it, so a linear model never extrapolates past what it saw), and
 * the columns left out.
 */
export interface EventMapping {
  columns: (MappedColumn & { min: number; max: number })[];
  dropped: DroppedColumn[];
}

/** A stored churn model: the record encoder plus the fitted logistic regression, all plain JSON. */
export interface ChurnModel extends LogisticModel {
  version: 1;
  kind: 'logistic';
  encoder: DatasetEncoder;
  l2: number;
  /** Set on a model retrained from a CSV export onto the event features it has equivalents for. */
  eventMapping?: EventMapping;
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
  /** Churned rows, training and holdout together. */
  positives: number;
  /** Rows that did not churn. */
  negatives: number;
  /** The intervention threshold the next two are measured at. */
  threshold: number;
  /** Of the holdout rows scored above the threshold, the share that churned (NaN when none is above it). */
  precision: number;
  /** Of the holdout rows that churned, the share scored above the threshold. */
  recall: number;
}

/**
 * Precision and recall of flagging the rows scored above `threshold` (the scan intervenes above it, not at it).
 * Precision is NaN when nothing is flagged; recall is NaN when no row is positive.
 */
export function precisionRecall(
  probabilities: readonly number[],
  labels: readonly number[],
  threshold: number,
): { precision: number; recall: number } {
  let flagged = 0;
  let hits = 0;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const above = (probabilities[i] ?? 0) > threshold;
    if (above) flagged++;
    if (labels[i] === 1) {
      positives++;
      if (above) hits++;
    }
  }
  return {
    precision: flagged === 0 ? Number.NaN : hits / flagged,
    recall: positives === 0 ? Number.NaN : hits / positives,
  };
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
      positives,
      negatives: records.length - positives,
      threshold: CHURN_RISK_THRESHOLD,
      ...precisionRecall(probabilities, holdoutSet.y, CHURN_RISK_THRESHOLD),
    },
  };
}

/**
 * Retrains a CSV export's model on the event features its columns map onto (`mapping`), so the scan can score
 * contacts from their events with it: same rows, seed and split as {@link trainChurnModel}, so its holdout is the
 * full model's and the two sets of figures compare. Columns without an event equivalent are left out rather than
 * held at their mean: a model fitted without them is the best one over what the scan can compute, and its holdout
 * figures are those of the model that scores. Undefined when no column maps.
 */
export function trainEventFormModel(
  records: readonly CsvRecord[],
  mapping: CsvFeatureMapping,
  options: Omit<TrainChurnOptions, 'exclude' | 'categorical'> & { label: string },
): { model: ChurnModel; metrics: ChurnMetrics } | undefined {
  if (mapping.columns.length === 0) return undefined;
  const derived = eventRecordsFromCsv(records, mapping, options.label);
  const dropped = [...mapping.dropped];
  const columns = mapping.columns.flatMap((c) => {
    const range = derived.ranges[c.feature];
    if (range) return [{ ...c, ...range }];
    dropped.push({ column: c.column, reason: 'no cell of it holds a number' });
    return [];
  });
  if (columns.length === 0) return undefined;
  const { model, metrics } = trainChurnModel(derived.records, options);
  return { model: { ...model, eventMapping: { columns, dropped } }, metrics };
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
