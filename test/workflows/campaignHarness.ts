import type { Duration } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { Db } from '../../db/knex';
import { CampaignStore } from '../../db/stores/campaigns';
import { VentureStore, type Venture } from '../../db/stores/ventures';
import { getCampaignWorkflowId } from '../../domain/ids';
import type { MailCatcher } from '../../infra/mailCatcher';
import { LinkSigner } from '../../infra/signing';
import type {
  AdPlatform,
  AdPlatformName,
  CreateCampaignInput,
  CredentialStatus,
  DailyMetrics,
  DateRange,
  MetricsHints,
} from '../../providers/ads';
import { createSandboxPlatform } from '../../providers/ads';
import { createSmtpProvider } from '../../providers/email';
import { campaignStatusQuery, campaignWorkflow } from '../../workflows/campaignWorkflow';
import type { CampaignPolicy, CampaignStatusView, CampaignWorkflowInput } from '../../workflows/types';
import {
  createTestDatabase,
  createTestWorker,
  createTimeSkippingEnv,
  startSmtpSink,
  uniqueId,
  type TestDatabase,
} from '../harness';
import { recordHistory } from '../harness/histories';

export const CHAIRMAN = 'chairman@acme.test';
export const ESCALATION = 'coo@acme.test';
/** The workers' signing secret: decisions sent to approval workflows in these tests are signed with it. */
export const signer = new LinkSigner('campaign-tests-signing-secret-000000000');

/** The policy of the tests: the product's defaults, with a daily sync so a week-long campaign stays short. */
export const testPolicy: CampaignPolicy = {
  campaignBudgetThreshold: 5000,
  budgetIncreasePct: 20,
  approvalTiming: { reminderEvery: 'PT24H', escalateAfter: 'P2D', expireAfter: 'P7D' },
  approvers: [CHAIRMAN],
  escalateTo: [ESCALATION],
  alertTo: [CHAIRMAN],
  alertPct: 80,
  syncEvery: 'P1D',
};

/**
 * A third-party ad platform as a test double: it spends a fixed amount on every day the campaign runs and is not
 * paused (the hints tell it when), whatever the budget, so the budget guard can be driven to 100%. Its campaigns
 * live in the object, like a real platform's outlive our worker, and every call is counted.
 */
export class FixedSpendPlatform implements AdPlatform {
  readonly sandbox = false;
  readonly campaigns = new Map<string, CreateCampaignInput & { externalId: string }>();
  /** Audiences as the sandbox keeps them: these tests are about spend. */
  readonly audiences = createSandboxPlatform().audiences;

  async checkCredentials(): Promise<CredentialStatus[]> {
    return [];
  }

  readonly calls: Array<{ method: string; externalId?: string; value?: number }> = [];
  /** Throws this error on the next calls of a method, once per entry. */
  readonly failures: Array<{ method: string; error: Error }> = [];

  constructor(
    readonly name: AdPlatformName,
    readonly spendPerDay: number,
    readonly conversionsPerDay = 10,
  ) {}

  private maybeFail(method: string): void {
    const i = this.failures.findIndex((f) => f.method === method);
    if (i >= 0) throw this.failures.splice(i, 1)[0]!.error;
  }

  async createCampaign(input: CreateCampaignInput): Promise<{ externalId: string; created: boolean }> {
    this.calls.push({ method: 'createCampaign' });
    this.maybeFail('createCampaign');
    const existing = this.campaigns.get(input.idempotencyKey);
    if (existing) return { externalId: existing.externalId, created: false };
    const externalId = `${this.name}-${this.campaigns.size + 1}`;
    this.campaigns.set(input.idempotencyKey, { ...input, externalId });
    return { externalId, created: true };
  }

  async setBudget(externalId: string, dailyBudget: number): Promise<void> {
    this.calls.push({ method: 'setBudget', externalId, value: dailyBudget });
  }

  async pause(externalId: string): Promise<void> {
    this.calls.push({ method: 'pause', externalId });
    this.maybeFail('pause');
  }

  async resume(externalId: string): Promise<void> {
    this.calls.push({ method: 'resume', externalId });
    this.maybeFail('resume');
  }

