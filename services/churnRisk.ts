/**
 * What people read about churn: the model the scan scores with (or the heuristic it falls back on), and a venture's
 * contacts at risk with their latest score and the features behind it.
 */
import type { Db } from '../db/knex';
import { ChurnStore, type AtRiskKey, type LatestChurnScore, type StoredChurnModel } from '../db/stores/churn';
import {
  describeTransform,
  EVENT_FEATURE_LABELS,
  EVENT_FEATURES,
  isEventFeature,
  type ChurnFeatures,
  type EventFeature,
} from '../domain/churnFeatures';
import { CHURN_RISK_THRESHOLD } from '../domain/churnModel';
import {
  CHURN_HEURISTIC_FORMULA,
  churnHeuristicTerms,
  churnHeuristicWeights,
  churnRiskLevel,
  topChurnFactors,
  type ChurnFactor,
  type ChurnRiskLevel,
} from '../domain/churnScoring';

/** The two ways to train a model, as a person types them. */
export const HOW_TO_TRAIN = [
  'npm run churn:train   (from stored events: a contact with a subscription_cancelled event counts as churned)',
  'npm run churn:train -- --csv FILE --label COLUMN [--exclude a,b] [--map column=feature]   (from an export: ' +
    'its columns that stand for event features are retrained into the model the scan scores with)',
];

/** Where a model's rows came from, read from its stored source (`csv:FILE (DATE)` or `events:EVENT (DATE)`). */
export interface ModelSource {
  kind: 'csv' | 'events' | 'other';
  /** The CSV file, as given to the training. */
  file: string | null;
  /** The event that labelled a contact churned. */
  event: string | null;
  /** The stored source as it is. */
  description: string;
}

/** One feature of a model, with its weight (on the standardised value) and its name in plain words. */
export interface ModelFeature {
  name: string;
  label: string;
  weight: number;
}

/** A trained model as the model card shows it. */
export interface ModelView {
  id: string;
  trainedAt: string;
  source: ModelSource;
  label: string | null;
  rows: number | null;
  trainedRows: number | null;
  holdoutRows: number | null;
  positives: number | null;
  negatives: number | null;
  /** Figures on the held-out rows; null where the model was trained before the figure was measured. */
  holdout: {
    auc: number | null;
    accuracy: number | null;
    precision: number | null;
    recall: number | null;
    threshold: number;
  };
  intercept: number;
  /** Strongest weight first. */
  features: ModelFeature[];
  /** Event features the scan computes that this model does not read. */
  unread: { name: EventFeature; label: string }[];
  /** For a model retrained from a CSV export: which column stood for which event feature, and what was left out. */
  mapping: {
    columns: { column: string; feature: EventFeature; label: string; how: string }[];
    dropped: { column: string; reason: string }[];
    fullModel: { id: string; auc: number | null; accuracy: number | null } | null;
  } | null;
  /** Every figure stored with the model, as stored. */
  metrics: Record<string, unknown>;
}

