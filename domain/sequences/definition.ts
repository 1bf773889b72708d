import { z } from 'zod';
import { CHANNELS } from '../messages';

/** ISO-8601 duration such as PT24H, P7D or P1DT12H (years and months are not fixed lengths, so not accepted). */
export const isoDuration = z
  .string()
  .regex(
    /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/,
    'must be an ISO-8601 duration like PT24H or P7D',
  )
  .refine((v) => v !== 'P' && !v.endsWith('T'), 'must be an ISO-8601 duration like PT24H or P7D');

/** A local time of day, HH:MM on a 24-hour clock. */
export const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day like 09:00');

const stepId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, _ and -');

export const comparisonOps = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'notExists'] as const;

/**
 * A condition written as data, never evaluated as code. `field` is a dotted path into the evaluation
 * context: `traits.plan`, `event.properties.amount`, `trigger.properties.source`, `contact.timezone`.
 */
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: string; op: (typeof comparisonOps)[number]; value?: unknown };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
    z
      .object({
        field: z
          .string()
          .regex(
            /^(traits|event|trigger|contact)(\.[A-Za-z0-9_-]+)+$/,
            'must start with traits., event., trigger. or contact.',
          ),
        op: z.enum(comparisonOps),
        value: z.unknown().optional(),
      })
      .strict(),
  ]),
);

const base = { id: stepId, label: z.string().max(200).optional() };
/** Where to go next; by default the step that follows in the list (and the end of the sequence after the last). */
const next = stepId.optional();

export const sendStep = z
  .object({
    ...base,
    type: z.literal('send'),
    /** Email unless named: a text message, a signed POST to `url`, the in-app inbox, or a push to the contact's devices. */
    channel: z.enum(CHANNELS).optional(),
    /** Where a webhook step POSTs (https, or http on a private network when allowed). */
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .max(2000)
      .optional(),
    template: z.string().min(1).max(100),
    /** Overrides the template's subject. */
    subject: z.string().min(1).max(300).optional(),
    from: z.string().min(3).max(300).optional(),
    next,
  })
  .strict();

export const waitStep = z
  .object({
    ...base,
    type: z.literal('wait'),
    /** Wait this long... */
    duration: isoDuration.optional(),
    /** ...or until the next occurrence of this local time of day in the contact's timezone. */
    until: timeOfDay.optional(),
    next,
  })
  .strict()
  .refine((s) => (s.duration === undefined) !== (s.until === undefined), {
    message: 'a wait step needs exactly one of duration or until',
  });

export const waitForStep = z
  .object({
    ...base,
    type: z.literal('waitFor'),
    event: z.string().min(1).max(200),
    /** Only events whose properties match count, e.g. { field: 'event.properties.plan', op: 'eq', value: 'pro' }. */
    where: conditionSchema.optional(),
    timeout: isoDuration,
    onEvent: stepId,
    onTimeout: stepId,
    /** Other events that end the wait too, each leading elsewhere: whichever comes first wins. */
    otherEvents: z
      .array(z.object({ event: z.string().min(1).max(200), where: conditionSchema.optional(), next: stepId }).strict())
      .max(10)
      .optional(),
  })
  .strict();

export const branchStep = z
  .object({ ...base, type: z.literal('branch'), condition: conditionSchema, then: stepId, else: stepId })
  .strict();

export const splitStep = z
  .object({
    ...base,
    type: z.literal('split'),
    variants: z
      .array(z.object({ key: z.string().min(1).max(100), weight: z.number().positive(), next: stepId }).strict())
      .min(2),
  })
  .strict();

export const gotoStep = z.object({ ...base, type: z.literal('goto'), target: stepId }).strict();
export const exitStep = z.object({ ...base, type: z.literal('exit'), reason: z.string().max(200).optional() }).strict();

export const stepSchema = z.discriminatedUnion('type', [
  sendStep,
  waitStep,
  waitForStep,
  branchStep,
  splitStep,
  gotoStep,
  exitStep,
]);

export const eventMatcher = z.object({ event: z.string().min(1).max(200), where: conditionSchema.optional() }).strict();

const segmentKey = z.string().min(1).max(100);

/** A trigger: an event, or the contact entering a segment. */
export const triggerSchema = z.union([eventMatcher, z.object({ segmentEntered: segmentKey }).strict()]);

/** An exit: an event, or the contact leaving a segment. */
export const exitSchema = z.union([eventMatcher, z.object({ segmentLeft: segmentKey }).strict()]);

export const sequenceDefinitionSchema = z
  .object({
    key: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and -'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    /** marketing mail carries unsubscribe headers and counts towards the frequency cap; transactional does not. */
    category: z.enum(['marketing', 'transactional']).default('marketing'),
    /** The topic the sequence's email is sent under: a contact who left it gets none (marketing sequences need one). */
    topic: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, _ and -')
      .optional(),
    /** Events, or entering a segment, that enroll a contact. */
    triggers: z.array(triggerSchema).default([]),
    /** Events that end the enrollment as a conversion; revenue is read from an event property. */
    goals: z.array(eventMatcher.extend({ revenueProperty: z.string().max(100).optional() }).strict()).default([]),
    /**
     * Events, or leaving a segment, that end the enrollment as exited. No default: a definition stored without it
     * stays byte for byte what it was, and so does every workflow input made from it.
     */
    exits: z.array(exitSchema).max(20).optional(),
    reentry: z
      .object({ mode: z.enum(['never', 'always', 'after']), after: isoDuration.optional() })
      .strict()
      .refine((r) => (r.mode === 'after') === (r.after !== undefined), {
        message: "'after' is required with mode 'after' and only then",
      })
      .default({ mode: 'never' }),
    /** No email is sent between start and end in the contact's timezone; a send waits for the end. */
    quietHours: z.object({ start: timeOfDay, end: timeOfDay }).strict().optional(),
    exitOnUnsubscribe: z.boolean().default(true),
    /** A share of enrollees (up to half) held out as a control group: enrolled and counted, never messaged. */
    holdout: z.number().min(0).max(0.5).optional(),
    /** Our open pixel and click redirect in this sequence's email; on unless false. */
    tracking: z.boolean().optional(),
    steps: z.array(stepSchema).min(1),
  })
  .strict();

export type SequenceDefinition = z.infer<typeof sequenceDefinitionSchema>;
export type SequenceDefinitionInput = z.input<typeof sequenceDefinitionSchema>;
export type Step = z.infer<typeof stepSchema>;
export type SendStep = z.infer<typeof sendStep>;
export type EventMatcher = z.infer<typeof eventMatcher>;
export type Trigger = z.infer<typeof triggerSchema>;
export type SequenceExit = z.infer<typeof exitSchema>;

/** The segment keys a definition's triggers and exits name, each once, in the order they appear. */
export function segmentsNamed(definition: Pick<SequenceDefinition, 'triggers' | 'exits'>): string[] {
  const keys = [
    ...definition.triggers.map((t) => ('segmentEntered' in t ? t.segmentEntered : undefined)),
    ...(definition.exits ?? []).map((x) => ('segmentLeft' in x ? x.segmentLeft : undefined)),
  ];
  return [...new Set(keys.filter((k): k is string => k !== undefined))];
}
