/**
 * Scoring a contact's churn risk from behavioural features: with a model trained on those same features, or,
 * before any such model exists, with a fixed documented heuristic. Also the training records built from events.
 */
import type { CsvRecord } from './csvDataset';
import { scoreChurn, type ChurnFeatures, type ChurnModel } from './churnModel';

/** Risk above which the scan intervenes. */
export const CHURN_RISK_THRESHOLD = 0.7;

/** The feature columns an event-trained model uses, in this order. */
export const EVENT_FEATURE_COLUMNS = [
  'login_frequency_decline',
  'feature_usage_drop',
  'support_tickets_increase',
  'payment_failures',
  'nps_score_low',
] as const;

/** Label column of event-built training records. */
export const EVENT_LABEL_COLUMN = 'churned';

/** Event features as a CSV-like record (the form the model's encoder reads), with the label when given. */
export function featureRecord(features: ChurnFeatures, churned?: boolean): CsvRecord {
  return {
    login_frequency_decline: String(features.login_frequency_decline),
    feature_usage_drop: String(features.feature_usage_drop),
    support_tickets_increase: String(features.support_tickets_increase),
    payment_failures: String(features.payment_failures),
    nps_score_low: features.nps_score_low ? '1' : '0',
    ...(churned === undefined ? {} : { [EVENT_LABEL_COLUMN]: churned ? '1' : '0' }),
  };
}

/**
 * Whether a stored model can score event features: every column its encoder reads is an event feature. A model
 * trained on a CSV export with other columns (plans, regions, CSAT) cannot, since the events carry none of them.
 */
export function scoresEventFeatures(model: ChurnModel): boolean {
  const known = new Set<string>(EVENT_FEATURE_COLUMNS);
  return model.encoder.columns.length > 0 && model.encoder.columns.every((c) => known.has(c.name));
}

/** Weights of the heuristic's log-odds; documented in {@link heuristicChurnScore}. */
export const churnHeuristicWeights = {
  intercept: -2.5,
  loginDecline: 2,
  usageDrop: 2,
  ticketIncrease: 0.6,
  paymentFailure: 1.2,
  npsLow: 1,
} as const;

/**
 * Churn risk without a trained model: sigmoid(-2.5 + 2 * login decline + 2 * usage drop + 0.6 * extra tickets
 * (at most 5) + 1.2 * payment failures (at most 3) + 1 * NPS detractor). A user with no decline scores 0.08; losing
 * every login and all usage scores 0.82; a full login decline alone 0.38; one payment failure alone 0.21. Only a
 * combination of signals crosses the 0.7 intervention threshold, which is what a fixed rule should demand.
 */
export function heuristicChurnScore(f: ChurnFeatures): number {
  const w = churnHeuristicWeights;
  const z =
    w.intercept +
    w.loginDecline * f.login_frequency_decline +
    w.usageDrop * f.feature_usage_drop +
    w.ticketIncrease * Math.min(5, f.support_tickets_increase) +
    w.paymentFailure * Math.min(3, f.payment_failures) +
    w.npsLow * (f.nps_score_low ? 1 : 0);
  return 1 / (1 + Math.exp(-z));
}

/** The churn risk of one contact, with the model when one that reads event features is given. */
export function churnRisk(
  features: ChurnFeatures,
  model?: ChurnModel,
): { score: number; method: 'model' | 'heuristic' } {
  if (model && scoresEventFeatures(model))
    return { score: scoreChurn(model, featureRecord(features)), method: 'model' };
  return { score: heuristicChurnScore(features), method: 'heuristic' };
}

/** Human-readable reasons behind a risk, strongest signals first, for the customer-success alert. */
export function churnReasons(f: ChurnFeatures): string[] {
  const reasons: string[] = [];
  if (f.payment_failures > 0) reasons.push(`${f.payment_failures} failed payment(s) in the last two weeks`);
  if (f.login_frequency_decline >= 0.3)
    reasons.push(`logins down ${Math.round(f.login_frequency_decline * 100)}% against their usual rate`);
  if (f.feature_usage_drop >= 0.3) reasons.push(`product usage down ${Math.round(f.feature_usage_drop * 100)}%`);
  if (f.support_tickets_increase >= 1)
    reasons.push(`${Math.round(f.support_tickets_increase)} more support tickets than usual`);
  if (f.nps_score_low) reasons.push(`NPS detractor (latest score ${f.latest_nps_score ?? 'unknown'})`);
  return reasons;
}

/** Numeric traits above this monthly revenue make an account high value (worth a person's time). */
export const HIGH_VALUE_MRR = 500;

/** An account is high value when its traits say so (`high_value: true`) or its `mrr` trait is at least 500. */
export function isHighValue(traits: Readonly<Record<string, unknown>>): boolean {
  if (traits['high_value'] === true) return true;
  const mrr = Number(traits['mrr']);
  return Number.isFinite(mrr) && mrr >= HIGH_VALUE_MRR;
}
