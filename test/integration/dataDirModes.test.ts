import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import { loadConfig } from '../../config/config';
import { createLogger } from '../../infra/logger';
import { freePort } from '../../infra/ports';
import { startStack, type Stack } from '../../app/stack';

// The local defaults keep the signing secret, API keys, caught mail (approval requests, unsubscribe links), the
// database and Temporal's history under DATA_DIR: on a shared machine no other user may read any of it.
const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-modes-'));
fs.chmodSync(parent, 0o755); // as a home directory often is
const dataDir = path.join(parent, 'data');
let stack: Stack | undefined;

afterAll(async () => {
  await stack?.stop();
  fs.rmSync(parent, { recursive: true, force: true });
});

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const octal = (m: number) => `0${m.toString(8)}`;

test('DATA_DIR is 0700 and every file the product writes in it is 0600, also when an older version left them open', async () => {
  // What an older version left behind: world-readable directories, secret and mail.
  fs.mkdirSync(path.join(dataDir, 'mail'), { recursive: true, mode: 0o755 });
  fs.chmodSync(dataDir, 0o755);
  fs.writeFileSync(path.join(dataDir, 'signing-secret'), 'a'.repeat(64), { mode: 0o644 });
  fs.chmodSync(path.join(dataDir, 'signing-secret'), 0o644);
  const oldMail = path.join(dataDir, 'mail', '2026-01-01T00-00-00-000Z-old.json');
  fs.writeFileSync(oldMail, JSON.stringify({ id: 'old', subject: 'Approval needed', text: 'u/token', headers: {} }));
  fs.chmodSync(oldMail, 0o644);

  const config = loadConfig({
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    MAIL_CATCHER_PORT: String(await freePort()),
    RUN_API: 'false',
    RUN_WORKER: 'false',
    CHURN_SCAN_ENABLED: 'false',
  });
  stack = await startStack(config, createLogger('silent'));
  await createTransport({ host: '127.0.0.1', port: config.MAIL_CATCHER_PORT, secure: false, ignoreTLS: true }).sendMail(
    { from: 'a@gtm.localhost', to: 'chair@acme.test', subject: 'Approval needed', text: 'approve?' },
  );
  await stack.mailCatcher!.waitFor((mails) => mails.length === 2);

  // Nobody but the owner (and, when the product runs as root, the embedded PostgreSQL's own user, which may only
  // pass through to its directory) can enter DATA_DIR.
  expect(mode(dataDir) & 0o067).toBe(0);
  expect(mode(dataDir) & 0o700).toBe(0o700);
  const open: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (mode(p) & 0o077) open.push(`${path.relative(dataDir, p)} ${octal(mode(p))}`);
      if (entry.isDirectory()) walk(p);
    }
  };
  walk(dataDir);
  expect(open).toEqual([]);

  const files = ['signing-secret', 'api-keys.json', 'temporal.log', 'temporal.sqlite'];
  for (const f of files) expect([f, octal(mode(path.join(dataDir, f)))]).toEqual([f, '0600']);
  const mails = fs.readdirSync(path.join(dataDir, 'mail'));
  expect(mails).toHaveLength(2);
  for (const f of mails) expect([f, octal(mode(path.join(dataDir, 'mail', f)))]).toEqual([f, '0600']);
  for (const d of ['mail', 'postgres']) expect([d, octal(mode(path.join(dataDir, d)))]).toEqual([d, '0700']);
  // The old secret is still the secret: links already sent keep working.
  expect(fs.readFileSync(path.join(dataDir, 'signing-secret'), 'utf8')).toBe('a'.repeat(64));
}, 180_000);
