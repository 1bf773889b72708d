import type { Db } from '../db/knex';
import type { Contact } from '../db/stores/contacts';
import { emailHash } from '../db/stores/suppressions';

/**
 * Everything held about one person, as one JSON document (a subject access request): the contact and traits, every
 * event, every message to them with the events of its message log, enrollments, subscription changes, segment
 * memberships, the suppression entry of their address, and the audit entries about them. Rows are as stored (column
 * names included), so nothing is left out by a mapping.
 */
export async function exportContact(db: Db, contact: Contact) {
  const byContact = (table: string, order: string) => db(table).where({ contact_id: contact.id }).orderBy(order, 'asc');
  const messages = await db('email_outbox')
    .where((q) =>
      q
        .where({ contact_id: contact.id })
        .orWhere((w) => w.whereNull('contact_id').whereRaw('lower(to_email) = ?', [contact.email.toLowerCase()])),
    )
    .orderBy('created_at', 'asc');
  const messageEvents = messages.length
    ? await db('message_events')
        .whereIn(
          'message_id',
          messages.map((m: { id: string }) => m.id),
        )
        .orderBy('occurred_at', 'asc')
    : [];
  const eventsOf = new Map<string, unknown[]>();
  for (const e of messageEvents as { message_id: string }[])
    eventsOf.set(e.message_id, [...(eventsOf.get(e.message_id) ?? []), e]);

  return {
    exportedAt: new Date().toISOString(),
    contact: {
      id: contact.externalId,
      internalId: contact.id,
      email: contact.email,
      timezone: contact.timezone,
      ventureId: contact.ventureId,
      unsubscribedAt: contact.unsubscribedAt,
      createdAt: contact.createdAt,
    },
    traits: contact.traits,
    events: await byContact('events', 'occurred_at'),
    messages: messages.map((m: { id: string }) => ({ ...m, events: eventsOf.get(m.id) ?? [] })),
    enrollments: await byContact('enrollments', 'enrolled_at'),
    subscriptionChanges: await byContact('contact_subscription_changes', 'at'),
    segments: await byContact('segment_members', 'entered_at'),
    suppressions: await db('suppressions').where({ email_hash: emailHash(contact.email) }),
    churnScores: await db('churn_risk_scores').where({ user_id: contact.id }).orderBy('calculated_at', 'asc'),
    audit: await db('audit_log')
      .whereIn('subject_id', [contact.id, contact.externalId, contact.email.toLowerCase()])
      .orderBy('id', 'asc'),
  };
}
