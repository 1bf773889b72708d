import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { durationInWords } from '../domain/format';
import { withPerson, type Person } from '../domain/identity';
import { parseDuration } from '../domain/sequences/duration';
import { DATABASE_ACTIVITY, SEND_ACTIVITY } from './activityOptions';
import { approvalStatusQuery, APPROVAL_REFUSALS, decideUpdate, INVALID_DECISION_PROOF } from './approvalMessages';
import type { ApprovalOutcome, ApprovalWorkflowInput, ApprovalWorkflowResult, DecisionProofVerdict } from './types';

type Activities = ReturnType<typeof createActivities>;

/** Approval rows and audit entries. */
const db = proxyActivities<Activities>(DATABASE_ACTIVITY);
/** Emails to approvers. */
const mail = proxyActivities<Activities>(SEND_ACTIVITY);
/**
 * The check of a decision's proof: no I/O, so a few quick attempts; the person deciding waits for the answer, so a
 * check that keeps failing ends the update with an error rather than holding it for long.
 */
const proofs = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });

export { approvalStatusQuery, APPROVAL_REFUSALS, decideUpdate, INVALID_DECISION_PROOF } from './approvalMessages';

/**
 * Records and emails already under way finish even when the request is withdrawn: only the waiting between them
 * is cancellable, so a withdrawal never leaves half of a step done.
 */
const shielded = <T>(fn: () => Promise<T>): Promise<T> => CancellationScope.nonCancellable(fn);

/**
 * A reusable approval gate for any subject (campaign, budget change, strategy, influencer deal): asks the
 * approvers by email, reminds them at an interval, escalates once, and expires as a rejection.
 * @remarks Every request and decision goes to the approvals table and the audit log through idempotent
 * activities; emails go through the outbox under keys of the workflow id, so a retry or replay never mails twice.
 * Cancelling it (its subject was cancelled) closes the request as rejected ("withdrawn").
 */
