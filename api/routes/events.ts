import { z } from 'zod';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import type { RouteDeps } from '../deps';
import { badRequest, notFound, type Problem } from '../errors';
import { defineRoute, r400, r403, WRITERS, type AnyRoute } from '../registry';
import { EnrollmentService, type IncomingEvent } from '../../services/enrollment';
import { externalId } from './contacts';

/** The product's own events (engagement, segment entry and exit): a client may not send them. */
export const RESERVED_PREFIX = /^(email|segment)\./i;

/** The address an event may carry for a contact not known yet (`properties.email`). */
const carriedEmail = z.email().max(320);

export const eventBody = z
  .object({
    contactId: externalId,
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'may hold only letters, digits and _ . : -')
      .refine((n) => !RESERVED_PREFIX.test(n), 'names starting with email. or segment. are the product’s own events'),
    properties: z.record(z.string().max(200), z.unknown()).default({}),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    idempotencyKey: z.string().min(1).max(200).optional(),
  })
  .strict();

export const MAX_BATCH = 1000;
export const eventBatchBody = z.object({ events: z.array(z.unknown()).min(1).max(MAX_BATCH) }).strict();

const isBatch = (raw: unknown) => typeof raw === 'object' && raw !== null && 'events' in raw;

/**
 * One event, or a batch, told apart by an `events` field. A plain union answers a bad body with a single "Invalid
 * input"; checking it first against the form the client meant lets the 400 name each bad field. The union after the
 * check is what the reference documents (and it passes whatever the check passed).
 */
export const eventRequestBody = z
  .transform((raw: unknown, ctx) => {
    const checked = (isBatch(raw) ? eventBatchBody : eventBody).safeParse(raw);
    if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ ...issue });
    return raw;
  })
  .pipe(z.union([eventBody, eventBatchBody]));

const eventOutcome = z.object({
  status: z.enum(['accepted', 'duplicate']),
  eventId: z.number().int(),
  /** The sequences the event enrolled the contact in. */
  enrolled: z.array(z.string()),
});

const batchAnswer = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(
    z.object({ index: z.number().int(), problems: z.array(z.object({ path: z.string(), message: z.string() })) }),
  ),
  results: z.array(eventOutcome.extend({ index: z.number().int() })),
});

/**
 * POST /v1/events takes one event, or `{ events: [...] }` with up to 1,000. A batch validates each event
 * on its own: the valid ones are stored and acted on, the others are listed back with their problems.
 */
