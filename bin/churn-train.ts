import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/config';
import { migrateLatest, type Db } from '../db/knex';
import { ChurnStore, type StoredChurnModel } from '../db/stores/churn';
import type { CsvRecord } from '../domain/csvDataset';
import {
  describeTransform,
  EVENT_FEATURES,
  mapCsvColumns,
  type CsvFeatureMapping,
  type EventFeature,
} from '../domain/churnFeatures';
import {
  CHURN_RISK_THRESHOLD,
  churnFeaturesFromEvents,
  trainChurnModel,
  trainEventFormModel,
  type ChurnMetrics,
} from '../domain/churnModel';
import { EVENT_LABEL_COLUMN, featureRecord, scoresEventFeatures } from '../domain/churnScoring';
import { openCliDatabase } from './cliDatabase';
import { csvRecords } from '../infra/csvStream';

/** The event that marks a contact as churned when training from stored events. */
export const CHURN_EVENT = 'subscription_cancelled';

const USAGE = `usage: npm run churn:train -- --csv FILE --label COLUMN [--exclude a,b] [--map column=feature,...] [--l2 1] [--seed 42]
       npm run churn:train -- [--l2 1]     (from stored events: label = a ${CHURN_EVENT} event)`;

/** What a training run stored and measured. */
export interface TrainOutcome {
  /** The model over every column of the data. */
  stored: StoredChurnModel;
  metrics: ChurnMetrics;
  source: string;
  /** How the CSV's columns map onto the event features (CSV training only). */
  mapping?: CsvFeatureMapping;
  /**
   * A CSV's model retrained on the columns with an event equivalent, stored after the full one so that the churn
   * scan scores with it; absent when no column maps, or when the CSV's columns already are the event features.
   */
  eventForm?: { stored: StoredChurnModel; metrics: ChurnMetrics };
}

/**
 * Builds training records from stored events: one per contact, its behavioural features computed as of the moment
 * it churned (its first `subscription_cancelled`) or, for a contact still subscribed, as of `now`. Features as of
 * the churn itself would show the silence that follows a cancellation, which a live model never gets to see first.
 */
export async function eventTrainingRecords(db: Db, now: Date): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const q = db('contacts').orderBy('id').limit(500).pluck('id');
    if (after) q.where('id', '>', after);
    const ids: string[] = await q;
    if (ids.length === 0) break;
    const events: { contact_id: string; name: string; occurred_at: Date; properties: Record<string, unknown> }[] =
      await db('events').whereIn('contact_id', ids).select('contact_id', 'name', 'occurred_at', 'properties');
    const byContact = new Map<string, typeof events>();
    for (const e of events) (byContact.get(e.contact_id) ?? byContact.set(e.contact_id, []).get(e.contact_id)!).push(e);
    for (const id of ids) {
      const own = byContact.get(id) ?? [];
      if (own.length === 0) continue; // Nothing known about them: no signal to learn from.
      const churnedAt = own
        .filter((e) => e.name === CHURN_EVENT)
        .map((e) => e.occurred_at.getTime())
        .sort((a, b) => a - b)[0];
      const asOf = churnedAt !== undefined ? new Date(churnedAt - 1) : now;
      const features = churnFeaturesFromEvents(
        own.map((e) => ({ name: e.name, occurredAt: e.occurred_at, properties: e.properties })),
        asOf,
      );
      records.push(featureRecord(features, churnedAt !== undefined));
    }
    after = ids[ids.length - 1];
  }
  return records;
}

/**
 * Trains a churn model and stores it with its holdout metrics in `churn_models`: from a CSV (`csv`, `label`,
 * `exclude`) or, without one, from the stored events. Returns what it stored; throws on unusable data.
 */