export async function approvalWorkflow(input: ApprovalWorkflowInput): Promise<ApprovalWorkflowResult> {
  const { workflowId } = workflowInfo();
  const requestedAt = Date.now();
  const reminderMs = parseDuration(input.policy.reminderEvery);
  const escalateAt = requestedAt + parseDuration(input.policy.escalateAfter);
  const expiresAt = requestedAt + parseDuration(input.policy.expireAfter);
  const iso = (ms: number) => new Date(ms).toISOString();

  let approvalId: string | null = null;
  let outcome:
    | { outcome: ApprovalOutcome; by?: string; person?: Person; role?: string; comment?: string; decidedAt: string }
    | undefined;
  let recorded = false;
  let remindersSent = 0;
  let escalatedAt: string | undefined;

  setHandler(approvalStatusQuery, () => ({
    approvalId,
    status: outcome?.outcome ?? 'pending',
    subjectType: input.subjectType,
    subjectId: input.subjectId,
    title: input.title,
    ...(input.amount !== undefined ? { amount: input.amount } : {}),
    ...(input.currency ? { currency: input.currency } : {}),
    requestedBy: input.requestedBy,
    requestedAt: iso(requestedAt),
    expiresAt: iso(expiresAt),
    remindersSent,
    ...(escalatedAt ? { escalatedAt } : {}),
    ...(outcome?.by ? { decidedBy: outcome.by } : {}),
    ...(outcome ? { decidedAt: outcome.decidedAt } : {}),
    ...(outcome?.comment ? { comment: outcome.comment } : {}),
  }));

  // Since 0.8.0 the email's button opens the dashboard's page of the request, which asks the chairman to sign in and
  // shows Approve and Reject; before, it opened the API route (401 in a browser). A run replaying an email it sent
  // before keeps the link it sent.
  const reviewPath = (id: string) =>
    patched('approval-link-to-dashboard') ? `/approvals/${id}` : `/v1/approvals/${id}`;
  // `person` (on a decision) and `requester` (on the request) are data the workflow only hands to its activities:
  // the commands are the same with or without them, so runs started before 0.8.0 replay without a marker.

  /** Writes the outcome once, whoever reaches it first (the decision or the expiry); both await the same write. */
  let recording: Promise<ApprovalWorkflowResult> | undefined;
  const record = (): Promise<ApprovalWorkflowResult> =>
    (recording ??= (async () => {
      const o = outcome!;
      await condition(() => approvalId !== null);
      await shielded(() =>
        db.recordApprovalDecision({
          approvalId: approvalId!,
          subjectType: input.subjectType,
          subjectId: input.subjectId,
          outcome: o.outcome,
          by: o.by ?? null,
          ...withPerson(o.person),
          ...(o.role ? { role: o.role } : {}),
          comment: o.comment ?? null,
          decidedAt: o.decidedAt,
        }),
      );
      recorded = true;
      return {
        outcome: o.outcome,
        ...(o.by ? { by: o.by } : {}),
        ...withPerson(o.person),
        ...(o.comment ? { comment: o.comment } : {}),
        decidedAt: o.decidedAt,
        approvalId,
      };
    })());

  /** Refuses a decision once the request is closed (decided, withdrawn or expired), whoever closed it. */
  const refuseIfClosed = (): void => {
    if (outcome && outcome.outcome !== 'expired') {
      throw ApplicationFailure.create({
        type: APPROVAL_REFUSALS.alreadyDecided,
        message: `this request was already ${outcome.outcome}${outcome.by ? ` by ${outcome.by}` : ''}`,
      });
    }
    if (outcome || Date.now() >= expiresAt) {
      throw ApplicationFailure.create({
        type: APPROVAL_REFUSALS.expired,
        message: `this request expired at ${iso(expiresAt)}`,
      });
    }
  };

  /** True while a decision's proof is being checked: the validator refuses any other decision meanwhile. */
  let deciding = false;

  setHandler(
    decideUpdate,
    async (d) => {
      // A decision must carry the server's signature, so whoever reaches Temporal without the secret cannot decide.
      if (patched('signed-decisions')) {
        deciding = true;
        let verdict: DecisionProofVerdict;
        try {
          verdict = await proofs.verifyApprovalDecision({ workflowId, decision: d });
        } finally {
          deciding = false;
        }
        if (!verdict.valid) {
          throw ApplicationFailure.create({
            type: INVALID_DECISION_PROOF,
            message: `this decision was not made through the server: ${verdict.reason}`,
            nonRetryable: true,
          });
        }
        // The request may have expired or been withdrawn while the proof was checked: that wins.
        refuseIfClosed();
      }
      // Set before the first await, so a second decision arriving meanwhile is refused by the validator.
      outcome = {
        outcome: d.decision === 'approve' ? 'approved' : 'rejected',
        by: d.by,
        ...withPerson(d.person),
        ...(d.role ? { role: d.role } : {}),
        ...(d.comment ? { comment: d.comment } : {}),
        decidedAt: iso(Date.now()),
      };
      return record();
    },
    {
      validator: (d) => {
        refuseIfClosed();
        if (deciding) {
          throw ApplicationFailure.create({
            type: APPROVAL_REFUSALS.deciding,
            message: 'another decision on this request is being made; ask again in a moment',
          });
        }
        if (d.decision !== 'approve' && d.decision !== 'reject') {
          throw ApplicationFailure.create({ type: 'InvalidDecision', message: 'decision must be approve or reject' });
        }
        if (typeof d.by !== 'string' || d.by.trim() === '') {
          throw ApplicationFailure.create({ type: 'InvalidDecision', message: 'a decision needs who made it' });
        }
        if (typeof d.proof !== 'string' || d.proof === '') {
          throw ApplicationFailure.create({
            type: INVALID_DECISION_PROOF,
            message: 'this decision was not made through the server: it carries no proof',
          });
        }
      },
    },
  );

  const vars = (extra: Record<string, unknown> = {}) => ({
    ...(input.ventureName ? { venture_name: input.ventureName } : {}),
    approval: {
      title: input.title,
      summary: input.summary,
      subject_type: input.subjectType,
      amount: input.amount === undefined ? undefined : input.amount.toFixed(2),
      currency: input.currency,
      requested_by: input.requestedBy,
      expires_at: iso(expiresAt),
      ...extra,
    },
  });
  const notify = (
    to: string[],
    template: string,
    subject: string,
    step: string,
    extra?: Record<string, unknown>,
  ): Promise<unknown> =>
    shielded(() =>
      Promise.all(
        to.map((address) =>
          mail.sendNotification({
            idempotencyKey: `${workflowId}/${step}/${address}`,
            to: address,
            template,
            subject,
            vars: vars(extra),
            ...(approvalId ? { ctaPath: reviewPath(approvalId) } : {}),
            workflowId,
          }),
        ),
      ),
    );

  try {
    const request = await shielded(() =>
      db.recordApprovalRequest({
        workflowId,
        subjectType: input.subjectType,
        subjectId: input.subjectId,
        title: input.title,
        ...(input.summary ? { summary: input.summary } : {}),
        ...(input.amount !== undefined ? { amount: input.amount } : {}),
        ...(input.currency ? { currency: input.currency } : {}),
        requestedBy: input.requestedBy,
        ...(input.requester ? { requester: input.requester } : {}),
        ...(input.details ? { details: input.details } : {}),
        requestedAt: iso(requestedAt),
        expiresAt: iso(expiresAt),
      }),
    );
    const id = request.approvalId;
    approvalId = id;
    if (!outcome) await notify(input.approvers, 'approval_request', 'Approval needed: {{approval.title}}', 'request');

    let nextReminder = requestedAt + reminderMs;
    while (!outcome) {
      const now = Date.now();
      if (now >= expiresAt) {
        outcome = { outcome: 'expired', comment: 'expired', decidedAt: iso(now) };
        break;
      }
      const next = Math.min(expiresAt, nextReminder, escalatedAt ? Infinity : escalateAt);
      if (await condition(() => outcome !== undefined, next - now)) break;
      const t = Date.now();
      if (t >= expiresAt) continue;
      if (!escalatedAt && t >= escalateAt) {
        const at = iso(t);
        escalatedAt = at;
        await notify(input.escalateTo, 'approval_escalation', 'Escalated: {{approval.title}}', 'escalation', {
          approver: input.approvers.join(', '),
          waiting_for: durationInWords(t - requestedAt),
        });
        await shielded(() =>
          db.recordApprovalEscalation({
            approvalId: id,
            subjectType: input.subjectType,
            subjectId: input.subjectId,
            escalatedAt: at,
            escalateTo: input.escalateTo,
          }),
        );
      }
      if (t >= nextReminder) {
        remindersSent++;
        nextReminder += reminderMs;
        await notify(
          input.approvers,
          'approval_reminder',
          'Reminder: {{approval.title}} is waiting for your decision',
          `reminder-${remindersSent}`,
          { waiting_for: durationInWords(t - requestedAt) },
        );
        await shielded(() => db.recordApprovalReminder({ approvalId: id, remindersSent }));
      }
    }
    const result = await record();
    await condition(allHandlersFinished);
    return result;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The subject went away (a cancelled campaign): close the request so it leaves the chairman's inbox.
    await CancellationScope.nonCancellable(async () => {
      if (!outcome) outcome = { outcome: 'rejected', by: 'system', comment: 'withdrawn', decidedAt: iso(Date.now()) };
      // A write cut short by the cancellation is done again here, outside it.
      if (!recorded) recording = undefined;
      if (approvalId) await record();
    });
    throw err;
  }
}
