import { ApplicationFailure, Context } from '@temporalio/activity';
import { BroadcastStore, type Broadcast, type ClaimedRecipient, type RecipientOutcome } from '../db/stores/broadcasts';
import { OutboxStore, type OutboxClaim } from '../db/stores/outbox';
import type { BroadcastChannel, BroadcastStatus, CappedPolicy, SkipReason } from '../domain/broadcast';
import { CHANNEL_FORMATS } from '../domain/messages';
import { TemplateStore } from '../db/stores/templates';
import { subjectLine, TemplateLibrary, type ResolvedTemplate } from '../templates/library';
import type { BroadcastBatchInput, BroadcastBatchResult } from '../workflows/broadcast/types';
import type { AudienceSettings } from './audienceSettings';
import { sendOnChannel } from './channels';
import { deliverBatch, deliverOnce, sendGuard, type Delivery } from './deliverOnce';
import { composeEmail, type Message, type Recipient } from './composeEmail';
import type { SequenceActivityDeps } from './sequenceActivities';

export interface BroadcastActivityDeps extends Partial<
  Pick<SequenceActivityDeps, 'db' | 'email' | 'channels' | 'mail' | 'signer'>
> {
  audience?: AudienceSettings;
}

/** How often a running batch looks at the broadcast's status, so a pause or cancel stops it within about this. */
const STATUS_CHECK_MS = 1_000;
/**
 * Recipients' outcomes are written in groups of this many, or once this long has passed since the last write (so a
 * slow broadcast's progress moves every second), and at the end of each claim.
 */
const RECORD_EVERY = 100;
const RECORD_EVERY_MS = 1_000;
/** A batch activity claims again while it has been sending for less than this. */
const BATCH_MS = 20_000;

/**
 * The skip reasons of a send a channel refused before it went, by the refusal's code (the reason's text up to its
 * colon, as `sendOnChannel` records it): no number or no device is nowhere to send, no consent to texts is its own.
 * Any other refusal is the suppression list's.
 */
const CHANNEL_REFUSALS: Readonly<Record<string, SkipReason>> = {
  no_phone: 'no_address',
  no_device: 'no_address',
  no_sms_consent: 'no_consent',
};

/** A recipient's outcome from their message's delivery. */
function recipientOutcome(contactId: string, d: Delivery, capped: CappedPolicy): RecipientOutcome {
  if (d.status === 'sent' || d.status === 'duplicate') return { contactId, status: 'sent' };
  if (d.status === 'suppressed') {
    const skipReason = CHANNEL_REFUSALS[d.reason.split(':', 1)[0]!] ?? 'suppressed';
    return { contactId, status: 'skipped', skipReason, error: d.reason };
  }
  if (d.status === 'deferred') {
    return capped === 'defer'
      ? { contactId, status: 'pending', until: new Date(d.retryAt) }
      : { contactId, status: 'skipped', skipReason: 'capped' };
  }
  return { contactId, status: 'failed', error: 'reason' in d ? d.reason : 'failed' };
}

