import path from 'node:path';
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { createChurnActivities } from '../../activities/churnActivities';
import { trainAndStore } from '../../bin/churn-train';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { ChurnStore } from '../../db/stores/churn';
import { EventStore } from '../../db/stores/events';
import { VentureStore, type Venture } from '../../db/stores/ventures';
import {
  churnFeaturesFromEvents,
  describeTransform,
  EVENT_FEATURE_LABELS,
  type BehaviourEvent,
} from '../../domain/churnFeatures';
import { trainChurnModel } from '../../domain/churnModel';
import {
  CHURN_HEURISTIC_FORMULA,
  churnRisk,
  churnRiskLevel,
  heuristicChurnScore,
  topChurnFactors,
} from '../../domain/churnScoring';
import { connectDevServer, createTestApp, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

const DAY = 86_400_000;
const CSV = path.resolve(__dirname, '../../data/churn/saas-churn.csv');

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let auth: { authorization: string };
let venture: Venture;
let other: Venture;
const now = new Date();
/** Every contact's events, by internal id, as the scan reads them. */
const histories = new Map<string, BehaviourEvent[]>();
/** External id by internal id. */
const externalIds = new Map<string, string>();

/** How a contact behaved, day by day (day 1 is yesterday): days 15-69 are the baseline, 1-14 the recent window. */
type Plan = {
  login: (d: number) => boolean;
  feature: (d: number) => boolean;
  extra?: [string, number, Record<string, unknown>?][];
};
const steady: Plan = { login: () => true, feature: () => true };
const plans: Record<string, Plan> = {
  // Logins and usage stopped: the heuristic's 0.82. Three alike, so equal scores have to page by contact id.
  gone: { login: (d) => d > 14, feature: (d) => d > 14 },
  // Logins stopped, usage down a third, a detractor: 0.90 and 0.87 with tickets or payments.
  fading: {
    login: (d) => d > 14,
    feature: (d) => d > 14 || d % 3 !== 0,
    extra: [
      ['support_ticket_created', 3],
      ['support_ticket_created', 5],
      ['nps_submitted', 4, { score: 3 }],
    ],
  },
  billing: {
    login: (d) => d > 14,
    feature: () => true,
    extra: [
      ['payment_failed', 2],
      ['payment_failed', 6],
    ],
  },
  // Logins stopped alone: 0.38, below the list's default 0.5.
  quiet: { login: (d) => d > 14, feature: () => true },
  steady,
};

async function contact(v: Venture, plan: Plan, traits: Record<string, unknown> = {}): Promise<string> {
  const externalId = uniqueId('churn');
  const [row] = await database
    .db('contacts')
    .insert({ external_id: externalId, venture_id: v.id, email: `${externalId}@example.com`, traits })
    .returning('id');
  const id = (row as { id: string }).id;
  const at = (d: number, h = 0) => new Date(now.getTime() - (d - 0.5) * DAY + h * 3600_000);
  const events: BehaviourEvent[] = [];
  for (let d = 69; d >= 1; d--) {
    if (plan.login(d)) events.push({ name: 'login', occurredAt: at(d), properties: {} });
    if (plan.feature(d)) events.push({ name: 'feature_used', occurredAt: at(d, 1), properties: {} });
  }
  for (const [name, d, properties] of plan.extra ?? [])
    events.push({ name, occurredAt: at(d), properties: properties ?? {} });
  await new EventStore(database.db).insertMany(
    events.map((e) => ({
      contactId: id,
      name: e.name,
      occurredAt: e.occurredAt as Date,
      properties: { ...e.properties },
    })),
  );
  histories.set(id, events);
  externalIds.set(id, externalId);
  return id;
}

/** One scan over every contact, as the scheduled workflow runs its batches. */
async function scan(scanId: string, modelId: string | null): Promise<void> {
  const activities = createChurnActivities({ db: database.db });
  let afterId: string | null = null;
  for (;;) {
    const batch = await activities.scoreChurnBatch({ scanId, asOf: now.toISOString(), afterId, limit: 4, modelId });
    afterId = batch.lastId;
    if (batch.done) break;
  }
}

const get = (url: string) => request(app).get(url).set(auth);

/** Every contact the venture's list shows, following the cursor page by page. */
async function everyPage(url: string): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await get(`${url}${url.includes('?') ? '&' : '?'}${cursor ? `cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    items.push(...res.body.contacts);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  app = createTestApp(database.db, env.client);
  auth = { authorization: `Bearer ${(await new ApiKeyStore(database.db).create('churn reader', 'chairman')).key}` };
  const ventures = new VentureStore(database.db);
  venture = await ventures.create({ name: 'Notes', slug: uniqueId('notes'), productName: 'Notes' });
  other = await ventures.create({ name: 'Other', slug: uniqueId('other'), productName: 'Other' });
  for (let i = 0; i < 3; i++) await contact(venture, plans['gone']!, { name: `Gone ${i}` });
  await contact(venture, plans['fading']!, { first_name: 'Fay', last_name: 'Ding' });
  await contact(venture, plans['billing']!);
  await contact(venture, plans['quiet']!);
  await contact(venture, steady);
  await contact(other, plans['gone']!);
});
afterAll(async () => {
  await env?.teardown();
  await database?.destroy();
});

