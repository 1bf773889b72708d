import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { EnrollmentService } from '../services/enrollment';
import { SegmentService } from '../services/segments';
import type { AudienceSettings } from './audienceSettings';

export interface SegmentActivityDeps {
  audience?: AudienceSettings;
  db?: Db;
  /** The client the `segment.*` events start and signal sequences with. */
  temporal?: Client;
  /** Task queue of the sequence workflows those events start (the worker's own). */
  taskQueue?: string;
}

export interface SegmentRefreshInput {
  /** The instant windows are measured back from; now when absent. */
  asOf?: string;
}

export interface SegmentRefreshResult {
  asOf: string;
  segments: { key: string; entered: number; left: number }[];
}

/** Heartbeats when running as an activity; a direct call (a test, a command) has no context to report to. */
function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity
  }
}

/** Activities of the segment refresh workflow. */
export function createSegmentActivities({ db, temporal, taskQueue }: SegmentActivityDeps) {
  return {
    /**
     * Evaluates every segment with a time window over all contacts again (one statement per segment), and ingests
     * `segment.entered` / `segment.left` for whoever the passing of time moved.
     * @remarks Heartbeats per segment and per batch of events. A retry evaluates again: membership is already
     * current for what the failed attempt applied, so its events are not emitted twice, but an attempt that failed
     * between applying and announcing loses those events (membership itself stays right).
     */
    async refreshWindowedSegments(input: SegmentRefreshInput = {}): Promise<SegmentRefreshResult> {
      if (!db || !temporal) {
        throw ApplicationFailure.nonRetryable(
          'the segment activities were built without a database or a Temporal client',
          'MissingDependency',
        );
      }
      const now = input.asOf ? new Date(input.asOf) : new Date();
      const service = new SegmentService(db, new EnrollmentService(db, temporal, undefined, taskQueue));
      const result: SegmentRefreshResult = { asOf: now.toISOString(), segments: [] };
      for (const segment of await service.store.list()) {
        if (!segment.windowed) continue;
        heartbeat({ segment: segment.key });
        const change = await service.store.apply(segment.key, segment.definition, null, now);
        await service.announce(segment.key, change, now, () => heartbeat({ segment: segment.key }));
        result.segments.push({ key: segment.key, entered: change.entered.length, left: change.left.length });
      }
      return result;
    },
  };
}
