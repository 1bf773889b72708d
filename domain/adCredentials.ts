/** What is known of one ad platform credential: whether the platform accepts it and when it stops working. */
export interface CredentialStatus {
  /** The platform's name (google, meta, linkedin). */
  platform: string;
  /** The configuration value that holds it (GOOGLE_ADS_REFRESH_TOKEN, META_ACCESS_TOKEN, ...). */
  setting: string;
  valid: boolean;
  /** ISO time it expires; absent when it does not expire or the platform does not say. */
  expiresAt?: string;
  /** The platform's explanation when it is not valid. */
  detail?: string;
}

const DAY_MS = 86_400_000;

/** Whole days from `nowMs` until the credential expires (never below 0); undefined when it does not say. */
export function daysLeft(status: Pick<CredentialStatus, 'expiresAt'>, nowMs: number): number | undefined {
  return status.expiresAt ? Math.max(0, Math.floor((Date.parse(status.expiresAt) - nowMs) / DAY_MS)) : undefined;
}

/**
 * What a credential needs from the operators: renewing because the platform refused it, or because it expires
 * within `warnDays`; null when nothing. The alerts and the dashboard both ask this.
 */
export function credentialAttention(
  status: Pick<CredentialStatus, 'valid' | 'expiresAt'>,
  nowMs: number,
  warnDays: number,
): 'refused' | 'expiring' | null {
  if (!status.valid) return 'refused';
  const left = daysLeft(status, nowMs);
  return left !== undefined && left <= warnDays ? 'expiring' : null;
}
