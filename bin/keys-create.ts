import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import { migrateLatest } from '../db/knex';
import { ApiKeyStore, ROLES, type Role } from '../db/stores/apiKeys';
import { UserStore } from '../db/stores/users';
import { openCliDatabase } from './cliDatabase';

/**
 * `npm run --silent keys:create -- --role chairman [--name "Jane"] [--user jane@acme.example]`: prints the new key
 * and nothing else. With --user the key is that person's: it acts in one of their roles, and audit rows name them.
 * With no DATABASE_URL it writes to the embedded PostgreSQL under DATA_DIR (start it if it is not running).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { role: { type: 'string' }, name: { type: 'string' }, user: { type: 'string' } },
  });
  const role = values.role as Role | undefined;
  if (!role) {
    console.error(`--role is required: one of ${ROLES.join(', ')}`);
    process.exit(2);
  }
  if (!ROLES.includes(role)) {
    console.error(`--role must be one of ${ROLES.join(', ')}, not '${role}'`);
    process.exit(2);
  }
  const config = loadConfig();
  const { db, close } = await openCliDatabase(config);
  try {
    await migrateLatest(db);
    const user = values.user ? await new UserStore(db).byEmail(values.user) : undefined;
    if (values.user && (!user || !user.active)) throw new Error(`nobody active has the address ${values.user}`);
    if (user && !user.roles.includes(role)) {
      throw new Error(`--role must be one of ${user.email}'s roles (${user.roles.join(', ')}), not '${role}'`);
    }
    const { key } = await new ApiKeyStore(db).create(values.name ?? `${role} key`, role, user?.id);
    process.stdout.write(`${key}\n`);
  } finally {
    await close();
  }
}

main().catch((err) => {
  console.error(`Cannot create a key: ${(err as Error).message}`);
  process.exit(1);
});
