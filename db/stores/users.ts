import type { Db } from '../knex';
import { ROLES, type Role } from './apiKeys';

/** A person who signs in. The password hash never leaves the store except to the sign-in check. */
export interface User {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  active: boolean;
  hasPassword: boolean;
  sso: boolean;
  createdAt: Date;
  lastSignInAt: Date | null;
}

/** What the sign-in check reads: the user, their hash and the state of their lock. */
export interface UserCredentials extends User {
  passwordHash: string | null;
  failedSignIns: number;
  lockedUntil: Date | null;
}

// Enum arrays arrive as text ('{marketer,chairman}') unless cast to text[], which pg parses.
const COLUMNS = [
  'id',
  'email',
  'name',
  'created_at',
  'last_sign_in_at',
  'deactivated_at',
  'password_hash',
  'oidc_subject',
  'failed_sign_ins',
  'locked_until',
];

function credentialsOf(r: Record<string, unknown>): UserCredentials {
  return {
    id: r.id as string,
    email: r.email as string,
    name: r.name as string,
    roles: (r.roles as string[]).filter((x): x is Role => (ROLES as readonly string[]).includes(x)),
    active: r.deactivated_at === null,
    hasPassword: r.password_hash !== null,
    sso: r.oidc_subject !== null,
    createdAt: r.created_at as Date,
    lastSignInAt: (r.last_sign_in_at as Date | null) ?? null,
    passwordHash: (r.password_hash as string | null) ?? null,
    failedSignIns: r.failed_sign_ins as number,
    lockedUntil: (r.locked_until as Date | null) ?? null,
  };
}

/** The public view of a user: no hash, no lock counters. */
export function publicUser(c: UserCredentials): User {
  const { id, email, name, roles, active, hasPassword, sso, createdAt, lastSignInAt } = c;
  return { id, email, name, roles, active, hasPassword, sso, createdAt, lastSignInAt };
}

/** Addresses are one person whatever their case. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export class UserStore {
  constructor(private readonly db: Db) {}

  private select() {
    return this.db('users').select(...COLUMNS, this.db.raw('roles::text[] AS roles'));
  }

  async get(id: string): Promise<UserCredentials | undefined> {
    const row = await this.select().where({ id }).first();
    return row ? credentialsOf(row) : undefined;
  }

  async byEmail(email: string): Promise<UserCredentials | undefined> {
    const row = await this.select()
      .where({ email: normaliseEmail(email) })
      .first();
    return row ? credentialsOf(row) : undefined;
  }

  async bySso(issuer: string, subject: string): Promise<UserCredentials | undefined> {
    const row = await this.select().where({ oidc_issuer: issuer, oidc_subject: subject }).first();
    return row ? credentialsOf(row) : undefined;
  }

  async list(): Promise<User[]> {
    return (await this.select().orderBy('created_at')).map((r) => publicUser(credentialsOf(r)));
  }

  async count(): Promise<number> {
    const row = await this.db('users').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /** A new person; undefined when the address is taken. */
  async create(input: {
    email: string;
    name: string;
    roles: Role[];
    passwordHash?: string | null;
  }): Promise<User | undefined> {
    const rows = await this.db('users')
      .insert({
        email: normaliseEmail(input.email),
        name: input.name,
        roles: this.db.raw('?::user_role[]', [`{${input.roles.join(',')}}`]),
        password_hash: input.passwordHash ?? null,
      })
      .onConflict('email')
      .ignore()
      .returning('id');
    if (rows.length === 0) return undefined;
    return publicUser((await this.get(rows[0].id))!);
  }

  /** Changes what is given; 'taken' when the new address belongs to someone else. */
  async update(
    id: string,
    patch: { email?: string; name?: string; roles?: Role[]; active?: boolean },
  ): Promise<User | 'taken' | undefined> {
    if (patch.email !== undefined) {
      const other = await this.byEmail(patch.email);
      if (other && other.id !== id) return 'taken';
    }
    const changed = await this.db('users')
      .where({ id })
      .update({
        ...(patch.email !== undefined ? { email: normaliseEmail(patch.email) } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.roles !== undefined ? { roles: this.db.raw('?::user_role[]', [`{${patch.roles.join(',')}}`]) } : {}),
        ...(patch.active !== undefined ? { deactivated_at: patch.active ? null : this.db.fn.now() } : {}),
        updated_at: this.db.fn.now(),
      });
    if (changed === 0) return undefined;
    return publicUser((await this.get(id))!);
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db('users')
      .where({ id })
      .update({ password_hash: passwordHash, failed_sign_ins: 0, locked_until: null, updated_at: this.db.fn.now() });
  }

  /** Counts a failed password and, at the limit, locks the account until `lockUntil`; answers the new count. */
  async recordFailure(id: string, lockAfter: number, lockUntil: Date): Promise<number> {
    const [row] = await this.db('users')
      .where({ id })
      .update({
        failed_sign_ins: this.db.raw('failed_sign_ins + 1'),
        locked_until: this.db.raw('CASE WHEN failed_sign_ins + 1 >= ? THEN ?::timestamptz ELSE locked_until END', [
          lockAfter,
          lockUntil.toISOString(),
        ]),
      })
      .returning('failed_sign_ins');
    return row.failed_sign_ins as number;
  }

  async recordSignIn(id: string): Promise<void> {
    await this.db('users')
      .where({ id })
      .update({ failed_sign_ins: 0, locked_until: null, last_sign_in_at: this.db.fn.now() });
  }

  /** Links a single sign-on identity to a user (first sign-in through the provider). */
  async linkSso(id: string, issuer: string, subject: string): Promise<void> {
    await this.db('users').where({ id }).update({ oidc_issuer: issuer, oidc_subject: subject });
  }
}
