import { Context } from '@temporalio/activity';
import type { Lease, OutboxClaim, OutboxStore } from '../db/stores/outbox';
import type { Db } from '../db/knex';
import { suppressAfter, SuppressionStore } from '../db/stores/suppressions';
import { SEND_TIMINGS } from '../domain/sendTimings';
import { DEFAULT_SOFT_BOUNCE_POLICY, type SoftBouncePolicy } from '../domain/suppressionPolicy';
import { PermanentEmailError, type EmailMessage, type EmailProvider } from '../providers/email/types';
import type { SendEmailResult } from '../workflows/types';

export type Delivery = Exclude<SendEmailResult, { status: 'skipped' }>;

/** The sender's reputation rules every send keeps. */
export interface SendGuard {
  suppressions: SuppressionStore;
  /** Templates an operator marked must-deliver (a password reset): sent even to a suppressed address. */
  mustDeliver: ReadonlySet<string>;
  softBounces: SoftBouncePolicy;
}

/** The guard of the mail settings, over the database the suppression list is in. */
export function sendGuard(
  db: Db,
  mail: { mustDeliver?: readonly string[]; softBounces?: SoftBouncePolicy },
): SendGuard {
  return {
    suppressions: new SuppressionStore(db),
    mustDeliver: new Set(mail.mustDeliver ?? []),
    softBounces: mail.softBounces ?? DEFAULT_SOFT_BOUNCE_POLICY,
  };
}

/** What a send hands the provider, from the message's id (links and the open pixel name it); `tracked` if they do. */
export type Compose = (messageId: string) => Omit<EmailMessage, 'to' | 'idempotencyKey'> & { tracked?: boolean };

/** Polling for another attempt's outcome: often enough to answer soon after it ends, rare enough to cost nothing. */
const LEASE_POLL_MS = 1_000;

/**
 * Sends one email at most once per outbox idempotency key; the one way every activity sends mail.
 *
 * The attempt claims the outbox row with a lease. A key already sent answers 'duplicate'; a key whose live lease
 * another attempt holds is in flight there, so this attempt waits for that outcome instead of sending; a marketing
 * send over the frequency cap is 'deferred'. While the provider call is in flight the attempt heartbeats and renews
 * its lease (see SEND_TIMINGS), and the provider's acceptance is heartbeated before the row is marked sent, so an
 * attempt that fails after acceptance is recorded, not resent, by its retry. Permanent failures (the provider's,
 * a message that cannot be rendered, a day of transient failures) are recorded and returned; any other failure
 * releases the lease and throws, for the activity's retry policy.
 */
