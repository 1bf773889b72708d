import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../knex';

import type { Role } from '../../domain/identity';

export { ROLES, type Role } from '../../domain/identity';

/** A key and the person it belongs to (none for the role keys of a local run). */
export interface ApiKeyIdentity {
  id: string;
  name: string;
  role: Role;
  user: { id: string; name: string; email: string } | null;
}

const KEY_PREFIX = 'gtm_';

/** SHA-256 is enough for 256-bit random keys: there is nothing to brute-force, unlike a password. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** API keys: the key is shown once at creation, only its hash is kept. */
export class ApiKeyStore {
  constructor(private readonly db: Db) {}

  /** A new key; with `userId` it is that person's and can do at most what they can. */
  async create(
    name: string,
    role: Role,
    userId?: string,
  ): Promise<{ key: string; id: string; prefix: string; createdAt: Date }> {
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const prefix = key.slice(0, 10);
    const [row] = await this.db('api_keys')
      .insert({ name, role, prefix, key_hash: hashApiKey(key), user_id: userId ?? null })
      .returning(['id', 'created_at']);
    return { key, id: row.id, prefix, createdAt: row.created_at };
  }

  /**
   * The identity behind a presented key, or undefined. The lookup is by hash (an index seek that reveals
   * nothing about the key), and the stored hash is compared in constant time before it is trusted.
   */
  async verify(presented: string): Promise<ApiKeyIdentity | undefined> {
    if (!presented.startsWith(KEY_PREFIX) || presented.length > 200) return undefined;
    const hash = hashApiKey(presented);
    // A person's key dies with their deactivation, and acts only in a role they still hold.
    const row = await this.db('api_keys as k')
      .leftJoin('users as u', 'u.id', 'k.user_id')
      .where('k.key_hash', hash)
      .whereNull('k.revoked_at')
      .where((q) =>
        q.whereNull('k.user_id').orWhere((p) => p.whereNull('u.deactivated_at').whereRaw('k.role = ANY(u.roles)')),
      )
      .first('k.id', 'k.name', 'k.role', 'k.key_hash', 'u.id as user_id', 'u.name as user_name', 'u.email');
    if (!row || !timingSafeEqual(Buffer.from(row.key_hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    return {
      id: row.id,
      name: row.name,
      role: row.role,
      user: row.user_id ? { id: row.user_id, name: row.user_name, email: row.email } : null,
    };
  }

  async touch(id: string): Promise<void> {
    await this.db('api_keys').where({ id }).update({ last_used_at: this.db.fn.now() });
  }

  /** Revokes a key (only among `userId`'s keys when given); false when there was no such live key. */
  async revoke(id: string, userId?: string): Promise<boolean> {
    const q = this.db('api_keys').where({ id }).whereNull('revoked_at');
    if (userId) q.where({ user_id: userId });
    return (await q.update({ revoked_at: this.db.fn.now() })) > 0;
  }

  /** Every key, or one person's; never the key itself. */
  async list(userId?: string) {
    const q = this.db('api_keys as k')
      .leftJoin('users as u', 'u.id', 'k.user_id')
      .select(
        'k.id',
        'k.name',
        'k.role',
        'k.prefix',
        'k.user_id',
        'u.email as owner',
        'k.created_at',
        'k.last_used_at',
        'k.revoked_at',
      )
      .orderBy('k.created_at');
    if (userId) q.where('k.user_id', userId);
    return q;
  }
}
