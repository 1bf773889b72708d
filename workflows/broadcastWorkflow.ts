import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  sleep,
  uuid4,
  workflowInfo,
  type CancellationScope,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { broadcastBatchSize, broadcastConcurrency, type BroadcastStatus } from '../domain/broadcast';
import { getApprovalWorkflowId } from '../domain/ids';
import { SEND_TIMINGS } from '../domain/sendTimings';
import { DATABASE_ACTIVITY, SEND_ACTIVITY } from './activityOptions';
import {
  BROADCAST_REFUSED,
  broadcastStateQuery,
  cancelBroadcastUpdate,
  pauseBroadcastUpdate,
  resumeBroadcastUpdate,
  type BroadcastActor,
} from './broadcast/messages';
import type { BroadcastRunState, BroadcastWorkflowInput, BroadcastWorkflowResult } from './broadcast/types';
import { requestApproval } from './campaign/approvals';

export * from './broadcast/messages';
export type * from './broadcast/types';

type Activities = ReturnType<typeof createActivities>;

const db = proxyActivities<Activities>(DATABASE_ACTIVITY);
/**
 * One batch of sends. A single attempt: a failed batch is retried by the workflow as a new activity (see
 * sendBroadcastBatch), after a backoff of its own. A batch is at most about twenty seconds of sends at the rate
 * plus waits for other attempts' leases.
 */
const batches = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: SEND_TIMINGS.heartbeatTimeoutMs,
  retry: { maximumAttempts: 1 },
});
const tests = proxyActivities<Activities>(SEND_ACTIVITY);

/** Consecutive failed batches after which the broadcast ends as failed (hours of backoff by then). */
const MAX_BATCH_FAILURES = 20;

/**
 * One broadcast: waits for its send time, freezes the audience, asks the chairman when it is larger than the
 * threshold, then sends in batches until every recipient is sent, skipped or failed; pause, resume and cancel are
 * Updates answered with the new state.
 * @remarks Never one workflow per recipient: each batch activity claims due recipients from the table, and each
 * send goes through the outbox under a key per broadcast and recipient, so a batch lost with its worker is redone
 * without sending twice. Continues as new when the history grows long.
 */
