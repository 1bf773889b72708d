import path from 'node:path';
import { main } from '../../bin/churn-train';
import { loadConfig } from '../../config/config';
import { ChurnStore } from '../../db/stores/churn';
import { scoresEventFeatures } from '../../domain/churnScoring';
import { createTestDatabase, type TestDatabase } from '../harness';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.destroy());

const DAY = 86_400_000;

test('churn:train on data/churn/saas-churn.csv stores the model with its honest holdout figures', async () => {
  const lines: string[] = [];
  const csv = path.resolve(__dirname, '../../data/churn/saas-churn.csv');
  const outcome = await main(['--csv', csv, '--label', 'churned', '--exclude', 'months_active', '--l2', '1'], {
    out: (s) => lines.push(s),
    config: loadConfig({ DATABASE_URL: t.url, LOG_LEVEL: 'silent' }),
  });
  const m = outcome.metrics;
  expect(m.trainedRows + m.holdoutRows).toBe(2000);
  expect(m.holdoutRows).toBe(400);
  // The data set's README expects an AUC near 0.92 on a held-out fifth; this is what was measured.
  expect(m.auc).toBeGreaterThan(0.85);
  expect(m.accuracy).toBeGreaterThan(0.75);
  const printed = lines.join('');
  expect(printed).toContain(`accuracy ${(m.accuracy * 100).toFixed(1)}%, AUC ${m.auc.toFixed(3)}`);
  expect(printed).toContain('excluded: months_active');

  const [stored] = await new ChurnStore(t.db).listModels(1);
  expect(stored!.id).toBe(outcome.stored.id);
  expect(stored!.source).toMatch(/^csv:.*saas-churn\.csv \(\d{4}-\d{2}-\d{2}\)$/);
  expect(stored!.metrics).toMatchObject({
    auc: m.auc,
    accuracy: m.accuracy,
    label: 'churned',
    excluded: ['months_active'],
  });
  expect(stored!.model.encoder.featureNames).not.toContain('months_active');
  // Its columns are the CSV's, which stored events do not carry: the churn scan does not use it.
  expect(scoresEventFeatures(stored!.model)).toBe(false);
});

test('without --csv it trains on features from stored events, labelled by subscription_cancelled', async () => {
  const now = Date.now();
  // 30 contacts: the churners' activity fades in the two weeks before they cancel; the others stay steady.
  for (let i = 0; i < 30; i++) {
    const churner = i % 3 === 0;
    const [contact] = await t
      .db('contacts')
      .insert({ external_id: `train-${i}`, email: `train-${i}@example.com` })
      .returning('id');
    const end = churner ? now - 5 * DAY : now;
    const events: { contact_id: string; name: string; occurred_at: Date; properties: string }[] = [];
    for (let d = 70; d >= 1; d--) {
      const recent = d <= 14;
      // Noise so the classes overlap: some churners keep a little activity, some stayers slow down.
      const active = churner ? !recent || d % (3 + (i % 4)) === 0 : !recent || d % (1 + (i % 3)) === 0;
      if (active) {
        events.push({ contact_id: contact.id, name: 'login', occurred_at: new Date(end - d * DAY), properties: '{}' });
        events.push({
          contact_id: contact.id,
          name: 'feature_used',
          occurred_at: new Date(end - d * DAY + 3600_000),
          properties: '{}',
        });
      }
    }
    if (churner)
      events.push({
        contact_id: contact.id,
        name: 'subscription_cancelled',
        occurred_at: new Date(end),
        properties: '{}',
      });
    await t.db('events').insert(events);
  }
  const lines: string[] = [];
  const outcome = await main([], { out: (s) => lines.push(s), config: loadConfig({ DATABASE_URL: t.url }) });
  expect(outcome.source).toMatch(/^events:subscription_cancelled \(\d{4}-\d{2}-\d{2}\)$/);
  expect(outcome.metrics.trainedRows + outcome.metrics.holdoutRows).toBe(30);
  expect(outcome.metrics.positiveRate).toBeCloseTo(10 / 30, 10);
  expect(scoresEventFeatures(outcome.stored.model)).toBe(true);
  expect(lines.join('')).toMatch(/holdout \(6 rows never seen in training\): accuracy \d+\.\d%, AUC /);
});

test('a --label that is not a column of the CSV is refused with the columns there are', async () => {
  const csv = path.resolve(__dirname, '../../data/churn/saas-churn.csv');
  const header = (await import('node:fs')).readFileSync(csv, 'utf8').split('\n')[0]!.trim();
  const before = await t.db('churn_models').count({ n: '*' }).first();
  await expect(
    main(['--csv', csv, '--label', 'churn'], { out: () => undefined, config: loadConfig({ DATABASE_URL: t.url }) }),
  ).rejects.toThrow(`there is no column 'churn' in ${csv}; its columns are: ${header.split(',').join(', ')}`);
  expect(await t.db('churn_models').count({ n: '*' }).first()).toEqual(before);
});