export async function deliverOnce(
  deps: { outbox: OutboxStore; email: EmailProvider; guard: SendGuard },
  claim: OutboxClaim,
  cap: { max: number; windowMs: number } | undefined,
  compose: Compose,
): Promise<Delivery> {
  const { outbox, email, guard } = deps;
  const ctx = Context.current();
  const { info } = ctx;
  // The server's clock, not this machine's: the frequency window and the send time agree with the
  // workflow's timers (and with skipped time in tests).
  const now = new Date(info.currentAttemptScheduledTimestampMs);
  const key = claim.idempotencyKey;
  const accepted = info.heartbeatDetails as { providerMessageId?: string } | undefined;
  if (accepted?.providerMessageId) {
    await outbox.markSent(key, email.name, accepted.providerMessageId, now);
    return { status: 'duplicate', providerMessageId: accepted.providerMessageId };
  }

  const lease: Lease = {
    owner: `${info.workflowExecution?.runId ?? 'standalone'}/${info.activityId}#${info.attempt}`,
    ms: SEND_TIMINGS.leaseMs,
  };
  let messageId = '';
  for (;;) {
    const claimed = await outbox.claim(claim, lease, cap && claim.marketing ? { ...cap, now } : undefined);
    if (claimed.kind === 'capped') return { status: 'deferred', retryAt: claimed.retryAt.toISOString() };
    if (claimed.kind === 'done') {
      const { row } = claimed;
      if (row.status === 'suppressed') return { status: 'suppressed', reason: row.error ?? 'suppressed' };
      return row.status === 'failed'
        ? { status: 'failed', reason: 'failed earlier' }
        : { status: 'duplicate', providerMessageId: row.providerMessageId };
    }
    if (claimed.kind === 'claimed') {
      messageId = claimed.row.id;
      break;
    }
    // Another attempt is talking to the provider: its outcome is this send's outcome.
    ctx.heartbeat();
    await ctx.sleep(LEASE_POLL_MS);
  }

  const failed = async (reason: string): Promise<Delivery> => {
    await outbox.markFailed(key, reason);
    return { status: 'failed', reason };
  };
  if (!guard.mustDeliver.has(claim.template)) {
    const entry = await guard.suppressions.active(claim.toEmail, now);
    if (entry) {
      const reason = `suppressed: ${entry.reason.replace('_', ' ')}${entry.detail ? ` (${entry.detail})` : ''}`;
      await outbox.markSuppressed(key, reason);
      return { status: 'suppressed', reason };
    }
  }
  const waitedMs = now.getTime() - info.scheduledTimestampMs;
  if (waitedMs > SEND_TIMINGS.giveUpAfterMs) {
    return failed(`not sent: the provider kept failing for ${Math.round(waitedMs / 3_600_000)} h`);
  }
  let message: ReturnType<Compose>;
  try {
    message = compose(messageId);
  } catch (err) {
    // A template that does not render never will: retrying would only repeat the error.
    return failed(`the email could not be rendered: ${(err as Error).message}`);
  }

  // The provider call stops when Temporal gives up on this attempt, or when its lease cannot be kept: past the
  // lease's end another attempt may claim the send, and two attempts must never hand the provider the same email.
  const stop = new AbortController();
  let leaseRenewedAt = Date.now();
  const keepAlive = setInterval(() => {
    ctx.heartbeat();
    if (Date.now() - leaseRenewedAt > SEND_TIMINGS.leaseMs - 2 * SEND_TIMINGS.heartbeatEveryMs) {
      stop.abort(new Error('the send lease could not be renewed'));
    }
    outbox.renewLease(key, lease).then(
      (held) => {
        if (held) leaseRenewedAt = Date.now();
        else stop.abort(new Error('another attempt took over this send'));
      },
      (err: unknown) => ctx.log.warn('send lease not renewed', { key, error: String(err) }),
    );
  }, SEND_TIMINGS.heartbeatEveryMs);
  try {
    const { tracked, ...content } = message;
    const { providerMessageId } = await email.send(
      { ...content, to: claim.toEmail, idempotencyKey: key },
      AbortSignal.any([ctx.cancellationSignal, stop.signal]),
    );
    // From here on the heartbeat carries the acceptance, which a plain keep-alive heartbeat must not overwrite.
    clearInterval(keepAlive);
    ctx.heartbeat({ providerMessageId });
    await outbox.markSent(key, email.name, providerMessageId, now, {
      subject: content.subject,
      tracked: tracked ?? false,
    });
    return { status: 'sent', providerMessageId };
  } catch (err) {
    clearInterval(keepAlive);
    if (err instanceof PermanentEmailError && err.recipientRejected) {
      // The receiving server refused the mailbox (SMTP 5xx): a hard bounce, and the address is suppressed at once.
      await outbox.markFailed(key, err.message, true);
      await suppressAfter(
        guard.suppressions,
        {
          email: claim.toEmail,
          status: 'bounced',
          bounceType: 'hard',
          reason: err.message,
          messageId,
          at: now,
          source: email.name,
        },
        guard.softBounces,
      );
      return { status: 'failed', reason: err.message };
    }
    if (err instanceof PermanentEmailError) return failed(err.message);
    await outbox.releaseWithError(key, lease, String((err as Error).message ?? err)).catch(() => undefined);
    throw err;
  }
}
