import type { z } from 'zod';
import { eventMatcherOf } from './conditions';
import { sequenceDefinitionSchema, type Condition, type SequenceDefinition } from './definition';
import { parseDuration } from './duration';
import { loopsWithoutWait, unreachableSteps } from './flowChecks';
import { stepEdges } from './graph';
import type { SequenceProblem } from './problems';
import { senderProblem } from './senders';
import { parseTimeOfDay } from './time';
import { CHANNEL_FORMATS } from '../messages';

export type { SequenceProblem } from './problems';

/**
 * The outcome of validating a definition. Warnings never block saving: they point at things that are legal but
 * probably not meant, such as a step nothing leads to.
 */
export type SequenceValidation =
  | { ok: true; definition: SequenceDefinition; warnings: SequenceProblem[] }
  | { ok: false; problems: SequenceProblem[]; warnings: SequenceProblem[] };

/** The email templates a definition may name, and a check of its subject lines against the template engine. */
export interface TemplateCatalogue {
  has(template: string): boolean;
  /** Every template id, sorted, so that a step naming an unknown one can be told the choices. */
  ids?(): readonly string[];
  /** The template's format (mjml, html, text, json): a step's channel sends only some. */
  format?(template: string): string | undefined;
  /** Why a subject line could never render, or undefined when it can. */
  subjectProblem?(subject: string): string | undefined;
  /**
   * The templates declared transactional, sorted: the only ones a transactional sequence may send. Without it no
   * template is, so no transactional sequence passes.
   */
  transactional?(): readonly string[];
}

/** What the deployment allows besides the templates. */
export interface SequenceValidationOptions {
  /**
   * The senders a step's `from` may name: whole addresses and `@domain` entries, lower-cased (MAIL_FROM_ALLOWED).
   * Without it no step may name a sender, and every email goes out from the default one.
   */
  allowedSenders?: readonly string[];
  /**
   * The keys of the segments that exist, sorted: a trigger's `segmentEntered` or an exit's `segmentLeft` must name
   * one. Without it segment keys are not checked (nothing to check them against, as when built-ins are installed).
   */
  segments?: readonly string[];
  /**
   * The keys of the topics that exist, sorted: a marketing sequence must name one, so a person who leaves that
   * topic gets none of its mail. Without it topics are not checked (as when built-ins are installed).
   */
  topics?: readonly string[];
}

/**
 * Parses and checks a sequence definition: the schema first, then what a schema cannot say: step ids unique,
 * every reference resolving, templates known (and transactional in a transactional sequence), subjects that
 * render, senders allowed, no loop that can spin without waiting, goals and exits distinct from triggers, segments
 * that exist (when `options.segments` lists them), and settings that agree with each other. Unreachable steps are warnings.
 */
export function validateSequence(
  input: unknown,
  knownTemplates: TemplateCatalogue,
  options: SequenceValidationOptions = {},
): SequenceValidation {
  const parsed = sequenceDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, problems: zodProblems(parsed.error.issues, input), warnings: [] };
  }
  const definition = parsed.data;
  const problems: SequenceProblem[] = [];
  const warnings: SequenceProblem[] = [];
  const { steps } = definition;
  const label = (i: number): string => `step '${steps[i]?.id ?? '?'}'`;
  // Transactional mail skips unsubscribe and the frequency cap, so only templates declared transactional qualify.
  const transactional = definition.category === 'transactional' ? (knownTemplates.transactional?.() ?? []) : [];

  problems.push(...topicProblems(definition, options.topics));

  const indexOf = new Map<string, number>();
  steps.forEach((step, i) => {
    const first = indexOf.get(step.id);
    if (first !== undefined) {
      problems.push({ path: `steps.${i}.id`, message: `${label(i)}: the id is already used by steps.${first}` });
    } else {
      indexOf.set(step.id, i);
    }
  });

  steps.forEach((step, i) => {
    for (const edge of stepEdges(steps, i)) {
      if (edge.field !== undefined && !indexOf.has(edge.to)) {
        problems.push({
          path: `steps.${i}.${edge.field}`,
          message: `${label(i)} leads to '${edge.to}', which is no step`,
        });
      }
    }
    if (step.type === 'send' && !knownTemplates.has(step.template)) {
      problems.push({
        path: `steps.${i}.template`,
        message: `${label(i)}: there is no email template '${step.template}'${templateChoices(definition, knownTemplates)}`,
      });
    } else if (
      step.type === 'send' &&
      definition.category === 'transactional' &&
      !transactional.includes(step.template)
    ) {
      problems.push({
        path: `steps.${i}.template`,
        message:
          `${label(i)}: '${step.template}' is a marketing template, and a transactional sequence may send only ` +
          `transactional templates: ${transactional.length > 0 ? transactional.join(', ') : 'there are none'}. ` +
          `Make the sequence marketing to send it.`,
      });
    }
    if (step.type === 'send') problems.push(...channelProblems(step, `steps.${i}`, label(i), knownTemplates));
    const fromProblem =
      step.type === 'send' && step.from !== undefined
        ? senderProblem(step.from, options.allowedSenders ?? [])
        : undefined;
    if (fromProblem) problems.push({ path: `steps.${i}.from`, message: `${label(i)}: ${fromProblem}` });
    const subjectProblem =
      step.type === 'send' && step.subject !== undefined ? knownTemplates.subjectProblem?.(step.subject) : undefined;
    if (subjectProblem) {
      problems.push({
        path: `steps.${i}.subject`,
        message: `${label(i)}: the subject cannot be rendered: ${subjectProblem}`,
      });
    }
    if (step.type === 'split') {
      const seen = new Set<string>();
      step.variants.forEach((v, k) => {
        if (seen.has(v.key)) {
          problems.push({
            path: `steps.${i}.variants.${k}.key`,
            message: `${label(i)}: variant key '${v.key}' is used twice, so results could not tell the variants apart`,
          });
        }
        seen.add(v.key);
      });
    }
  });

  // With two steps of one id, every edge to that id is ambiguous; the graph checks would only add noise.
  if (indexOf.size === steps.length) {
    problems.push(...loopsWithoutWait(steps, indexOf));
    warnings.push(...unreachableSteps(steps, indexOf));
  }
  checkGoals(definition, problems, warnings);
  checkExits(definition, problems, warnings);
  if (options.segments) checkSegments(definition, options.segments, problems);
  checkSettings(definition, problems, warnings);

  return problems.length > 0 ? { ok: false, problems, warnings } : { ok: true, definition, warnings };
}

