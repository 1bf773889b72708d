import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { ContactStore } from '../db/stores/contacts';
import { EnrollmentStore } from '../db/stores/enrollments';
import {
  SubscriptionChangeStore,
  type SubscriptionChangeKind,
  type SubscriptionSource,
} from '../db/stores/subscriptionChanges';
import { unsubscribeSignal } from '../workflows/sequenceMessages';
import { EnrollmentService } from './enrollment';

/** Who changed a contact's subscription and through what; the source is read from the actor when not given. */
export interface SubscriptionActor {
  source?: SubscriptionSource;
  actorRole?: string;
}

/** Unsubscribes a contact from marketing email, for whoever asked (`actor`: the contact's link, a provider). */
export type Unsubscribe = (contactId: string, actor: string, how?: SubscriptionActor) => Promise<boolean>;
/** Lets marketing email go to the contact again; true when they were unsubscribed. */
export type Resubscribe = (contactId: string, actor: string, how?: SubscriptionActor) => Promise<boolean>;

/**
 * The source of a change from the actor names the callers use: `contact:<id>` for the email's link,
 * `<provider>:complained` for a complaint, `<provider>:unsubscribed` for a provider's own unsubscribe.
 */
export function sourceOf(actor: string): SubscriptionSource {
  if (actor.startsWith('contact:')) return 'link';
  if (actor.endsWith(':complained')) return 'complaint';
  if (actor.endsWith(':unsubscribed')) return 'provider';
  return 'api';
}

/**
 * Marks the contact unsubscribed, records and audits who asked, and tells each running enrollment, which ends unless
 * its sequence keeps going after an unsubscribe. The one way anything unsubscribes a contact. Asking again changes
 * nothing and records nothing; running enrollments are told again all the same, in case a signal was lost.
 */
export function unsubscriber(db: Db, temporal: Client, on: { taskQueue?: string } = {}): Unsubscribe {
  const contacts = new ContactStore(db);
  const enrollments = new EnrollmentStore(db);
  const record = changeRecorder(db);
  const segmentsFollow = subscriptionListener(db, temporal, on.taskQueue);
  return async (contactId, actor, how = {}) => {
    const changed = await contacts.unsubscribe(contactId);
    if (changed) await record(contactId, 'unsubscribed', actor, how);
    if (changed) await segmentsFollow(contactId);
    const active = await enrollments.listActiveForContacts([contactId]);
    await Promise.all(
      active.map((e) =>
        temporal.workflow
          .getHandle(e.workflowId)
          .signal(unsubscribeSignal)
          .catch(() => undefined),
      ),
    );
    return changed;
  };
}

/** Clears the contact's unsubscribe, recorded and audited like one. Enrollments that ended stay ended. */
export function resubscriber(db: Db, temporal: Client, on: { taskQueue?: string } = {}): Resubscribe {
  const contacts = new ContactStore(db);
  const record = changeRecorder(db);
  const segmentsFollow = subscriptionListener(db, temporal, on.taskQueue);
  return async (contactId, actor, how = {}) => {
    const changed = await contacts.resubscribe(contactId);
    if (changed) await record(contactId, 'resubscribed', actor, how);
    if (changed) await segmentsFollow(contactId);
    return changed;
  };
}

/** Re-evaluates, for one contact, the segments that select by topic: the contact-wide switch counts for every topic. */
function subscriptionListener(db: Db, temporal: Client, taskQueue: string | undefined) {
  const contacts = new ContactStore(db);
  const audience = new EnrollmentService(db, temporal, undefined, taskQueue);
  return async (contactId: string) => {
    const contact = await contacts.getById(contactId);
    if (contact) await audience.subscriptionsChanged([contact]);
  };
}

/**
 * Records a subscription change on the contact's timeline and in the audit log, with who made it and how; `topic`
 * for a change to one topic. Shared by the contact-wide switch and the topics, so both read the same in history.
 */
export function changeRecorder(db: Db) {
  const changes = new SubscriptionChangeStore(db);
  const audit = new AuditLog(db);
  return async (
    contactId: string,
    change: SubscriptionChangeKind,
    actor: string,
    how: SubscriptionActor,
    topic?: string,
  ): Promise<void> => {
    const source = how.source ?? sourceOf(actor);
    const role = how.actorRole ? { actorRole: how.actorRole } : {};
    await changes.record({ contactId, change, source, actor, ...role, ...(topic ? { topic } : {}) });
    await audit.record({
      actor,
      ...role,
      action: `contact.${change}`,
      subjectType: 'contact',
      subjectId: contactId,
      details: topic ? { source, topic } : { source },
    });
  };
}
