import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ApiKeyStore, hashApiKey } from '../../db/stores/apiKeys';
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

test('an unknown role is refused with the list of roles', () => {
  expect(() =>
    execFileSync('npm', ['run', '--silent', 'keys:create', '--', '--role', 'king'], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, DATABASE_URL: t.url },
      encoding: 'utf8',
      stdio: 'pipe',
    }),
  ).toThrow(/--role is required: one of marketer, chairman, operator/);
});
