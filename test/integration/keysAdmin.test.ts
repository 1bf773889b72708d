import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { passwordMatches } from '../../services/passwords';
import { createTestDatabase, type TestDatabase } from '../harness';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.destroy());

/** `npm run --silent <script> -- ...args` against the test database: its stdout, or the failure with its stderr. */
function npmRun(script: string, ...args: string[]): string {
  return execFileSync('npm', ['run', '--silent', script, '--', ...args], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, DATABASE_URL: t.url },
    encoding: 'utf8',
    stdio: 'pipe',
  });
}
function npmFails(script: string, ...args: string[]): { status: number; stderr: string } {
  try {
    npmRun(script, ...args);
  } catch (err) {
    const e = err as { status: number; stderr: string };
    return { status: e.status, stderr: e.stderr };
  }
  throw new Error(`${script} ${args.join(' ')} succeeded`);
}

test('keys:list shows every key with its id, name, role and state, and never a key', async () => {
  const store = new ApiKeyStore(t.db);
  const ana = await store.create('Ana Lister', 'marketer');
  const old = await store.create('Old Ops', 'operator');
  await store.revoke(old.id);
  const out = npmRun('keys:list');
  const lines = out.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^id\s+name\s+role\s+owner\s+prefix\s+created\s+revoked$/);
  const row = (id: string) => lines.find((l) => l.startsWith(id)) ?? '';
  expect(row(ana.id)).toMatch(/Ana Lister\s+marketer\s+-\s+gtm_\S{6}\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+active$/);
  expect(row(old.id)).toMatch(/Old Ops\s+operator\s+-\s+gtm_\S{6}\s+\S+\s+\d{4}-\d\d-\d\dT[\d:]+Z$/);
  for (const key of [ana.key, old.key]) {
    expect(out).not.toContain(key);
    expect(out).not.toContain(key.slice(10, 20));
  }
});

test('keys:revoke by id or by name stops the key at once, is audited, and says what it did', async () => {
  const store = new ApiKeyStore(t.db);
  const byId = await store.create('Revoke Me', 'chairman');
  const byName = await store.create('Leaver', 'marketer');
  const keeper = await store.create('Keeper', 'marketer');

  expect(npmRun('keys:revoke', byId.id)).toBe(`revoked ${byId.id} (Revoke Me, chairman)\n`);
  expect(npmRun('keys:revoke', 'Leaver')).toBe(`revoked ${byName.id} (Leaver, marketer)\n`);
  expect(await store.verify(byId.key)).toBeUndefined();
  expect(await store.verify(byName.key)).toBeUndefined();
  expect(await store.verify(keeper.key)).toEqual(expect.objectContaining({ name: 'Keeper' }));
  const audited = await t.db('audit_log').where({ action: 'api_key.revoked' }).orderBy('id');
  expect(audited.map((a) => a.subject_id)).toEqual([byId.id, byName.id]);

  // Again: nothing to do, and it says so.
  expect(npmRun('keys:revoke', byId.id)).toMatch(
    new RegExp(`^${byId.id} \\(Revoke Me, chairman\\) was already revoked`),
  );
});

test('keys:revoke refuses what it cannot settle: no argument, an unknown key, a name several keys share', async () => {
  const store = new ApiKeyStore(t.db);
  const a = await store.create('Shared Name', 'marketer');
  const b = await store.create('Shared Name', 'operator');

  expect(npmFails('keys:revoke')).toEqual({
    status: 2,
    stderr: expect.stringContaining('usage: npm run keys:revoke -- <id or name>'),
  });
  expect(npmFails('keys:revoke', 'Nobody At All')).toEqual({
    status: 1,
    stderr: expect.stringContaining('no key has the id or name "Nobody At All"'),
  });
  const shared = npmFails('keys:revoke', 'Shared Name');
  expect(shared.status).toBe(1);
  expect(shared.stderr).toContain('2 active keys are named "Shared Name"');
  expect(shared.stderr).toContain(a.id);
  expect(shared.stderr).toContain(b.id);
  expect(await store.verify(a.key)).toBeDefined();
  expect(await store.verify(b.key)).toBeDefined();
});

test('users:create gives a person access with a password shown once; their keys are theirs; keys:list --user lists them', async () => {
  const out = npmRun(
    'users:create',
    '--email',
    'Ivy@Example.com',
    '--name',
    'Ivy Ops',
    '--role',
    'operator',
    '--role',
    'marketer',
  );
  const match = /^ivy@example\.com can sign in as operator, marketer with the password: (\S{20})\n$/.exec(out);
  expect(match).not.toBeNull();
  const row = await t.db('users').where({ email: 'ivy@example.com' }).first();
  expect(row.password_hash).toMatch(/^\$argon2id\$/);
  expect(await passwordMatches(row.password_hash, match![1]!)).toBe(true);
  expect(JSON.stringify(row)).not.toContain(match![1]!);

  expect(npmFails('users:create', '--email', 'ivy@example.com', '--role', 'marketer')).toMatchObject({
    status: 1,
    stderr: expect.stringContaining('has an account already'),
  });
  expect(npmFails('users:create', '--email', 'zed@example.com', '--role', 'ceo')).toMatchObject({
    status: 2,
    stderr: expect.stringContaining("--role must be one of marketer, chairman, operator, not 'ceo'"),
  });
  expect(await t.db('users').where({ email: 'zed@example.com' })).toHaveLength(0);

  const key = npmRun('keys:create', '--role', 'marketer', '--user', 'ivy@example.com', '--name', 'Ivy script').trim();
  expect(await new ApiKeyStore(t.db).verify(key)).toMatchObject({
    role: 'marketer',
    user: { email: 'ivy@example.com' },
  });
  expect(npmFails('keys:create', '--role', 'chairman', '--user', 'ivy@example.com').stderr).toContain(
    "must be one of ivy@example.com's roles (operator, marketer), not 'chairman'",
  );
  const listed = npmRun('keys:list', '--user', 'ivy@example.com').trimEnd().split('\n');
  expect(listed).toHaveLength(2);
  expect(listed[1]).toMatch(/Ivy script\s+marketer\s+ivy@example\.com\s+gtm_/);
});
