import { Context } from '@temporalio/activity';
import type { FrequencyCap, Lease, OutboxClaim, OutboxStore } from '../db/stores/outbox';
import type { Db } from '../db/knex';
import { normalEmail, suppressAfter, SuppressionStore } from '../db/stores/suppressions';
import { SEND_TIMINGS } from '../domain/sendTimings';
import { DEFAULT_SOFT_BOUNCE_POLICY, type SoftBouncePolicy } from '../domain/suppressionPolicy';
import { PermanentEmailError, type EmailMessage, type SendResult } from '../providers/email/types';
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

/**
 * One channel's way to hand over a message (an email provider, Twilio, FCM, a webhook, the in-app inbox): `send`
 * resolves once the provider accepted it, throws PermanentEmailError when it never will, and throws anything else
 * for a failure worth retrying. `to` is the claim's address on the channel, else the contact's email.
 */
export interface Courier<M> {
  readonly name: string;
  send(message: M & { to: string; idempotencyKey: string }, signal?: AbortSignal): Promise<SendResult>;
}

/** What an email send hands its provider besides the address and the key. */
export type EmailContent = Omit<EmailMessage, 'to' | 'idempotencyKey'>;

/**
 * What a send hands its courier, from the message's id (links and the open pixel name it): the channel's content,
 * the subject (or title) the message log shows, and `tracked` when our open pixel and click redirect are in it.
 */
export type Compose<M = EmailContent> = (messageId: string) => M & { subject: string; tracked?: boolean };

/** Where a claimed send goes: its address on the channel, or the contact's email. */
const addressOf = (claim: OutboxClaim): string => claim.address ?? claim.toEmail;

/** Only email and SMS have addresses the suppression list keeps (a bounced mailbox, a number that refused texts). */
const suppressible = (claim: OutboxClaim): boolean => (claim.channel ?? 'email') === 'email' || claim.channel === 'sms';

/** What an attempt heartbeats once the provider accepted its email: the retry of the attempt trusts it for that key. */
export interface Accepted {
  idempotencyKey: string;
  providerMessageId: string;
}

/** Polling for another attempt's outcome: often enough to answer soon after it ends, rare enough to cost nothing. */
const LEASE_POLL_MS = 1_000;

/**
 * Sends one message at most once per outbox idempotency key; the one way every activity sends, on every channel.
 *
 * The attempt claims the outbox row with a lease. A key already sent answers 'duplicate'; a key whose live lease
 * another attempt holds is in flight there, so this attempt waits for that outcome instead of sending; a marketing
 * send over the frequency cap is 'deferred'. While the provider call is in flight the attempt heartbeats and renews
 * its lease (see SEND_TIMINGS), and the provider's acceptance is heartbeated with the key before the row is marked sent, so an
 * attempt that fails after acceptance is recorded, not resent, by its retry. Permanent failures (the provider's,
 * a message that cannot be rendered, a day of transient failures) are recorded and returned; any other failure
 * releases the lease and throws, for the activity's retry policy.
 */