export function eventRoutes({
  db,
  temporal,
  metrics,
  taskQueue,
  config,
}: Pick<RouteDeps, 'db' | 'temporal' | 'taskQueue' | 'metrics' | 'config'>): AnyRoute[] {
  const contacts = new ContactStore(db);
  const service = new EnrollmentService(db, temporal, metrics, taskQueue);
  const fromEvents = config.CONTACTS_FROM_EVENTS === 'true';

  /**
   * With CONTACTS_FROM_EVENTS, an event for an unknown contact that carries a valid `properties.email` creates the
   * contact (id = contactId); the contacts created are announced once, as any change to contacts is.
   */
  async function createFromEvents(events: z.infer<typeof eventBody>[], known: Map<string, Contact>): Promise<void> {
    if (!fromEvents) return;
    const created: Contact[] = [];
    for (const e of events) {
      if (known.has(e.contactId)) continue;
      const email = carriedEmail.safeParse(typeof e.properties.email === 'string' ? e.properties.email.trim() : null);
      if (!email.success) continue;
      const saved = await contacts.createIfAbsent({ externalId: e.contactId, email: email.data });
      known.set(e.contactId, saved.contact);
      if (saved.created) created.push(saved.contact);
    }
    if (created.length) await service.contactsChanged(created);
  }

  /** One event: a 404 when its contact is unknown (and not created from it), 200 when its key was seen before. */
  async function ingestOne(body: z.infer<typeof eventBody>) {
    const known = await contacts.getManyByExternalId([body.contactId]);
    await createFromEvents([body], known);
    const contact = known.get(body.contactId);
    if (!contact) throw notFound(`contact ${body.contactId}`);
    const [outcome] = await service.ingest([toIncoming(body, contact)]);
    return outcome!;
  }

  /** A batch: each event checked on its own; a 400 only when none of them is valid. */
  async function ingestBatch(events: unknown[]): Promise<z.infer<typeof batchAnswer>> {
    const parsed = events.map((raw) => eventBody.safeParse(raw));
    const ids = [...new Set(parsed.flatMap((p) => (p.success ? [p.data.contactId] : [])))];
    const known = await contacts.getManyByExternalId(ids);
    await createFromEvents(
      parsed.flatMap((p) => (p.success ? [p.data] : [])),
      known,
    );
    const rejected: { index: number; problems: Problem[] }[] = [];
    const valid: { index: number; event: IncomingEvent }[] = [];
    parsed.forEach((p, index) => {
      if (!p.success) {
        rejected.push({ index, problems: p.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
        return;
      }
      const contact = known.get(p.data.contactId);
      if (!contact)
        rejected.push({ index, problems: [{ path: 'contactId', message: `contact ${p.data.contactId} not found` }] });
      else valid.push({ index, event: toIncoming(p.data, contact) });
    });
    if (valid.length === 0)
      throw badRequest(
        'no event in the batch is valid',
        rejected.flatMap((r) => r.problems.map((p) => ({ ...p, path: `events.${r.index}.${p.path}` }))),
      );
    const outcomes = await service.ingest(valid.map((v) => v.event));
    return {
      accepted: outcomes.filter((o) => o.status === 'accepted').length,
      duplicates: outcomes.filter((o) => o.status === 'duplicate').length,
      rejected,
      results: valid.map((v, i) => ({ index: v.index, ...outcomes[i]! })),
    };
  }

  return [
    defineRoute({
      method: 'post',
      path: '/v1/events',
      summary: 'Ingest one product event, or a batch of up to 1,000',
      description:
        'A batch is `{ "events": [...] }`: each event is checked on its own, the valid ones are stored and acted on, ' +
        'and the others come back in `rejected` with their problems. The batch is a 400 only when no event is valid. ' +
        'Names starting with `email.` or `segment.` are the product’s own and refused. With CONTACTS_FROM_EVENTS=true, ' +
        'an event for an unknown contact whose `properties.email` is a valid address creates the contact.',
      tag: 'Contacts',
      access: WRITERS,
      body: eventRequestBody,
      response: z.union([eventOutcome, batchAnswer]),
      responses: {
        '202': 'accepted',
        '200': 'a duplicate (same idempotency key)',
        ...r400,
        ...r403,
        '404': 'the contact is not known (one event), and CONTACTS_FROM_EVENTS did not create it',
      },
      example: {
        body: {
          contactId: 'user-1',
          name: 'signup',
          properties: { plan: 'trial' },
          occurredAt: '2026-03-02T09:30:00Z',
          idempotencyKey: 'signup-user-1',
        },
        response: { status: 'accepted', eventId: 1042, enrolled: ['onboarding'] },
      },
      handler: async ({ body }, _req, res) => {
        if ('events' in body) {
          res.status(202).json(await ingestBatch(body.events));
          return;
        }
        const outcome = await ingestOne(body);
        res.status(outcome.status === 'accepted' ? 202 : 200).json(outcome);
      },
    }),
  ];
}

function toIncoming(body: z.infer<typeof eventBody>, contact: IncomingEvent['contact']): IncomingEvent {
  return {
    contact,
    contactId: contact.id,
    name: body.name,
    properties: body.properties,
    occurredAt: body.occurredAt ? new Date(body.occurredAt) : new Date(),
    ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {}),
  };
}
