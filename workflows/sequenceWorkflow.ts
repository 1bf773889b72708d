import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { getSendIdempotencyKey } from '../domain/ids';
import type { Step } from '../domain/sequences/definition';
import { chooseVariant } from '../domain/sequences/split';
import { evaluateCondition, matchesEvent } from '../domain/sequences/conditions';
import { parseDuration } from '../domain/sequences/duration';
import { nextLocalTime, quietHoursEnd } from '../domain/sequences/time';
import { contactIdKey, sequenceKeyKey } from './searchAttributes';
import type {
  ContactSnapshot,
  ProductEvent,
  SequenceOutcome,
  SequenceState,
  SequenceWorkflowInput,
  SequenceWorkflowResult,
} from './types';

type Activities = ReturnType<typeof createActivities>;

/** Reads and bookkeeping against the database: quick, retried until the database answers. */
const db = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Email sends: retried with backoff for as long as the provider is down; permanent failures come back as a result. */
const mail = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export const eventSignal = defineSignal<[ProductEvent]>('event');
export const unsubscribeSignal = defineSignal('unsubscribe');
export const exitSignal = defineSignal<[{ reason?: string }]>('exit');
export const stateQuery = defineQuery<SequenceState>('state');

/** Past this many history events a run continues as new (about half a year of a weekly nurture), so a year-long weekly nurture stays bounded. */
const MAX_HISTORY_EVENTS = 500;
/** Events kept for a later waitFor; older ones are dropped first. */
const MAX_PENDING_EVENTS = 100;

/**
 * Runs one contact through one sequence definition: sends, waits, waits for events, branches and splits,
 * until the steps end, a goal event converts the contact, or they unsubscribe or are exited.
 * @remarks Sends go through the email outbox under an idempotency key of the workflow id and the step,
 * so retries and replays never mail twice. Continues as new before its history grows past ~500 events.
 */