test('with no model trained, the model card says the scan scores with the heuristic, and how to train a model', async () => {
  const res = await get('/v1/churn/model');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    trained: false,
    model: null,
    scoring: 'heuristic',
    threshold: 0.7,
    skipped: [],
    heuristic: {
      formula: CHURN_HEURISTIC_FORMULA,
      intercept: -2.5,
      features: [
        { name: 'login_frequency_decline', label: EVENT_FEATURE_LABELS.login_frequency_decline, weight: 2 },
        { name: 'feature_usage_drop', label: EVENT_FEATURE_LABELS.feature_usage_drop, weight: 2 },
        { name: 'support_tickets_increase', label: EVENT_FEATURE_LABELS.support_tickets_increase, weight: 0.6, cap: 5 },
        { name: 'payment_failures', label: EVENT_FEATURE_LABELS.payment_failures, weight: 1.2, cap: 3 },
        { name: 'nps_score_low', label: EVENT_FEATURE_LABELS.nps_score_low, weight: 1 },
      ],
    },
  });
  expect(res.body.howToTrain).toEqual(expect.arrayContaining([expect.stringContaining('npm run churn:train')]));
});

test('a venture’s contacts at risk: latest score first, paged by cursor, each with its level and top factors', async () => {
  await scan('scan-heuristic', null);
  // The three "gone" contacts score alike: a page boundary falls among them and the cursor must not lose or repeat one.
  const { items, pages } = await everyPage(`/v1/ventures/${venture.id}/churn?limit=2`);
  const expected = [...histories.keys()]
    .map((id) => ({ id, features: churnFeaturesFromEvents(histories.get(id)!, now) }))
    .map((c) => ({ ...c, score: heuristicChurnScore(c.features) }));
  const venturesOwn = new Set(
    (await database.db('contacts').where({ venture_id: venture.id }).pluck('id')) as string[],
  );
  const atRisk = expected.filter((c) => venturesOwn.has(c.id) && c.score >= 0.5);
  expect(atRisk).toHaveLength(5); // gone x3, fading, billing; quiet (0.38) and steady (0.08) are below 0.5
  expect(pages).toBe(3);
  expect(items.map((i) => i.contact.internalId).sort()).toEqual(atRisk.map((c) => c.id).sort());
  const scores = items.map((i) => i.score);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  for (const item of items) {
    const c = atRisk.find((x) => x.id === item.contact.internalId)!;
    expect(item.score).toBeCloseTo(c.score, 6);
    expect(item).toMatchObject({
      contact: { id: externalIds.get(c.id), email: `${externalIds.get(c.id)}@example.com` },
      level: churnRiskLevel(item.score),
      method: 'heuristic',
      model: null,
      scoredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(item.topFactors.map((f: { feature: string }) => f.feature)).toEqual(
      topChurnFactors(c.features).map((f) => f.feature),
    );
    expect(item.topFactors.length).toBeLessThanOrEqual(3);
    for (const f of item.topFactors)
      expect(f.label).toBe(EVENT_FEATURE_LABELS[f.feature as keyof typeof EVENT_FEATURE_LABELS]);
  }
  const fading = items.find((i) => i.contact.name === 'Fay Ding')!;
  expect(fading).toMatchObject({ level: 'high', intervention: 'email' });
  expect(fading.topFactors[0]).toMatchObject({
    feature: 'login_frequency_decline',
    label: 'Logging in less than usual',
  });
  expect(items.filter((i) => i.contact.name?.startsWith('Gone'))).toHaveLength(3);

  // minScore 0 lists everyone scored; the other venture's contact never shows.
  const all = await everyPage(`/v1/ventures/${venture.id}/churn?minScore=0&limit=50`);
  expect(all.items).toHaveLength(7);
  expect(all.pages).toBe(1);
  expect(all.items.at(-1)).toMatchObject({ level: 'low', topFactors: [] });
});

test('after training on the CSV export, the card describes the model in use and the list shows the new scan’s scores', async () => {
  const trained = await trainAndStore(database.db, { csv: CSV, label: 'churned', exclude: ['months_active'] });
  const mapped = trained.eventForm!.stored;
  const e = trained.eventForm!.metrics;
  const res = await get('/v1/churn/model');
  expect(res.status).toBe(200);
  const order = mapped.model.encoder.columns
    .map((c, i) => ({ name: c.name, weight: mapped.model.weights[i]! }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  expect(res.body).toMatchObject({
    trained: true,
    scoring: 'model',
    threshold: 0.7,
    heuristic: null,
    skipped: [],
    model: {
      id: mapped.id,
      trainedAt: mapped.trainedAt.toISOString(),
      source: { kind: 'csv', file: 'data/churn/saas-churn.csv', description: mapped.source },
      label: 'churned',
      rows: 2000,
      trainedRows: 1600,
      holdoutRows: 400,
      positives: e.positives,
      negatives: e.negatives,
      holdout: { auc: e.auc, accuracy: e.accuracy, precision: e.precision, recall: e.recall, threshold: 0.7 },
      intercept: mapped.model.bias,
      features: order.map((f) => ({
        name: f.name,
        label: EVENT_FEATURE_LABELS[f.name as keyof typeof EVENT_FEATURE_LABELS],
        weight: f.weight,
      })),
      unread: (['login_frequency_decline', 'feature_usage_drop', 'payment_failures'] as const).map((name) => ({
        name,
        label: EVENT_FEATURE_LABELS[name],
      })),
      mapping: {
        columns: [
          {
            column: 'csat_score',
            feature: 'nps_score_low',
            label: EVENT_FEATURE_LABELS.nps_score_low,
            how: describeTransform('six_or_below'),
          },
          {
            column: 'minutes_customer_support',
            feature: 'support_tickets_increase',
            label: EVENT_FEATURE_LABELS.support_tickets_increase,
            how: describeTransform('above_zero'),
          },
        ],
        dropped: expect.arrayContaining([{ column: 'us_region', reason: 'no event carries it' }]),
        fullModel: { id: trained.stored.id, auc: trained.metrics.auc, accuracy: trained.metrics.accuracy },
      },
    },
  });
  expect(e.positives + e.negatives).toBe(2000);

  await scan('scan-csv', mapped.id);
  const { items } = await everyPage(`/v1/ventures/${venture.id}/churn?minScore=0&limit=50`);
  expect(items).toHaveLength(7);
  for (const item of items) {
    const features = churnFeaturesFromEvents(histories.get(item.contact.internalId)!, now);
    expect(item.score).toBeCloseTo(churnRisk(features, mapped.model).score, 6);
    expect(item).toMatchObject({ method: 'model', model: { id: mapped.id, source: mapped.source } });
  }
  // The fading contact gave a detractor score: the CSV's model puts it first.
  expect(items[0].contact.name).toBe('Fay Ding');
  expect(items[0].topFactors[0]).toMatchObject({ feature: 'nps_score_low', label: EVENT_FEATURE_LABELS.nps_score_low });
});

test('a newer model that cannot score from events is named as passed over, with why', async () => {
  const rows = Array.from({ length: 20 }, (_, i) => ({ seats: String(i), churned: i > 10 ? '1' : '0' }));
  const { model, metrics } = trainChurnModel(rows, { label: 'churned' });
  const legacy = await new ChurnStore(database.db).saveModel('csv:old-export.csv (2026-01-01)', model, {
    ...metrics,
  });
  const res = await get('/v1/churn/model');
  expect(res.body.model.source.kind).toBe('csv');
  expect(res.body.model.id).not.toBe(legacy.id);
  expect(res.body.skipped).toEqual([
    {
      id: legacy.id,
      source: 'csv:old-export.csv (2026-01-01)',
      trainedAt: legacy.trainedAt.toISOString(),
      reason:
        'its columns (seats) are not event features and it has no retrained form that reads them; train on the ' +
        'file again with npm run churn:train -- --csv FILE --label COLUMN, adding --map column=feature for columns ' +
        'the export names its own way',
    },
  ]);
});

test('an unknown venture is a 404, a bad query a 400 naming the field', async () => {
  expect((await get(`/v1/ventures/00000000-0000-4000-8000-000000000000/churn`)).status).toBe(404);
  expect((await get(`/v1/ventures/not-a-venture/churn`)).status).toBe(404);
  const problem = async (query: string) => {
    const res = await get(`/v1/ventures/${venture.id}/churn?${query}`);
    expect(res.status).toBe(400);
    return res.body.problems as { path: string; message: string }[];
  };
  expect(await problem('limit=0')).toEqual([{ path: 'limit', message: 'must be at least 1' }]);
  expect(await problem('limit=ten')).toEqual([{ path: 'limit', message: expect.stringContaining('a whole number') }]);
  expect(await problem('limit=201')).toEqual([{ path: 'limit', message: 'must be at most 200' }]);
  expect(await problem('minScore=1.5')).toEqual([{ path: 'minScore', message: 'must be at most 1' }]);
  expect(await problem('minScore=high')).toEqual([{ path: 'minScore', message: expect.stringContaining('a number') }]);
  expect(await problem('cursor=nonsense')).toEqual([
    { path: 'cursor', message: 'is not a cursor from this list (pass the nextCursor of the previous page)' },
  ]);
  expect(await problem('order=asc')).toEqual([
    { path: 'order', message: 'is not a parameter of this list; its parameters are limit, minScore and cursor' },
  ]);
});
