import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { SEND_TIMINGS } from '../domain/sendTimings';

/**
 * Activity options shared by the workflows. Every profile is bounded: a failure that outlasts it (a database
 * away for a day, a bug that fails every attempt) ends the activity, and the run shows it, instead of retrying
 * for ever. Failures that can never succeed are thrown non-retryable by the activities themselves.
 */

/** Reads and bookkeeping against the database: quick; retried with backoff while the database is away. */
export const DATABASE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};

/** Reads a step needs at once (the contact's traits, a time in their zone): local activities, recorded as markers. */
export const LOOKUP_ACTIVITY: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};

/**
 * Email sends, timed together with the providers and the outbox lease (SEND_TIMINGS): retried with backoff while
 * the provider is down; permanent failures, and a day of transient ones, come back as a result.
 */
export const SEND_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: SEND_TIMINGS.startToCloseMs,
  heartbeatTimeout: SEND_TIMINGS.heartbeatTimeoutMs,
  scheduleToCloseTimeout: SEND_TIMINGS.scheduleToCloseMs,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
};
