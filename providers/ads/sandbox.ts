import { createHash } from 'node:crypto';
import { addDays, daysOf, epochMsToDay } from './dates';
import { roundMoney } from './money';
import { hashEmail, sha256Hex } from './audienceHash';
import type {
  AdPlatform,
  AudienceTarget,
  CreateCampaignInput,
  CredentialStatus,
  DailyMetrics,
  DateRange,
  MetricsHints,
} from './types';

/** Options of the sandbox platform. */
export interface SandboxOptions {
  /** The clock that dates pauses, resumes and budget changes; defaults to Date.now. */
  now?: () => number;
  /** Budget assumed for a campaign this process has not seen and no hint describes; defaults to 100. */
  defaultDailyBudget?: number;
}

interface SandboxCampaign {
  startDate?: string;
  endDate?: string;
  /** Budget changes in order; each applies from its day on. */
  budgets: Array<{ from: string; amount: number }>;
  paused: Array<{ from: string; to?: string }>;
}

/** Deterministic numbers in [0, 1) drawn from a seed: the same seed always gives the same draws. */
export function draws(seed: string): number[] {
  const digest = createHash('sha256').update(seed).digest();
  return Array.from({ length: 8 }, (_, i) => digest.readUInt32BE(i * 4) / 2 ** 32);
}

/**
 * Plausible metrics for one campaign-day, a pure function of (externalId, date, budget): 2k-20k impressions, CTR
 * 0.8-3%, CPC 0.40-2.50, CVR 2-8% of clicks, revenue at a per-campaign order value of 40-160. Clicks are cut so
 * that spend never exceeds the budget, and impressions follow at the same CTR.
 */
export function simulateDay(externalId: string, date: string, dailyBudget: number): DailyMetrics {
  const [impr = 0, ctrDraw = 0, cpcDraw = 0, cvrDraw = 0, valueDraw = 0] = draws(`${externalId}|${date}`);
  const ctr = 0.008 + ctrDraw * 0.022;
  // Whole cents, so clicks * cpc is an exact number of cents and the budget check below is exact too.
  const cpcCents = Math.round(40 + cpcDraw * 210);
  let impressions = 2000 + Math.floor(impr * 18_001);
  let clicks = Math.round(impressions * ctr);
  const budgetCents = Math.max(0, Math.floor(dailyBudget * 100 + 1e-6));
  const affordable = Math.floor(budgetCents / cpcCents);
  if (clicks > affordable) {
    clicks = affordable;
    impressions = Math.round(clicks / ctr);
  }
  const spend = (clicks * cpcCents) / 100;
  const conversions = Math.round(clicks * (0.02 + cvrDraw * 0.06));
  const orderValue = 40 + (draws(externalId)[0] ?? 0) * 120;
  const revenue = roundMoney(conversions * orderValue * (0.85 + valueDraw * 0.3));
  return { date, impressions, clicks, conversions, spend, revenue };
}

function zeroDay(date: string): DailyMetrics {
  return { date, impressions: 0, clicks: 0, conversions: 0, spend: 0, revenue: 0 };
}

/**
 * The default platform of a local run: no network, no money, simulated numbers (`sandbox: true`).
 *
 * Ids are a digest of the idempotency key, so creating is idempotent by construction, even across restarts.
 * Budgets, pauses and the run dates are kept in memory per externalId; that state is lost when the worker
 * restarts, after which the defaults apply (the default budget, never paused). Callers that keep this state
 * themselves pass it as `hints` to `fetchMetrics`, which then depends on nothing but its arguments.
 */
