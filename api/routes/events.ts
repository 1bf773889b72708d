import { Router } from 'express';
import { z } from 'zod';
import { ContactStore } from '../../db/stores/contacts';
import type { AppDeps } from '../app';
import type { Metrics } from '../../infra/metrics';
import { requireRole } from '../auth';
import { badRequest, notFound, parseOr400, type Problem } from '../errors';
import { EnrollmentService, type IncomingEvent } from '../../services/enrollment';
import { externalId } from './contacts';

export const eventBody = z
  .object({
    contactId: externalId,
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'may hold only letters, digits and _ . : -'),
    properties: z.record(z.string().max(200), z.unknown()).default({}),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    idempotencyKey: z.string().min(1).max(200).optional(),
  })
  .strict();

export const MAX_BATCH = 1000;
export const eventBatchBody = z.object({ events: z.array(z.unknown()).min(1).max(MAX_BATCH) }).strict();

/**
 * POST /v1/events takes one event, or `{ events: [...] }` with up to 1,000. A batch validates each event
 * on its own: the valid ones are stored and acted on, the others are listed back with their problems.
 */
export function eventRoutes({
  db,
  temporal,
  metrics,
  taskQueue,
}: Pick<AppDeps, 'db' | 'temporal' | 'taskQueue'> & { metrics: Metrics }): Router {
  const router = Router();
  const contacts = new ContactStore(db);
  const service = new EnrollmentService(db, temporal, metrics, taskQueue);

  router.post('/events', requireRole(db, 'marketer', 'operator'), async (req, res) => {
    const isBatch = req.body && typeof req.body === 'object' && 'events' in req.body;
    if (!isBatch) {
      const body = parseOr400(eventBody, req.body);
      const contact = await contacts.getByExternalId(body.contactId);
      if (!contact) throw notFound(`contact ${body.contactId}`);
      const [outcome] = await service.ingest([toIncoming(body, contact)]);
      res.status(outcome!.status === 'accepted' ? 202 : 200).json(outcome);
      return;
    }
    const { events } = parseOr400(eventBatchBody, req.body);
    const parsed = events.map((raw) => eventBody.safeParse(raw));
    const ids = [...new Set(parsed.flatMap((p) => (p.success ? [p.data.contactId] : [])))];
    const known = await contacts.getManyByExternalId(ids);
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
    res.status(202).json({
      accepted: outcomes.filter((o) => o.status === 'accepted').length,
      duplicates: outcomes.filter((o) => o.status === 'duplicate').length,
      rejected,
      results: valid.map((v, i) => ({ index: v.index, ...outcomes[i]! })),
    });
  });

  return router;
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