export async function deliverOnce<M = EmailContent>(
  deps: { outbox: OutboxStore; courier: Courier<NoInfer<M>>; guard: SendGuard },
  claim: OutboxClaim,
  cap: FrequencyCap | undefined,
  compose: Compose<M>,
  /** Why the person's own choice (a topic they left, no SMS consent) refuses this send, checked once it is claimed. */
  refusal?: () => Promise<string | undefined>,
): Promise<Delivery> {
  const { outbox, courier, guard } = deps;
  const ctx = Context.current();
  const { info } = ctx;
  // The server's clock, not this machine's: the frequency window and the send time agree with the
  // workflow's timers (and with skipped time in tests).
  const now = new Date(info.currentAttemptScheduledTimestampMs);
  const key = claim.idempotencyKey;
  // Only this send's acceptance counts: an activity that sends many emails heartbeats about others, always naming
  // the key. One that names none was written by a release whose activities sent one email each: it is this one's.
  const accepted = info.heartbeatDetails as Partial<Accepted> | undefined;
  if (accepted?.providerMessageId && (accepted.idempotencyKey ?? key) === key) {
    await outbox.markSent(key, courier.name, accepted.providerMessageId, now);
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
  if (suppressible(claim) && !guard.mustDeliver.has(claim.template)) {
    const entry = await guard.suppressions.active(addressOf(claim), now);
    if (entry) {
      const reason = `suppressed: ${entry.reason.replace('_', ' ')}${entry.detail ? ` (${entry.detail})` : ''}`;
      await outbox.markSuppressed(key, reason);
      return { status: 'suppressed', reason };
    }
  }
  const refused = await refusal?.();
  if (refused) {
    await outbox.markSuppressed(key, refused);
    return { status: 'suppressed', reason: refused };
  }
  const waitedMs = now.getTime() - info.scheduledTimestampMs;
  if (waitedMs > SEND_TIMINGS.giveUpAfterMs) {
    return failed(`not sent: the provider kept failing for ${Math.round(waitedMs / 3_600_000)} h`);
  }
  let message: ReturnType<Compose<M>>;
  try {
    message = compose(messageId);
  } catch (err) {
    // A template that does not render never will: retrying would only repeat the error.
    return failed(`the message could not be rendered: ${(err as Error).message}`);
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
    const { providerMessageId } = await courier.send(
      { ...(content as unknown as M), to: addressOf(claim), idempotencyKey: key },
      AbortSignal.any([ctx.cancellationSignal, stop.signal]),
    );
    // From here on the heartbeat carries the acceptance, which a plain keep-alive heartbeat must not overwrite.
    clearInterval(keepAlive);
    ctx.heartbeat({ idempotencyKey: key, providerMessageId } satisfies Accepted);
    await outbox.markSent(key, courier.name, providerMessageId, now, {
      subject: content.subject,
      tracked: tracked ?? false,
    });
    return { status: 'sent', providerMessageId };
  } catch (err) {
    clearInterval(keepAlive);
    if (err instanceof PermanentEmailError && err.recipientRejected) {
      return hardBounce(deps, claim, err.message, messageId, now);
    }
    if (err instanceof PermanentEmailError) return failed(err.message);
    await outbox.releaseWithError(key, lease, String((err as Error).message ?? err)).catch(() => undefined);
    throw err;
  }
}

/** How a batch of sends is run: the caller's rate, its stop signal, and where each outcome goes. */
export interface BatchRun {
  /** Sends in flight at once. */
  concurrency: number;
  /**
   * Sends claimed and checked against the suppression list together, while the slice before them goes: keep it to
   * a fraction of a second of sends, so the check stays fresh.
   */
  sliceSize?: number;
  /** Waits for the next send's slot at the caller's rate; called before each email is handed to the provider. */
  pace?: () => Promise<void>;
  /** Checked before each send: once true, the sends not started are left alone (no outcome, their claims released). */
  stopped?: () => boolean;
  /** Each send's outcome, as it is known (an email counts as sent once the outbox records it). */
  onOutcome: (index: number, outcome: Delivery) => void | Promise<void>;
}

/**
 * `deliverOnce` for many emails in one activity, to distinct contacts (a broadcast's recipients), with the same
 * guarantees: one outbox row per key, a key already sent answers 'duplicate', one leased by another live attempt
 * is left to it (deliverOnce waits for its outcome), the frequency cap and the suppression list are checked before
 * each send, and an email the provider accepted is recorded before its outcome is reported. The database work is
 * done per slice of sends (one claim transaction, one suppression query) and the acceptances are written as a
 * group commit (each write takes every acceptance that arrived during the one before), so a send costs a fraction
 * of a round trip instead of about a dozen.
 * @remarks A transient provider failure stops the batch: the sends in flight finish, unsent claims are released,
 * and the error is thrown for the caller's retry.
 */
export async function deliverBatch<M = EmailContent>(
  deps: { outbox: OutboxStore; courier: Courier<NoInfer<M>>; guard: SendGuard },
  claims: readonly OutboxClaim[],
  cap: FrequencyCap | undefined,
  compose: (index: number, messageId: string) => ReturnType<Compose<M>>,
  run: BatchRun,
): Promise<void> {
  const { outbox, courier, guard } = deps;
  const ctx = Context.current();
  const { info } = ctx;
  const now = new Date(info.currentAttemptScheduledTimestampMs);
  const contacts = new Set(claims.map((c) => c.contactId ?? c.idempotencyKey));
  if (contacts.size !== claims.length) throw new Error('a batch of sends must be to distinct contacts');
  const lease: Lease = {
    owner: `${info.workflowExecution?.runId ?? 'standalone'}/${info.activityId}#${info.attempt}`,
    ms: SEND_TIMINGS.leaseMs,
  };
  const sliceSize = Math.max(1, run.sliceSize ?? 100);
  /** Claimed by this attempt and not yet ended: their leases are renewed, and released if never sent. */
  const held = new Set<string>();
  const inFlight = new Map<string, AbortController>();
  const messageIds = new Map<string, string>();

  // Per slice: one claim transaction and one suppression query; what is left to send is 'send'.
  type Prepared = Delivery | 'send' | 'leased';
  const slices = new Map<number, Promise<Map<string, Prepared>>>();
  const prepare = (s: number): Promise<Map<string, Prepared>> => {
    let p = slices.get(s);
    if (!p) {
      p = prepareSlice(claims.slice(s * sliceSize, (s + 1) * sliceSize));
      p.catch(() => undefined); // awaited by whoever sends from it
      slices.set(s, p);
    }
    return p;
  };
  const prepareSlice = async (slice: readonly OutboxClaim[]): Promise<Map<string, Prepared>> => {
    const out = new Map<string, Prepared>();
    const claimed = await outbox.claimMany(slice, lease, cap ? { ...cap, now } : undefined);
    const toCheck: OutboxClaim[] = [];
    for (const c of slice) {
      const r = claimed.get(c.idempotencyKey)!;
      if (r.kind === 'capped') out.set(c.idempotencyKey, { status: 'deferred', retryAt: r.retryAt.toISOString() });
      else if (r.kind === 'leased') out.set(c.idempotencyKey, 'leased');
      else if (r.kind === 'done') {
        const { row } = r;
        out.set(
          c.idempotencyKey,
          row.status === 'suppressed'
            ? { status: 'suppressed', reason: row.error ?? 'suppressed' }
            : row.status === 'failed'
              ? { status: 'failed', reason: 'failed earlier' }
              : { status: 'duplicate', providerMessageId: row.providerMessageId },
        );
      } else {
        held.add(c.idempotencyKey);
        messageIds.set(c.idempotencyKey, r.row.id);
        out.set(c.idempotencyKey, 'send');
        if (suppressible(c) && !guard.mustDeliver.has(c.template)) toCheck.push(c);
      }
    }
    const entries = await guard.suppressions.activeMany(toCheck.map(addressOf), now);
    const suppressed = toCheck.flatMap((c) => {
      const entry = entries.get(normalEmail(addressOf(c)));
      if (!entry) return [];
      const reason = `suppressed: ${entry.reason.replace('_', ' ')}${entry.detail ? ` (${entry.detail})` : ''}`;
      return [{ idempotencyKey: c.idempotencyKey, reason }];
    });
    await outbox.markSuppressedMany(suppressed);
    for (const s of suppressed) {
      held.delete(s.idempotencyKey);
      out.set(s.idempotencyKey, { status: 'suppressed', reason: s.reason });
    }
    return out;
  };

  // Acceptances are written together: each write takes every one that arrived while the previous was running.
  type Sent = { idempotencyKey: string; providerMessageId: string; subject: string; tracked: boolean };
  let queue: { sent: Sent; done: (err?: unknown) => void }[] = [];
  let writing: Promise<void> | undefined;
  const writeSent = async (): Promise<void> => {
    while (queue.length > 0) {
      const group = queue;
      queue = [];
      try {
        await outbox.markSentMany(
          courier.name,
          group.map((g) => g.sent),
          now,
        );
        for (const g of group) g.done();
      } catch (err) {
        for (const g of group) g.done(err);
      }
    }
    writing = undefined;
  };
  const recordSent = (sent: Sent) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ sent, done: (err) => (err ? reject(err) : resolve()) });
      writing ??= writeSent();
    });

  // One keep-alive for the whole batch: heartbeat, and renew every held lease; a send whose lease is lost stops.
  let leasesRenewedAt = Date.now();
  const keepAlive = setInterval(() => {
    ctx.heartbeat();
    if (Date.now() - leasesRenewedAt > SEND_TIMINGS.leaseMs - 2 * SEND_TIMINGS.heartbeatEveryMs) {
      for (const c of inFlight.values()) c.abort(new Error('the send lease could not be renewed'));
    }
    outbox.renewLeases([...held], lease).then(
      (still) => {
        leasesRenewedAt = Date.now();
        for (const [key, c] of inFlight) if (!still.has(key)) c.abort(new Error('another attempt took over this send'));
      },
      (err: unknown) => ctx.log.warn('send leases not renewed', { error: String(err) }),
    );
  }, SEND_TIMINGS.heartbeatEveryMs);

  const sendOne = async (i: number): Promise<Delivery | undefined> => {
    const claim = claims[i]!;
    const key = claim.idempotencyKey;
    const slice = Math.floor(i / sliceSize);
    const prepared = (await prepare(slice)).get(key)!;
    if (i % sliceSize === 0 && (slice + 1) * sliceSize < claims.length) void prepare(slice + 1);
    if (prepared === 'leased') {
      await run.pace?.();
      return deliverOnce<M>(deps, claim, cap, (id) => compose(i, id));
    }
    if (prepared !== 'send') return prepared;
    const messageId = messageIds.get(key)!;
    const failed = async (reason: string): Promise<Delivery> => {
      await outbox.markFailed(key, reason);
      held.delete(key);
      return { status: 'failed', reason };
    };
    const waitedMs = now.getTime() - info.scheduledTimestampMs;
    if (waitedMs > SEND_TIMINGS.giveUpAfterMs) {
      return failed(`not sent: the provider kept failing for ${Math.round(waitedMs / 3_600_000)} h`);
    }
    let message: ReturnType<Compose<M>>;
    try {
      message = compose(i, messageId);
    } catch (err) {
      return failed(`the message could not be rendered: ${(err as Error).message}`);
    }
    await run.pace?.();
    if (run.stopped?.()) return undefined;
    const stop = new AbortController();
    inFlight.set(key, stop);
    try {
      const { tracked, ...content } = message;
      const { providerMessageId } = await courier.send(
        { ...(content as unknown as M), to: addressOf(claim), idempotencyKey: key },
        AbortSignal.any([ctx.cancellationSignal, stop.signal]),
      );
      inFlight.delete(key);
      // Accepted: from here this attempt never gives the lease back early, even if the record cannot be written.
      held.delete(key);
      await recordSent({ idempotencyKey: key, providerMessageId, subject: content.subject, tracked: tracked ?? false });
      return { status: 'sent', providerMessageId };
    } catch (err) {
      inFlight.delete(key);
      if (err instanceof PermanentEmailError && err.recipientRejected) {
        held.delete(key);
        return hardBounce(deps, claim, err.message, messageId, now);
      }
      if (err instanceof PermanentEmailError) return failed(err.message);
      if (held.delete(key)) {
        await outbox.releaseWithError(key, lease, String((err as Error).message ?? err)).catch(() => undefined);
      }
      throw err;
    }
  };

  let next = 0;
  let failure: { err: unknown } | undefined;
  const lanes = Array.from({ length: Math.min(run.concurrency, claims.length) }, async () => {
    while (!failure && next < claims.length && !run.stopped?.()) {
      const i = next++;
      try {
        const outcome = await sendOne(i);
        if (outcome) await run.onOutcome(i, outcome);
      } catch (err) {
        failure ??= { err };
      }
    }
  });
  try {
    await Promise.all(lanes);
    await writing;
  } finally {
    clearInterval(keepAlive);
    // Claimed and never handed over (stopped, or a failure elsewhere): the next attempt may take them at once.
    await Promise.allSettled(slices.values());
    await outbox.releaseLeases([...held], lease).catch(() => undefined);
  }
  if (failure) throw failure.err;
}

/**
 * The receiving server refused the mailbox (an SMTP 5xx for the recipient), or the carrier the number: a hard
 * bounce. The message is recorded failed and the address suppressed at once; a channel whose addresses the list
 * does not keep (a push device, a webhook URL) has only the failure recorded.
 */
async function hardBounce<M>(
  { outbox, courier, guard }: { outbox: OutboxStore; courier: Courier<M>; guard: SendGuard },
  claim: OutboxClaim,
  reason: string,
  messageId: string,
  at: Date,
): Promise<Delivery> {
  await outbox.markFailed(claim.idempotencyKey, reason, true);
  if (!suppressible(claim)) return { status: 'failed', reason };
  await suppressAfter(
    guard.suppressions,
    { email: addressOf(claim), status: 'bounced', bounceType: 'hard', reason, messageId, at, source: courier.name },
    guard.softBounces,
  );
  return { status: 'failed', reason };
}
