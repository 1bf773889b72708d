import type { Client } from '@temporalio/client';
import request from 'supertest';
import { routeKey, type AnyRoute } from '../../api/registry';
import { mediaMixRoutes } from '../../api/routes/mediaMix';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { CampaignPerformanceStore } from '../../db/stores/campaignPerformance';
import { VentureStore } from '../../db/stores/ventures';
import { generateMediaMixData, THREE_CHANNELS, type SyntheticChannel } from '../../domain/mediaMix/synthetic';
import { ventureMediaMixDays } from '../../services/ventureMediaMix';
import { createTestApp, createTestDatabase, type TestDatabase } from '../harness';

/*
 * The media-mix routes in the app, against a real PostgreSQL holding campaigns, their daily performance and
 * conversion events.
 */
let t: TestDatabase;
let app: ReturnType<typeof createTestApp>;
let routes: AnyRoute[];
let key: string;

beforeAll(async () => {
  t = await createTestDatabase();
  routes = mediaMixRoutes({ db: t.db });
  app = createTestApp(t.db, {} as Client);
  key = (await new ApiKeyStore(t.db).create('mia', 'marketer')).key;
});
afterAll(async () => {
  await t?.destroy();
});

const route = (key: string) => routes.find((r) => routeKey(r) === key)!;
const fit = (body: unknown) =>
  request(app)
    .post('/v1/media-mix/fit')
    .set('authorization', `Bearer ${key}`)
    .send(body as object);
const date = (i: number) => new Date(Date.UTC(2025, 2, 1 + i)).toISOString().slice(0, 10);
const wave = (i: number, period: number) => Math.round(500 + 300 * Math.sin((2 * Math.PI * i) / period));
/** Days of two channels that a fit accepts, unless the caller spoils them. */
const days = (
  n: number,
  spendOf = (i: number): Record<string, number> => ({ search: wave(i, 17), social: wave(i, 29) }),
) =>
  Array.from({ length: n }, (_, i) => ({
    date: date(i),
    spend: spendOf(i),
    conversions: 100 + (i % 7) * 3 + wave(i, 17) / 20,
  }));
const paths = (res: request.Response) => (res.body.problems as { path: string }[]).map((p) => p.path);

describe('POST /v1/media-mix/fit', () => {
  it('recovers the decays and contribution shares of 730 days of three channels generated from a known truth', async () => {
    const data = generateMediaMixData({ seed: 11, days: 730, baseline: 300, noise: 0.05, channels: THREE_CHANNELS });
    const res = await fit({ days: data.days, draws: 30 }).expect(200);
    expect(res.body.days).toBe(730);
    // The tolerances of domain/mediaMix/fitMediaMix.test.ts at 5% noise: decay within 0.1, share within 7 points.
    for (const truth of data.truth.channels) {
      const c = res.body.channels.find((x: { name: string }) => x.name === truth.name);
      expect(Math.abs(c.response.decay - truth.response.decay)).toBeLessThan(0.1);
      expect(Math.abs(c.share.value - truth.share)).toBeLessThan(0.07);
      expect(c.share.low).toBeLessThanOrEqual(c.share.value);
      expect(c.share.high).toBeGreaterThanOrEqual(c.share.value);
    }
    expect(res.body.quality.r2).toBeGreaterThan(0.8);
    expect(res.body.quality.holdout.mape).toEqual(expect.any(Number));
  });

  it('fits the reference’s worked example: both channels with intervals, returns and the fit’s quality', async () => {
    const example = route('POST /v1/media-mix/fit').example!.body;
    const res = await fit(example).expect(200);
    expect(res.body.days).toBe(90);
    expect(res.body.channels.map((c: { name: string }) => c.name)).toEqual(['search', 'social']);
    for (const c of res.body.channels) {
      expect(c.draws).toHaveLength(20);
      expect(c.intervals.decay.low).toBeLessThanOrEqual(c.response.decay);
      expect(c.roiValue.value).toBeCloseTo(c.roi.value * 40, 9);
      expect(c.marginalRoi.value).toBeGreaterThanOrEqual(0);
    }
    expect(res.body.quality.r2).toBeGreaterThan(0.9);
    expect(res.body.quality.holdout).toMatchObject({ days: 14, r2: expect.any(Number), mape: expect.any(Number) });
    expect(res.body.baseline.value).toBeGreaterThan(200);
    expect(res.body.method).toMatch(/bootstrap/);
    // The answer is what the reference documents.
    expect(route('POST /v1/media-mix/fit').response!.safeParse(res.body).error).toBeUndefined();
  });

  it('names a day given twice, a day missing and a bad number', async () => {
    const twice = days(100);
    twice[5] = { ...twice[5]!, date: twice[4]!.date };
    const res = await fit({ days: twice, draws: 0 }).expect(400);
    expect(res.body.problems).toContainEqual({
      path: 'days.5.date',
      message: expect.stringContaining('appears twice'),
    });
    const gap = days(100).filter((_, i) => i !== 50);
    const missing = await fit({ days: gap, draws: 0 }).expect(400);
    expect(missing.body.problems).toEqual([
      { path: 'days.50.date', message: expect.stringContaining(`${date(50)} is missing`) },
    ]);
    const negative = days(100);
    negative[3]!.spend['search'] = -5;
    expect(paths(await fit({ days: negative, draws: 0 }).expect(400))).toEqual(['days.3.spend.search']);
  });

  it('refuses data that cannot tell a channel apart, naming the channel', async () => {
    const flat = await fit({ days: days(100, (i) => ({ search: wave(i, 17), social: 700 })), draws: 0 }).expect(400);
    expect(paths(flat)).toEqual(['spend.social']);
    expect(flat.body.error).toContain('social spent the same every day');
    const twins = await fit({ days: days(100, (i) => ({ search: wave(i, 17), social: 2 * wave(i, 17) })), draws: 0 });
    expect(twins.status).toBe(400);
    expect(paths(twins)).toEqual(['spend.search', 'spend.social']);
    const short = await fit({ days: days(40), draws: 0 }).expect(400);
    expect(short.body.problems).toEqual([
      { path: 'days', message: expect.stringMatching(/only 40 days.*at least 72/) },
    ]);
  });

  it('checks the limits and options, naming the field', async () => {
    const long = Array.from({ length: 3651 }, (_, i) => ({ date: date(i), spend: { a: i % 9 }, conversions: i % 5 }));
    expect(paths(await fit({ days: long }).expect(400))).toEqual(['days']);
    const wide = days(100, (i) => Object.fromEntries(Array.from({ length: 21 }, (_, c) => [`c${c}`, wave(i, 7 + c)])));
    const tooWide = await fit({ days: wide, draws: 0 }).expect(400);
    expect(tooWide.body.problems).toEqual([{ path: 'days', message: '21 channels; at most 20' }]);
    expect(paths(await fit({ days: days(100), draws: 501 }).expect(400))).toEqual(['draws']);
    expect(paths(await fit({ days: days(100), holdoutDays: 100 }).expect(400))).toEqual(['holdoutDays']);
    const unknown = await fit({ days: days(100), channels: { tv: { decay: 0.5 } } }).expect(400);
    expect(unknown.body.problems).toEqual([
      { path: 'channels.tv', message: expect.stringContaining('search, social') },
    ]);
    expect(paths(await fit({ days: days(100), channels: { social: { shape: 9 } } }).expect(400))).toEqual([
      'channels.social.shape',
    ]);
    const hidden = days(100, (i) => JSON.parse(`{"search": ${wave(i, 17)}, "__proto__": ${wave(i, 29)}}`));
    expect((await fit({ days: hidden, draws: 0 }).expect(400)).body.problems[0].path).toMatch(/^days\.0\.spend/);
    expect(paths(await fit({ days: days(100), extra: 1 }).expect(400))).toEqual(['(body)']);
  });
});

