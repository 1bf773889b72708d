import { z } from 'zod';
import { ContactStore } from '../../db/stores/contacts';
import { EnrollmentStore } from '../../db/stores/enrollments';
import { EventStore } from '../../db/stores/events';
import { VentureStore } from '../../db/stores/ventures';
import { isValidTimeZone } from '../../domain/sequences/time';
import { EnrollmentService } from '../../services/enrollment';
import type { RouteDeps } from '../deps';
import { presentEnrollments } from '../enrollmentView';
import { badRequest, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, WRITERS, type AnyRoute } from '../registry';
import { peopleRoutes } from './contacts/people';
import { privacyRoutes } from './contacts/privacy';
import { channelRoutes } from './contacts/channels';
import { SmsConsentStore } from '../../db/stores/smsConsent';
import { InvalidPhoneError, normalizePhone } from '../../domain/sms';
import type { CountryCode } from 'libphonenumber-js';
import { contactResponse, externalId, presentContact } from './contacts/shape';

export { contactResponse, externalId, presentContact };

export const contactBody = z
  .object({
    id: externalId,
    email: z.email().max(320),
    /** A mobile number, E.164 best (+14155550123); a national one is read in SMS_DEFAULT_COUNTRY. Null removes it. */
    phone: z.string().max(40).nullable().optional(),
    /** Explicit consent to text messages, given now for `phone`: where it was given (a form, a checkout). */
    smsConsent: z
      .object({ source: z.string().trim().min(1).max(200) })
      .strict()
      .optional(),
    timezone: z.string().max(64).refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional(),
    traits: z.record(z.string().max(100), z.unknown()).optional(),
    /** The venture the contact is an end user of: its attribution, readiness and churn read the contact. */
    ventureId: z.string().trim().min(1).max(100).optional(),
  })
  .strict();

/**
 * Contacts: upsert by the client's own id, read with their events and live enrollments, list and search, timeline,
 * list hygiene, export and erasure.
 */
export function contactRoutes({
  db,
  temporal,
  metrics,
  taskQueue,
  config,
}: Pick<RouteDeps, 'db' | 'temporal' | 'metrics' | 'taskQueue' | 'config'>): AnyRoute[] {
  const consent = new SmsConsentStore(db);
  const contacts = new ContactStore(db);
  const enrollments = new EnrollmentStore(db);
  const events = new EventStore(db);
  const ventures = new VentureStore(db);
  const enrollment = new EnrollmentService(db, temporal, metrics, taskQueue);
  const tag = 'Contacts';

  return [
    ...peopleRoutes({ db, temporal, taskQueue }),
    defineRoute({
      method: 'post',
      path: '/v1/contacts',
      summary: 'Create or update a contact by your own id',
      tag,
      access: WRITERS,
      body: contactBody,
      response: contactResponse,
      responses: { '201': 'created', '200': 'updated', ...r400, ...r403 },
      example: {
        body: { id: 'user-1', email: 'ada@example.com', timezone: 'Europe/Berlin', traits: { plan: 'pro' } },
      },
      handler: async ({ body }, _req, res) => {
        // Checked here rather than left to the foreign key, so the client learns which field is wrong.
        if (body.ventureId !== undefined && !(await ventures.getById(body.ventureId))) {
          throw badRequest('invalid request body', [
            {
              path: 'ventureId',
              message: `there is no venture with id '${body.ventureId}' (GET /v1/ventures lists them)`,
            },
          ]);
        }
        const phone = body.phone === undefined ? undefined : phoneOf(body.phone, config.SMS_DEFAULT_COUNTRY);
        if (body.smsConsent && !(phone ?? (await contacts.getByExternalId(body.id))?.phone)) {
          throw badRequest('invalid request body', [
            { path: 'smsConsent', message: 'consent to text messages is given for a phone number: give phone too' },
          ]);
        }
        const upserted = await contacts.upsert({
          externalId: body.id,
          email: body.email,
          ...(phone !== undefined ? { phone } : {}),
          ...(body.timezone ? { timezone: body.timezone } : {}),
          ...(body.traits ? { traits: body.traits } : {}),
          ...(body.ventureId ? { ventureId: body.ventureId } : {}),
        });
        const { created } = upserted;
        let { contact } = upserted;
        if (body.smsConsent) {
          await consent.optIn(contact.id, body.smsConsent.source);
          contact = (await contacts.getById(contact.id))!;
        }
        await enrollment.contactsChanged([contact]);
        res.status(created ? 201 : 200).json(presentContact(contact));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/contacts/:id',
      summary: 'A contact with recent events and live enrollments',
      tag,
      access: 'any',
      params: z.object({ id: externalId }),
      responses: { ...ok('the contact'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const contact = await contacts.getByExternalId(params.id);
        if (!contact) throw notFound(`contact ${params.id}`);
        const list = await enrollments.listForContact(contact.id);
        res.json({
          ...presentContact(contact),
          enrollments: await presentEnrollments(temporal, list),
          recentEvents: await events.listForContact(contact.id, 50),
        });
      },
    }),
    ...privacyRoutes({ db, temporal }),
    ...channelRoutes({ db, config }),
  ];
}

/** The phone as stored (E.164), or null to remove it; a number that is none is the client's mistake, named. */
function phoneOf(raw: string | null, country: string | undefined): string | null {
  if (raw === null || raw.trim() === '') return null;
  try {
    return normalizePhone(raw, country as CountryCode | undefined);
  } catch (err) {
    if (err instanceof InvalidPhoneError)
      throw badRequest('invalid request body', [{ path: 'phone', message: err.message.replace(/^phone: /, '') }]);
    throw err;
  }
}
