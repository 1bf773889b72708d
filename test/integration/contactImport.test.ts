import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createImportActivities } from '../../activities/importActivities';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import type { Contact } from '../../db/stores/contacts';
import {
  connectDevServer,
  createTestApp,
  createTestDatabase,
  createTestWorker,
  eventually,
  uniqueId,
  type TestDatabase,
} from '../harness';

// Contact imports through the API as production assembles it, on a real database, with a real worker for the
// uploads that go to a workflow.
let t: TestDatabase;
let env: TestWorkflowEnvironment;
let server: http.Server;
let api: string;
let key: string;
let dataDir: string;
const taskQueue = uniqueId('import');
const INLINE_MAX = 256 * 1024;
const MAX = 300 * 1024 * 1024;

beforeAll(async () => {
  t = await createTestDatabase();
  env = await connectDevServer();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-import-'));
  const app = createTestApp(t.db, env.client, {
    taskQueue,
    config: { dataDir, IMPORT_INLINE_MAX_BYTES: INLINE_MAX, IMPORT_MAX_BYTES: MAX },
  });
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  key = (await new ApiKeyStore(t.db).create('importer', 'marketer')).key;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await env?.teardown();
  await t?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function post(body: string | Buffer | Readable, type: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${api}/v1/contacts/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': type, ...headers },
    body: body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : body,
    ...(body instanceof Readable ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

const get = async (p: string) => {
  const res = await fetch(`${api}${p}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

const contact = async (externalId: string) => t.db('contacts').where({ external_id: externalId }).first();

function importWorker(extra: Parameters<typeof createImportActivities>[0] extends infer D ? Partial<D> : never = {}) {
  return createTestWorker(env, {
    taskQueue,
    activities: createImportActivities({
      db: t.db,
      audience: { importDir: path.join(dataDir, 'imports'), broadcastRatePerSecond: 100, broadcastCapped: 'skip' },
      importListener: { contactsChanged: async () => undefined },
      ...extra,
    }),
  });
}

async function untilDone(id: string, onPoll?: (view: Record<string, any>) => void) {
  for (const deadline = Date.now() + 40_000; Date.now() < deadline;) {
    const { body } = await get(`/v1/imports/${id}`);
    onPoll?.(body);
    if (body.status === 'completed' || body.status === 'failed') return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} did not finish`);
}

describe('POST /v1/contacts/import, answered at once', () => {
  it('reads quoted commas and newlines and a BOM, types traits, and rejects bad rows by number and field', async () => {
    const venture = (
      await t
        .db('ventures')
        .insert({ name: 'Acme', slug: uniqueId('acme'), product_name: 'Acme' })
        .returning('id')
    )[0].id;
    const csv =
      '\uFEFFid,email,timezone,ventureId,plan,seats,score,beta,signedUpAt,note,zip\r\n' +
      `q-1,ada@example.com,Europe/Berlin,${venture},pro,12,4.5,true,2026-11-01,"Says ""hi"", then
leaves",01234\r\n` +
      'q-2,not-an-email,,,basic,,,,,,\r\n' +
      'q-3,bob@example.com,Mars/Olympus,,basic,,,,,,\r\n' +
      'q-4,cy@example.com,,6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b,basic,,,,,,\r\n' +
      ',,,,orphan,,,,,,\r\n' +
      `q-5,dee@example.com,,,${'x'.repeat(2_001)},,,,,,\r\n` +
      'q-1,ada@example.com,,,team,,,false,,,\r\n';
    const res = await post(csv, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 7, created: 1, updated: 1, rejected: 5, rejectedRowsTruncated: false });
    expect(res.body.rejectedRows).toEqual([
      { row: 2, field: 'email', message: 'is not an email address' },
      { row: 3, field: 'timezone', message: expect.stringContaining('IANA time zone') },
      { row: 4, field: 'ventureId', message: expect.stringContaining('no venture') },
      { row: 5, field: 'id', message: 'a row needs an id or an email' },
      { row: 6, field: 'plan', message: expect.stringContaining('longer than 2000') },
    ]);
    // The duplicate id: the later row wins, traits merge (seats stays from the first row, beta is now false).
    const ada = await contact('q-1');
    expect(ada).toMatchObject({ email: 'ada@example.com', timezone: 'Europe/Berlin', venture_id: venture });
    expect(ada.traits).toEqual({
      plan: 'team',
      seats: 12,
      score: 4.5,
      beta: false,
      signedUpAt: '2026-11-01',
      note: 'Says "hi", then\nleaves',
      zip: '01234',
    });
    for (const id of ['q-2', 'q-3', 'q-4', 'q-5']) expect(await contact(id)).toBeUndefined();
    const audit = await t.db('audit_log').where({ action: 'contacts.imported', subject_id: res.body.id }).first();
    expect(audit).toMatchObject({ actor: 'importer', actor_role: 'marketer' });
    expect((await get(`/v1/imports/${res.body.id}`)).body).toMatchObject({ status: 'completed', rows: 7, rejected: 5 });
  });

  it('reads NDJSON and upserts a row without an id by its email, whatever its case', async () => {
    await t.db('contacts').insert({ external_id: 'crm-77', email: 'known@example.com', traits: { plan: 'free' } });
    const ndjson = [
      { email: 'Known@Example.COM', traits: { plan: 'pro' }, locale: 'de-DE' },
      { email: 'fresh@example.com', seats: 3 },
      {},
      'not json',
      { id: 'n-1', email: 'n1@example.com', timezone: 'America/New_York', traits: { vip: true, tags: ['a'] } },
      { id: 'ghost-without-email' },
    ]
      .map((r) => (typeof r === 'string' ? r : JSON.stringify(r)))
      .join('\n');
    const res = await post(`${ndjson}\n\n`, 'application/x-ndjson');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 6, created: 2, updated: 1, rejected: 3 });
    expect(res.body.rejectedRows.map((r: { row: number; field: string }) => [r.row, r.field])).toEqual([
      [3, 'id'],
      [4, '(row)'],
      [6, 'email'],
    ]);
    expect((await contact('crm-77')).traits).toEqual({ plan: 'pro', locale: 'de-DE' });
    expect(await t.db('contacts').whereRaw(`lower(email) = 'known@example.com'`).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect((await contact('fresh@example.com')).traits).toEqual({ seats: 3 });
    expect(await contact('n-1')).toMatchObject({ timezone: 'America/New_York', traits: { vip: true, tags: ['a'] } });
  });

  it('a file that cannot be read from its first line is a 400 that stores nothing, not even an import record', async () => {
    const before = await t.db('contact_imports').count({ n: '*' }).first();
    const res = await post('{"id":"x","name":"a "quote" in the open"}\n', 'text/csv');
    expect(res.status).toBe(400);
    expect(res.body.problems[0]).toMatchObject({ path: '(body)', message: expect.stringMatching(/cannot be read/) });
    expect(await t.db('contact_imports').count({ n: '*' }).first()).toEqual(before);
  });

  it('a file that breaks after rows were stored answers 200 with status failed, the counts and the reason', async () => {
    const tag = uniqueId('broken');
    // 1,200 good rows: the first batch of 1,000 is stored before the break in the second is read.
    const good = Array.from({ length: 1_200 }, (_, i) => `${tag}-${i},${tag}-${i}@example.com`);
    const csv = ['id,email', ...good, `${tag}-x,"unclosed@example.com`].join('\n');
    const res = await post(csv, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'failed',
      created: 1_000,
      error: expect.stringMatching(/cannot be read/),
    });
    expect((await get(`/v1/imports/${res.body.id}`)).body).toMatchObject({ status: 'failed', created: 1_000 });
    expect(await contact(`${tag}-999`)).toBeDefined();
    expect(await contact(`${tag}-1000`)).toBeUndefined();
  });

  it('refuses other media types with 415 listing the accepted ones, and oversized uploads with 413', async () => {
    const json = await post(JSON.stringify([{ id: 'j' }]), 'application/json');
    expect(json.status).toBe(415);
    expect(json.body.error ?? json.body.message).toMatch(/text\/csv or application\/x-ndjson/);
    expect((await post('id\n1', 'text/plain')).status).toBe(415);

    const declared = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${api}/v1/contacts/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'content-length': String(MAX + 1) },
      });
      req.on('response', (res) => resolve(res.statusCode!));
      req.on('error', reject);
      req.write('id,email\n');
    });
    expect(declared).toBe(413);
  });
});

