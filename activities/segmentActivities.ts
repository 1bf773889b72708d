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
  /** Segment events found stored but never delivered, and delivered now. */
  redelivered: number;
  segments: { key: string; entered: number; left: number }[];
}

/** How old an undelivered segment event must be before the refresh delivers it. */
const UNDELIVERED_AFTER_MS = 60_000;

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
     * Delivers the segment events a crashed process left undelivered, then evaluates every segment with a time
     * window over all contacts again (one statement per segment, storing its `segment.entered` / `segment.left`
     * events with the change), and delivers those events.
     * @remarks Heartbeats per segment and per batch of events. A retry loses nothing: membership is already current
     * for what a failed attempt applied, and the events it stored but did not deliver are found by the sweep of
     * the next run (stored over a minute earlier) or delivered again under their keys, never stored twice.
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
      // Younger events may still be on their way through the ingest that stored them.
      const storedBefore = new Date(Date.now() - UNDELIVERED_AFTER_MS);
      const redelivered = await service.redeliver(storedBefore, () => heartbeat({ sweep: 'segment events' }));
      const result: SegmentRefreshResult = { asOf: now.toISOString(), redelivered, segments: [] };
      for (const segment of await service.store.list()) {
        if (!segment.windowed) continue;
        heartbeat({ segment: segment.key });
        const change = await service.store.apply(segment.key, segment.definition, null, now);
        await service.announce(change, () => heartbeat({ segment: segment.key }));
        result.segments.push({ key: segment.key, entered: change.entered.length, left: change.left.length });
      }
      return result;
    },
  };
}