export async function sequenceWorkflow(input: SequenceWorkflowInput): Promise<SequenceWorkflowResult> {
  const { definition, contactId } = input;
  const info = workflowInfo();
  const carry = input.carry;
  const enrollmentRunId = carry?.enrollmentRunId ?? info.firstExecutionRunId;
  const enrolledAt = carry?.enrolledAt ?? input.enrolledAt ?? new Date().toISOString();
  const steps = new Map<string, Step>(definition.steps.map((s) => [s.id, s]));
  const order = definition.steps.map((s) => s.id);

  let stepId: string | null = carry ? carry.stepId : (order[0] ?? null);
  const visits: Record<string, number> = { ...carry?.visits };
  let sends = carry?.sends ?? 0;
  let variant = carry?.variant;
  let lastEvent = carry?.lastEvent;
  const pending: ProductEvent[] = [...(carry?.pendingEvents ?? [])];
  let stop: { outcome: SequenceOutcome; reason?: string; revenue?: number } | undefined;
  let waitingFor: SequenceState['waitingFor'];

  setHandler(eventSignal, (event) => {
    if (stop) return;
    const goal = definition.goals.find((g) => matchesEvent(g, event));
    if (goal) {
      const raw = goal.revenueProperty ? Number(event.properties[goal.revenueProperty]) : NaN;
      stop = { outcome: 'converted', reason: `goal ${event.name}`, ...(Number.isFinite(raw) ? { revenue: raw } : {}) };
      return;
    }
    pending.push(event);
    if (pending.length > MAX_PENDING_EVENTS) pending.shift();
  });
  setHandler(unsubscribeSignal, () => {
    if (!stop && definition.exitOnUnsubscribe) stop = { outcome: 'unsubscribed', reason: 'unsubscribed' };
  });
  setHandler(exitSignal, ({ reason }) => {
    if (!stop) stop = { outcome: 'exited', reason: reason ?? 'exited by request' };
  });
  setHandler(stateQuery, () => ({
    sequenceKey: input.sequenceKey,
    sequenceVersion: input.sequenceVersion,
    status: stop ? stop.outcome : 'active',
    currentStep: stepId,
    ...(waitingFor ? { waitingFor } : {}),
    sends,
    ...(variant ? { variant } : {}),
    enrolledAt,
  }));

  if (!carry) {
    upsertSearchAttributes([
      { key: sequenceKeyKey, value: input.sequenceKey },
      { key: contactIdKey, value: contactId },
    ]);
    await db.recordEnrollment({
      sequenceKey: input.sequenceKey,
      sequenceVersion: input.sequenceVersion,
      contactId,
      workflowId: info.workflowId,
      runId: enrollmentRunId,
      enrolledAt,
    });
  }

  /** Sleeps until the time or until the enrollment stops; true if it stopped. */
  const sleepUntil = async (at: number, event?: string): Promise<boolean> => {
    const ms = at - Date.now();
    if (ms <= 0) return stop !== undefined;
    waitingFor = { ...(event ? { event } : {}), until: new Date(at).toISOString() };
    const stopped = await condition(() => stop !== undefined, ms);
    waitingFor = undefined;
    return stopped;
  };

  let contact: ContactSnapshot | undefined;
  const freshContact = async () => (contact = await db.getContact(contactId));

  while (stepId !== null && !stop) {
    const now = workflowInfo();
    if (now.historyLength > MAX_HISTORY_EVENTS || now.continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof sequenceWorkflow>({
        ...input,
        carry: { enrollmentRunId, enrolledAt, stepId, visits, sends, variant, lastEvent, pendingEvents: pending },
      });
    }
    const step = steps.get(stepId);
    if (!step) throw new Error(`step ${stepId} is not in sequence ${input.sequenceKey}`);
    const following = order[order.indexOf(step.id) + 1] ?? null;
    visits[step.id] = (visits[step.id] ?? 0) + 1;

    switch (step.type) {
      case 'send': {
        const c = await freshContact();
        if (definition.quietHours) {
          const end = quietHoursEnd(Date.now(), definition.quietHours, c.timezone);
          if (end !== undefined && (await sleepUntil(end))) break;
        }
        for (;;) {
          const result = await mail.sendEmail({
            idempotencyKey: getSendIdempotencyKey(info.workflowId, enrollmentRunId, step.id, visits[step.id]!),
            contactId,
            template: step.template,
            subject: step.subject,
            ...(step.from ? { from: step.from } : {}),
            marketing: definition.category === 'marketing',
            workflowId: info.workflowId,
            stepId: step.id,
            sequenceKey: input.sequenceKey,
            ...(variant ? { variant } : {}),
            vars: { event: lastEvent?.properties ?? {}, trigger: input.trigger.properties },
          });
          if (result.status !== 'deferred') {
            if (result.status === 'sent' || result.status === 'duplicate') sends++;
            else log.warn('email not sent', { step: step.id, ...result });
            break;
          }
          // Over the frequency cap: the send waits for the window to free up; it is never dropped.
          if (await sleepUntil(Math.max(Date.parse(result.retryAt), Date.now() + 60_000))) break;
        }
        stepId = step.next ?? following;
        break;
      }
      case 'wait': {
        const until = step.duration
          ? Date.now() + parseDuration(step.duration)
          : nextLocalTime(Date.now(), step.until!, (contact ?? (await freshContact())).timezone);
        await sleepUntil(until);
        stepId = step.next ?? following;
        break;
      }
      case 'waitFor': {
        const routes = [
          { event: step.event, ...(step.where ? { where: step.where } : {}), next: step.onEvent },
          ...(step.otherEvents ?? []),
        ];
        // The first pending event that any route accepts; an event that came earlier in this enrollment
        // counts, so it is not lost because it came before the step that waits for it.
        const firstMatch = () => {
          for (const [index, event] of pending.entries()) {
            const route = routes.find((r) => matchesEvent(r, event));
            if (route) return { index, route };
          }
          return undefined;
        };
        let found = firstMatch();
        if (!found) {
          const deadline = Date.now() + parseDuration(step.timeout);
          waitingFor = { event: routes.map((r) => r.event).join(' or '), until: new Date(deadline).toISOString() };
          await condition(() => stop !== undefined || firstMatch() !== undefined, deadline - Date.now());
          waitingFor = undefined;
          found = firstMatch();
        }
        if (stop) break;
        if (found) {
          lastEvent = pending.splice(found.index, 1)[0];
          stepId = found.route.next;
        } else {
          stepId = step.onTimeout;
        }
        break;
      }
      case 'branch': {
        const c = await freshContact();
        const ctx = {
          traits: c.traits,
          contact: { id: c.id, email: c.email, timezone: c.timezone },
          trigger: input.trigger,
          ...(lastEvent ? { event: lastEvent } : {}),
        };
        stepId = evaluateCondition(step.condition, ctx) ? step.then : step.else;
        break;
      }
      case 'split': {
        const chosen = chooseVariant(step.variants, `${input.sequenceKey}:${contactId}:${step.id}`);
        variant = chosen.key;
        await db.updateEnrollment({ workflowId: info.workflowId, variant });
        stepId = chosen.next;
        break;
      }
      case 'goto':
        stepId = step.target;
        break;
      case 'exit':
        // A planned end of the sequence; 'exited' is for enrollments ended from outside.
        stop = { outcome: 'completed', reason: step.reason ?? `exit step ${step.id}` };
        break;
    }
  }

  const outcome: SequenceOutcome = stop?.outcome ?? 'completed';
  await condition(allHandlersFinished);
  await db.updateEnrollment({
    workflowId: info.workflowId,
    status: outcome,
    currentStep: null,
    ...(stop?.reason ? { exitReason: stop.reason } : {}),
    ...(stop?.revenue !== undefined ? { revenue: stop.revenue } : {}),
  });
  return {
    outcome,
    sends,
    ...(variant ? { variant } : {}),
    ...(stop?.revenue !== undefined ? { revenue: stop.revenue } : {}),
    ...(stop?.reason ? { reason: stop.reason } : {}),
  };
}
