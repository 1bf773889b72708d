import { loadConfig } from '../config/config';
import { migrateLatest } from '../db/knex';
import { ApiKeyStore } from '../db/stores/apiKeys';
import { openCliDatabase } from './cliDatabase';
import { formatKeys, type KeyRow } from './keyTable';

/**
 * `npm run --silent keys:list`: every API key with its id, name, role, creation and revocation. Keys
 * are stored hashed, so no key can be shown; the prefix is the few characters kept to tell keys apart.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { db, close } = await openCliDatabase(config);
  try {
    await migrateLatest(db);
    const rows = (await new ApiKeyStore(db).list()) as KeyRow[];
    process.stdout.write(`${formatKeys(rows)}\n`);
  } finally {
    await close();
  }
}

main().catch((err) => {
  console.error(`Cannot list the keys: ${(err as Error).message}`);
  process.exit(1);
});
