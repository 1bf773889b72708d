import { Router } from 'express';
import { z } from 'zod';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { EnrollmentStore } from '../../db/stores/enrollments';
import { EventStore } from '../../db/stores/events';
import { isValidTimeZone } from '../../domain/sequences/time';
import type { AppDeps } from '../app';
import { presentEnrollments } from '../enrollmentView';
import { requireRole } from '../auth';
import { notFound, parseOr400 } from '../errors';

export const externalId = z.string().trim().min(1).max(200);

export const contactBody = z
  .object({
    id: externalId,
    email: z.email().max(320),
    timezone: z.string().max(64).refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional(),
    traits: z.record(z.string().max(100), z.unknown()).optional(),
  })
  .strict();

/** Contacts: upsert by the client's own id, and read with their events and live enrollments. */
export function contactRoutes({ db, temporal }: Pick<AppDeps, 'db' | 'temporal'>): Router {
  const router = Router();
  const contacts = new ContactStore(db);
  const enrollments = new EnrollmentStore(db);
  const events = new EventStore(db);

  router.post('/contacts', requireRole(db, 'marketer', 'operator'), async (req, res) => {
    const body = parseOr400(contactBody, req.body);
    const { contact, created } = await contacts.upsert({
      externalId: body.id,
      email: body.email,
      ...(body.timezone ? { timezone: body.timezone } : {}),
      ...(body.traits ? { traits: body.traits } : {}),
    });
    res.status(created ? 201 : 200).json(presentContact(contact));
  });

  router.get('/contacts/:id', async (req, res) => {
    const contact = await contacts.getByExternalId(parseOr400(externalId, req.params.id, 'path'));
    if (!contact) throw notFound(`contact ${req.params.id}`);
    const list = await enrollments.listForContact(contact.id);
    res.json({
      ...presentContact(contact),
      enrollments: await presentEnrollments(temporal, list),
      recentEvents: await events.listForContact(contact.id, 50),
    });
  });

  return router;
}

export function presentContact(c: Contact) {
  return {
    id: c.externalId,
    internalId: c.id,
    email: c.email,
    timezone: c.timezone,
    traits: c.traits,
    unsubscribedAt: c.unsubscribedAt,
    createdAt: c.createdAt,
  };
}