function generatedCsv(rows: number, prefix: string): string {
  const lines = ['id,email,plan,seats,signedUpAt'];
  for (let i = 0; i < rows; i++)
    lines.push(`${prefix}-${i},${prefix}-${i}@example.com,pro,${i % 50},2026-10-0${1 + (i % 9)}`);
  return `${lines.join('\n')}\n`;
}

describe('large imports, through the workflow', () => {
  let worker: Worker | undefined;
  afterEach(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    worker = undefined;
  });

  it('answers 202 with a Location, shows progress while running, and ends with the counts', async () => {
    const rows = 40_000;
    const csv = generatedCsv(rows, uniqueId('big'));
    expect(Buffer.byteLength(csv)).toBeGreaterThan(2 * 1024 * 1024);
    // A short pause per batch, so the import is seen midway.
    const w = await importWorker({
      importBatchSize: 1_000,
      importListener: { contactsChanged: () => new Promise((r) => setTimeout(r, 30)) },
    });
    worker = w;
    const running = w.run();
    const res = await post(Readable.from([csv.slice(0, 1_000_000), csv.slice(1_000_000)]), 'text/csv');
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/imports/${res.body.id}`);
    const midway: number[] = [];
    const done = await untilDone(res.body.id, (v) => {
      if (v.status === 'running' && v.rows > 0 && v.rows < rows)
        midway.push(v.progress.bytesRead / v.progress.bytesTotal);
    });
    expect(done).toMatchObject({ status: 'completed', rows, created: rows, updated: 0, rejected: 0 });
    expect(done.progress).toEqual({ bytesRead: Buffer.byteLength(csv), bytesTotal: Buffer.byteLength(csv), rows });
    expect(midway.length).toBeGreaterThan(0);
    expect(midway.every((f) => f > 0 && f < 1)).toBe(true);
    // The upload is deleted once the import is done (just after it shows completed).
    const spooled = path.join(dataDir, 'imports', `${res.body.id}.csv`);
    await eventually(async () => (fs.existsSync(spooled) ? undefined : true), 10_000);
    const listed = (await get('/v1/imports')).body.imports as { id: string }[];
    expect(listed[0]!.id).toBe(res.body.id);
    w.shutdown();
    await running;
  });

  it('resumes where a worker that shut down mid-import stopped: no row lost, none counted twice', async () => {
    const rows = 12_000;
    const prefix = uniqueId('resume');
    const csv = generatedCsv(rows, prefix);
    let batches = 0;
    const first: Worker = await importWorker({
      importBatchSize: 1_000,
      importListener: {
        contactsChanged: async (_c: Contact[]) => {
          if (++batches === 3) first.shutdown();
        },
      },
    });
    const firstRun = first.run();
    const res = await post(Readable.from([csv]), 'text/csv');
    expect(res.status).toBe(202);
    await firstRun;
    const stopped = (await get(`/v1/imports/${res.body.id}`)).body;
    expect(stopped.status).toBe('running');
    expect(stopped.rows).toBeGreaterThanOrEqual(3_000);
    expect(stopped.rows).toBeLessThan(rows);

    worker = await importWorker({ importBatchSize: 1_000 });
    const second = worker.run();
    const done = await untilDone(res.body.id);
    expect(done).toMatchObject({ status: 'completed', rows, created: rows, updated: 0, rejected: 0 });
    const stored = await t.db('contacts').where('external_id', 'like', `${prefix}-%`).count({ n: '*' });
    expect(Number(stored[0]!.n)).toBe(rows);
    worker.shutdown();
    await second;
  });
});

describe('streaming', () => {
  it('streams a 64 MB upload: its first rows are stored while the rest is still on its way', async () => {
    const row = (i: number) =>
      // One row in a hundred is valid; the rest are rejected for their email, past the report's cap.
      `m-${i},${i % 100 === 0 ? `m${i}@example.com` : `bad-${i}`},${'n'.repeat(1_900)}\n`;
    const total = 64 * 1024 * 1024;
    const perRow = Buffer.byteLength(row(0)) + 2;
    const count = Math.floor(total / perRow);
    const header = 'id,email,note\n';
    let size = Buffer.byteLength(header);
    for (let i = 0; i < count; i++) size += Buffer.byteLength(row(i));
    // Half-way through the upload the client waits until the first row is stored. A server that held the body (or all
    // its rows) before writing would store nothing until the end: the wait would run out and the test fail.
    let storedMidway = false;
    async function* chunks() {
      yield header;
      let buf = '';
      for (let i = 0; i < count; i++) {
        buf += row(i);
        if (buf.length > 64 * 1024) {
          yield buf;
          buf = '';
        }
        if (i === Math.floor(count / 2)) {
          const first = async () => ((await t.db('contacts').where({ external_id: 'm-0' }).first()) ? true : undefined);
          storedMidway = await eventually(first, 20_000).catch(() => false);
        }
      }
      if (buf) yield buf;
    }
    const big = http.createServer(
      createTestApp(t.db, env.client, {
        taskQueue,
        config: { dataDir, IMPORT_INLINE_MAX_BYTES: MAX, IMPORT_MAX_BYTES: MAX },
      }),
    );
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(big.address() as { port: number }).port}`;
    const status = await new Promise<{ status: number; body: Record<string, any> }>((resolve, reject) => {
      const req = http.request(`${url}/v1/contacts/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'content-length': String(size) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      Readable.from(chunks()).pipe(req);
    });
    await new Promise((r) => big.close(r));
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ rows: count, created: Math.ceil(count / 100), rejectedRowsTruncated: true });
    expect(status.body.rejectedRows).toHaveLength(1_000);
    expect(storedMidway).toBe(true);
  });
});
