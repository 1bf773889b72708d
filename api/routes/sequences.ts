import { WorkflowNotFoundError } from '@temporalio/client';
import { DEFAULT_MAIL_FROM } from '../../config/config';
import { allowedSenders } from '../../domain/sequences/senders';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AuditLog } from '../../db/stores/audit';
import { ContactStore } from '../../db/stores/contacts';
import { EnrollmentStore } from '../../db/stores/enrollments';
import { SequenceStatsStore } from '../../db/stores/sequenceStats';
import { SequenceStore, type SequenceRecord } from '../../db/stores/sequences';
import { getSequenceWorkflowId } from '../../domain/ids';
import { sequenceDefinitionSchema } from '../../domain/sequences/definition';
import { validateSequence, type SequenceProblem } from '../../domain/sequences/validate';
import { EnrollmentService } from '../../services/enrollment';
import { templateCatalogue } from '../../templates';
import { exitSignal } from '../../workflows/sequenceWorkflow';
import type { AppDeps } from '../app';
import { presentEnrollments } from '../enrollmentView';
import { actorOf, requireRole } from '../auth';
import { badRequest, conflict, notFound, parseOr400 } from '../errors';
import { externalId } from './contacts';

/** The body of POST /v1/sequences and PUT /v1/sequences/:key: a sequence definition. */
export const sequenceBody = sequenceDefinitionSchema;

export const sequenceKeyParam = z.string().trim().min(1).max(100);

export const sequenceVersionParam = z.coerce.number().int().positive().max(1_000_000);

export const listSequencesQuery = z.object({ includeArchived: z.enum(['true', 'false']).default('false') });

export const manualEnrollmentBody = z
  .object({
    contactId: externalId,
    /** Becomes the properties of the synthetic `manual_enrollment` trigger, which templates read as `trigger.*`. */
    properties: z.record(z.string().max(200), z.unknown()).default({}),
  })
  .strict();

export const exitEnrollmentBody = z.object({ reason: z.string().trim().min(1).max(200).optional() }).strict();

export const sequenceStatsQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'from must be before to',
    path: ['to'],
  });

/** The name of the trigger event a hand enrollment starts the workflow with. */
export const MANUAL_ENROLLMENT_EVENT = 'manual_enrollment';

/**
 * Sequence management: define, version and archive sequences, enroll and exit contacts by hand, read a
 * contact's enrollments with their live state, and report on a sequence.
 */
