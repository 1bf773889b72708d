import type { Request } from 'express';
import { z } from 'zod';
import { DEFAULT_MAIL_FROM } from '../../../config/config';
import { AuditLog } from '../../../db/stores/audit';
import { EnrollmentStore } from '../../../db/stores/enrollments';
import { SequenceStore } from '../../../db/stores/sequences';
import { SegmentStore } from '../../../db/stores/segments';
import { TopicStore } from '../../../db/stores/topics';
import { templateCatalogue } from '../../../services/templates';
import { allowedSenders } from '../../../domain/sequences/senders';
import { actorOf } from '../../auth';
import type { RouteDeps } from '../../deps';
import { badRequest, conflict, notFound } from '../../errors';
import { defineRoute, ok, r400, r403, r404, r409, WRITERS, type AnyRoute } from '../../registry';
import {
  checkDefinition,
  definitionWarnings,
  exampleDefinition,
  keyParams,
  listSequencesQuery,
  presentSequence,
  runningEnrollmentsResponse,
  sequenceBody,
  sequenceOr404,
  sequenceResponse,
  sequenceVersionParam,
  versionsResponse,
  warningsResponse,
} from './common';

const storedResponse = sequenceResponse.extend({ versions: versionsResponse });

/** Define, read, version and archive sequences. Running enrollments keep the version they started on. */
export function sequenceDefinitionRoutes({ db, config }: Pick<RouteDeps, 'db' | 'config'>): AnyRoute[] {
  const sequences = new SequenceStore(db);
  const segments = new SegmentStore(db);
  const enrollments = new EnrollmentStore(db);
  const checks = {
    allowedSenders: config.mailFromAllowed ?? allowedSenders(config.MAIL_FROM ?? DEFAULT_MAIL_FROM),
  };
  const getOr404 = (key: string) => sequenceOr404(sequences, key);
  const topics = new TopicStore(db);
  const lookups = {
    segmentKeys: () => segments.keys(),
    templates: () => templateCatalogue(db),
    topicKeys: async () => (await topics.list()).map((t) => t.key),
  };

  /** Active enrollments of the sequence, per version they started on. */
  async function running(key: string) {
    const byVersion = await enrollments.countActiveByVersion(key);
    return { active: Object.values(byVersion).reduce((a, b) => a + b, 0), byVersion };
  }

  /** Archives the sequence unless it already is, and answers with what still runs. */
  async function archive(key: string, req: Request) {
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
    return {
      ...presentSequence(await getOr404(key)),
      alreadyArchived: before.archivedAt !== null,
      runningEnrollments: {
        ...(await running(key)),
        note: 'Archived: events no longer enroll anyone and hand enrollment is refused; running enrollments go on to their end.',
      },
    };
  }

  const archiveRoute = {
    tag: 'Sequences',
    access: WRITERS,
    params: keyParams,
    response: sequenceResponse.extend({ alreadyArchived: z.boolean(), runningEnrollments: runningEnrollmentsResponse }),
    responses: { ...ok('archived'), ...r403, ...r404 },
  } as const;

  return [
    defineRoute({
      method: 'post',
      path: '/v1/sequences',
      summary: 'Define a sequence',
      description:
        'The definition is checked as a whole: a 400 `invalid sequence definition` lists every problem (naming the ' +
        'step) and the warnings. Warnings, such as a step nothing leads to, never block saving.',
      tag: 'Sequences',
      access: WRITERS,
      body: sequenceBody,
      before: [checkDefinition(checks, lookups)],
      response: storedResponse.extend({ warnings: warningsResponse }),
      responses: { '201': 'created', ...r400, ...r403, ...r409 },
      example: { body: exampleDefinition },
      handler: async ({ body: definition }, req, res) => {
        const warnings = definitionWarnings(res);
        const created = await db.transaction(async (trx) => {
          if (!(await new SequenceStore(trx).create(definition))) return false;
          await new AuditLog(trx).record({
            ...actorOf(req),
            action: 'sequence.created',
            subjectType: 'sequence',
            subjectId: definition.key,
            details: { version: 1, warnings: warnings.length },
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
          .json({ ...presentSequence(record), versions: await sequences.listVersions(record.key), warnings });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sequences',
      summary: 'List sequences',
      tag: 'Sequences',
      access: 'any',
      query: listSequencesQuery,
      response: z.object({ sequences: z.array(sequenceResponse) }),
      responses: { ...ok('sequences'), ...r400 },
      handler: async ({ query }, _req, res) => {
        const list = await sequences.list(query.includeArchived === 'true');
        res.json({ sequences: list.map(presentSequence) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sequences/:key',
      summary: 'A sequence with its versions',
      tag: 'Sequences',
      access: 'any',
      params: keyParams,
      response: storedResponse,
      responses: { ...ok('the sequence'), ...r400, ...r404 },
      handler: async ({ params }, _req, res) => {
        const record = await getOr404(params.key);
        res.json({ ...presentSequence(record), versions: await sequences.listVersions(record.key) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sequences/:key/versions/:version',
      summary: 'One version of a sequence',
      tag: 'Sequences',
      access: 'any',
      params: keyParams.extend({ version: sequenceVersionParam }),
      response: z.object({
        key: z.string(),
        version: z.number().int(),
        definition: sequenceBody,
        createdAt: z.iso.datetime(),
        current: z.boolean(),
      }),
      responses: { ...ok('the version'), ...r400, ...r404 },
      handler: async ({ params: { key, version } }, _req, res) => {
        const record = await getOr404(key);
        const entry = await sequences.getVersionEntry(key, version);
        if (!entry) throw notFound(`version ${version} of sequence ${key}`);
        res.json({ key, ...entry, current: version === record.currentVersion });
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/sequences/:key',
      summary: 'Store a new version (running enrollments keep theirs)',
      description:
        'The body is the whole definition, checked as for POST /v1/sequences; its key must be the key in the path. ' +
        'A PUT to an archived sequence stores the version and restores the sequence.',
      tag: 'Sequences',
      access: WRITERS,
      params: keyParams,
      body: sequenceBody,
      before: [checkDefinition(checks, lookups)],
      response: storedResponse.extend({ warnings: warningsResponse, runningEnrollments: runningEnrollmentsResponse }),
      responses: { ...ok('the new version'), ...r400, ...r403, ...r404 },
      example: { body: { ...exampleDefinition, quietHours: { start: '20:00', end: '09:00' } } },
      handler: async ({ params: { key }, body: definition }, req, res) => {
        const before = await getOr404(key);
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
        const { active, byVersion } = await running(key);
        res.json({
          ...presentSequence(record),
          versions: await sequences.listVersions(key),
          warnings: definitionWarnings(res),
          runningEnrollments: {
            active,
            byVersion,
            note:
              active === 0
                ? `No enrollment is running; new enrollments start on version ${version}.`
                : `Running enrollments keep the version they started on (snapshotted at enrollment): ${active} ` +
                  `still run on version ${Object.keys(byVersion).join(', ')}. Only new enrollments use version ${version}.`,
          },
        });
      },
    }),
    defineRoute({
      ...archiveRoute,
      method: 'delete',
      path: '/v1/sequences/:key',
      summary: 'Archive a sequence',
      handler: async ({ params }, req, res) => {
        res.json(await archive(params.key, req));
      },
    }),
    defineRoute({
      ...archiveRoute,
      method: 'post',
      path: '/v1/sequences/:key/archive',
      summary: 'Archive a sequence',
      handler: async ({ params }, req, res) => {
        res.json(await archive(params.key, req));
      },
    }),
  ];
}
