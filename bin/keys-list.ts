import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import { migrateLatest } from '../db/knex';
import { ApiKeyStore } from '../db/stores/apiKeys';
import { UserStore } from '../db/stores/users';
import { openCliDatabase } from './cliDatabase';
import { formatKeys, type KeyRow } from './keyTable';

/**
 * `npm run --silent keys:list [-- --user ana@acme.example]`: every API key (or one person's) with its id, name,
 * role, owner, creation and revocation. Keys
 * are stored hashed, so no key can be shown; the prefix is the few characters kept to tell keys apart.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { user: { type: 'string' } } });
  const config = loadConfig();
  const { db, close } = await openCliDatabase(config);
  try {
    await migrateLatest(db);
    const user = values.user ? await new UserStore(db).byEmail(values.user) : undefined;
    if (values.user && !user) throw new Error(`nobody has the address ${values.user}`);
    const rows = (await new ApiKeyStore(db).list(user?.id)) as KeyRow[];
    process.stdout.write(`${formatKeys(rows)}\n`);
  } finally {
    await close();
  }
}

main().catch((err) => {
  console.error(`Cannot list the keys: ${(err as Error).message}`);
  process.exit(1);
});