export function sequenceRoutes({
  db,
  temporal,
  metrics,
  taskQueue,
  config,
}: Pick<AppDeps, 'db' | 'temporal' | 'taskQueue' | 'metrics' | 'config'>): Router {
  const router = Router();
  const sequences = new SequenceStore(db);
  const enrollments = new EnrollmentStore(db);
  const contacts = new ContactStore(db);
  const stats = new SequenceStatsStore(db);
  const service = new EnrollmentService(db, temporal, metrics, taskQueue);
  const writers = requireRole(db, 'marketer', 'operator');
  const checks = {
    allowedSenders: config.mailFromAllowed ?? allowedSenders(config.MAIL_FROM ?? DEFAULT_MAIL_FROM),
  };

  const getOr404 = async (key: string): Promise<SequenceRecord> => {
    const record = await sequences.get(key);
    if (!record) throw notFound(`sequence ${key}`);
    return record;
  };

  router.post('/sequences', writers, async (req, res) => {
    const checked = validateSequence(req.body, templateCatalogue, checks);
    if (!checked.ok) return invalidDefinition(res, checked.problems, checked.warnings);
    const { definition } = checked;
    const created = await db.transaction(async (trx) => {
      if (!(await new SequenceStore(trx).create(definition))) return false;
      await new AuditLog(trx).record({
        ...actorOf(req),
        action: 'sequence.created',
        subjectType: 'sequence',
        subjectId: definition.key,
        details: { version: 1, warnings: checked.warnings.length },
      });
      return true;
    });
    if (!created)
      throw conflict(
        `a sequence with key ${definition.key} already exists; PUT /v1/sequences/${definition.key} stores a new version`,
      );
    const record = await getOr404(definition.key);
    res
      .status(201)
      .location(`/v1/sequences/${record.key}`)
      .json({
        ...presentSequence(record),
        versions: await sequences.listVersions(record.key),
        warnings: checked.warnings,
      });
  });

  router.get('/sequences', async (req, res) => {
    const query = parseOr400(listSequencesQuery, req.query, 'query');
    const list = await sequences.list(query.includeArchived === 'true');
    res.json({ sequences: list.map(presentSequence) });
  });

  router.get('/sequences/:key', async (req, res) => {
    const record = await getOr404(parseOr400(sequenceKeyParam, req.params.key, 'path'));
    res.json({ ...presentSequence(record), versions: await sequences.listVersions(record.key) });
  });

  router.get('/sequences/:key/versions/:version', async (req, res) => {
    const key = parseOr400(sequenceKeyParam, req.params.key, 'path');
    const version = parseOr400(sequenceVersionParam, req.params.version, 'path');
    const record = await getOr404(key);
    const entry = await sequences.getVersionEntry(key, version);
    if (!entry) throw notFound(`version ${version} of sequence ${key}`);
    res.json({ key, ...entry, current: version === record.currentVersion });
  });

  router.put('/sequences/:key', writers, async (req, res) => {
    const key = parseOr400(sequenceKeyParam, req.params.key, 'path');
    const before = await getOr404(key);
    const checked = validateSequence(req.body, templateCatalogue, checks);
    if (!checked.ok) return invalidDefinition(res, checked.problems, checked.warnings);
    const { definition } = checked;
    if (definition.key !== key)
      throw badRequest('the key in the body must be the key in the path', [
        { path: 'key', message: `is '${definition.key}', but this is PUT /v1/sequences/${key}` },
      ]);
    const version = await db.transaction(async (trx) => {
      const added = await new SequenceStore(trx).addVersion(definition);
      if (added === undefined) return undefined;
      await new AuditLog(trx).record({
        ...actorOf(req),
        action: 'sequence.versioned',
        subjectType: 'sequence',
        subjectId: key,
        details: { version: added, previous: before.currentVersion, restored: before.archivedAt !== null },
      });
      return added;
    });
    // Deleted between the read and the write: nothing was stored.
    if (version === undefined) throw notFound(`sequence ${key}`);
    const record = await getOr404(key);
    const running = await enrollments.countActiveByVersion(key);
    const active = Object.values(running).reduce((a, b) => a + b, 0);
    res.json({
      ...presentSequence(record),
      versions: await sequences.listVersions(key),
      warnings: checked.warnings,
      runningEnrollments: {
        active,
        byVersion: running,
        note:
          active === 0
            ? `No enrollment is running; new enrollments start on version ${version}.`
            : `Running enrollments keep the version they started on (snapshotted at enrollment): ${active} ` +
              `still run on version ${Object.keys(running).join(', ')}. Only new enrollments use version ${version}.`,
      },
    });
  });

  const archive = async (req: Request, res: Response) => {
    const key = parseOr400(sequenceKeyParam, req.params.key, 'path');
    const before = await getOr404(key);
    if (before.archivedAt === null) {
      await db.transaction(async (trx) => {
        await new SequenceStore(trx).archive(key);
        await new AuditLog(trx).record({
          ...actorOf(req),
          action: 'sequence.archived',
          subjectType: 'sequence',
          subjectId: key,
          details: { version: before.currentVersion },
        });
      });
    }
    const record = await getOr404(key);
    const running = await enrollments.countActiveByVersion(key);
    const active = Object.values(running).reduce((a, b) => a + b, 0);
    res.json({
      ...presentSequence(record),
      alreadyArchived: before.archivedAt !== null,
      runningEnrollments: {
        active,
        byVersion: running,
        note: 'Archived: events no longer enroll anyone and hand enrollment is refused; running enrollments go on to their end.',
      },
    });
  };
  router.delete('/sequences/:key', writers, archive);
  router.post('/sequences/:key/archive', writers, archive);

  router.post('/sequences/:key/enrollments', writers, async (req, res) => {
    const key = parseOr400(sequenceKeyParam, req.params.key, 'path');
    const body = parseOr400(manualEnrollmentBody, req.body);
    const sequence = await getOr404(key);
    const contact = await contacts.getByExternalId(body.contactId);
    if (!contact) throw notFound(`contact ${body.contactId}`);
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
    if (!result.enrolled) throw conflict(`contact ${body.contactId} cannot enter sequence ${key}: ${result.reason}`);
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
  });

  router.post('/sequences/:key/enrollments/:contactId/exit', writers, async (req, res) => {
    const key = parseOr400(sequenceKeyParam, req.params.key, 'path');
    const contactId = parseOr400(externalId, req.params.contactId, 'path');
    const body = parseOr400(exitEnrollmentBody, req.body ?? {});
    await getOr404(key);
    const contact = await contacts.getByExternalId(contactId);
    if (!contact) throw notFound(`contact ${contactId}`);
    const latest = await enrollments.latest(contact.id, key);
    if (latest?.status !== 'active') throw notFound(`an active enrollment of contact ${contactId} in sequence ${key}`);
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
  });

  router.get('/contacts/:id/enrollments', async (req, res) => {
    const id = parseOr400(externalId, req.params.id, 'path');
    const contact = await contacts.getByExternalId(id);
    if (!contact) throw notFound(`contact ${id}`);
    const list = await enrollments.listForContact(contact.id);
    res.json({ contactId: contact.externalId, enrollments: await presentEnrollments(temporal, list) });
  });

  router.get('/sequences/:key/stats', async (req, res) => {
    const key = parseOr400(sequenceKeyParam, req.params.key, 'path');
    const query = parseOr400(sequenceStatsQuery, req.query, 'query');
    await getOr404(key);
    const from = query.from ? new Date(query.from) : undefined;
    const to = query.to ? new Date(query.to) : undefined;
    const result = await stats.forSequence(key, { ...(from ? { from } : {}), ...(to ? { to } : {}) });
    res.json({ sequenceKey: key, from: from ?? null, to: to ?? null, ...result });
  });

  return router;
}

function invalidDefinition(res: Response, problems: SequenceProblem[], warnings: SequenceProblem[]): void {
  res.status(400).json({ error: 'invalid sequence definition', problems, warnings });
}

export function presentSequence(r: SequenceRecord) {
  return {
    key: r.key,
    name: r.name,
    description: r.description,
    version: r.currentVersion,
    builtIn: r.builtIn,
    archived: r.archivedAt !== null,
    archivedAt: r.archivedAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    definition: r.definition,
  };
}
