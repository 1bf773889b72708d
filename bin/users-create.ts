import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import { migrateLatest } from '../db/knex';
import { ROLES, type Role } from '../db/stores/apiKeys';
import { AuditLog } from '../db/stores/audit';
import { UserStore } from '../db/stores/users';
import { hashPassword, passwordProblem } from '../services/passwords';
import { openCliDatabase } from './cliDatabase';

const usage =
  'usage: npm run users:create -- --email ana@acme.example --name "Ana Lima" --role marketer [--role chairman] ' +
  '[--password-stdin]';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * `npm run --silent users:create -- --email ... --name ... --role marketer [--role chairman]`: gives a person access,
 * the first one included. The password comes from stdin with --password-stdin; otherwise one is made and printed,
 * once, for the person to sign in with and change. With no DATABASE_URL it writes to the embedded PostgreSQL.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', multiple: true },
      'password-stdin': { type: 'boolean' },
    },
  });
  const problems: string[] = [];
  if (!values.email || !/^[^\s@]+@[^\s@]+$/.test(values.email)) problems.push('--email is required: an email address');
  const roles = values.role ?? [];
  if (roles.length === 0) problems.push(`--role is required (once or more): ${ROLES.join(', ')}`);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) problems.push(`--role must be one of ${ROLES.join(', ')}, not '${unknown.join("', '")}'`);
  if (problems.length) {
    console.error([...problems, usage].join('\n'));
    process.exit(2);
  }
  const given = values['password-stdin'] ? await readStdin() : undefined;
  const weak = given !== undefined ? passwordProblem(given) : undefined;
  if (weak) {
    console.error(`the password ${weak}`);
    process.exit(2);
  }
  const password = given ?? randomBytes(15).toString('base64url');
  const email = values.email!;
  const config = loadConfig();
  const { db, close } = await openCliDatabase(config);
  try {
    await migrateLatest(db);
    const user = await new UserStore(db).create({
      email,
      name: values.name ?? email.split('@')[0]!,
      roles: [...new Set(roles)] as Role[],
      passwordHash: await hashPassword(password),
    });
    if (!user) {
      console.error(`${email} has an account already`);
      process.exit(1);
    }
    await new AuditLog(db).record({
      actor: 'users:create',
      via: 'command',
      action: 'user.created',
      subjectType: 'user',
      subjectId: user.id,
      details: { email: user.email, roles: user.roles },
    });
    process.stdout.write(
      given !== undefined
        ? `${user.email} can sign in as ${user.roles.join(', ')}\n`
        : `${user.email} can sign in as ${user.roles.join(', ')} with the password: ${password}\n`,
    );
  } finally {
    await close();
  }
}

main().catch((err) => {
  console.error(`Cannot create the user: ${(err as Error).message}`);
  process.exit(1);
});
