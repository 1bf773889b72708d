import type { BroadcastCounts, BroadcastStatus } from '../../domain/broadcast';
import type { ApprovalGate } from '../approvalTypes';

/** The broadcast workflow's input; the broadcast itself is in the broadcasts table. */
export interface BroadcastWorkflowInput {
  version: 1;
  broadcastId: string;
  name: string;
  /** When to freeze the audience and start (ms since the epoch); the recipients' own send times follow from it. */
  sendAt: number;
  ratePerSecond: number;
  /** More recipients than this wait for the chairman. */
  approvalThreshold: number;
  approval: ApprovalGate;
  requestedBy: string;
  /** Set when the run continues as new: the audience is frozen (and approved) already. */
  continued?: { paused: boolean; sent: number };
}

export interface BroadcastWorkflowResult {
  status: Extract<BroadcastStatus, 'completed' | 'cancelled' | 'rejected'>;
  recipients: number;
}

/** The `state` query: the run's own view; counts come from the tables. */
export interface BroadcastRunState {
  status: BroadcastStatus;
  recipients: number | null;
  /** Sent by this run and the runs it continued from. */
  sent: number;
  approvalWorkflowId?: string;
}

export interface BroadcastBatchInput {
  broadcastId: string;
  limit: number;
  ratePerSecond: number;
  concurrency: number;
  /** The previous batch failed: its claimed recipients go back to pending before this one claims. */
  recover: boolean;
}

export interface BroadcastBatchResult {
  claimed: number;
  sent: number;
  skipped: number;
  failed: number;
  deferred: number;
  /** Recipients not yet done (pending or sending). */
  remaining: number;
  /** When the next pending recipient is due (ms since the epoch), when none is due now. */
  nextDueAt: number | null;
  /** The batch stopped early because the broadcast was paused or cancelled. */
  stopped: boolean;
}

export type { BroadcastCounts };
