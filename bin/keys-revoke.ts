import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import { migrateLatest } from '../db/knex';
import { ApiKeyStore } from '../db/stores/apiKeys';
import { AuditLog } from '../db/stores/audit';
import { openCliDatabase } from './cliDatabase';
import { formatKeys, printable, type KeyRow } from './keyTable';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class Refusal extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * `npm run --silent keys:revoke -- <id or name>`: revokes one API key; the API refuses it from the next request
 * on (every request looks the key up). A name must pick out one active key; when several share it, give the id.
 * The revocation is recorded in the audit log.
 */
async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  const wanted = positionals[0];
  if (!wanted || positionals.length > 1) {
    throw new Refusal('usage: npm run keys:revoke -- <id or name>   (npm run keys:list shows them)', 2);
  }
  const config = loadConfig();
  const { db, close } = await openCliDatabase(config);
  try {
    await migrateLatest(db);
    const keys = (await new ApiKeyStore(db).list()) as KeyRow[];
    const matches = UUID.test(wanted)
      ? keys.filter((k) => k.id === wanted.toLowerCase())
      : keys.filter((k) => k.name === wanted);
    const shown = printable(wanted);
    if (matches.length === 0) {
      throw new Refusal(`no key has the id or name "${shown}" (npm run keys:list shows them)`, 1);
    }
    const active = matches.filter((k) => !k.revoked_at);
    if (active.length > 1) {
      throw new Refusal(
        `${active.length} active keys are named "${shown}": revoke one by its id\n${formatKeys(active)}`,
        1,
      );
    }
    const key = active[0];
    if (!key) {
      const last = matches[matches.length - 1]!;
      process.stdout.write(
        `${last.id} (${printable(last.name)}, ${last.role}) was already revoked on ${last.revoked_at!.toISOString()}\n`,
      );
      return;
    }
    await db.transaction(async (trx) => {
      await new ApiKeyStore(trx).revoke(key.id);
      await new AuditLog(trx).record({
        actor: `cli:${os.userInfo().username}`,
        action: 'api_key.revoked',
        subjectType: 'api_key',
        subjectId: key.id,
        details: { name: key.name, role: key.role },
      });
    });
    process.stdout.write(`revoked ${key.id} (${printable(key.name)}, ${key.role})\n`);
  } finally {
    await close();
  }
}

main().catch((err) => {
  if (err instanceof Refusal) {
    console.error(err.message);
    process.exit(err.exitCode);
  }
  console.error(`Cannot revoke the key: ${(err as Error).message}`);
  process.exit(1);
});
