import { z } from 'zod';
import type { Contact } from '../../../db/stores/contacts';

/** A contact's id as the client's product knows it. */
export const externalId = z.string().trim().min(1).max(200);

/** A contact as the contact routes answer it. */
export const contactResponse = z.object({
  id: z.string(),
  internalId: z.uuid(),
  ventureId: z.uuid().nullable(),
  email: z.email(),
  phone: z.string().nullable(),
  smsConsent: z.object({ at: z.iso.datetime(), source: z.string() }).nullable(),
  timezone: z.string().nullable(),
  traits: z.record(z.string(), z.unknown()),
  unsubscribedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});

export function presentContact(c: Contact) {
  return {
    id: c.externalId,
    internalId: c.id,
    ventureId: c.ventureId,
    email: c.email,
    phone: c.phone,
    smsConsent: c.smsConsent,
    timezone: c.timezone,
    traits: c.traits,
    unsubscribedAt: c.unsubscribedAt,
    createdAt: c.createdAt,
  };
}