export async function broadcastWorkflow(input: BroadcastWorkflowInput): Promise<BroadcastWorkflowResult> {
  const { broadcastId } = input;
  const state: BroadcastRunState = {
    status: input.continued ? (input.continued.paused ? 'paused' : 'sending') : 'scheduled',
    recipients: null,
    sent: input.continued?.sent ?? 0,
  };
  let cancelRequested = false;
  /** The status as handlers may have left it (read through a call, so no check above narrows it). */
  const statusNow = (): BroadcastStatus => state.status;
  let approvalScope: CancellationScope | undefined;

  // Handlers and the main loop change the status one at a time, each re-checking inside the lock.
  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lock.then(fn, fn);
    lock = run.catch(() => undefined);
    return run;
  };
  const move = async (status: BroadcastStatus, from: BroadcastStatus[], extra = {}): Promise<boolean> => {
    if (!from.includes(state.status)) return false;
    await db.setBroadcastStatus({ broadcastId, status, from, ...extra });
    state.status = status;
    return true;
  };
  const refusal = (action: string, allowed: BroadcastStatus[]): ApplicationFailure | undefined =>
    allowed.includes(state.status)
      ? undefined
      : ApplicationFailure.create({
          type: BROADCAST_REFUSED,
          message: `cannot ${action} a broadcast that is ${state.status.replace('_', ' ')}`,
          nonRetryable: true,
        });
  const handle = (action: string, allowed: BroadcastStatus[], fn: (a: BroadcastActor) => Promise<void>) => ({
    handler: (a: BroadcastActor) =>
      exclusive(async () => {
        const refused = refusal(action, allowed);
        if (refused) throw refused;
        await fn(a);
        log.info(`broadcast ${action}`, { broadcastId, by: a.by });
        return { ...state };
      }),
    validator: (_a: BroadcastActor) => {
      const refused = refusal(action, allowed);
      if (refused) throw refused;
    },
  });

  const pause = handle('pause', ['sending'], async () => void (await move('paused', ['sending'])));
  const resume = handle('resume', ['paused'], async () => void (await move('sending', ['paused'])));
  const cancel = handle('cancel', ['scheduled', 'awaiting_approval', 'sending', 'paused'], async () => {
    cancelRequested = true;
    approvalScope?.cancel();
    await move('cancelled', ['scheduled', 'awaiting_approval', 'sending', 'paused']);
  });
  setHandler(pauseBroadcastUpdate, pause.handler, { validator: pause.validator });
  setHandler(resumeBroadcastUpdate, resume.handler, { validator: resume.validator });
  setHandler(cancelBroadcastUpdate, cancel.handler, { validator: cancel.validator });
  setHandler(broadcastStateQuery, () => ({ ...state }));

  const finish = async (): Promise<BroadcastWorkflowResult> => {
    await condition(allHandlersFinished);
    const status = state.status === 'rejected' || state.status === 'completed' ? state.status : 'cancelled';
    return { status, recipients: state.recipients ?? 0 };
  };

  if (!input.continued) {
    const wait = input.sendAt - Date.now();
    if (wait > 0) await condition(() => cancelRequested, wait);
    if (cancelRequested) return finish();
    const { recipients } = await db.snapshotBroadcastAudience({ broadcastId });
    state.recipients = recipients;
    if (recipients > input.approvalThreshold) {
      const approvalWorkflowId = getApprovalWorkflowId('broadcast', broadcastId);
      state.approvalWorkflowId = approvalWorkflowId;
      const asked = await exclusive(() => move('awaiting_approval', ['scheduled'], { approvalWorkflowId }));
      if (!asked) return finish();
      const { scope, settled } = await requestApprovalOf(input, recipients, approvalWorkflowId);
      approvalScope = scope;
      await condition(() => settled.result !== undefined || cancelRequested);
      if (cancelRequested) return finish();
      const decision = settled.result!;
      if (decision.outcome !== 'approved') {
        await exclusive(() =>
          move('rejected', ['awaiting_approval'], {
            ...(decision.by ? { decidedBy: decision.by } : {}),
            decisionComment: decision.comment ?? decision.outcome,
          }),
        );
        return finish();
      }
      await exclusive(() =>
        move('sending', ['awaiting_approval'], decision.by ? { decidedBy: decision.by } : {}).then(() => undefined),
      );
    } else {
      await exclusive(() => move('sending', ['scheduled']));
    }
  }

  let recover = input.continued !== undefined;
  let failures = 0;
  const limit = broadcastBatchSize(input.ratePerSecond);
  const concurrency = broadcastConcurrency(input.ratePerSecond);
  for (;;) {
    if (cancelRequested || state.status === 'cancelled') return finish();
    if (state.status === 'paused') {
      await condition(() => state.status !== 'paused');
      continue;
    }
    let batch;
    try {
      batch = await batches.sendBroadcastBatch({
        broadcastId,
        limit,
        ratePerSecond: input.ratePerSecond,
        concurrency,
        recover,
      });
      recover = false;
      failures = 0;
    } catch (err) {
      recover = true;
      failures++;
      log.warn('broadcast batch failed', { broadcastId, failures, error: String(err) });
      if (failures >= MAX_BATCH_FAILURES) {
        await exclusive(() => move('failed', ['sending', 'paused'], {}));
        throw ApplicationFailure.nonRetryable(`${failures} batches failed in a row: ${String(err)}`, 'BroadcastFailed');
      }
      await sleep(Math.min(2 ** failures * 1000, 300_000));
      continue;
    }
    state.sent += batch.sent;
    if (batch.remaining === 0) {
      await exclusive(() => move('completed', ['sending', 'paused']));
      if (state.status === 'completed') return finish();
      continue;
    }
    if (batch.claimed === 0 && !batch.stopped) {
      // Nothing due yet (local times, deferred recipients): sleep until the next one is, unless told otherwise.
      const until = batch.nextDueAt ?? Date.now() + 1_000;
      await condition(() => state.status !== 'sending', Math.max(1_000, until - Date.now()));
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof broadcastWorkflow>({
        ...input,
        continued: { paused: statusNow() === 'paused', sent: state.sent },
      });
    }
  }
}

/** Asks the chairman through the approval gate: amount 0, the audience size in the details. */
function requestApprovalOf(input: BroadcastWorkflowInput, recipients: number, approvalWorkflowId: string) {
  return requestApproval(approvalWorkflowId, {
    version: 1,
    subjectType: 'broadcast',
    subjectId: input.broadcastId,
    title: `Broadcast "${input.name}" to ${recipients} recipients`,
    summary: `${recipients} recipients, over the threshold of ${input.approvalThreshold} that needs approval.`,
    amount: 0,
    requestedBy: input.requestedBy,
    details: { broadcastId: input.broadcastId, recipients, threshold: input.approvalThreshold },
    policy: input.approval.policy,
    approvers: input.approval.approvers,
    escalateTo: input.approval.escalateTo,
  });
}

/**
 * Sends one test of a broadcast to an address, outside the broadcast's own run (which may be waiting, sending or
 * over): the API has no mail provider of its own, the workers do.
 */
export async function broadcastTestWorkflow(input: {
  broadcastId: string;
  email: string;
}): Promise<{ status: string; reason?: string }> {
  return tests.sendBroadcastTest({ ...input, idempotencyKey: `broadcast-test:${input.broadcastId}:${uuid4()}` });
}
