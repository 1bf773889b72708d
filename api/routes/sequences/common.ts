import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { SequenceRecord, SequenceStore } from '../../../db/stores/sequences';
import { segmentsNamed, sequenceDefinitionSchema } from '../../../domain/sequences/definition';
import {
  validateSequence,
  type SequenceProblem,
  type SequenceValidationOptions,
  type TemplateCatalogue,
} from '../../../domain/sequences/validate';
import { notFound } from '../../errors';
import { externalId } from '../contacts';

/** The body of POST /v1/sequences and PUT /v1/sequences/:key: a sequence definition. */
export const sequenceBody = sequenceDefinitionSchema;

export const sequenceKeyParam = z.string().trim().min(1).max(100);

export const sequenceVersionParam = z.coerce.number().int().positive().max(1_000_000);

export const keyParams = z.object({ key: sequenceKeyParam });

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

const problem = z.object({ path: z.string(), message: z.string() });

/** A sequence as every sequence route answers it. */
export const sequenceResponse = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  /** The current version: what new enrollments start on. */
  version: z.number().int(),
  builtIn: z.boolean(),
  archived: z.boolean(),
  archivedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  definition: sequenceDefinitionSchema,
});

export const versionsResponse = z.array(z.object({ version: z.number().int(), createdAt: z.iso.datetime() }));

/** What a change to a sequence says about the enrollments still running on earlier versions. */
export const runningEnrollmentsResponse = z.object({
  active: z.number().int(),
  /** Active enrollments per version they started on. */
  byVersion: z.record(z.string(), z.number().int()),
  note: z.string(),
});

export const warningsResponse = z.array(problem);

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

export async function sequenceOr404(sequences: SequenceStore, key: string): Promise<SequenceRecord> {
  const record = await sequences.get(key);
  if (!record) throw notFound(`sequence ${key}`);
  return record;
}

/** What a definition is checked against besides the configuration: what is stored now. */
export interface DefinitionLookups {
  segmentKeys: () => Promise<string[]>;
  templates: () => Promise<TemplateCatalogue>;
  topicKeys: () => Promise<string[]>;
}

/**
 * Checks a definition with the sequence language's own validator before the route's schema sees it: its problems
 * name the step (`step 'pause': must be an ISO-8601 duration`), pick the likely step type out of a union, and come
 * with the warnings, as `400 invalid sequence definition`. A valid body goes on as the parsed definition. The
 * segments are read only for a definition that names one, so other sequences never wait on that read.
 */
export function checkDefinition(checks: SequenceValidationOptions, lookups: DefinitionLookups): RequestHandler {
  return async (req, res, next) => {
    const parsed = sequenceDefinitionSchema.safeParse(req.body);
    const segments = parsed.success && segmentsNamed(parsed.data).length > 0 ? await lookups.segmentKeys() : undefined;
    const [templates, topics] = await Promise.all([lookups.templates(), lookups.topicKeys()]);
    const checked = validateSequence(req.body, templates, { ...checks, topics, ...(segments ? { segments } : {}) });
    if (!checked.ok) {
      res
        .status(400)
        .json({ error: 'invalid sequence definition', problems: checked.problems, warnings: checked.warnings });
      return;
    }
    req.body = checked.definition;
    res.locals.sequenceWarnings = checked.warnings;
    next();
  };
}

/** The warnings `checkDefinition` found in the definition this request stores. */
export const definitionWarnings = (res: Response) => (res.locals.sequenceWarnings ?? []) as SequenceProblem[];

/** A realistic definition for the reference: a trial's welcome, then a nudge unless it acts within two days. */
export const exampleDefinition = {
  key: 'trial-activation',
  name: 'Trial activation',
  description: 'Welcome a new trial and nudge it towards its first note',
  topic: 'onboarding',
  triggers: [{ event: 'trial_started' }],
  goals: [{ event: 'subscribed', revenueProperty: 'amount' }],
  quietHours: { start: '21:00', end: '08:00' },
  steps: [
    { id: 'welcome', type: 'send', template: 'welcome', subject: 'Welcome to {{product_name}}' },
    {
      id: 'first-note',
      type: 'waitFor',
      event: 'note_created',
      timeout: 'P2D',
      onEvent: 'done',
      onTimeout: 'tip',
    },
    { id: 'tip', type: 'send', template: 'first_action', subject: 'Quick tip to get started' },
    { id: 'done', type: 'exit', reason: 'activated' },
  ],
};
