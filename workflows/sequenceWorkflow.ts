import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { getSendIdempotencyKey } from '../domain/ids';
import type { Step } from '../domain/sequences/definition';
import { chooseVariant, inHoldout } from '../domain/sequences/split';
import { evaluateCondition, matchesEvent } from '../domain/sequences/conditions';
import { parseDuration } from '../domain/sequences/duration';
import { nextLocalTime, quietHoursEnd } from '../domain/sequences/time';
import { DATABASE_ACTIVITY, LOOKUP_ACTIVITY, SEND_ACTIVITY } from './activityOptions';
import { contactIdKey, sequenceKeyKey } from './searchAttributes';
import { eventSignal, exitSignal, stateQuery, unsubscribeSignal, type SequenceWorkflow } from './sequenceMessages';
import type {
  ContactSnapshot,
  ProductEvent,
  SendEmailResult,
  SequenceCarry,
  SequenceOutcome,
  SequenceState,
  SequenceWorkflowInput,
  SequenceWorkflowResult,
} from './types';

type Activities = ReturnType<typeof createActivities>;

const db = proxyActivities<Activities>(DATABASE_ACTIVITY);
const mail = proxyActivities<Activities>(SEND_ACTIVITY);
const lookup = proxyLocalActivities<Activities>(LOOKUP_ACTIVITY);

export { eventSignal, exitSignal, stateQuery, unsubscribeSignal } from './sequenceMessages';

/**
 * One activity per send (it reads the contact, keeps quiet hours and sends), reads as local activities, the
 * enrollment row and search attributes written by whoever starts the run, and continue-as-new while waiting too:
 * a send step costs 6 history events instead of 12, and local-time arithmetic leaves the workflow, so replay no
 * longer depends on the runtime's time-zone data. Runs started before this keep the old path.
 */
export const LEAN_SEND_PATH_PATCH = 'lean-send-path';

/** Past this many history events a run continues as new (about half a year of a weekly nurture). */
const MAX_HISTORY_EVENTS = 500;
/** Events kept for a later waitFor; older ones are dropped first. */
const MAX_PENDING_EVENTS = 100;

/**
 * Runs one contact through one sequence definition: sends, waits, waits for events, branches and splits,
 * until the steps end, a goal event converts the contact, an exit event (or leaving a segment) exits them, or they
 * unsubscribe or are exited.
 * @remarks Sends go through the email outbox under an idempotency key of the workflow id and the step,
 * so retries and replays never mail twice. Continues as new before its history grows past ~500 events, between
 * steps and in the middle of a wait (an enrollment asleep for days can be sent thousands of events).
 */
