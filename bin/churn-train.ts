import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/config';
import { migrateLatest, type Db } from '../db/knex';
import { ChurnStore, type StoredChurnModel } from '../db/stores/churn';
import type { CsvRecord } from '../domain/csvDataset';
import { churnFeaturesFromEvents, trainChurnModel, type ChurnMetrics } from '../domain/churnModel';
import { EVENT_LABEL_COLUMN, featureRecord } from '../domain/churnScoring';
import { openCliDatabase } from './cliDatabase';
import { csvRecords } from '../infra/csvStream';

/** The event that marks a contact as churned when training from stored events. */
export const CHURN_EVENT = 'subscription_cancelled';

const USAGE = `usage: npm run churn:train -- --csv FILE --label COLUMN [--exclude a,b] [--l2 1] [--seed 42]
       npm run churn:train -- [--l2 1]     (from stored events: label = a ${CHURN_EVENT} event)`;

/** What a training run stored and measured. */
export interface TrainOutcome {
  stored: StoredChurnModel;
  metrics: ChurnMetrics;
  source: string;
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
  options: { csv?: string; label?: string; exclude?: string[]; l2?: number; seed?: number; now?: Date },
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
  const { model, metrics } = trainChurnModel(records, {
    label,
    exclude: (options.exclude ?? []).map((c) => c.toLowerCase()),
    ...(options.l2 !== undefined ? { l2: options.l2 } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  const stored = await new ChurnStore(db).saveModel(source, model, {
    ...metrics,
    label,
    features: model.encoder.featureNames.length,
    excluded: options.exclude ?? [],
  });
  return { stored, metrics, source };
}

/** Refuses a --label that names no column, listing the columns (as the header gives them, lower-cased). */
function assertColumn(records: readonly CsvRecord[], label: string, file: string): void {
  const columns = records[0] ? Object.keys(records[0]) : [];
  if (records.length > 0 && !columns.includes(label)) {
    throw new Error(`there is no column '${label}' in ${file}; its columns are: ${columns.join(', ')}`);
  }
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
      l2: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const l2 = values.l2 === undefined ? undefined : Number(values.l2);
  if (l2 !== undefined && !(Number.isFinite(l2) && l2 >= 0)) throw new Error(`--l2 must be a number >= 0\n${USAGE}`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--seed must be an integer\n${USAGE}`);
  if (values.csv && !values.label) throw new Error(`--label is required with --csv\n${USAGE}`);
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
      ...(l2 !== undefined ? { l2 } : {}),
      ...(seed !== undefined ? { seed } : {}),
    });
    const m = outcome.metrics;
    io.out(
      [
        `trained on ${m.trainedRows} rows from ${outcome.source}, ${outcome.stored.model.encoder.featureNames.length} features` +
          (exclude.length > 0 ? ` (excluded: ${exclude.join(', ')})` : ''),
        `holdout (${m.holdoutRows} rows never seen in training): accuracy ${pct(m.accuracy)}, AUC ${num(m.auc)}`,
        `churned share ${pct(m.positiveRate)}: always answering the majority class would score ${pct(Math.max(m.positiveRate, 1 - m.positiveRate))} accuracy`,
        `stored as churn model ${outcome.stored.id}`,
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
