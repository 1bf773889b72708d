import { Context } from '@temporalio/activity';
import type { OutboxClaim, OutboxStore } from '../db/stores/outbox';
import { PermanentEmailError, type EmailMessage, type EmailProvider } from '../providers/email/types';
import type { SendEmailResult } from '../workflows/types';

export type Delivery = Exclude<SendEmailResult, { status: 'skipped' }>;

/**
 * Sends one email at most once per outbox idempotency key; the one way every activity sends mail.
 * The row is claimed first (a key already sent answers 'duplicate'); a marketing send over the frequency cap is
 * deferred. The provider's acceptance is heartbeated before the row is marked sent, so an attempt that fails
 * after acceptance is recorded, not resent, by its retry. Permanent provider failures are recorded and returned;
 * anything else throws, for the activity's retry policy.
 */
export async function deliverOnce(
  deps: { outbox: OutboxStore; email: EmailProvider },
  claim: OutboxClaim,
  cap: { max: number; windowMs: number } | undefined,
  compose: () => Omit<EmailMessage, 'to' | 'idempotencyKey'>,
): Promise<Delivery> {
  const { outbox, email } = deps;
  const ctx = Context.current();
  // The server's clock, not this machine's: the frequency window and the send time agree with the
  // workflow's timers (and with skipped time in tests).
  const now = new Date(ctx.info.currentAttemptScheduledTimestampMs);
  const key = claim.idempotencyKey;
  const accepted = ctx.info.heartbeatDetails as { providerMessageId?: string } | undefined;
  if (accepted?.providerMessageId) {
    await outbox.markSent(key, email.name, accepted.providerMessageId, now);
    return { status: 'duplicate', providerMessageId: accepted.providerMessageId };
  }
  const claimed = await outbox.claim(claim, cap && claim.marketing ? { ...cap, now } : undefined);
  if (claimed.kind === 'capped') return { status: 'deferred', retryAt: claimed.retryAt.toISOString() };
  if (claimed.kind === 'done') {
    return claimed.row.status === 'failed'
      ? { status: 'failed', reason: 'failed earlier' }
      : { status: 'duplicate', providerMessageId: claimed.row.providerMessageId };
  }
  try {
    const { providerMessageId } = await email.send({ ...compose(), to: claim.toEmail, idempotencyKey: key });
    ctx.heartbeat({ providerMessageId });
    await outbox.markSent(key, email.name, providerMessageId, now);
    return { status: 'sent', providerMessageId };
  } catch (err) {
    if (err instanceof PermanentEmailError) {
      await outbox.markFailed(key, err.message);
      return { status: 'failed', reason: err.message };
    }
    await outbox.recordError(key, String((err as Error).message ?? err)).catch(() => undefined);
    throw err;
  }
}
