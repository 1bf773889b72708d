import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../knex';

export const ROLES = ['marketer', 'chairman', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyIdentity {
  id: string;
  name: string;
  role: Role;
}

const KEY_PREFIX = 'gtm_';

/** SHA-256 is enough for 256-bit random keys: there is nothing to brute-force, unlike a password. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** API keys: the key is shown once at creation, only its hash is kept. */
export class ApiKeyStore {
  constructor(private readonly db: Db) {}

  async create(name: string, role: Role): Promise<{ key: string; id: string }> {
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const [row] = await this.db('api_keys')
      .insert({ name, role, prefix: key.slice(0, 10), key_hash: hashApiKey(key) })
      .returning('id');
    return { key, id: row.id };
  }

  /**
   * The identity behind a presented key, or undefined. The lookup is by hash (an index seek that reveals
   * nothing about the key), and the stored hash is compared in constant time before it is trusted.
   */
  async verify(presented: string): Promise<ApiKeyIdentity | undefined> {
    if (!presented.startsWith(KEY_PREFIX) || presented.length > 200) return undefined;
    const hash = hashApiKey(presented);
    const row = await this.db('api_keys').where({ key_hash: hash }).whereNull('revoked_at').first();
    if (!row || !timingSafeEqual(Buffer.from(row.key_hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    return { id: row.id, name: row.name, role: row.role };
  }

  async touch(id: string): Promise<void> {
    await this.db('api_keys').where({ id }).update({ last_used_at: this.db.fn.now() });
  }

  async revoke(id: string): Promise<boolean> {
    return (
      (await this.db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: this.db.fn.now() })) > 0
    );
  }

  async list() {
    return this.db('api_keys')
      .select('id', 'name', 'role', 'prefix', 'created_at', 'last_used_at', 'revoked_at')
      .orderBy('created_at');
  }
}