/** Activities of the broadcast workflow: freezing the audience, sending in batches, and recording its status. */
export function createBroadcastActivities(deps: BroadcastActivityDeps) {
  const need = () => {
    const { db, email, mail, signer } = deps;
    if (!db || !email || !mail || !signer) {
      throw ApplicationFailure.nonRetryable('the worker has no mail settings for broadcasts', 'Misconfigured');
    }
    return { db, email, mail, signer };
  };

  let library: TemplateLibrary | undefined;
  /**
   * The template version the broadcast pinned when it started (pinned now if it has none yet): every recipient gets
   * the same email, whatever is edited while it sends.
   */
  const templateOf = async (b: Broadcast): Promise<ResolvedTemplate> => {
    const { db } = need();
    library ??= new TemplateLibrary(db);
    const version = await new TemplateStore(db).pinForBroadcast(b.id);
    const template = await library.resolve(b.template, version ?? undefined);
    if (!template) {
      throw ApplicationFailure.nonRetryable(`there is no template '${b.template}'`, 'UnknownTemplate');
    }
    if (!CHANNEL_FORMATS[b.channel].includes(template.format)) {
      throw ApplicationFailure.nonRetryable(
        `template '${b.template}' is ${template.format}; ${b.channel} sends ${CHANNEL_FORMATS[b.channel].join(' or ')}`,
        'TemplateFormatMismatch',
      );
    }
    return template;
  };

  /** What the broadcast sends, on whatever channel. */
  const messageOf = (b: Broadcast, template: ResolvedTemplate, marketing: boolean): Message => ({
    template,
    ...(b.subject ? { subject: b.subject } : {}),
    from: b.from ?? template.from ?? need().mail.from,
    ...(template.replyTo ? { replyTo: template.replyTo } : {}),
    ...(b.topic ? { topic: b.topic } : {}),
    campaign: `broadcast-${b.id}`,
    marketing,
  });

  /** The email one recipient (or a test address) gets. */
  const composer = (b: Broadcast, template: ResolvedTemplate, to: Recipient, marketing: boolean) =>
    composeEmail(need(), to, messageOf(b, template, marketing));

  const load = async (store: BroadcastStore, id: string): Promise<Broadcast> => {
    const b = await store.get(id);
    if (!b) throw ApplicationFailure.nonRetryable(`broadcast ${id} does not exist`, 'BroadcastNotFound');
    return b;
  };

  return {
    /**
     * Freezes the broadcast's audience from the segment's members now, and counts it.
     * @remarks Idempotent: a retry finds the snapshot of the first attempt.
     */
    async snapshotBroadcastAudience(input: { broadcastId: string }): Promise<{ recipients: number }> {
      const { db } = need();
      const recipients = await new BroadcastStore(db).snapshot(input.broadcastId);
      await new TemplateStore(db).pinForBroadcast(input.broadcastId);
      return { recipients };
    },

    /**
     * Moves the broadcast to a status when it is in one of `from`; answers whether it did.
     * @remarks Idempotent: a retry after the move finds the status already set and answers false.
     */
    async setBroadcastStatus(input: {
      broadcastId: string;
      status: BroadcastStatus;
      from?: BroadcastStatus[];
      approvalWorkflowId?: string;
      decidedBy?: string;
      decisionComment?: string;
    }): Promise<boolean> {
      const { broadcastId, status, from, ...extra } = input;
      return new BroadcastStore(need().db).setStatus(broadcastId, status, from, extra);
    },

    /**
     * Claims due recipients (`limit` at a time, for about BATCH_MS) and sends to each, at the broadcast's rate, through the outbox under
     * a key per broadcast and recipient (deliverBatch for email, sendOnChannel one recipient at a time per lane for
     * the other channels), so a recipient is sent at most once whatever happens to this batch. Unsubscribed
     * (marketing), suppressed and capped recipients are skipped and counted, and so are those the channel cannot
     * reach (no consent to texts, no phone, no device); capped ones are put back for later instead when the policy
     * is 'defer'. Stops early, putting unsent claims back, once the broadcast is no longer sending (paused,
     * cancelled).
     * @remarks Outcomes are written to the recipients table in bulk (RECORD_EVERY, RECORD_EVERY_MS) and at the end: the outbox
     * holds each send the moment it is accepted, so a batch lost before its write is recovered by the next one, whose
     * claim of the same keys answers 'duplicate' (counted sent). Run with a single attempt: the workflow retries a
     * failed batch as a new activity, whose first step puts the failed batch's claims back.
     */
    async sendBroadcastBatch(input: BroadcastBatchInput): Promise<BroadcastBatchResult> {
      const { db, email, mail, signer } = need();
      const ctx = Context.current();
      const store = new BroadcastStore(db);
      const outbox = new OutboxStore(db);
      const guard = sendGuard(db, mail);
      const b = await load(store, input.broadcastId);
      if (input.recover) await store.releaseClaimed(b.id);
      const now = new Date(ctx.info.currentAttemptScheduledTimestampMs);
      const result: BroadcastBatchResult = {
        claimed: 0,
        sent: 0,
        skipped: 0,
        failed: 0,
        deferred: 0,
        remaining: 0,
        nextDueAt: null,
        stopped: false,
      };
      if (b.status !== 'sending') {
        result.stopped = true;
      } else {
        const template = await templateOf(b);
        const marketing = !template.transactional;
        const capped = deps.audience?.broadcastCapped ?? 'skip';
        const gapMs = 1000 / input.ratePerSecond;
        const started = Date.now();
        let slots = 0;
        let lastCheck = Date.now();
        let stop = false;
        const done = new Set<string>();
        let outcomes: RecipientOutcome[] = [];
        let lastWrite = Date.now();
        const flush = async () => {
          const written = outcomes;
          outcomes = [];
          lastWrite = Date.now();
          await store.record(b.id, written);
        };
        const outcome = async (o: RecipientOutcome) => {
          done.add(o.contactId);
          outcomes.push(o);
          if (o.status === 'sent') result.sent++;
          else if (o.status === 'skipped') result.skipped++;
          else if (o.status === 'failed') result.failed++;
          else result.deferred++;
          ctx.heartbeat({ done: done.size });
          if (outcomes.length >= RECORD_EVERY || Date.now() - lastWrite >= RECORD_EVERY_MS) await flush();
        };

        /** Waits for the next send's slot at the rate limit; looks at the broadcast's status about once a second. */
        const pace = async () => {
          const waitMs = started + slots++ * gapMs - Date.now();
          if (waitMs > 0) await ctx.sleep(waitMs);
          if (Date.now() - lastCheck >= STATUS_CHECK_MS) {
            lastCheck = Date.now();
            if ((await store.get(b.id))?.status !== 'sending') stop = true;
          }
        };
        const claimOf = (r: ClaimedRecipient): OutboxClaim => ({
          idempotencyKey: r.idempotencyKey,
          contactId: r.contactId,
          workflowId: b.workflowId,
          template: b.template,
          toEmail: r.email,
          subject: subjectLine(template, b.subject),
          marketing,
        });

        /**
         * Sends to each recipient on the broadcast's channel beyond email, `input.concurrency` at once, each at its
         * slot; a failure stops the lanes once their sends in flight end, and is thrown.
         */
        const sendOnEach = async (channel: Exclude<BroadcastChannel, 'email'>, recipients: ClaimedRecipient[]) => {
          const message = messageOf(b, template, marketing);
          const channelDeps = { db, outbox, guard, mail, signer, providers: deps.channels ?? {} };
          let next = 0;
          let failure: { err: unknown } | undefined;
          const lanes = Array.from({ length: Math.min(input.concurrency, recipients.length) }, async () => {
            while (!failure && !stop && next < recipients.length) {
              const r = recipients[next++]!;
              try {
                await pace();
                if (stop) return;
                // The topic was checked with the claim, as for email.
                const d = await sendOnChannel(
                  channelDeps,
                  claimOf(r),
                  { channel, contact: r.contact, message },
                  async () => undefined,
                );
                await outcome(recipientOutcome(r.contactId, d, capped));
              } catch (err) {
                failure ??= { err };
              }
            }
          });
          await Promise.all(lanes);
          if (failure) throw failure.err;
        };

        /** Sends one claim of recipients; outcomes are recorded and unsent claims put back, whatever happens. */
        const sendClaimed = async (claimed: ClaimedRecipient[]): Promise<void> => {
          const toSend: ClaimedRecipient[] = [];
          for (const r of claimed) {
            if (marketing && r.unsubscribed)
              await outcome({ contactId: r.contactId, status: 'skipped', skipReason: 'unsubscribed' });
            else if (marketing && r.leftTopic)
              await outcome({ contactId: r.contactId, status: 'skipped', skipReason: 'unsubscribed_topic' });
            else toSend.push(r);
          }
          try {
            if (b.channel !== 'email') return await sendOnEach(b.channel, toSend);
            await deliverBatch(
              { outbox, courier: email, guard },
              toSend.map(claimOf),
              mail.frequencyCap,
              (i, messageId) => {
                const r = toSend[i]!;
                const to = { contactId: r.contactId, email: r.email, traits: r.traits };
                return composer(b, template, to, marketing)(messageId);
              },
              {
                concurrency: input.concurrency,
                // A quarter of a second of sends: the suppression list is read at most about half a second before.
                sliceSize: Math.max(1, Math.min(100, Math.ceil(input.ratePerSecond / 4))),
                pace,
                stopped: () => stop,
                onOutcome: (i, o) => outcome(recipientOutcome(toSend[i]!.contactId, o, capped)),
              },
            );
          } finally {
            await flush();
            const unsent = claimed.filter((r) => !done.has(r.contactId)).map((r) => r.contactId);
            if (unsent.length > 0) await store.releaseClaimed(b.id, unsent);
          }
        };

        // Claims of `limit` one after another for about BATCH_MS, so the round trip to the workflow between two
        // batches is paid once per many sends; the rate, the status check and the stop hold across them.
        for (;;) {
          const claimed = await store.claim(b.id, now, input.limit);
          result.claimed += claimed.length;
          if (claimed.length > 0) await sendClaimed(claimed);
          if (stop || claimed.length < input.limit || Date.now() - started >= BATCH_MS) break;
        }
        result.stopped = stop;
      }
      const progress = await store.progress(b.id);
      result.remaining = progress.remaining;
      result.nextDueAt = progress.nextDueAt ? progress.nextDueAt.getTime() : null;
      return result;
    },

    /**
     * Sends one test of the broadcast to an address: not a recipient, not counted, and never a marketing send to
     * the audience (no cap; the suppression list still applies).
     * @remarks Through the outbox under the key the workflow gives, so a retry never sends a second test.
     */
    async sendBroadcastTest(input: {
      broadcastId: string;
      email: string;
      idempotencyKey: string;
    }): Promise<{ status: Delivery['status']; reason?: string }> {
      const { db, email, mail } = need();
      const store = new BroadcastStore(db);
      const b = await load(store, input.broadcastId);
      if (b.channel !== 'email') {
        throw ApplicationFailure.nonRetryable(
          `a test goes to an email address; broadcast ${b.id} sends ${b.channel}`,
          'BroadcastTestEmailOnly',
        );
      }
      const template = await templateOf(b);
      const subject = `[Test] ${subjectLine(template, b.subject)}`;
      const outcome = await deliverOnce(
        { outbox: new OutboxStore(db), courier: email, guard: sendGuard(db, mail) },
        {
          idempotencyKey: input.idempotencyKey,
          contactId: null,
          workflowId: b.workflowId,
          template: b.template,
          toEmail: input.email,
          subject,
          marketing: false,
        },
        undefined,
        composer({ ...b, subject }, template, { contactId: 'test', email: input.email, traits: {} }, true),
      );
      const reason = outcome.status === 'failed' || outcome.status === 'suppressed' ? outcome.reason : undefined;
      return { status: outcome.status, ...(reason ? { reason } : {}) };
    },
  };
}