// The templates a send step of this sequence may name, as the tail of an error; empty when the catalogue cannot list them.
function templateChoices(definition: SequenceDefinition, catalogue: TemplateCatalogue): string {
  if (definition.category === 'transactional') {
    const allowed = catalogue.transactional?.() ?? [];
    return `; a transactional sequence may send: ${allowed.length > 0 ? allowed.join(', ') : 'no template'}`;
  }
  const ids = catalogue.ids?.();
  return ids && ids.length > 0 ? `; the templates are: ${ids.join(', ')}` : '';
}

function checkGoals(definition: SequenceDefinition, problems: SequenceProblem[], warnings: SequenceProblem[]): void {
  definition.goals.forEach((goal, g) => {
    definition.triggers.map(eventMatcherOf).forEach((trigger, t) => {
      if (goal.event !== trigger.event) return;
      if (goal.where === undefined || sameCondition(goal.where, trigger.where)) {
        problems.push({
          path: `goals.${g}.event`,
          message: `goal '${goal.event}' is met by the very event that enrolls the contact (triggers.${t}), so every enrollment would convert at once`,
        });
      } else {
        warnings.push({
          path: `goals.${g}.where`,
          message: `goal '${goal.event}' is also a trigger (triggers.${t}); make sure the two conditions exclude each other`,
        });
      }
    });
  });
}

// An exit met by the event that enrolls would end every enrollment as it starts: the trigger goes through the same
// check as every later event.
function checkExits(definition: SequenceDefinition, problems: SequenceProblem[], warnings: SequenceProblem[]): void {
  (definition.exits ?? []).forEach((exit, x) => {
    const matcher = eventMatcherOf(exit);
    const field = 'segmentLeft' in exit ? 'segmentLeft' : 'event';
    definition.triggers.map(eventMatcherOf).forEach((trigger, t) => {
      if (matcher.event !== trigger.event) return;
      if (matcher.where === undefined || sameCondition(matcher.where, trigger.where)) {
        problems.push({
          path: `exits.${x}.${field}`,
          message: `exit '${matcher.event}' is met by the very event that enrolls the contact (triggers.${t}), so every enrollment would end at once`,
        });
      } else {
        warnings.push({
          path: `exits.${x}`,
          message: `exit '${matcher.event}' is also a trigger (triggers.${t}); make sure the two conditions exclude each other`,
        });
      }
    });
  });
}

function checkSegments(definition: SequenceDefinition, segments: readonly string[], problems: SequenceProblem[]): void {
  const known = new Set(segments);
  const choices = segments.length > 0 ? `the segments are: ${segments.join(', ')}` : 'there is no segment yet';
  const refuse = (path: string, key: string) =>
    problems.push({ path, message: `there is no segment '${key}'; ${choices}` });
  definition.triggers.forEach((trigger, t) => {
    if ('segmentEntered' in trigger && !known.has(trigger.segmentEntered))
      refuse(`triggers.${t}.segmentEntered`, trigger.segmentEntered);
  });
  (definition.exits ?? []).forEach((exit, x) => {
    if ('segmentLeft' in exit && !known.has(exit.segmentLeft)) refuse(`exits.${x}.segmentLeft`, exit.segmentLeft);
  });
}