/** The answer of `GET /v1/churn/model`. */
export interface ChurnModelCard {
  trained: boolean;
  scoring: 'model' | 'heuristic';
  threshold: number;
  model: ModelView | null;
  heuristic: {
    formula: string;
    intercept: number;
    features: { name: EventFeature; label: string; weight: number; cap?: number }[];
  } | null;
  skipped: { id: string; source: string; trainedAt: string; reason: string }[];
  howToTrain: string[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads `csv:FILE (DATE)` and `events:EVENT (DATE)`. */
export function parseSource(source: string): ModelSource {
  const m = /^(csv|events):(.*?)(?: \(\d{4}-\d{2}-\d{2}\))?$/.exec(source);
  const kind = m ? (m[1] as 'csv' | 'events') : 'other';
  return {
    kind,
    file: kind === 'csv' ? m![2]! : null,
    event: kind === 'events' ? m![2]! : null,
    description: source,
  };
}

/** A feature's name in plain words: the event feature's label, else the column with its underscores as spaces. */
const labelOf = (name: string) => (isEventFeature(name) ? EVENT_FEATURE_LABELS[name] : name.replace(/_/g, ' '));

/** A stored model as the model card shows it. */
export function presentModel(stored: StoredChurnModel): ModelView {
  const { model, metrics } = stored;
  const trainedRows = num(metrics.trainedRows);
  const holdoutRows = num(metrics.holdoutRows);
  const rows = trainedRows !== null && holdoutRows !== null ? trainedRows + holdoutRows : null;
  const rate = num(metrics.positiveRate);
  // Models trained before the classes were counted carry only the churned share.
  const positives = num(metrics.positives) ?? (rows !== null && rate !== null ? Math.round(rows * rate) : null);
  const features = model.encoder.featureNames
    .map((name, i) => ({ name, label: labelOf(name), weight: model.weights[i] ?? 0 }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  const read = new Set(model.encoder.columns.map((c) => c.name));
  const full = metrics.fullModel as { id?: unknown; auc?: unknown; accuracy?: unknown } | undefined;
  return {
    id: stored.id,
    trainedAt: stored.trainedAt.toISOString(),
    source: parseSource(stored.source),
    label: typeof metrics.label === 'string' ? metrics.label : model.encoder.label,
    rows,
    trainedRows,
    holdoutRows,
    positives,
    negatives: num(metrics.negatives) ?? (rows !== null && positives !== null ? rows - positives : null),
    holdout: {
      auc: num(metrics.auc),
      accuracy: num(metrics.accuracy),
      precision: num(metrics.precision),
      recall: num(metrics.recall),
      threshold: num(metrics.threshold) ?? CHURN_RISK_THRESHOLD,
    },
    intercept: model.bias,
    features,
    unread: EVENT_FEATURES.filter((f) => !read.has(f)).map((name) => ({ name, label: EVENT_FEATURE_LABELS[name] })),
    mapping: model.eventMapping
      ? {
          columns: model.eventMapping.columns.map((c) => ({
            column: c.column,
            feature: c.feature,
            label: EVENT_FEATURE_LABELS[c.feature],
            how: describeTransform(c.transform),
          })),
          dropped: model.eventMapping.dropped,
          fullModel:
            full && typeof full.id === 'string'
              ? { id: full.id, auc: num(full.auc), accuracy: num(full.accuracy) }
              : null,
        }
      : null,
    metrics,
  };
}

/** The heuristic the scan scores with when no model reads event features. */
function heuristicView(): NonNullable<ChurnModelCard['heuristic']> {
  return {
    formula: CHURN_HEURISTIC_FORMULA,
    intercept: churnHeuristicWeights.intercept,
    features: EVENT_FEATURES.map((name) => {
      const term = churnHeuristicTerms[name];
      return { name, label: EVENT_FEATURE_LABELS[name], weight: term.weight, ...(term.cap ? { cap: term.cap } : {}) };
    }),
  };
}

/** The model the churn scan scores with, the newer models it passes over and why, or the heuristic it falls back on. */
export async function churnModelCard(db: Db): Promise<ChurnModelCard> {
  const { model, skipped } = await new ChurnStore(db).modelInUse();
  return {
    trained: model !== undefined,
    scoring: model ? 'model' : 'heuristic',
    threshold: CHURN_RISK_THRESHOLD,
    model: model ? presentModel(model) : null,
    heuristic: model ? null : heuristicView(),
    skipped: skipped.map((m) => ({
      id: m.id,
      source: m.source,
      trainedAt: m.trainedAt.toISOString(),
      reason:
        `its columns (${m.model.encoder.columns.map((c) => c.name).join(', ')}) are not event features and it has ` +
        'no retrained form that reads them; train on the file again with npm run churn:train -- --csv FILE ' +
        '--label COLUMN, adding --map column=feature for columns the export names its own way',
    })),
    howToTrain: HOW_TO_TRAIN,
  };
}

/** One contact at risk, as the venture's list shows it. */
export interface AtRiskContact {
  contact: { id: string; internalId: string; email: string; name: string | null };
  score: number;
  level: ChurnRiskLevel;
  scoredAt: string;
  method: 'model' | 'heuristic';
  /** The model that computed the score, as its score row names it; null for the heuristic. */
  model: { id: string; source: string } | null;
  /** The retention play the scan decided, if it intervened in that scan. */
  intervention: string | null;
  topFactors: ChurnFactor[];
}

/** A person's name from the usual traits, or null. */
function nameOf(traits: Record<string, unknown>): string | null {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const joined = [text(traits['first_name']), text(traits['last_name'])].filter(Boolean).join(' ');
  return text(traits['name']) ?? text(traits['full_name']) ?? (joined || null);
}

/**
 * The factors stored with the score; for a heuristic score stored before factors were, worked out again from the
 * stored features (the heuristic never changes). A model's older score without them has none to show.
 */
function factorsOf(s: LatestChurnScore): ChurnFactor[] {
  const stored = s.riskFactors['factors'];
  if (Array.isArray(stored)) {
    return stored
      .filter((f): f is ChurnFactor => typeof f === 'object' && f !== null && isEventFeature(String(f.feature)))
      .map((f) => ({
        feature: f.feature,
        label: EVENT_FEATURE_LABELS[f.feature],
        value: Number(f.value),
        contribution: Number(f.contribution),
      }));
  }
  if (s.method !== 'heuristic') return [];
  const r = s.riskFactors;
  const features: ChurnFeatures = {
    login_frequency_decline: Number(r['login_frequency_decline'] ?? 0),
    feature_usage_drop: Number(r['feature_usage_drop'] ?? 0),
    support_tickets_increase: Number(r['support_tickets_increase'] ?? 0),
    payment_failures: Number(r['payment_failures'] ?? 0),
    nps_score_low: r['nps_score_low'] === true,
    latest_nps_score: num(r['latest_nps_score']),
  };
  return topChurnFactors(features);
}

/** A stored latest score as the list shows it. */
export function presentAtRisk(s: LatestChurnScore): AtRiskContact {
  const model = s.riskFactors['model'] as { id?: unknown; source?: unknown } | null | undefined;
  return {
    contact: { id: s.externalId, internalId: s.contactId, email: s.email, name: nameOf(s.traits) },
    score: s.riskScore,
    level: churnRiskLevel(s.riskScore),
    scoredAt: s.calculatedAt.toISOString(),
    method: s.method,
    model: model && typeof model.id === 'string' ? { id: model.id, source: String(model.source ?? '') } : null,
    intervention: s.interventionType,
    topFactors: factorsOf(s),
  };
}

/** A page of the venture's contacts by their latest churn score, highest first. */
export async function ventureChurnPage(
  db: Db,
  ventureId: string,
  page: { limit: number; minScore: number; after?: AtRiskKey },
): Promise<{ contacts: AtRiskContact[]; next: AtRiskKey | null }> {
  const { scores, next } = await new ChurnStore(db).atRisk(ventureId, page);
  return { contacts: scores.map(presentAtRisk), next };
}
