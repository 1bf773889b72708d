import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { BroadcastStore, segmentAudience, type Broadcast } from '../db/stores/broadcasts';
import {
  FINAL_BROADCAST_STATUSES,
  getBroadcastWorkflowId,
  type BroadcastChannel,
  type BroadcastCounts,
} from '../domain/broadcast';
import { CHANNEL_FORMATS } from '../domain/messages';
import { TASK_QUEUES } from '../domain/ids';
import {
  broadcastStateQuery,
  broadcastTestWorkflow,
  broadcastWorkflow,
  cancelBroadcastUpdate,
  pauseBroadcastUpdate,
  resumeBroadcastUpdate,
  type BroadcastRunState,
} from '../workflows/broadcastWorkflow';
import type { ApprovalGate } from '../workflows/approvalTypes';
import { TopicStore } from '../db/stores/topics';
import { templateCatalogue } from './templates';
import { withTimeout } from './withTimeout';

/** What a broadcast is made of, as the API accepted it. */
export interface BroadcastRequest {
  name: string;
  segment: string;
  template: string;
  /** Email when not given; the template's format must be one the channel sends (CHANNEL_FORMATS). */
  channel?: BroadcastChannel;
  /** Overrides the template's subject. */
  subject?: string;
  from?: string;
  sendAt?: Date;
  localTime?: string;
  rateLimitPerSecond?: number;
  topic?: string;
}

/** Settings the service applies to every broadcast, from configuration. */
export interface BroadcastSettings {
  defaultRatePerSecond: number;
  approvalThreshold: number;
  approval: ApprovalGate;
}

/** A broadcast as the API shows it: the row, the counts from its recipients, and the run's live state if asked. */
export type BroadcastView = Broadcast & { counts: BroadcastCounts; live?: BroadcastRunState };

/** Why a create is refused, per field; the API turns it into a 400. */
export class BroadcastInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A pause, resume or cancel the broadcast's state does not allow (or a run that is over), or a test of a broadcast
 * that is not an email; the API answers 409.
 */
export class BroadcastActionRefusedError extends Error {}

/** A broadcast on each channel beyond email, as a sentence names it. */
const A_BROADCAST_ON: Record<Exclude<BroadcastChannel, 'email'>, string> = {
  sms: 'an SMS broadcast',
  in_app: 'an in-app broadcast',
  push: 'a push broadcast',
};

/** How long the live state may take before a GET answers from the tables alone. */
const LIVE_STATE_TIMEOUT_MS = 2_000;

