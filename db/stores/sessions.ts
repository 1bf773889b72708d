import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../../domain/identity';
import type { Db } from '../knex';

/** How a session was opened. */
export type SignInMethod = 'password' | 'sso';

export interface Session {
  id: string;
  userId: string;
  method: SignInMethod;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
}

/** Who a session belongs to, as a request needs them. */
export interface SessionPerson {
  id: string;
  name: string;
  email: string;
  roles: Role[];
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
// A session is marked seen at most once a minute: a page load's burst of requests writes once.
const TOUCH_EVERY_MS = 60_000;

const sessionOf = (r: Record<string, unknown>): Session => ({
  id: r.id as string,
  userId: r.user_id as string,
  method: r.method as SignInMethod,
  createdAt: r.created_at as Date,
  expiresAt: r.expires_at as Date,
  lastSeenAt: r.last_seen_at as Date,
});

/**
 * Signed-in browsers. The cookie holds a random 256-bit token; only its SHA-256 is stored, so a copy of the table
 * signs nobody in. A session lives until it expires or is revoked, and never outlives its person's deactivation.
 */
export class SessionStore {
  constructor(private readonly db: Db) {}

  async create(
    userId: string,
    method: SignInMethod,
    ttlMs: number,
    userAgent?: string,
  ): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const [row] = await this.db('sessions')
      .insert({
        user_id: userId,
        token_hash: hashToken(token),
        method,
        expires_at: new Date(Date.now() + ttlMs),
        user_agent: userAgent?.slice(0, 300) ?? null,
      })
      .returning('*');
    return { token, session: sessionOf(row) };
  }

  /**
   * The live session behind a cookie's token with its person, in one read, or undefined (unknown, expired, revoked,
   * or its person deactivated).
   */
  async resolve(token: string): Promise<{ session: Session; person: SessionPerson } | undefined> {
    if (token.length > 100) return undefined;
    const row = await this.db('sessions as s')
      .join('users as u', 'u.id', 's.user_id')
      .where('s.token_hash', hashToken(token))
      .whereNull('s.revoked_at')
      .whereNull('u.deactivated_at')
      .where('s.expires_at', '>', this.db.fn.now())
      .first('s.*', 'u.name', 'u.email', this.db.raw('u.roles::text[] AS roles'));
    if (!row) return undefined;
    const session = sessionOf(row);
    if (Date.now() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.db('sessions').where({ id: session.id }).update({ last_seen_at: this.db.fn.now() });
    }
    return { session, person: { id: session.userId, name: row.name, email: row.email, roles: row.roles } };
  }

  async revoke(id: string): Promise<void> {
    await this.db('sessions').where({ id }).whereNull('revoked_at').update({ revoked_at: this.db.fn.now() });
  }

  /** Ends every session of a person (deactivation, a password reset). */
  async revokeAllFor(userId: string): Promise<number> {
    return this.db('sessions')
      .where({ user_id: userId })
      .whereNull('revoked_at')
      .update({ revoked_at: this.db.fn.now() });
  }
}

/** Password reset requests: the emailed link is signed over the row's id; using it marks the row used. */
export class PasswordResetStore {
  constructor(private readonly db: Db) {}

  async create(userId: string, ttlMs: number): Promise<{ id: string; expiresAt: Date }> {
    const expiresAt = new Date(Date.now() + ttlMs);
    const [row] = await this.db('password_resets').insert({ user_id: userId, expires_at: expiresAt }).returning('id');
    return { id: row.id as string, expiresAt };
  }

  /** When a person's reset expires, or undefined when there is no such reset. */
  async expiry(id: string, userId: string): Promise<Date | undefined> {
    const row = await this.db('password_resets').where({ id, user_id: userId }).first('expires_at');
    return row?.expires_at as Date | undefined;
  }

  /** Marks a reset used, once: the user it is for, or undefined when it is unknown, used or expired. */
  async use(id: string, trx: Db = this.db): Promise<string | undefined> {
    const [row] = await trx('password_resets')
      .where({ id })
      .whereNull('used_at')
      .where('expires_at', '>', trx.fn.now())
      .update({ used_at: trx.fn.now() })
      .returning('user_id');
    return row?.user_id as string | undefined;
  }
}
