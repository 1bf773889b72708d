import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { adPlatformModes, type AdEnv } from '../config/adPlatforms';
import type { Config } from '../config/config';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { AudienceSyncStore, type AudienceSync, type AudienceSyncRun } from '../db/stores/audienceSyncs';
import { SegmentStore } from '../db/stores/segments';
import type { Actor } from '../domain/identity';
import { scheduleIdFor, TASK_QUEUES } from '../domain/ids';
import { parseDuration } from '../domain/sequences/duration';
import type { Logger } from '../infra/logger';
import { audienceSyncWorkflow } from '../workflows/adPlatformWorkflows';
import { upsertSchedule } from './schedules';
import type { AdPlatformName } from '../providers/ads/types';

/** A sync as the API shows it: the newest run first in `runs`, and `lastRun` the newest finished one. */
export interface AudienceSyncView {
  id: string;
  segment: string;
  platform: string;
  name: string;
  externalId: string | null;
  sandbox: boolean;
  interval: string;
  createdBy: string;
  createdAt: string;
  lastRun: AudienceSyncRunView | null;
  runs: AudienceSyncRunView[];
}

export type AudienceSyncRunView = Omit<AudienceSyncRun, 'id' | 'startedAt' | 'finishedAt'> & {
  startedAt: string;
  finishedAt: string | null;
};

/** A create request the service refuses, naming the field. */
export class AudienceSyncInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const RECENT_RUNS = 10;

/** The schedule of one audience sync. */
export const audienceSyncScheduleId = (syncId: string, taskQueue?: string) =>
  scheduleIdFor(`audience-sync:${syncId}`, taskQueue);

/** Audience syncs: a platform audience kept equal to a segment by a Temporal Schedule of its own. */
export class AudienceSyncService {
  private readonly store: AudienceSyncStore;

  constructor(
    private readonly deps: {
      db: Db;
      temporal: Client;
      config: Partial<AdEnv & Pick<Config, 'AUDIENCE_SYNC_INTERVAL'>>;
      log: Logger;
      taskQueue?: string;
    },
  ) {
    this.store = new AudienceSyncStore(deps.db);
  }

  private get interval(): string {
    return this.deps.config.AUDIENCE_SYNC_INTERVAL ?? 'PT6H';
  }

  /**
   * Creates the sync, its schedule, and starts its first run. A platform without credentials is simulated by the
   * sandbox, and the sync says so (`sandbox: true`), as campaigns do.
   */
  async create(
    input: { segment: string; platform: AdPlatformName; name?: string },
    actor: Actor,
  ): Promise<AudienceSyncView> {
    const segments = new SegmentStore(this.deps.db);
    const segment = await segments.get(input.segment);
    if (!segment) {
      const keys = await segments.keys();
      throw new AudienceSyncInputError(
        'segment',
        `there is no segment '${input.segment}' (segments: ${keys.join(', ') || 'none yet'})`,
      );
    }
    const sync = await this.store.create({
      segmentKey: segment.key,
      platform: input.platform,
      name: input.name ?? `${segment.name} (GTM Strategist)`,
      sandbox: adPlatformModes(this.deps.config)[input.platform] === 'sandbox',
      createdBy: actor.actor,
      scheduleIdFor: (id) => audienceSyncScheduleId(id, this.deps.taskQueue),
    });
    await new AuditLog(this.deps.db).record({
      ...actor,
      action: 'audience_sync.created',
      subjectType: 'audience_sync',
      subjectId: sync.id,
      details: { segment: sync.segmentKey, platform: sync.platform, sandbox: sync.sandbox },
    });
    await this.ensureSchedule(sync);
    await this.trigger(sync.scheduleId);
    return this.view(sync);
  }

  /**
   * Brings every sync's schedule up to date (a restart with a new AUDIENCE_SYNC_INTERVAL takes effect) and recreates
   * one lost with the cluster's data. Run when a worker starts.
   */
  async ensureSchedules(): Promise<number> {
    const syncs = await this.store.list();
    for (const sync of syncs) await this.ensureSchedule(sync);
    return syncs.length;
  }

  async get(id: string): Promise<AudienceSyncView | undefined> {
    const sync = await this.store.get(id);
    return sync ? this.view(sync) : undefined;
  }

  async list(): Promise<AudienceSyncView[]> {
    return Promise.all((await this.store.list()).map((s) => this.view(s)));
  }

  /** Starts a run now (after the one under way, if any). Undefined when there is no such sync. */
  async runNow(id: string, actor: Actor): Promise<AudienceSyncView | undefined> {
    const sync = await this.store.get(id);
    if (!sync) return undefined;
    await this.trigger(sync.scheduleId);
    await new AuditLog(this.deps.db).record({
      ...actor,
      action: 'audience_sync.run_requested',
      subjectType: 'audience_sync',
      subjectId: sync.id,
    });
    return this.view(sync);
  }

  /** Stops the sync; the platform audience stays as it is (the platform's own tools delete it). */
  async delete(id: string, actor: Actor): Promise<boolean> {
    const sync = await this.store.get(id);
    if (!sync) return false;
    try {
      await this.deps.temporal.schedule.getHandle(sync.scheduleId).delete();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    await this.store.delete(id);
    await new AuditLog(this.deps.db).record({
      ...actor,
      action: 'audience_sync.deleted',
      subjectType: 'audience_sync',
      subjectId: sync.id,
    });
    return true;
  }

  /** The sync's Temporal Schedule: every AUDIENCE_SYNC_INTERVAL; a run due while one is under way waits for it. */
  private async ensureSchedule(sync: AudienceSync): Promise<void> {
    await upsertSchedule(
      this.deps.temporal,
      {
        scheduleId: sync.scheduleId,
        spec: { intervals: [{ every: parseDuration(this.interval) }] },
        action: {
          type: 'startWorkflow',
          workflowType: audienceSyncWorkflow,
          workflowId: sync.scheduleId,
          taskQueue: this.deps.taskQueue ?? TASK_QUEUES.main,
          args: [{ version: 1 as const, syncId: sync.id }],
        },
        catchupWindow: '1 hour',
        overlap: ScheduleOverlapPolicy.BUFFER_ONE,
      },
      this.deps.log,
      'audience sync',
    );
  }

  /** Runs a sync now; a run already under way finishes first. */
  private async trigger(scheduleId: string): Promise<void> {
    await this.deps.temporal.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
  }

  private async view(sync: AudienceSync): Promise<AudienceSyncView> {
    const runs = (await this.store.runs(sync.id, RECENT_RUNS)).map(runView);
    return {
      id: sync.id,
      segment: sync.segmentKey,
      platform: sync.platform,
      name: sync.name,
      externalId: sync.externalId,
      sandbox: sync.sandbox,
      interval: this.interval,
      createdBy: sync.createdBy,
      createdAt: sync.createdAt.toISOString(),
      lastRun: runs.find((r) => r.status !== 'running') ?? null,
      runs,
    };
  }
}

function runView(run: AudienceSyncRun): AudienceSyncRunView {
  const { id: _id, startedAt, finishedAt, ...rest } = run;
  return { ...rest, startedAt: startedAt.toISOString(), finishedAt: finishedAt?.toISOString() ?? null };
}
