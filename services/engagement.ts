import type { Db } from '../db/knex';
import { ContactStore, type Contact } from '../db/stores/contacts';
import { MessageStore, type MatchedMessage, type NewMessageEvent } from '../db/stores/messages';
import { suppressAfter, SuppressionStore } from '../db/stores/suppressions';
import type { ProviderEvent } from '../domain/messages';
import type { SoftBouncePolicy } from '../domain/suppressionPolicy';
import type { Metrics } from '../infra/metrics';
import type { EnrollmentService, IncomingEvent } from './enrollment';
import type { Unsubscribe } from './unsubscribe';

export interface EngagementDeps {
  db: Db;
  enrollment: Pick<EnrollmentService, 'ingest'>;
  unsubscribe: Unsubscribe;
  softBounces: SoftBouncePolicy;
  metrics?: Metrics;
}

/** What a batch of provider events did. */
export interface RecordedBatch {
  /** New events stored on a message's timeline. */
  stored: number;
  /** Events stored before (the same provider event id): counted once. */
  duplicates: number;
  /** Events about no message we know; kept, and a bounce or complaint still suppresses its address. */
  unmatched: number;
}

/** Statuses that become events of the contact, which sequences can wait for, branch on and exit with. */
const CONTACT_EVENTS = new Set(['delivered', 'opened', 'clicked', 'bounced']);

/**
 * Records what happened to messages after the send, from any source (a provider's webhook, our pixel and links), and
 * acts on it once per event: an email's hard bounce or complaint suppresses the address, repeated soft bounces
 * suppress it for a while, a complaint or a provider's unsubscribe unsubscribes the contact, and human engagement
 * becomes a contact event named by the channel (`email.delivered`, `email.opened`, `email.clicked`, `email.bounced`;
 * `sms.delivered`, `in_app.opened`, `in_app.clicked`, ...). The contact event's
 * idempotency key names the message (and the link), not the source: a provider's open and our pixel's open of the
 * same message are one `email.opened`.
 */
export class EngagementService {
  private readonly messages: MessageStore;
  private readonly suppressions: SuppressionStore;
  private readonly contacts: ContactStore;

  constructor(private readonly deps: EngagementDeps) {
    this.messages = new MessageStore(deps.db);
    this.suppressions = new SuppressionStore(deps.db);
    this.contacts = new ContactStore(deps.db);
  }

  async recordProviderEvents(events: ProviderEvent[]): Promise<RecordedBatch> {
    const batch: RecordedBatch = { stored: 0, duplicates: 0, unmatched: 0 };
    const followUps = new ContactEvents(this.contacts);
    for (const event of events) {
      const message = await this.messages.match(event);
      if (!message) batch.unmatched++;
      const stored = await this.record(followUps, message, {
        messageId: message?.id ?? null,
        status: event.status,
        source: event.provider,
        eventKey: event.eventId,
        occurredAt: event.occurredAt,
        ...((event.email ?? message?.email) ? { email: (event.email ?? message!.email).toLowerCase() } : {}),
        ...(event.bounceType ? { bounceType: event.bounceType } : {}),
        ...(event.reason ? { reason: event.reason } : {}),
        ...(event.url ? { url: event.url } : {}),
        ...(event.userAgent ? { userAgent: event.userAgent } : {}),
        ...(event.machine ? { machineReason: `flagged by ${event.provider} (a mail privacy proxy or scanner)` } : {}),
      });
      if (stored) batch.stored++;
      else batch.duplicates++;
    }
    // The whole delivery's contact events in one ingest: one insert, one look-up of the enrollments they reach.
    if (followUps.events.length) await this.deps.enrollment.ingest(followUps.events);
    return batch;
  }

  /** An open (pixel) or click (redirect) of ours; `key` makes a repeat of the same request count once. */
  async recordTracking(
    message: MatchedMessage,
    event: Pick<NewMessageEvent, 'status' | 'occurredAt' | 'url' | 'userAgent' | 'machineReason'> & { key: string },
  ): Promise<boolean> {
    const { key, ...rest } = event;
    const followUps = new ContactEvents(this.contacts);
    const stored = await this.record(followUps, message, {
      ...rest,
      messageId: message.id,
      source: 'tracking',
      eventKey: `${message.id}:${key}`,
      email: message.email.toLowerCase(),
    });
    if (followUps.events.length) await this.deps.enrollment.ingest(followUps.events);
    return stored;
  }

  /** Stores the event and acts on it; the contact event it makes, if any, is added to `followUps` for the caller. */
  private async record(
    followUps: ContactEvents,
    message: MatchedMessage | undefined,
    event: NewMessageEvent,
  ): Promise<boolean> {
    if (!(await this.messages.record(event))) return false;
    this.deps.metrics?.messageEvents.inc({ status: event.status, source: event.source });
    if (event.machineReason !== undefined) return true;
    // Only an email's bounce or complaint says anything about the address: an SMS that was undelivered does not.
    const aboutEmail = !message || message.channel === 'email';
    if (aboutEmail && event.email && (event.status === 'bounced' || event.status === 'complained')) {
      await suppressAfter(
        this.suppressions,
        {
          email: event.email,
          status: event.status,
          ...(event.bounceType ? { bounceType: event.bounceType } : {}),
          ...(event.reason ? { reason: event.reason } : {}),
          ...(message ? { messageId: message.id } : {}),
          at: event.occurredAt,
          source: event.source,
        },
        this.deps.softBounces,
      );
    }
    if (!message?.contactId) return true;
    if (event.status === 'complained' || event.status === 'unsubscribed') {
      await this.deps.unsubscribe(message.contactId, `${event.source}:${event.status}`);
    }
    if (CONTACT_EVENTS.has(event.status)) await followUps.add(message, event);
    return true;
  }
}

/** The contact events one delivery of engagement makes, gathered to be ingested together. */
class ContactEvents {
  readonly events: IncomingEvent[] = [];
  private readonly contacts = new Map<string, Contact | undefined>();

  constructor(private readonly store: ContactStore) {}

  async add(message: MatchedMessage, event: NewMessageEvent): Promise<void> {
    const id = message.contactId!;
    if (!this.contacts.has(id)) this.contacts.set(id, await this.store.getById(id));
    const contact = this.contacts.get(id);
    if (!contact) return;
    const link = event.status === 'clicked' && event.url ? `:${event.url}` : '';
    this.events.push({
      contact,
      contactId: contact.id,
      name: `${message.channel}.${event.status}`,
      properties: {
        messageId: message.id,
        ...(message.sequenceKey ? { sequenceKey: message.sequenceKey } : {}),
        ...(message.stepId ? { stepId: message.stepId } : {}),
        ...(message.variant ? { variant: message.variant } : {}),
        ...(event.url ? { url: event.url } : {}),
        ...(event.bounceType ? { bounceType: event.bounceType } : {}),
      },
      occurredAt: event.occurredAt,
      idempotencyKey: `${message.channel}.${event.status}:${message.id}${link}`.slice(0, 400),
    });
  }
}
