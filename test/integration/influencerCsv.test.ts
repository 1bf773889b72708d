import { Readable } from 'node:stream';
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { CsvFormatError, csvRecords } from '../../infra/csvStream';
import { createLogger } from '../../infra/logger';
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
