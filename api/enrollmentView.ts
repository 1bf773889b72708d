import type { Client } from '@temporalio/client';
import type { Enrollment } from '../db/stores/enrollments';
import { stateQuery } from '../workflows/sequenceMessages';
import type { SequenceState } from '../workflows/types';

/** How long listing enrollments waits for a workflow to answer its state query before showing it without. */
const STATE_QUERY_TIMEOUT_MS = 3_000;

/** An enrollment as the API shows it. */
export function presentEnrollment(e: Enrollment) {
  return {
    id: e.id,
    sequenceKey: e.sequenceKey,
    sequenceVersion: e.sequenceVersion,
    status: e.status,
    variant: e.variant,
    currentStep: e.currentStep,
    exitReason: e.exitReason,
    revenue: e.revenue,
    enrolledAt: e.enrolledAt,
    endedAt: e.endedAt,
    workflowId: e.workflowId,
  };
}

/** The workflow's own view of the enrollment; null when it does not answer in time (no worker polling, say). */
export async function liveState(temporal: Client, workflowId: string): Promise<SequenceState | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), STATE_QUERY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      temporal.workflow
        .getHandle(workflowId)
        .query(stateQuery)
        .catch(() => null),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Enrollments with the live state of the active ones. */
export async function presentEnrollments(temporal: Client, list: Enrollment[]) {
  return Promise.all(
    list.map(async (e) =>
      e.status === 'active'
        ? { ...presentEnrollment(e), state: await liveState(temporal, e.workflowId) }
        : presentEnrollment(e),
    ),
  );
}
