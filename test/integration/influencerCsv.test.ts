import { Readable } from 'node:stream';
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { VentureStore } from '../../db/stores/ventures';
import { CsvFormatError, csvRecords } from '../../infra/csvStream';
import { createLogger } from '../../infra/logger';
import { InfluencerCatalogue } from '../../services/influencerCatalogue';
import { createTestApp, connectDevServer, createTestDatabase, type TestDatabase } from '../harness';

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let auth: { authorization: string };
const logLines: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  app = createTestApp(database.db, env.client, {
    log: createLogger('debug', { write: (line: string) => void logLines.push(line) }),
  });
  auth = { authorization: `Bearer ${(await new ApiKeyStore(database.db).create('csv marketer', 'marketer')).key}` };
});
afterAll(async () => {
  await env?.teardown();
  await database?.destroy();
});

const HEADER = 'name,handle,platform,category,followers_count,engagement_rate';
const SECRET = 'PrivateHandle9';

const postCsv = (body: string) =>
  request(app).post('/v1/influencers/import').set(auth).set('content-type', 'text/csv').send(body);

test('a quote inside an unquoted field is a 400 naming the line, the cell is neither answered nor logged, and nothing is kept', async () => {
  const csv = [HEADER, 'Ann Fit,annfit,instagram,fitness,1000,0.05', `Bo,${SECRET}"x,tiktok,fitness,200,0.01`].join(
    '\n',
  );
  logLines.length = 0;
  const res = await postCsv(csv);
  expect(res.status).toBe(400);
  expect(res.body.error).toMatch(/^the CSV cannot be read at line 3: /);
  expect(res.body.error).toContain('quote');
  expect(JSON.stringify(res.body)).not.toContain(SECRET);
  expect(logLines.join('\n')).not.toContain(SECRET);
  expect(await database.db('influencers').count({ n: '*' }).first()).toEqual({ n: 0 });
});

test('every kind of unreadable CSV names its line and echoes none of the file', async () => {
  const cases: [csv: string, line: number][] = [
    [`${HEADER}\n"${SECRET},x,tiktok`, 2],
    [`${HEADER}\nok,ok,tiktok,a,1,0.1\n"${SECRET}"zz,x,tiktok`, 3],
    [`${HEADER}\nok,ok,tiktok,a,1,0.1\nok2,ok2,tiktok,a,1,0.1\n"${SECRET}" z,x,tiktok`, 4],
  ];
  for (const [csv, line] of cases) {
    const records = csvRecords(Readable.from([Buffer.from(csv)]));
    const failure = await (async () => {
      for await (const _ of records);
    })().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CsvFormatError);
    expect((failure as CsvFormatError).line).toBe(line);
    expect((failure as Error).message).not.toContain(SECRET);
    expect(JSON.stringify(failure)).not.toContain(SECRET);
    const res = await postCsv(csv);
    expect([csv, res.status]).toEqual([csv, 400]);
    expect(res.body.error).toContain(`line ${line}`);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
  }
});

// The catalogue's columns as docs/influencers.md lists them, written out here rather than read from the code.
const SNAKE_COLUMNS = [
  'name',
  'handle',
  'platform',
  'category',
  'followers_count',
  'engagement_rate',
  'average_views',
  'content_types',
  'audience_demographics',
  'brand_safety_score',
  'pricing_info',
  'performance_history',
  'relevance_topics',
  'blacklisted',
  'verification_status',
];
const CAMEL_FIELDS = SNAKE_COLUMNS.map((c) => c.replace(/_([a-z])/g, (_, l: string) => l.toUpperCase()));

const stored = async (handle: string) => {
  const row = await database
    .db('influencers')
    .where({ handle })
    .first('followers_count', 'engagement_rate', 'relevance_topics');
  return { ...row, engagement_rate: Number(row.engagement_rate) };
};
// The catalogue as the CSV upload drives it: the file parsed by the same streaming reader.
const importCsv = (csv: string) =>
  new InfluencerCatalogue(database.db).import(csvRecords(Readable.from([Buffer.from(csv)])), 'csv');

