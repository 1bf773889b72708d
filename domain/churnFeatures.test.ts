import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { trainChurnModel, trainEventFormModel } from './churnModel';
import { scoresEventFeatures } from './churnScoring';
import {
  EVENT_FEATURE_LABELS,
  EVENT_FEATURES,
  describeTransform,
  eventRecordsFromCsv,
  mapCsvColumns,
} from './churnFeatures';

const header = readFileSync(join(__dirname, '..', 'data', 'churn', 'saas-churn.csv'), 'utf8')
  .split('\n')[0]!
  .trim()
  .split(',');

describe('mapCsvColumns', () => {
  it('maps the saas-churn export onto the two event features it has an equivalent for, and says why the rest go', () => {
    const columns = header.filter((c) => c !== 'churned' && c !== 'months_active');
    const mapping = mapCsvColumns(columns);
    expect(mapping.columns).toEqual([
      { column: 'csat_score', feature: 'nps_score_low', transform: 'six_or_below' },
      { column: 'minutes_customer_support', feature: 'support_tickets_increase', transform: 'above_zero' },
    ]);
    // Every other column is accounted for, each with a reason.
    expect(mapping.dropped.map((d) => d.column).sort()).toEqual(
      columns.filter((c) => c !== 'csat_score' && c !== 'minutes_customer_support').sort(),
    );
    for (const d of mapping.dropped) expect(d.reason).toBe('no event carries it');
  });

  it('maps columns named like event features as they are, keeps the first column for a feature, and takes --map first', () => {
    const mapping = mapCsvColumns(['login_frequency_decline', 'nps_score', 'csat_score', 'seats', 'logins_lost'], {
      logins_lost: 'feature_usage_drop',
    });
    expect(mapping.columns).toEqual([
      { column: 'logins_lost', feature: 'feature_usage_drop', transform: 'as_is' },
      { column: 'login_frequency_decline', feature: 'login_frequency_decline', transform: 'as_is' },
      { column: 'nps_score', feature: 'nps_score_low', transform: 'six_or_below' },
    ]);
    expect(mapping.dropped).toEqual([
      { column: 'csat_score', reason: 'nps_score_low already comes from nps_score' },
      { column: 'seats', reason: 'no event carries it' },
    ]);
  });

  it('refuses a --map onto something that is not an event feature, or of a column the data does not have', () => {
    expect(() => mapCsvColumns(['a'], { a: 'logins' as never })).toThrow(
      `'logins' is not an event feature; the event features are: ${EVENT_FEATURES.join(', ')}`,
    );
    expect(() => mapCsvColumns(['a'], { b: 'payment_failures' })).toThrow(
      "there is no column 'b' to map (the columns are: a)",
    );
  });
});

describe('eventRecordsFromCsv', () => {
  it('derives the event features of each row with the label, and the range each one takes', () => {
    const mapping = mapCsvColumns(['csat_score', 'minutes_customer_support', 'seats']);
    const { records, ranges } = eventRecordsFromCsv(
      [
        { csat_score: '9', minutes_customer_support: '0.0', seats: '3', churned: '0' },
        { csat_score: '6', minutes_customer_support: '12.5', seats: '1', churned: '1' },
        { csat_score: '', minutes_customer_support: 'n/a', seats: '1', churned: '1.0' },
      ],
      mapping,
      'churned',
    );
    expect(records).toEqual([
      { nps_score_low: '0', support_tickets_increase: '0', churned: '0' },
      { nps_score_low: '1', support_tickets_increase: '1', churned: '1' },
      // A blank or unreadable cell is left out: the model reads it as the training mean.
      { churned: '1.0' },
    ]);
    expect(ranges).toEqual({ nps_score_low: { min: 0, max: 1 }, support_tickets_increase: { min: 0, max: 1 } });
  });
});

it('names every event feature and transform in plain words', () => {
  for (const f of EVENT_FEATURES) expect(EVENT_FEATURE_LABELS[f]).toMatch(/^[A-Z][a-z ,()0-9]+$/);
  expect(describeTransform('six_or_below')).toBe(
    '1 for a score of 6 or below (a detractor on a 0 to 10 scale), else 0',
  );
  expect(describeTransform('above_zero')).toBe('1 when above zero, else 0');
  expect(describeTransform('as_is')).toBe('the value as it is');
});

describe('trainEventFormModel on data/churn/saas-churn.csv', () => {
  const records = parse(readFileSync(join(__dirname, '..', 'data', 'churn', 'saas-churn.csv')), {
    columns: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  const columns = Object.keys(records[0]!).filter((c) => c !== 'churned' && c !== 'months_active');

  it('retrains on the columns that map onto event features, measured on the same holdout as the full model', () => {
    const mapping = mapCsvColumns(columns);
    const full = trainChurnModel(records, { label: 'churned', exclude: ['months_active'] });
    const form = trainEventFormModel(records, mapping, { label: 'churned' })!;
    expect(form.model.encoder.columns.map((c) => c.name)).toEqual(['nps_score_low', 'support_tickets_increase']);
    expect(scoresEventFeatures(form.model)).toBe(true);
    expect(form.model.eventMapping).toEqual({
      columns: mapping.columns.map((c) => ({ ...c, min: 0, max: 1 })),
      dropped: mapping.dropped,
    });
    expect(form.metrics).toMatchObject({
      trainedRows: full.metrics.trainedRows,
      holdoutRows: full.metrics.holdoutRows,
      positives: full.metrics.positives,
      negatives: full.metrics.negatives,
      threshold: 0.7,
    });
    // Two columns out of twelve know less than all twelve: better than chance, worse than the full model.
    expect(form.metrics.auc).toBeGreaterThan(0.5);
    expect(form.metrics.auc).toBeLessThan(full.metrics.auc);
    // A detractor score and time with support both raise the risk, as they do in the data.
    expect(form.model.weights.every((w) => w > 0)).toBe(true);
  });

  it('is undefined when no column maps', () => {
    expect(trainEventFormModel(records, mapCsvColumns(['us_region']), { label: 'churned' })).toBeUndefined();
  });
});
