import { z } from 'zod';
import { AuditLog } from '../../../db/stores/audit';
import { ContactStore } from '../../../db/stores/contacts';
import { exportContact } from '../../../services/contactExport';
import { ErasureService } from '../../../services/erasure';
import { actorOf } from '../../auth';
import type { RouteDeps } from '../../deps';
import { notFound } from '../../errors';
import { defineRoute, ok, r403, r404, type AnyRoute } from '../../registry';
import { externalId } from './shape';

const OPERATOR = ['operator'] as const;

/** A person's rights over their data: a copy of everything held about them, and erasure. Operators only. */
export function privacyRoutes({ db, temporal }: Pick<RouteDeps, 'db' | 'temporal'>): AnyRoute[] {
  const contacts = new ContactStore(db);
  const erasure = new ErasureService(db, temporal);
  const audit = new AuditLog(db);
  const tag = 'Contacts';
  const find = async (id: string) => {
    const contact = await contacts.getByExternalId(id);
    if (!contact) throw notFound(`contact ${id}`);
    return contact;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/contacts/:id/export',
      summary: 'Everything held about a contact, as one JSON document (a subject access request)',
      description:
        'The contact and traits, events, messages with their message-log events, enrollments, subscription changes, ' +
        'segment memberships, the suppression entry of their address and the audit entries about them.',
      tag,
      access: OPERATOR,
      params: z.object({ id: externalId }),
      responses: { ...ok('the document'), ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        const contact = await find(params.id);
        const document = await exportContact(db, contact);
        // Who read a person's data is itself worth knowing; by internal id, so an erasure leaves nothing here.
        await audit.record({
          ...actorOf(req),
          action: 'contact.exported',
          subjectType: 'contact',
          subjectId: contact.id,
        });
        res.set('Content-Disposition', `attachment; filename="contact-${contact.id}.json"`).json(document);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/contacts/:id',
      summary: 'Erase a contact: their data, messages’ addresses and Temporal histories; the address stays suppressed',
      description:
        'Deletes events, traits, subscription changes, enrollments and their Temporal workflow executions; the ' +
        'message log keeps each message for the counts, without address, subject or contact. The address stays on ' +
        'the suppression list as a sha256 hash only, so it is never mailed again. The audit log keeps a tombstone ' +
        '(`contact.erased`, the internal id and the counts). Answers what was removed.',
      tag,
      access: OPERATOR,
      params: z.object({ id: externalId }),
      responses: { ...ok('erased: the counts of what was removed'), ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        const contact = await find(params.id);
        res.json({ erased: true, ...(await erasure.erase(contact, actorOf(req))) });
      },
    }),
  ];
}
