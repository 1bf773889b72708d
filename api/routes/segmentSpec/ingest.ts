import type { Db } from '../../../db/knex';
import { ContactStore, type Contact } from '../../../db/stores/contacts';
import type { SpecParse, SpecRefusal } from '../../../domain/segmentSpec';
import type { EnrollmentService, IncomingEvent } from '../../../services/enrollment';

/** What a Segment delivery did, item by item where something was refused. */
export interface SpecReport {
  success: true;
  /** Track events stored and acted on. */
  accepted: number;
  /** Track events whose messageId was seen before: stored once already, nothing done again. */
  duplicates: number;
  /** Identify calls that created or updated a contact. */
  identified: number;
  /** Calls with only an anonymousId: counted, not kept. */
  anonymous: number;
  /** page, screen, group and alias calls: valid, and of no use here. */
  ignored: number;
  rejected: ({ index: number } & SpecRefusal)[];
}

/** Events go to the store in slices, so a 500 KB batch of small events stays well under PostgreSQL's bind limit. */
const EVENT_SLICE = 500;

/**
 * Applies read Segment messages in the order they came: an identify before a track in the same batch creates the
 * contact the track needs. Contacts are written as they come; events are stored together at the end, after the
 * audience has heard of the changed contacts once for the whole delivery.
 */
export class SegmentSpecIngest {
  private readonly contacts: ContactStore;

  constructor(
    db: Db,
    private readonly enrollment: EnrollmentService,
  ) {
    this.contacts = new ContactStore(db);
  }

  async apply(items: SpecParse[]): Promise<SpecReport> {
    const report: SpecReport = {
      success: true,
      accepted: 0,
      duplicates: 0,
      identified: 0,
      anonymous: 0,
      ignored: 0,
      rejected: [],
    };
    const userIds = new Set<string>();
    for (const p of items) if (p.ok && 'userId' in p.call) userIds.add(p.call.userId);
    const known = userIds.size ? await this.contacts.getManyByExternalId([...userIds]) : new Map<string, Contact>();
    const changed = new Map<string, Contact>();
    const events: IncomingEvent[] = [];
    const remember = (contact: Contact) => {
      known.set(contact.externalId, contact);
      changed.set(contact.id, contact);
    };

    for (const [index, parsed] of items.entries()) {
      if (!parsed.ok) {
        report.rejected.push({ index, field: parsed.field, reason: parsed.reason });
        continue;
      }
      const call = parsed.call;
      if (call.kind === 'anonymous') report.anonymous++;
      else if (call.kind === 'ignored') report.ignored++;
      else if (call.kind === 'identify') {
        const existing = known.get(call.userId);
        const email = call.email ?? existing?.email;
        if (!email) {
          report.rejected.push({
            index,
            field: 'traits.email',
            reason: `user ${call.userId} is not known yet, and a new contact needs traits.email`,
          });
          continue;
        }
        const { contact } = await this.contacts.upsert({
          externalId: call.userId,
          email,
          traits: call.traits,
          ...(call.timezone ? { timezone: call.timezone } : {}),
        });
        remember(contact);
        report.identified++;
      } else {
        let contact = known.get(call.userId);
        if (!contact && call.newContact) {
          ({ contact } = await this.contacts.upsert({ externalId: call.userId, ...call.newContact }));
          remember(contact);
        }
        if (!contact) {
          report.rejected.push({
            index,
            field: 'userId',
            reason: `user ${call.userId} is not known: send an identify with traits.email first, or context.traits.email with the track`,
          });
          continue;
        }
        events.push({
          contact,
          contactId: contact.id,
          name: call.event,
          properties: call.properties,
          occurredAt: call.occurredAt ?? new Date(),
          ...(call.idempotencyKey ? { idempotencyKey: call.idempotencyKey } : {}),
        });
      }
    }

    if (changed.size) await this.enrollment.contactsChanged([...changed.values()]);
    for (let i = 0; i < events.length; i += EVENT_SLICE) {
      for (const outcome of await this.enrollment.ingest(events.slice(i, i + EVENT_SLICE))) {
        if (outcome.status === 'accepted') report.accepted++;
        else report.duplicates++;
      }
    }
    return report;
  }
}