export const sequenceWorkflow: SequenceWorkflow = async function sequenceWorkflow(
  input: SequenceWorkflowInput,
): Promise<SequenceWorkflowResult> {
  const { definition, contactId } = input;
  const info = workflowInfo();
  const lean = patched(LEAN_SEND_PATH_PATCH);
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
  // A run that continued as new in the middle of a step resumes that step's wait, on the same visit.
  let resume = carry?.resumeUntil !== undefined ? Date.parse(carry.resumeUntil) : undefined;
  let stop: { outcome: SequenceOutcome; reason?: string; revenue?: number } | undefined;
  // The control group walks the steps like everyone else, so its goals are measured over the same time, but is sent
  // nothing. The API recorded the enrollment as held out by the same rule. Like `tracking` and `exits` below, this
  // reads a field that earlier releases' strict schema refused (holdout and tracking before 0.5.0, exits before
  // 0.6.0): a run they started has none, takes the path it took then, and replays without a patch marker
  // (test/workflows/replay.test.ts replays every release's histories). The same holds for 0.7.0's `topic` and a
  // send step without `subject`: the workflow only passes them to the send activity, whose command is the same, and
  // the activity reads the template's subject, the pinned template version and the topic (from the enrollment row).
  const heldOut = inHoldout(definition.holdout, input.sequenceKey, contactId);
  let waitingFor: SequenceState['waitingFor'];

  const onEvent = (event: ProductEvent) => {
    if (stop) return;
    const goal = definition.goals.find((g) => matchesEvent(g, event));
    if (goal) {
      const raw = goal.revenueProperty ? Number(event.properties[goal.revenueProperty]) : NaN;
      stop = { outcome: 'converted', reason: `goal ${event.name}`, ...(Number.isFinite(raw) ? { revenue: raw } : {}) };
      return;
    }
    // A goal is checked first: an event that both converts and exits converts. A definition without exits (every
    // run started before they existed, which the schema refused) never gets here with one, so old runs replay as
    // they ran.
    const exit = definition.exits?.find((x) => matchesEvent(x, event));
    if (exit) {
      stop = {
        outcome: 'exited',
        reason: 'segmentLeft' in exit ? `left segment ${exit.segmentLeft}` : `exit event ${event.name}`,
      };
      return;
    }
    pending.push(event);
    if (pending.length > MAX_PENDING_EVENTS) pending.shift();
  };
  setHandler(eventSignal, onEvent);
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
    // Version 2 starts carry the trigger in the input instead of a signal beside it.
    if (input.version >= 2) onEvent(input.trigger);
    if (!lean || !info.typedSearchAttributes.get(sequenceKeyKey)) {
      upsertSearchAttributes([
        { key: sequenceKeyKey, value: input.sequenceKey },
        { key: contactIdKey, value: contactId },
      ]);
    }
    if (!lean) {
      await db.recordEnrollment({
        sequenceKey: input.sequenceKey,
        sequenceVersion: input.sequenceVersion,
        contactId,
        workflowId: info.workflowId,
        runId: enrollmentRunId,
        enrolledAt,
      });
    }
  }

  const historyFull = (): boolean => {
    const now = workflowInfo();
    return now.historyLength > MAX_HISTORY_EVENTS || now.continueAsNewSuggested;
  };
  const continueHere = async (resumeUntil?: number): Promise<never> => {
    await condition(allHandlersFinished);
    const next: SequenceCarry = {
      enrollmentRunId,
      enrolledAt,
      stepId,
      visits,
      sends,
      variant,
      lastEvent,
      pendingEvents: pending,
      ...(resumeUntil !== undefined ? { resumeUntil: new Date(resumeUntil).toISOString() } : {}),
    };
    return continueAsNew<typeof sequenceWorkflow>({ ...input, carry: next });
  };

  /**
   * Sleeps until the time or until the enrollment stops; true if it stopped. On the lean path a history that
   * fills up while asleep (an event flood) continues as new, and the next run sleeps on to the same instant.
   */
  const sleepUntil = async (at: number, event?: string): Promise<boolean> => {
    const ms = at - Date.now();
    if (ms <= 0) return stop !== undefined;
    waitingFor = { ...(event ? { event } : {}), until: new Date(at).toISOString() };
    await condition(() => stop !== undefined || (lean && historyFull()), ms);
    waitingFor = undefined;
    if (!stop && lean && historyFull()) await continueHere(at);
    return stop !== undefined;
  };

  let contact: ContactSnapshot | undefined;
  const freshContact = async () => (contact = await (lean ? lookup : db).getContact(contactId));

  const send = (step: Extract<Step, { type: 'send' }>): Promise<SendEmailResult> =>
    mail.sendEmail({
      idempotencyKey: getSendIdempotencyKey(info.workflowId, enrollmentRunId, step.id, visits[step.id]!),
      contactId,
      ...(step.channel && step.channel !== 'email' ? { channel: step.channel } : {}),
      ...(step.url ? { url: step.url } : {}),
      template: step.template,
      subject: step.subject,
      ...(step.from ? { from: step.from } : {}),
      marketing: definition.category === 'marketing',
      workflowId: info.workflowId,
      stepId: step.id,
      sequenceKey: input.sequenceKey,
      ...(variant ? { variant } : {}),
      ...(lean && definition.quietHours ? { quietHours: definition.quietHours } : {}),
      ...(definition.tracking === false ? { tracking: false as const } : {}),
      vars: { event: lastEvent?.properties ?? {}, trigger: input.trigger.properties },
    });

  while (stepId !== null && !stop) {
    if (resume === undefined && historyFull()) await continueHere();
    const step = steps.get(stepId);
    if (!step) throw new Error(`step ${stepId} is not in sequence ${input.sequenceKey}`);
    const following = order[order.indexOf(step.id) + 1] ?? null;
    const resumeAt = resume;
    resume = undefined;
    if (resumeAt === undefined) visits[step.id] = (visits[step.id] ?? 0) + 1;

    switch (step.type) {
      case 'send': {
        if (heldOut) {
          stepId = step.next ?? following;
          break;
        }
        if (resumeAt !== undefined && (await sleepUntil(resumeAt))) break;
        if (!lean && definition.quietHours) {
          const c = await freshContact();
          const end = quietHoursEnd(Date.now(), definition.quietHours, c.timezone);
          if (end !== undefined && (await sleepUntil(end))) break;
        } else if (!lean) {
          await freshContact();
        }
        for (;;) {
          const result = await send(step);
          if (result.status !== 'deferred') {
            if (result.status === 'sent' || result.status === 'duplicate') sends++;
            else log.warn('message not sent', { step: step.id, ...result });
            break;
          }
          // Quiet hours, or over the frequency cap: the send waits for the window to open; it is never dropped.
          if (await sleepUntil(Math.max(Date.parse(result.retryAt), Date.now() + 60_000))) break;
        }
        stepId = step.next ?? following;
        break;
      }
      case 'wait': {
        const until =
          resumeAt ??
          (step.duration
            ? Date.now() + parseDuration(step.duration)
            : lean
              ? await lookup.nextLocalTime({ contactId, time: step.until!, after: Date.now() })
              : nextLocalTime(Date.now(), step.until!, (contact ?? (await freshContact())).timezone));
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
          const deadline = resumeAt ?? Date.now() + parseDuration(step.timeout);
          waitingFor = { event: routes.map((r) => r.event).join(' or '), until: new Date(deadline).toISOString() };
          await condition(
            () => stop !== undefined || firstMatch() !== undefined || (lean && historyFull()),
            deadline - Date.now(),
          );
          waitingFor = undefined;
          found = firstMatch();
          if (!stop && !found && lean && historyFull()) await continueHere(deadline);
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
};
