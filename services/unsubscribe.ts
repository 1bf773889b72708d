import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { ContactStore } from '../db/stores/contacts';
import { EnrollmentStore } from '../db/stores/enrollments';
import { unsubscribeSignal } from '../workflows/sequenceMessages';

/** Unsubscribes a contact from marketing email, for whoever asked (`actor`: the contact's link, a provider). */
export type Unsubscribe = (contactId: string, actor: string) => Promise<void>;

/**
 * Marks the contact unsubscribed, audits who asked, and tells each running enrollment, which ends unless its
 * sequence keeps going after an unsubscribe. The one way anything unsubscribes a contact.
 */
export function unsubscriber(db: Db, temporal: Client): Unsubscribe {
  const contacts = new ContactStore(db);
  const enrollments = new EnrollmentStore(db);
  const audit = new AuditLog(db);
  return async (contactId, actor) => {
    await contacts.unsubscribe(contactId);
    await audit.record({ actor, action: 'contact.unsubscribed', subjectType: 'contact', subjectId: contactId });
    const active = await enrollments.listActiveForContacts([contactId]);
    await Promise.all(
      active.map((e) =>
        temporal.workflow
          .getHandle(e.workflowId)
          .signal(unsubscribeSignal)
          .catch(() => undefined),
      ),
    );
  };
}