  async fetchMetrics(externalId: string, range: DateRange, hints: MetricsHints = {}): Promise<DailyMetrics[]> {
    this.calls.push({ method: 'fetchMetrics', externalId });
    this.maybeFail('fetchMetrics');
    const campaign = [...this.campaigns.values()].find((c) => c.externalId === externalId);
    const out: DailyMetrics[] = [];
    for (let day = range.from; day <= range.to; day = nextDay(day)) {
      const running =
        campaign !== undefined &&
        day >= campaign.startDate &&
        (!campaign.endDate || day <= campaign.endDate) &&
        !(hints.paused ?? []).some((p) => p.from <= day && (p.to === undefined || day <= p.to));
      out.push(
        running
          ? {
              date: day,
              impressions: 10_000,
              clicks: 200,
              conversions: this.conversionsPerDay,
              spend: this.spendPerDay,
              revenue: this.spendPerDay * 3,
            }
          : { date: day, impressions: 0, clicks: 0, conversions: 0, spend: 0, revenue: 0 },
      );
    }
    return out;
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export interface CampaignHarness {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  db: Db;
  sink: MailCatcher;
  taskQueue: string;
  venture: Venture;
  /** Platforms by name, as the activities see them. */
  ads: Record<string, AdPlatform>;
  worker: Worker;
  /** Builds the activities again (a fresh process: the sandbox forgets its state, third parties do not). */
  restartWorker(): Promise<void>;
  /** Creates the campaign row and starts its workflow as the API does. */
  startCampaign(overrides?: Partial<Omit<CampaignWorkflowInput, 'campaignId'>>): Promise<{
    campaignId: string;
    handle: ReturnType<TestWorkflowEnvironment['client']['workflow']['getHandle']>;
  }>;
  status(campaignId: string): Promise<CampaignStatusView>;
  /** Polls (in real time, time skipping stays locked) until the predicate holds. */
  waitFor<T>(probe: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Skips time a step at a time until the campaign's status satisfies the predicate. */
  skipUntil(
    campaignId: string,
    predicate: (s: CampaignStatusView) => boolean,
    step?: Duration,
    maxSteps?: number,
  ): Promise<CampaignStatusView>;
  /** With RECORD_HISTORIES=1, writes the run's history to test/histories/<name>.pb for the replay test. */
  recordHistory(workflowId: string, name: string): Promise<void>;
  /** Today in the test server's clock, YYYY-MM-DD (UTC). */
  today(): Promise<string>;
  teardown(): Promise<void>;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The campaign lifecycle on a time-skipping Temporal server of its own, with the real activities against a fresh
 * database and a real SMTP sink; ad platforms are the sandbox plus whatever test doubles the test passes.
 */
export async function startCampaignHarness(extraAds: Record<string, AdPlatform> = {}): Promise<CampaignHarness> {
  const ts = await createTimeSkippingEnv();
  const database = await createTestDatabase();
  const sink = await startSmtpSink();
  const taskQueue = uniqueId('campaign');
  const email = createSmtpProvider(sink.url);
  const venture = await new VentureStore(database.db).create({
    name: 'Acme',
    slug: uniqueId('acme'),
    productName: 'Acme Notes',
    keywords: ['notes'],
    brand: { values: ['clarity'], tone: 'friendly' },
  });
  const build = () => {
    const ads: Record<string, AdPlatform> = { sandbox: createSandboxPlatform(), ...extraAds };
    return {
      ads,
      activities: createActivities({
        db: database.db,
        email,
        signer,
        mail: {
          from: 'GTM <gtm@acme.test>',
          productName: 'GTM Strategist',
          companyName: 'Acme Inc.',
          publicUrl: 'http://localhost:3000',
          appUrl: 'https://app.acme.test',
          frequencyCap: { max: 100, windowMs: 86_400_000 },
        },
        ads,
        // Reallocation proposals reach the campaign's run through the client (its status, its `reallocate` update).
        temporal: ts.env.client,
      }),
    };
  };
  let built = build();
  // No workflow cache, so no sticky queue: the time-skipping server never hands a stopped worker's sticky tasks to
  // another worker, which would stall the restart test. Every task replays its history instead, which tests replay.
  const workerOptions = { taskQueue, maxCachedWorkflows: 0 } as const;
  let worker = await createTestWorker(ts.env, { activities: built.activities, ...workerOptions });
  let running = worker.run();
  const campaigns = new CampaignStore(database.db);

  const h: CampaignHarness = {
    env: ts.env,
    database,
    db: database.db,
    sink,
    taskQueue,
    venture,
    get ads() {
      return built.ads;
    },
    get worker() {
      return worker;
    },
    async restartWorker() {
      worker.shutdown();
      await running;
      built = build();
      worker = await createTestWorker(ts.env, { activities: built.activities, ...workerOptions });
      running = worker.run();
    },
    async startCampaign(overrides = {}) {
      const today = await h.today();
      const input = {
        version: 1 as const,
        ventureId: venture.id,
        ventureName: venture.name,
        name: 'Spring launch',
        channel: 'paid',
        platforms: ['sandbox'],
        startDate: addDays(today, 2),
        endDate: addDays(today, 8),
        budget: 6000,
        currency: 'USD',
        requestedBy: 'mia (marketer)',
        policy: testPolicy,
        ...overrides,
      };
      const row = await campaigns.create({
        ventureId: input.ventureId,
        name: input.name,
        type: 'launch',
        channel: input.channel,
        platforms: input.platforms,
        startDate: input.startDate,
        endDate: input.endDate,
        budget: input.budget,
        currency: input.currency,
        createdBy: input.requestedBy,
      });
      const handle = await ts.env.client.workflow.start(campaignWorkflow, {
        workflowId: getCampaignWorkflowId(row.id),
        taskQueue,
        args: [{ ...input, campaignId: row.id }],
      });
      return { campaignId: row.id, handle: ts.env.client.workflow.getHandle(handle.workflowId) };
    },
    async status(campaignId) {
      return ts.env.client.workflow.getHandle(getCampaignWorkflowId(campaignId)).query(campaignStatusQuery);
    },
    async waitFor(probe, predicate, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          const value = await probe();
          last = value;
          if (predicate(value)) return value;
        } catch (err) {
          // Not there yet (a child workflow still starting): try again.
          last = String(err);
        }
        if (Date.now() > deadline)
          throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async skipUntil(campaignId, predicate, step = '6h', maxSteps = 60) {
      for (let i = 0; i < maxSteps; i++) {
        const s = await h.status(campaignId);
        if (predicate(s)) return s;
        await ts.env.sleep(step);
      }
      const s = await h.status(campaignId);
      if (predicate(s)) return s;
      throw new Error(`campaign never reached the expected status; last: ${JSON.stringify(s)}`);
    },
    recordHistory: (workflowId, name) => recordHistory(ts.env.client, workflowId, name),
    async today() {
      return new Date(await ts.env.currentTimeMs()).toISOString().slice(0, 10);
    },
    async teardown() {
      worker.shutdown();
      await running.catch(() => undefined);
      await ts.teardown();
      await email.close();
      await sink.stop();
      await database.destroy();
    },
  };
  return h;
}