export class SandboxAdPlatform implements AdPlatform {
  readonly name = 'sandbox' as const;
  readonly sandbox = true;
  private readonly campaigns = new Map<string, SandboxCampaign>();
  /** Audiences by externalId, each the set of hashed emails in it (kept in memory, like campaigns). */
  readonly audienceMembers = new Map<string, Set<string>>();
  readonly audiences: AudienceTarget = {
    batchSize: 10_000,
    hashEmail,
    ensureAudience: async ({ key }) => {
      const externalId = `sbx_aud_${sha256Hex(key).slice(0, 24)}`;
      if (!this.audienceMembers.has(externalId)) this.audienceMembers.set(externalId, new Set());
      return { externalId };
    },
    addMembers: async (externalId, hashes) => {
      const members = this.audienceMembers.get(externalId) ?? new Set<string>();
      this.audienceMembers.set(externalId, members);
      for (const hash of hashes) members.add(hash);
      // A simulated match rate of about three in four, the same for the same address every time.
      return { matched: hashes.filter((hash) => parseInt(hash.slice(0, 2), 16) < 192).length };
    },
    removeMembers: async (externalId, hashes) => {
      const members = this.audienceMembers.get(externalId);
      for (const hash of hashes) members?.delete(hash);
    },
  };
  private readonly now: () => number;
  private readonly defaultDailyBudget: number;

  constructor(options: SandboxOptions = {}) {
    this.now = options.now ?? Date.now;
    this.defaultDailyBudget = options.defaultDailyBudget ?? 100;
  }

  async createCampaign(input: CreateCampaignInput): Promise<{ externalId: string; created: boolean }> {
    const externalId = `sbx_${createHash('sha256').update(input.idempotencyKey).digest('hex').slice(0, 24)}`;
    if (this.campaigns.has(externalId)) return { externalId, created: false };
    this.campaigns.set(externalId, {
      startDate: input.startDate,
      endDate: input.endDate,
      budgets: [{ from: '0000-01-01', amount: input.dailyBudget }],
      // Like the real platforms, a new campaign waits for `resume` before it delivers.
      paused: [{ from: input.startDate }],
    });
    return { externalId, created: true };
  }

  async setBudget(externalId: string, dailyBudget: number): Promise<void> {
    this.campaign(externalId).budgets.push({ from: this.today(), amount: dailyBudget });
  }

  async pause(externalId: string): Promise<void> {
    const campaign = this.campaign(externalId);
    if (campaign.paused.some((p) => p.to === undefined)) return;
    campaign.paused.push({ from: this.today() });
  }

  async resume(externalId: string): Promise<void> {
    const campaign = this.campaign(externalId);
    const open = campaign.paused.find((p) => p.to === undefined);
    if (!open) return;
    // Paused through yesterday; a pause resumed on the day it began (or before it began) covers no day at all.
    const to = addDays(this.today(), -1);
    if (to < open.from) campaign.paused.splice(campaign.paused.indexOf(open), 1);
    else open.to = to;
  }

  async fetchMetrics(externalId: string, range: DateRange, hints: MetricsHints = {}): Promise<DailyMetrics[]> {
    const known = this.campaigns.get(externalId);
    const paused = hints.paused ?? known?.paused ?? [];
    return daysOf(range, 'sandbox').map((date) => {
      if (known?.startDate && date < known.startDate) return zeroDay(date);
      if (known?.endDate && date > known.endDate) return zeroDay(date);
      if (paused.some((p) => p.from <= date && (p.to === undefined || date <= p.to))) return zeroDay(date);
      const budget = hints.dailyBudget ?? this.budgetOn(known, date);
      return simulateDay(externalId, date, budget);
    });
  }

  /** The sandbox has no credentials to expire. */
  async checkCredentials(): Promise<CredentialStatus[]> {
    return [];
  }

  private budgetOn(campaign: SandboxCampaign | undefined, date: string): number {
    let amount = this.defaultDailyBudget;
    for (const change of campaign?.budgets ?? []) if (change.from <= date) amount = change.amount;
    return amount;
  }

  /** A campaign this process has not seen (a restart) starts from the defaults rather than failing. */
  private campaign(externalId: string): SandboxCampaign {
    let campaign = this.campaigns.get(externalId);
    if (!campaign) {
      campaign = { budgets: [], paused: [] };
      this.campaigns.set(externalId, campaign);
    }
    return campaign;
  }

  private today(): string {
    return epochMsToDay(this.now());
  }
}

/** A sandbox platform with its own in-memory state. */
export function createSandboxPlatform(options?: SandboxOptions): SandboxAdPlatform {
  return new SandboxAdPlatform(options);
}
