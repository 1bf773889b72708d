import type { CredentialStatus } from '../../domain/adCredentials';
import type { Db } from '../knex';
/** The last check of one credential. */
export interface CredentialCheck extends CredentialStatus {
  checkedAt: Date;
}

/** What the credential checks found, one row per platform and setting. */
export class AdCredentialStore {
  constructor(private readonly db: Db) {}

  /** Records what a check found, replacing the previous finding for the same credential. */
  async record(statuses: CredentialStatus[]): Promise<void> {
    if (statuses.length === 0) return;
    await this.db('ad_credential_checks')
      .insert(
        statuses.map((s) => ({
          platform: s.platform,
          setting: s.setting,
          valid: s.valid,
          expires_at: s.expiresAt ?? null,
          detail: s.detail ?? null,
          checked_at: this.db.fn.now(),
        })),
      )
      .onConflict(['platform', 'setting'])
      .merge(['valid', 'expires_at', 'detail', 'checked_at']);
  }

  async list(): Promise<CredentialCheck[]> {
    const rows: Array<Record<string, unknown>> = await this.db('ad_credential_checks').orderBy(['platform', 'setting']);
    return rows.map((r) => ({
      platform: r.platform as string,
      setting: r.setting as string,
      valid: r.valid as boolean,
      ...(r.expires_at ? { expiresAt: (r.expires_at as Date).toISOString() } : {}),
      ...(r.detail ? { detail: r.detail as string } : {}),
      checkedAt: r.checked_at as Date,
    }));
  }
}