export async function trainAndStore(
  db: Db,
  options: {
    csv?: string;
    label?: string;
    exclude?: string[];
    /** CSV column (lower-cased) to the event feature it measures as it is, beyond the known export columns. */
    map?: Readonly<Record<string, EventFeature>>;
    l2?: number;
    seed?: number;
    now?: Date;
  },
): Promise<TrainOutcome> {
  let records: CsvRecord[];
  let label: string;
  let source: string;
  const trainedOn = (options.now ?? new Date()).toISOString().slice(0, 10);
  if (options.csv) {
    if (!options.label) throw new Error('--label is required with --csv');
    const file = path.resolve(options.csv);
    records = [];
    for await (const r of csvRecords(fs.createReadStream(file))) records.push(r);
    label = options.label.toLowerCase();
    assertColumn(records, label, file);
    source = `csv:${path.relative(process.cwd(), file) || file} (${trainedOn})`;
  } else {
    records = await eventTrainingRecords(db, options.now ?? new Date());
    label = EVENT_LABEL_COLUMN;
    source = `events:${CHURN_EVENT} (${trainedOn})`;
  }
  if (records.length < 10) {
    const what = options.csv ? 'rows in the CSV' : 'contacts with stored events';
    throw new Error(`too few ${what} to train on: ${records.length} (need at least 10)`);
  }
  const positives = records.filter((r) => ['1', '1.0', 'true', 'yes'].includes((r[label] ?? '').trim().toLowerCase()));
  if (positives.length === 0 || positives.length === records.length) {
    throw new Error(`the label ${label} has only one class in ${records.length} rows: nothing to learn`);
  }
  const fit = {
    label,
    ...(options.l2 !== undefined ? { l2: options.l2 } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
  const { model, metrics } = trainChurnModel(records, {
    ...fit,
    exclude: (options.exclude ?? []).map((c) => c.toLowerCase()),
  });
  // Mapped before anything is stored, so a bad --map leaves the models as they were.
  const extra = Object.fromEntries(Object.entries(options.map ?? {}).map(([c, f]) => [c.toLowerCase(), f]));
  const mapping = options.csv
    ? mapCsvColumns(
        model.encoder.columns.map((c) => c.name),
        extra,
      )
    : undefined;
  const form = mapping && !scoresEventFeatures(model) ? trainEventFormModel(records, mapping, fit) : undefined;
  const churn = new ChurnStore(db);
  const stored = await churn.saveModel(source, model, {
    ...metrics,
    label,
    features: model.encoder.featureNames.length,
    excluded: options.exclude ?? [],
  });
  if (!form) return { stored, metrics, source, ...(mapping ? { mapping } : {}) };
  // Saved second, so it is the newer: the scan takes the newest model that reads event features.
  const eventStored = await churn.saveModel(source, form.model, {
    ...form.metrics,
    label,
    features: form.model.encoder.featureNames.length,
    excluded: options.exclude ?? [],
    fullModel: {
      id: stored.id,
      auc: metrics.auc,
      accuracy: metrics.accuracy,
      features: model.encoder.featureNames.length,
    },
  });
  return {
    stored,
    metrics,
    source,
    ...(mapping ? { mapping } : {}),
    eventForm: { stored: eventStored, metrics: form.metrics },
  };
}

/** `--map a=feature,b=feature` as a record; throws with the usage on anything else. */
export function parseMap(text: string | undefined): Record<string, EventFeature> {
  if (text === undefined) return {};
  const out: Record<string, EventFeature> = {};
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [column, feature, ...rest] = pair.split('=').map((s) => s.trim());
    if (!column || !feature || rest.length > 0)
      throw new Error(`--map takes column=feature pairs, e.g. --map logins_lost=login_frequency_decline\n${USAGE}`);
    out[column] = feature as EventFeature;
  }
  return out;
}

/** Refuses a --label that names no column, listing the columns (as the header gives them, lower-cased). */
function assertColumn(records: readonly CsvRecord[], label: string, file: string): void {
  const columns = records[0] ? Object.keys(records[0]) : [];
  if (records.length > 0 && !columns.includes(label)) {
    throw new Error(`there is no column '${label}' in ${file}; its columns are: ${columns.join(', ')}`);
  }
}

/** What the churn scan makes of a CSV's model: the mapping onto event features and the retrained model's figures. */
function eventFormLines(outcome: TrainOutcome): string[] {
  const mapping = outcome.mapping;
  if (!mapping || scoresEventFeatures(outcome.stored.model)) return [];
  const form = outcome.eventForm;
  if (!form) {
    const columns = outcome.stored.model.encoder.columns.map((c) => c.name).join(', ');
    return [
      `no column of this CSV stands for an event feature (${columns}): the churn scan cannot score with this model ` +
        `and keeps the newest model that can, or its heuristic. Map a column with --map column=feature ` +
        `(features: ${EVENT_FEATURES.join(', ')}).`,
    ];
  }
  const read = new Set(form.stored.model.eventMapping?.columns.map((c) => c.feature));
  const unread = EVENT_FEATURES.filter((f) => !read.has(f));
  const e = form.metrics;
  return [
    'for the churn scan, retrained on the columns that stand for event features:',
    ...(form.stored.model.eventMapping?.columns ?? []).map(
      (c) => `  ${c.column} -> ${c.feature}: ${describeTransform(c.transform)}`,
    ),
    ...leftOut(form.stored.model.eventMapping?.dropped ?? []),
    `  holdout: accuracy ${pct(e.accuracy)}, AUC ${num(e.auc)} (over every column: AUC ${num(outcome.metrics.auc)})` +
      (unread.length > 0 ? `; it does not read ${unread.join(', ')}` : ''),
    `stored as churn model ${form.stored.id}: the churn scan scores with it from now on`,
  ];
}

/** The columns left out, one line per reason. */
function leftOut(dropped: readonly { column: string; reason: string }[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const d of dropped) (byReason.get(d.reason) ?? byReason.set(d.reason, []).get(d.reason)!).push(d.column);
  return [...byReason].map(([reason, columns]) => `  left out (${reason}): ${columns.join(', ')}`);
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const num = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a (the holdout has one class only)');

/** `npm run churn:train -- ...`: trains, stores, and prints the holdout figures as measured. */
export async function main(
  argv: string[] = process.argv.slice(2),
  io: { out: (s: string) => void; config?: Config } = { out: (s) => process.stdout.write(s) },
): Promise<TrainOutcome> {
  const { values } = parseArgs({
    args: argv,
    options: {
      csv: { type: 'string' },
      label: { type: 'string' },
      exclude: { type: 'string' },
      map: { type: 'string' },
      l2: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const l2 = values.l2 === undefined ? undefined : Number(values.l2);
  if (l2 !== undefined && !(Number.isFinite(l2) && l2 >= 0)) throw new Error(`--l2 must be a number >= 0\n${USAGE}`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--seed must be an integer\n${USAGE}`);
  if (values.csv && !values.label) throw new Error(`--label is required with --csv\n${USAGE}`);
  if (values.map !== undefined && !values.csv) throw new Error(`--map goes with --csv\n${USAGE}`);
  const map = parseMap(values.map);
  const exclude = values.exclude
    ? values.exclude
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

  const { db, close } = await openCliDatabase(io.config ?? loadConfig());
  try {
    await migrateLatest(db);
    const outcome = await trainAndStore(db, {
      ...(values.csv ? { csv: values.csv } : {}),
      ...(values.label ? { label: values.label } : {}),
      exclude,
      map,
      ...(l2 !== undefined ? { l2 } : {}),
      ...(seed !== undefined ? { seed } : {}),
    });
    const m = outcome.metrics;
    io.out(
      [
        `trained on ${m.trainedRows} rows from ${outcome.source}, ${outcome.stored.model.encoder.featureNames.length} features` +
          (exclude.length > 0 ? ` (excluded: ${exclude.join(', ')})` : ''),
        `holdout (${m.holdoutRows} rows never seen in training): accuracy ${pct(m.accuracy)}, AUC ${num(m.auc)}`,
        `at the ${CHURN_RISK_THRESHOLD} intervention threshold: precision ${pct(m.precision)}, recall ${pct(m.recall)}`,
        `churned share ${pct(m.positiveRate)}: always answering the majority class would score ${pct(Math.max(m.positiveRate, 1 - m.positiveRate))} accuracy`,
        `stored as churn model ${outcome.stored.id}` +
          (scoresEventFeatures(outcome.stored.model) ? ': the churn scan scores with it from now on' : ''),
        ...eventFormLines(outcome),
        '',
      ].join('\n'),
    );
    return outcome;
  } finally {
    await close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`Cannot train a churn model: ${(err as Error).message}`);
    process.exit(1);
  });
}