/** Creates broadcasts, starts and steers their workflows, and reads their progress. */
export class BroadcastService {
  private readonly store: BroadcastStore;

  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly settings: BroadcastSettings,
    private readonly taskQueue: string = TASK_QUEUES.main,
  ) {
    this.store = new BroadcastStore(db);
  }

  /**
   * The audience a segment would give a broadcast now (eligible: may receive it, under the topic when one is given,
   * on the channel: a text needs a phone and consent, a push a device), or undefined when there is no such segment.
   */
  async audience(
    segment: string,
    topic?: string,
    channel: BroadcastChannel = 'email',
  ): Promise<{ members: number; eligible: number } | undefined> {
    if (topic !== undefined) await this.requireTopic(topic);
    try {
      return await segmentAudience(this.db, segment, topic, channel);
    } catch (err) {
      // Before any segment exists the segments table may not either: no segment can be named yet.
      if ((err as { code?: string }).code === '42P01') return undefined;
      throw err;
    }
  }

  /**
   * The template must exist, in a format the channel sends; a marketing one goes out under a topic that exists.
   */
  private async checkContent(req: BroadcastRequest): Promise<void> {
    const templates = await templateCatalogue(this.db);
    if (!templates.has(req.template)) {
      throw new BroadcastInputError(
        'template',
        `there is no template '${req.template}'; the templates are: ${templates.ids().join(', ')}`,
      );
    }
    const channel = req.channel ?? 'email';
    const format = templates.format(req.template);
    const formats = CHANNEL_FORMATS[channel];
    if (format !== undefined && !formats.includes(format)) {
      throw new BroadcastInputError(
        'template',
        `'${req.template}' is a ${format} template, and ${channel} sends ${formats.join(' or ')} templates`,
      );
    }
    if (req.topic !== undefined) await this.requireTopic(req.topic);
    else if (!templates.transactional().includes(req.template)) {
      throw new BroadcastInputError(
        'topic',
        `a marketing broadcast must name the topic it is sent under; ${await this.topicChoices()}`,
      );
    }
  }

  /** A topic that exists, or a BroadcastInputError on `topic` listing those that do. */
  private async requireTopic(topic: string): Promise<void> {
    if (!(await new TopicStore(this.db).get(topic))) {
      throw new BroadcastInputError('topic', `there is no topic '${topic}'; ${await this.topicChoices()}`);
    }
  }

  private async topicChoices(): Promise<string> {
    const topics = (await new TopicStore(this.db).list()).map((t) => t.key);
    return `the topics are: ${topics.join(', ') || 'none yet (POST /v1/topics)'}`;
  }

  /** Stores the broadcast and starts its one workflow; refuses a segment that does not exist. */
  async create(req: BroadcastRequest, createdBy: string): Promise<BroadcastView> {
    const audience = await this.audience(req.segment);
    if (!audience) throw new BroadcastInputError('segment', `there is no segment '${req.segment}'`);
    await this.checkContent(req);
    const id = randomUUID();
    const workflowId = getBroadcastWorkflowId(id);
    const sendAt = req.sendAt ?? new Date();
    const rate = req.rateLimitPerSecond ?? this.settings.defaultRatePerSecond;
    const broadcast = await this.db.transaction(async (trx) => {
      const created = await new BroadcastStore(trx).create({
        id,
        name: req.name,
        segmentKey: req.segment,
        template: req.template,
        channel: req.channel ?? 'email',
        subject: req.subject ?? null,
        from: req.from ?? null,
        topic: req.topic ?? null,
        sendAt,
        localTime: req.localTime ?? null,
        rateLimitPerSecond: rate,
        status: 'scheduled',
        workflowId,
        createdBy,
      });
      await new AuditLog(trx).record({
        actor: createdBy,
        action: 'broadcast.created',
        subjectType: 'broadcast',
        subjectId: id,
        details: {
          name: req.name,
          segment: req.segment,
          template: req.template,
          channel: req.channel ?? 'email',
          audience: audience.members,
        },
      });
      return created;
    });
    await this.temporal.workflow.start(broadcastWorkflow, {
      workflowId,
      taskQueue: this.taskQueue,
      args: [
        {
          version: 1,
          broadcastId: id,
          name: req.name,
          sendAt: sendAt.getTime(),
          ratePerSecond: rate,
          approvalThreshold: this.settings.approvalThreshold,
          approval: this.settings.approval,
          requestedBy: createdBy,
        },
      ],
    });
    return { ...broadcast, counts: await this.store.counts(id) };
  }

  async get(id: string, live = true): Promise<BroadcastView | undefined> {
    const b = await this.store.get(id);
    if (!b) return undefined;
    const counts = await this.store.counts(id);
    const state =
      live && !FINAL_BROADCAST_STATUSES.includes(b.status)
        ? await withTimeout(
            this.temporal.workflow.getHandle(b.workflowId).query(broadcastStateQuery),
            LIVE_STATE_TIMEOUT_MS,
          ).catch(() => undefined)
        : undefined;
    return { ...b, counts, ...(state ? { live: state } : {}) };
  }

  /** The newest broadcasts with their counts (not their runs' live state). */
  async list(limit: number): Promise<BroadcastView[]> {
    const list = await this.store.list(limit);
    const counts = await this.store.countsOf(list.map((b) => b.id));
    return list.map((b) => ({ ...b, counts: counts.get(b.id)! }));
  }

  /** Pauses, resumes or cancels through the run's Update; answers the state the run reached. */
  async control(b: Broadcast, action: 'pause' | 'resume' | 'cancel', by: string): Promise<BroadcastRunState> {
    const update = { pause: pauseBroadcastUpdate, resume: resumeBroadcastUpdate, cancel: cancelBroadcastUpdate }[
      action
    ];
    try {
      const state = await this.temporal.workflow.getHandle(b.workflowId).executeUpdate(update, { args: [{ by }] });
      await new AuditLog(this.db).record({
        actor: by,
        action: `broadcast.${action === 'cancel' ? 'cancelled' : action === 'pause' ? 'paused' : 'resumed'}`,
        subjectType: 'broadcast',
        subjectId: b.id,
        details: { status: state.status },
      });
      return state;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        throw new BroadcastActionRefusedError(err.cause.message);
      }
      if (err instanceof WorkflowNotFoundError || /already completed/i.test(String((err as Error)?.message))) {
        throw new BroadcastActionRefusedError(`cannot ${action} a broadcast that is ${b.status.replace('_', ' ')}`);
      }
      throw err;
    }
  }

  /**
   * Sends one test to an address, through a short workflow of its own; answers what became of it. Only an email
   * broadcast has a test: a BroadcastActionRefusedError for the others.
   */
  async test(b: Broadcast, email: string): Promise<{ status: string; reason?: string }> {
    if (b.channel !== 'email') {
      throw new BroadcastActionRefusedError(
        `a test of ${A_BROADCAST_ON[b.channel]} cannot be sent: a test goes to an email address, so only an ` +
          'email broadcast has one',
      );
    }
    return this.temporal.workflow.execute(broadcastTestWorkflow, {
      workflowId: `broadcast-test:${b.id}:${randomUUID()}`,
      taskQueue: this.taskQueue,
      args: [{ broadcastId: b.id, email }],
    });
  }
}
