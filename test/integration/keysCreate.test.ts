import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../db/knex';
import { ApiKeyStore, hashApiKey } from '../../db/stores/apiKeys';
import { EmbeddedPostgres } from '../../infra/embeddedPostgres';
import { freePort } from '../../infra/ports';
import { createTestDatabase, type TestDatabase } from '../harness';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.destroy());

test('npm run --silent keys:create prints the new key and nothing else; only its hash is stored', async () => {
  const out = execFileSync('npm', ['run', '--silent', 'keys:create', '--', '--role', 'chairman', '--name', 'Jane'], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, DATABASE_URL: t.url },
    encoding: 'utf8',
  });
  expect(out).toMatch(/^gtm_[\w-]{43}\n$/);
  const key = out.trim();
  const identity = await new ApiKeyStore(t.db).verify(key);
  expect(identity).toEqual(expect.objectContaining({ name: 'Jane', role: 'chairman' }));
  const row = await t.db('api_keys').where({ name: 'Jane' }).first();
  expect(row.key_hash).toBe(hashApiKey(key));
  expect(JSON.stringify(row)).not.toContain(key);
});

function keysCreateFails(args: string[]): string {
  try {
    execFileSync('npm', ['run', '--silent', 'keys:create', '--', ...args], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, DATABASE_URL: t.url },
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (err) {
    return String((err as { stderr?: string }).stderr);
  }
  throw new Error(`keys:create ${args.join(' ')} succeeded`);
}

test('an unknown role is refused as unknown, with the list of roles', () => {
  const stderr = keysCreateFails(['--role', 'ceo']);
  expect(stderr).toContain("--role must be one of marketer, chairman, operator, not 'ceo'");
  expect(stderr).not.toContain('required');
});

test('a missing role is refused as required, with the list of roles', () => {
  expect(keysCreateFails([])).toContain('--role is required: one of marketer, chairman, operator');
});

test('with the stack running on its own port, keys:create writes to that database, not to the default port', async () => {
  // As after `EMBEDDED_POSTGRES_PORT=<port> npm start`, with keys:create run from another shell without that variable.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-keys-'));
  const port = await freePort();
  const pg = new EmbeddedPostgres(path.join(dataDir, 'postgres'), port);
  await pg.start();
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    delete env.DATABASE_URL;
    delete env.EMBEDDED_POSTGRES_PORT;
    const out = execFileSync('npm', ['run', '--silent', 'keys:create', '--', '--role', 'operator', '--name', 'Ops'], {
      cwd: path.resolve(__dirname, '../..'),
      env,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    const db = createDb(`postgres://postgres@127.0.0.1:${port}/gtm`, 1);
    try {
      const identity = await new ApiKeyStore(db).verify(out.trim());
      expect(identity).toEqual(expect.objectContaining({ name: 'Ops', role: 'operator' }));
    } finally {
      await db.destroy();
    }
  } finally {
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000); // initdb, a server start and a CLI run