describe('GET /v1/ventures/:id/media-mix', () => {
  const channels: SyntheticChannel[] = [
    {
      name: 'paid_search',
      pattern: 'randomWalk',
      meanSpend: 400,
      truth: { decay: 0.3, halfSaturation: 550, shape: 1.5, maxEffect: 30 },
    },
    {
      name: 'paid_social',
      pattern: 'flighting',
      meanSpend: 300,
      truth: { decay: 0.5, halfSaturation: 600, shape: 2, maxEffect: 25 },
    },
  ];
  const history = generateMediaMixData({
    seed: 21,
    days: 120,
    baseline: 20,
    noise: 'poisson',
    start: '2026-01-01',
    channels,
  });

  async function venture(slug: string): Promise<string> {
    return (await new VentureStore(t.db).create({ name: slug, slug, productName: 'Thing' })).id;
  }
  /** One campaign per channel, its days written as the campaign sync writes them; conversions reported or not. */
  async function campaigns(
    ventureId: string,
    n: number,
    reported: boolean,
    spendOf = (c: string, i: number) => history.days[i]!.spend[c]!,
  ) {
    const performance = new CampaignPerformanceStore(t.db);
    for (const [channel, platform] of [
      ['paid_search', 'google_ads'],
      ['paid_social', 'meta'],
    ] as const) {
      const [row] = await t
        .db('gtm_campaigns')
        .insert({
          venture_id: ventureId,
          campaign_name: channel,
          campaign_type: 'launch',
          channel,
          start_date: '2026-01-01',
          budget: 1e6,
        })
        .returning('campaign_id');
      const campaignId = (row as { campaign_id: string }).campaign_id;
      await performance.upsertDays(
        { campaignId, ventureId: null, channel: null, platform },
        history.days.slice(0, n).map((d, i) => ({
          date: d.date,
          impressions: 0,
          clicks: 0,
          revenue: 0,
          spend: spendOf(channel, i),
          // Each platform claims half the day's conversions; only used when the venture has no conversion events.
          conversions: reported ? Math.round(d.conversions / 2) : 0,
        })),
      );
    }
  }
  /** Each day's conversions as purchase events of the venture's contacts, with page views that do not count. */
  async function purchases(ventureId: string) {
    const contacts = await t
      .db('contacts')
      .insert(
        Array.from({ length: 5 }, (_, i) => ({
          external_id: `${ventureId}-${i}`,
          venture_id: ventureId,
          email: `c${i}@example.com`,
        })),
      )
      .returning('id');
    const ids = contacts.map((c: { id: string }) => c.id);
    const events = history.days.flatMap((d, day) => [
      ...Array.from({ length: d.conversions }, (_, k) => ({
        contact_id: ids[k % ids.length],
        name: 'purchase',
        occurred_at: `${d.date}T${String(k % 24).padStart(2, '0')}:30:00Z`,
      })),
      { contact_id: ids[day % ids.length], name: 'page_view', occurred_at: `${d.date}T12:00:00Z` },
    ]);
    for (let i = 0; i < events.length; i += 1000) await t.db('events').insert(events.slice(i, i + 1000));
  }

  it('fits the venture’s channels from its campaigns’ spend and its purchase events', async () => {
    const id = await venture('mix-events');
    await campaigns(id, 120, true);
    await purchases(id);
    const read = await ventureMediaMixDays(t.db, id, { days: 365 });
    expect(read).toHaveLength(120);
    expect(read.map((d) => d.conversions)).toEqual(history.days.map((d) => d.conversions));
    expect(read[7]!.spend).toEqual(history.days[7]!.spend);

    const res = await request(app)
      .get(`/v1/ventures/${id}/media-mix?draws=10`)
      .set('authorization', `Bearer ${key}`)
      .expect(200);
    expect(res.body).toMatchObject({
      ventureId: id,
      conversionsSource: 'events',
      days: 120,
      from: '2026-01-01',
      to: '2026-04-30',
    });
    expect(res.body.conversionEvents).toContain('purchase');
    expect(res.body.channels.map((c: { name: string }) => c.name).sort()).toEqual(['paid_search', 'paid_social']);
    const search = res.body.channels.find((c: { name: string }) => c.name === 'paid_search');
    expect(search.spend).toBeCloseTo(
      history.days.reduce((a, d) => a + d.spend['paid_search']!, 0),
      2,
    );
    expect(search.draws).toHaveLength(10);

    expect(route('GET /v1/ventures/:id/media-mix').response!.safeParse(res.body).error).toBeUndefined();

    const window = await request(app)
      .get(`/v1/ventures/${id}/media-mix?days=100&draws=0`)
      .set('authorization', `Bearer ${key}`)
      .expect(200);
    expect(window.body).toMatchObject({ days: 100, from: '2026-01-21', to: '2026-04-30' });
  });

  it('uses the platforms’ reported conversions when the venture has no conversion events', async () => {
    const id = await venture('mix-platform');
    await campaigns(id, 120, true);
    const res = await request(app)
      .get(`/v1/ventures/${id}/media-mix?draws=0`)
      .set('authorization', `Bearer ${key}`)
      .expect(200);
    expect(res.body.conversionsSource).toBe('platform');
    expect(res.body.series[3].conversions).toBe(2 * Math.round(history.days[3]!.conversions / 2));
  });

  it('says what is missing when the history cannot be fitted', async () => {
    const emptyId = await venture('mix-empty');
    const empty = await request(app)
      .get(`/v1/ventures/${emptyId}/media-mix`)
      .set('authorization', `Bearer ${key}`)
      .expect(400);
    expect(empty.body.missing).toEqual(['no campaign spend recorded']);

    const short = await venture('mix-short');
    await campaigns(short, 30, true);
    const few = await request(app)
      .get(`/v1/ventures/${short}/media-mix`)
      .set('authorization', `Bearer ${key}`)
      .expect(400);
    expect(few.body.missing).toEqual([expect.stringMatching(/only 30 days.*at least 72/)]);

    const flat = await venture('mix-flat');
    await campaigns(flat, 120, true, (c, i) => (c === 'paid_social' ? 250 : history.days[i]!.spend[c]!));
    const same = await request(app)
      .get(`/v1/ventures/${flat}/media-mix`)
      .set('authorization', `Bearer ${key}`)
      .expect(400);
    expect(same.body.missing).toEqual([expect.stringContaining('paid_social spent the same every day')]);

    const silent = await venture('mix-silent');
    await campaigns(silent, 120, false);
    const none = await request(app)
      .get(`/v1/ventures/${silent}/media-mix`)
      .set('authorization', `Bearer ${key}`)
      .expect(400);
    expect(none.body.missing).toEqual([expect.stringContaining('no conversions recorded')]);
  });

  it('answers 404 for an unknown venture and 400 naming a bad query value', async () => {
    await request(app)
      .get('/v1/ventures/00000000-0000-4000-8000-000000000000/media-mix')
      .set('authorization', `Bearer ${key}`)
      .expect(404);
    await request(app).get('/v1/ventures/not-a-uuid/media-mix').set('authorization', `Bearer ${key}`).expect(404);
    const id = await venture('mix-query');
    const bad = await request(app)
      .get(`/v1/ventures/${id}/media-mix?days=0&draws=501`)
      .set('authorization', `Bearer ${key}`)
      .expect(400);
    expect(paths(bad).sort()).toEqual(['days', 'draws']);
  });
});
