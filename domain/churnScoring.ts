/**
 * Scoring a contact's churn risk from behavioural features: with a model that reads those same features (trained on
 * events, or a CSV export's model retrained onto them), or, before any such model exists, with a fixed documented
 * heuristic. Also the features behind a score, the risk level, and the training records built from events.
 */
import { EVENT_FEATURE_LABELS, EVENT_FEATURES, type EventFeature } from './churnFeatures';
import { encodeRow, type CsvRecord } from './csvDataset';
import { CHURN_RISK_THRESHOLD, scoreChurn, type ChurnFeatures, type ChurnModel } from './churnModel';

export { CHURN_RISK_THRESHOLD };

/** The feature columns an event-trained model uses, in this order. */
export const EVENT_FEATURE_COLUMNS = EVENT_FEATURES;

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

/** The heuristic in words, for the people reading which rule scores their contacts. */
export const CHURN_HEURISTIC_FORMULA =
  'sigmoid(-2.5 + 2 x login decline + 2 x usage drop + 0.6 x extra support tickets (at most 5) + 1.2 x failed ' +
  'payments (at most 3) + 1 x detractor NPS)';

/** The heuristic's weight of each event feature, and the most of it that counts. */
export const churnHeuristicTerms: Readonly<Record<EventFeature, { weight: number; cap?: number }>> = {
  login_frequency_decline: { weight: churnHeuristicWeights.loginDecline },
  feature_usage_drop: { weight: churnHeuristicWeights.usageDrop },
  support_tickets_increase: { weight: churnHeuristicWeights.ticketIncrease, cap: 5 },
  payment_failures: { weight: churnHeuristicWeights.paymentFailure, cap: 3 },
  nps_score_low: { weight: churnHeuristicWeights.npsLow },
};

/** The value of each event feature as a number (a detractor is 1). */
function featureValues(f: ChurnFeatures): Record<EventFeature, number> {
  return {
    login_frequency_decline: f.login_frequency_decline,
    feature_usage_drop: f.feature_usage_drop,
    support_tickets_increase: f.support_tickets_increase,
    payment_failures: f.payment_failures,
    nps_score_low: f.nps_score_low ? 1 : 0,
  };
}

/** Event features as a model reads them: clamped into the training range of a model mapped from a CSV export. */
function modelValues(f: ChurnFeatures, model: ChurnModel): Record<EventFeature, number> {
  const values = featureValues(f);
  for (const c of model.eventMapping?.columns ?? []) {
    values[c.feature] = Math.min(c.max, Math.max(c.min, values[c.feature]));
  }
  return values;
}

const asRecord = (values: Record<EventFeature, number>): CsvRecord =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));

/** The churn risk of one contact, with the model when one that reads event features is given. */
export function churnRisk(
  features: ChurnFeatures,
  model?: ChurnModel,
): { score: number; method: 'model' | 'heuristic' } {
  if (model && scoresEventFeatures(model))
    return { score: scoreChurn(model, asRecord(modelValues(features, model))), method: 'model' };
  return { score: heuristicChurnScore(features), method: 'heuristic' };
}

/** One feature's share of a contact's risk: its value and what it adds to the log-odds. */
export interface ChurnFactor {
  feature: EventFeature;
  /** The feature in plain words. */
  label: string;
  /** The value scored (after a mapped model's clamping). */
  value: number;
  /** What it adds to the log-odds: weight x standardised value for a model, weight x capped value for the heuristic. */
  contribution: number;
}

/**
 * The features that raise this contact's risk most, strongest first (at most `limit`): with the model that would
 * score them (as {@link churnRisk} chooses), each feature's weight times its standardised value; with the
 * heuristic, its weight times its capped value. Features that lower the risk, or add nothing, are left out.
 */
export function topChurnFactors(features: ChurnFeatures, model?: ChurnModel, limit = 3): ChurnFactor[] {
  const factors: ChurnFactor[] = [];
  if (model && scoresEventFeatures(model)) {
    const values = modelValues(features, model);
    const z = encodeRow(model.encoder, asRecord(values));
    model.encoder.columns.forEach((c, i) => {
      const feature = c.name as EventFeature;
      const contribution = (model.weights[i] ?? 0) * (z[i] ?? 0);
      factors.push({ feature, label: EVENT_FEATURE_LABELS[feature], value: values[feature], contribution });
    });
  } else {
    const values = featureValues(features);
    for (const feature of EVENT_FEATURES) {
      const term = churnHeuristicTerms[feature];
      const counted = term.cap === undefined ? values[feature] : Math.min(term.cap, values[feature]);
      factors.push({
        feature,
        label: EVENT_FEATURE_LABELS[feature],
        value: values[feature],
        contribution: term.weight * counted,
      });
    }
  }
  return factors
    .filter((f) => f.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, limit);
}

/** How at risk a contact is, in a word. */
export type ChurnRiskLevel = 'high' | 'medium' | 'low';

/** `high` above the intervention threshold (the scan acts), `medium` from even odds (0.5), `low` below. */
export function churnRiskLevel(score: number): ChurnRiskLevel {
  if (score > CHURN_RISK_THRESHOLD) return 'high';
  return score >= 0.5 ? 'medium' : 'low';
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
