import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { AuditLog } from '../../../db/stores/audit';
import { ContactStore } from '../../../db/stores/contacts';
import { EnrollmentStore, type EnrollmentStatus } from '../../../db/stores/enrollments';
import { SequenceStatsStore } from '../../../db/stores/sequenceStats';
import { SequenceStore } from '../../../db/stores/sequences';
import { getSequenceWorkflowId } from '../../../domain/ids';
import { EnrollmentService } from '../../../services/enrollment';
import { exitSignal } from '../../../workflows/sequenceMessages';
import { actorOf } from '../../auth';
import type { RouteDeps } from '../../deps';
import { presentEnrollments } from '../../enrollmentView';
import { conflict, notFound } from '../../errors';
import { defineRoute, ok, r400, r403, r404, r409, WRITERS, type AnyRoute } from '../../registry';
import { externalId } from '../contacts';
import {
  exitEnrollmentBody,
  keyParams,
  MANUAL_ENROLLMENT_EVENT,
  manualEnrollmentBody,
  sequenceOr404,
  sequenceStatsQuery,
} from './common';

const STATUSES = [
  'active',
  'completed',
  'converted',
  'exited',
  'unsubscribed',
  'failed',
] as const satisfies readonly EnrollmentStatus[];

const enrollmentResponse = z.object({
  id: z.uuid(),
  sequenceKey: z.string(),
  sequenceVersion: z.number().int(),
  status: z.enum(STATUSES),
  variant: z.string().nullable(),
  currentStep: z.string().nullable(),
  exitReason: z.string().nullable(),
  revenue: z.number().nullable(),
  enrolledAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
  workflowId: z.string(),
  /** The workflow's own view of an active enrollment; null when it does not answer in time. */
  state: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** Enroll and exit contacts by hand, read a contact's enrollments with their live state, and report on a sequence. */
export function sequenceEnrollmentRoutes({
  db,
  temporal,
  metrics,
  taskQueue,
}: Pick<RouteDeps, 'db' | 'temporal' | 'taskQueue' | 'metrics'>): AnyRoute[] {
  const sequences = new SequenceStore(db);
  const enrollments = new EnrollmentStore(db);
  const contacts = new ContactStore(db);
  const stats = new SequenceStatsStore(db);
  const service = new EnrollmentService(db, temporal, metrics, taskQueue);
  const getOr404 = (key: string) => sequenceOr404(sequences, key);

  /** The contact by the client's own id, or a 404 that names it. */
  async function contactOr404(id: string) {
    const contact = await contacts.getByExternalId(id);
    if (!contact) throw notFound(`contact ${id}`);
    return contact;
  }

  return [
    defineRoute({
      method: 'post',
      path: '/v1/sequences/:key/enrollments',
      summary: 'Enroll a contact by hand',
      description: `The enrollment starts with a \`${MANUAL_ENROLLMENT_EVENT}\` trigger whose properties are the body's.`,
      tag: 'Sequences',
      access: WRITERS,
      params: keyParams,
      body: manualEnrollmentBody,
      response: z.object({
        sequenceKey: z.string(),
        sequenceVersion: z.number().int(),
        contactId: z.string(),
        status: z.literal('active'),
        workflowId: z.string(),
        runId: z.string(),
      }),
      responses: { '201': 'enrolled', ...r400, ...r403, ...r404, ...r409 },
      example: { body: { contactId: 'user-1', properties: { source: 'sales-call' } } },
      handler: async ({ params: { key }, body }, req, res) => {
        const sequence = await getOr404(key);
        const contact = await contactOr404(body.contactId);
        if (sequence.archivedAt) throw conflict(`sequence ${key} is archived and takes no new enrollments`);
        if (sequence.definition.category === 'marketing' && contact.unsubscribedAt)
          throw conflict(`contact ${body.contactId} has unsubscribed and cannot be enrolled in a marketing sequence`);
        const latest = await enrollments.latest(contact.id, key);
        // Checked here too so that a refused hand enrollment does not reach the running workflow as an event.
        if (latest?.status === 'active') throw conflict(`contact ${body.contactId} is already in sequence ${key}`);
        const result = await service.enroll(contact, sequence, {
          name: MANUAL_ENROLLMENT_EVENT,
          properties: body.properties,
          occurredAt: new Date().toISOString(),
        });
        if (!result.enrolled)
          throw conflict(`contact ${body.contactId} cannot enter sequence ${key}: ${result.reason}`);
        await new AuditLog(db).record({
          ...actorOf(req),
          action: 'sequence.enrollment.started',
          subjectType: 'sequence',
          subjectId: key,
          details: { contactId: contact.externalId, workflowId: result.workflowId, version: sequence.currentVersion },
        });
        res.status(201).json({
          sequenceKey: key,
          sequenceVersion: sequence.currentVersion,
          contactId: contact.externalId,
          status: 'active',
          workflowId: result.workflowId,
          runId: result.runId,
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/sequences/:key/enrollments/:contactId/exit',
      summary: 'End a contact’s enrollment',
      tag: 'Sequences',
      access: WRITERS,
      params: keyParams.extend({ contactId: externalId }),
      body: exitEnrollmentBody,
      responses: { '202': 'exiting', ...r400, ...r403, ...r404 },
      example: {
        body: { reason: 'booked a demo by phone' },
        response: {
          sequenceKey: 'trial-activation',
          contactId: 'user-1',
          workflowId: 'seq:trial-activation:6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b',
          status: 'exiting',
          reason: 'booked a demo by phone',
        },
      },
      handler: async ({ params: { key, contactId }, body }, req, res) => {
        await getOr404(key);
        const contact = await contactOr404(contactId);
        const latest = await enrollments.latest(contact.id, key);
        if (latest?.status !== 'active')
          throw notFound(`an active enrollment of contact ${contactId} in sequence ${key}`);
        const workflowId = getSequenceWorkflowId(key, contact.id);
        const reason = body.reason ?? `exited by ${actorOf(req).actor}`;
        try {
          await temporal.workflow.getHandle(workflowId).signal(exitSignal, { reason });
        } catch (err) {
          if (err instanceof WorkflowNotFoundError)
            throw notFound(`an active enrollment of contact ${contactId} in sequence ${key}`);
          throw err;
        }
        await new AuditLog(db).record({
          ...actorOf(req),
          action: 'sequence.enrollment.exited',
          subjectType: 'sequence',
          subjectId: key,
          details: { contactId, workflowId, reason },
        });
        // The workflow ends on its own once it takes the signal; GET /v1/contacts/:id/enrollments shows it.
        res.status(202).json({ sequenceKey: key, contactId, workflowId, status: 'exiting', reason });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/contacts/:id/enrollments',
      summary: 'A contact’s enrollments with their live state',
      tag: 'Sequences',
      access: 'any',
      params: z.object({ id: externalId }),
      response: z.object({ contactId: z.string(), enrollments: z.array(enrollmentResponse) }),
      responses: { ...ok('enrollments'), ...r400, ...r404 },
      handler: async ({ params }, _req, res) => {
        const contact = await contactOr404(params.id);
        const list = await enrollments.listForContact(contact.id);
        res.json({ contactId: contact.externalId, enrollments: await presentEnrollments(temporal, list) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sequences/:key/stats',
      summary: 'Stats per step and per variant',
      tag: 'Sequences',
      access: 'any',
      params: keyParams,
      query: sequenceStatsQuery,
      responses: { ...ok('stats'), ...r400, ...r404 },
      handler: async ({ params: { key }, query }, _req, res) => {
        await getOr404(key);
        const from = query.from ? new Date(query.from) : undefined;
        const to = query.to ? new Date(query.to) : undefined;
        const result = await stats.forSequence(key, { ...(from ? { from } : {}), ...(to ? { to } : {}) });
        res.json({ sequenceKey: key, from: from ?? null, to: to ?? null, ...result });
      },
    }),
  ];
}