function checkSettings(definition: SequenceDefinition, problems: SequenceProblem[], warnings: SequenceProblem[]): void {
  const { reentry, quietHours, steps } = definition;
  if (reentry.mode === 'after' && reentry.after !== undefined && parseDuration(reentry.after) === 0) {
    problems.push({
      path: 'reentry.after',
      message: "a zero re-entry delay is mode 'always'; say so, or give a delay",
    });
  }
  if (reentry.mode !== 'never' && definition.triggers.length === 0) {
    warnings.push({
      path: 'reentry',
      message: 're-entry only applies to enrollment by trigger, and there is no trigger',
    });
  }
  if (definition.category === 'marketing' && !definition.exitOnUnsubscribe) {
    problems.push({
      path: 'exitOnUnsubscribe',
      message: 'a marketing sequence must end when the contact unsubscribes',
    });
  }
  if (quietHours === undefined) return;
  const start = minutes(quietHours.start);
  const end = minutes(quietHours.end);
  if (start === end) {
    problems.push({ path: 'quietHours', message: 'quiet hours start and end at the same time; remove them instead' });
    return;
  }
  if (definition.category === 'transactional') {
    warnings.push({
      path: 'quietHours',
      message: 'transactional mail is usually expected at once, but quiet hours hold it back',
    });
  }
  steps.forEach((step, i) => {
    if (step.type !== 'wait' || step.until === undefined) return;
    const t = minutes(step.until);
    const quiet = start < end ? t >= start && t < end : t >= start || t < end;
    if (quiet) {
      warnings.push({
        path: `steps.${i}.until`,
        message: `step '${step.id}' waits until ${step.until}, inside quiet hours ${quietHours.start}-${quietHours.end}, so what follows is held until ${quietHours.end}`,
      });
    }
  });
}

function minutes(hhmm: string): number {
  const { hour, minute } = parseTimeOfDay(hhmm);
  return hour * 60 + minute;
}

function sameCondition(a: Condition | undefined, b: Condition | undefined): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

type Issue = z.core.$ZodIssue;

/**
 * zod reports a failed union as one "Invalid input" with every alternative's issues inside. The alternative with
 * the fewest issues (preferring one whose keys all fit) is almost always the one the author meant, so its issues
 * are reported instead, at their full path.
 */
function zodProblems(issues: readonly Issue[], input: unknown): SequenceProblem[] {
  const out: SequenceProblem[] = [];
  const walk = (list: readonly Issue[], prefix: PropertyKey[]): void => {
    for (const issue of list) {
      const path = [...prefix, ...issue.path];
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        const best = [...issue.errors].sort((a, b) => score(a) - score(b))[0] as Issue[];
        walk(best, path);
        continue;
      }
      out.push({ path: path.map(String).join('.'), message: withStepId(path, issue.message, input) });
    }
  };
  walk(issues, []);
  return out;
}

function score(branch: readonly Issue[]): number {
  const misfit = branch.some(
    (i) => (i.code === 'unrecognized_keys' || i.code === 'invalid_type') && i.path.length === 0,
  );
  return (misfit ? 1000 : 0) + branch.length;
}

function withStepId(path: readonly PropertyKey[], message: string, input: unknown): string {
  if (path[0] !== 'steps' || typeof path[1] !== 'number') return message;
  const steps = (input as { steps?: unknown } | null)?.steps;
  const id = Array.isArray(steps) ? (steps[path[1]] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' ? `step '${id}': ${message}` : message;
}

/** A marketing sequence names a topic that exists; a transactional one may name one. */
function topicProblems(definition: SequenceDefinition, topics: readonly string[] | undefined): SequenceProblem[] {
  if (!topics) return [];
  const choices = `the topics are: ${topics.length > 0 ? topics.join(', ') : 'none yet (POST /v1/topics)'}`;
  if (definition.topic === undefined) {
    return definition.category === 'marketing'
      ? [{ path: 'topic', message: `a marketing sequence must name the topic its email is sent under; ${choices}` }]
      : [];
  }
  return topics.includes(definition.topic)
    ? []
    : [{ path: 'topic', message: `there is no topic '${definition.topic}'; ${choices}` }];
}

/** What a send step's channel needs: a URL for a webhook and only there, a sender only for email, a template it sends. */
function channelProblems(
  step: Extract<SequenceDefinition['steps'][number], { type: 'send' }>,
  path: string,
  label: string,
  knownTemplates: TemplateCatalogue,
): SequenceProblem[] {
  const channel = step.channel ?? 'email';
  const problems: SequenceProblem[] = [];
  if (channel === 'webhook' && step.url === undefined) {
    problems.push({ path: `${path}.url`, message: `${label}: a webhook step needs the url it POSTs to` });
  }
  if (channel !== 'webhook' && step.url !== undefined) {
    problems.push({
      path: `${path}.url`,
      message: `${label}: only a webhook step has a url (this one sends ${channel})`,
    });
  }
  if (channel !== 'email' && step.from !== undefined) {
    problems.push({
      path: `${path}.from`,
      message: `${label}: only an email has a sender (this step sends ${channel})`,
    });
  }
  const format = knownTemplates.has(step.template) ? knownTemplates.format?.(step.template) : undefined;
  if (format !== undefined && !CHANNEL_FORMATS[channel].includes(format)) {
    problems.push({
      path: `${path}.template`,
      message:
        `${label}: '${step.template}' is a ${format} template, and ${channel} sends ` +
        `${CHANNEL_FORMATS[channel].join(' or ')} templates`,
    });
  }
  return problems;
}