describe('field names', () => {
  test('CSV headers may be snake_case or camelCase; an unknown column is reported with the valid ones', async () => {
    const csv = [
      'name,handle,platform,category,followersCount,engagement_rate,relevanceTopics,notes,folowers',
      'Cam Case,camcase,tiktok,fitness,1200,0.05,yoga;running,call back in May,900',
    ].join('\n');
    const result = await importCsv(csv);
    expect(result).toMatchObject({ imported: 1, rejectedCount: 0, unknownFields: ['notes', 'folowers'] });
    const warning = result.warnings.join(' ');
    expect(warning).toContain('notes');
    for (const column of SNAKE_COLUMNS) expect(warning).toContain(column);
    expect(await stored('camcase')).toEqual({
      followers_count: 1200,
      engagement_rate: 0.05,
      relevance_topics: ['yoga', 'running'],
    });
  });

  test('a CSV with only known columns reports none', async () => {
    const result = await importCsv(`${HEADER}\nPlain Row,plainrow,blog,food,10,0.1`);
    expect(result).toEqual({
      imported: 1,
      updated: 0,
      rejected: [],
      rejectedCount: 0,
      unknownFields: [],
      warnings: [],
    });
  });

  test('a JSON import takes camelCase fields', async () => {
    const res = await request(app)
      .post('/v1/influencers/import')
      .set(auth)
      .send({
        influencers: [
          {
            name: 'Json Camel',
            handle: 'jsoncamel',
            platform: 'youtube',
            category: 'fitness',
            followersCount: 54_000,
            engagementRate: 0.031,
            averageViews: 9000,
            relevanceTopics: ['home workouts'],
            verificationStatus: 'verified',
          },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ imported: 1, rejectedCount: 0, unknownFields: [] });
    expect(await stored('jsoncamel')).toEqual({
      followers_count: 54_000,
      engagement_rate: 0.031,
      relevance_topics: ['home workouts'],
    });
  });

  test('a JSON catalogue in snake_case is told the camelCase names, field by field', async () => {
    const result = await new InfluencerCatalogue(database.db).import(
      [
        {
          name: 'Old Shape',
          handle: 'oldshape',
          platform: 'blog',
          category: 'food',
          followers_count: 10,
          engagement_rate: 0.1,
        },
      ],
      'json',
    );
    expect(result.imported).toBe(0);
    expect(result.unknownFields).toEqual(['followers_count', 'engagement_rate']);
    expect(result.rejected).toEqual([
      {
        row: 1,
        problems: expect.arrayContaining([
          { field: 'followersCount', message: 'is required' },
          { field: 'engagementRate', message: 'is required' },
        ]),
      },
    ]);
    const warning = result.warnings.join(' ');
    expect(warning).toMatch(/followers_count \(did you mean followersCount\?\)/);
    for (const field of CAMEL_FIELDS) expect(warning).toContain(field);
  });

  test('POST /v1/influencers/score takes a camelCase influencer and names a snake_case field as unknown', async () => {
    const venture = await new VentureStore(database.db).create({
      name: 'HomeGym',
      slug: 'homegym-csv-test',
      productName: 'HomeGym',
      category: 'fitness',
      industry: 'consumer health',
      keywords: ['home workout'],
      brand: { values: ['wellness'], tone: 'encouraging' },
    });
    const influencer = {
      name: 'Ada Fit',
      handle: 'adafit',
      platform: 'instagram',
      category: 'fitness',
      followersCount: 10_000,
      engagementRate: 0.035,
    };
    const ok = await request(app).post('/v1/influencers/score').set(auth).send({ ventureId: venture.id, influencer });
    expect(ok.status).toBe(200);
    // 20 * log10(10,000) = 80; 3.5% is the micro tier's typical rate, which scores 50.
    expect(ok.body.score).toMatchObject({ tier: 'micro', reachScore: 80, engagementScore: 50 });

    const { followersCount, ...rest } = influencer;
    const old = await request(app)
      .post('/v1/influencers/score')
      .set(auth)
      .send({ ventureId: venture.id, influencer: { ...rest, followers_count: followersCount } });
    expect(old.status).toBe(400);
    expect(old.body.problems).toEqual(
      expect.arrayContaining([
        { path: 'influencer.followers_count', message: expect.stringContaining('did you mean followersCount') },
        { path: 'influencer.followersCount', message: 'is required' },
      ]),
    );
  });
});
