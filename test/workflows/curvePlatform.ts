import { createHash } from 'node:crypto';
import type { Db } from '../../db/knex';
import { CampaignPerformanceStore } from '../../db/stores/campaignPerformance';
import type { ChannelResponse } from '../../domain/responseCurves';
import {
  createSandboxPlatform,
  type AdPlatform,
  type AdPlatformName,
  type CreateCampaignInput,
  type CredentialStatus,
  type DailyMetrics,
  type DateRange,
} from '../../providers/ads';

/** A number in [0, 1) drawn from a seed: the same seed always gives the same draw. */
function draw(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32;
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * An ad platform whose conversions follow a known response (geometric adstock into Hill saturation) to what it
 * spends, as a real channel's would: it spends between 35% and 100% of the daily budget in force each day (the
 * day-to-day variation that lets a fit tell spend from baseline), and its conversions are the response to that
 * spend's adstock, with ±5% noise, rounded. Budgets are dated by the test server's clock; every setBudget is kept.
 * Days before the campaign was created on it ran at `historyDaily`.
 */
export class CurvePlatform implements AdPlatform {
  readonly sandbox = false;
  /** Audiences as the sandbox keeps them: these tests are about spend. */
  readonly audiences = createSandboxPlatform().audiences;

  async checkCredentials(): Promise<CredentialStatus[]> {
    return [];
  }

  /** Campaigns by external id, each with its daily budgets in force from each day on, oldest first. */
  private readonly campaigns = new Map<
    string,
    { input: CreateCampaignInput; budgets: Array<{ from: string; amount: number }> }
  >();

  constructor(
    readonly name: AdPlatformName,
    readonly truth: ChannelResponse,
    private readonly today: () => Promise<string>,
    /** What it spent a day (at most) before the campaign was created on it: a campaign may start in the past. */
    private readonly historyDaily: number,
  ) {}

  async createCampaign(input: CreateCampaignInput): Promise<{ externalId: string; created: boolean }> {
    const externalId = `${this.name}-${input.idempotencyKey}`;
    if (this.campaigns.has(externalId)) return { externalId, created: false };
    const budgets = [
      { from: input.startDate, amount: this.historyDaily },
      { from: await this.today(), amount: input.dailyBudget },
    ];
    this.campaigns.set(externalId, { input, budgets });
    return { externalId, created: true };
  }

  async setBudget(externalId: string, dailyBudget: number): Promise<void> {
    this.campaigns.get(externalId)?.budgets.push({ from: await this.today(), amount: dailyBudget });
  }

  async pause(): Promise<void> {}
  async resume(): Promise<void> {}

  /** The daily budget in force now for a campaign. */
  dailyBudget(externalId: string): number {
    const budgets = this.campaigns.get(externalId)?.budgets ?? [];
    return budgets[budgets.length - 1]?.amount ?? 0;
  }

  private spendOn(externalId: string, day: string): number {
    let amount = 0;
    for (const b of this.campaigns.get(externalId)?.budgets ?? []) if (b.from <= day) amount = b.amount;
    return Math.round(amount * (0.35 + 0.65 * draw(`${externalId}|spend|${day}`)) * 100) / 100;
  }

  async fetchMetrics(externalId: string, range: DateRange): Promise<DailyMetrics[]> {
    const c = this.campaigns.get(externalId);
    if (!c) return [];
    const { decay, halfSaturation: k, shape, maxEffect } = this.truth;
    const out: DailyMetrics[] = [];
    let adstock = 0;
    for (let day = c.input.startDate; day <= range.to; day = nextDay(day)) {
      const spend = this.spendOn(externalId, day);
      adstock = spend + decay * adstock;
      if (day < range.from) continue;
      const effect = maxEffect / (1 + Math.pow(k / Math.max(adstock, 1e-9), shape));
      const conversions = Math.round(effect * (1 + 0.1 * (draw(`${externalId}|noise|${day}`) - 0.5)));
      out.push({
        date: day,
        impressions: Math.round(spend * 40),
        clicks: Math.round(spend),
        conversions,
        spend,
        revenue: conversions * 50,
      });
    }
    return out;
  }
}

/**
 * Days of a channel that spent between 35% and 100% of `daily` each day and converted as `truth` says (the same
 * response, noise and rounding as CurvePlatform): a history to store for a campaign, as if synced before. The draws
 * follow each day's place in `dates`, not its date, so a seed gives the same figures whatever day the test runs.
 */
export function responseHistory(
  seed: string,
  truth: ChannelResponse,
  dates: readonly string[],
  daily: number,
): DailyMetrics[] {
  const { decay, halfSaturation: k, shape, maxEffect } = truth;
  let adstock = 0;
  return dates.map((date, i) => {
    const spend = Math.round(daily * (0.35 + 0.65 * draw(`${seed}|spend|${i}`)) * 100) / 100;
    adstock = spend + decay * adstock;
    const effect = maxEffect / (1 + Math.pow(k / Math.max(adstock, 1e-9), shape));
    const conversions = Math.round(effect * (1 + 0.1 * (draw(`${seed}|noise|${i}`) - 0.5)));
    return {
      date,
      impressions: Math.round(spend * 40),
      clicks: Math.round(spend),
      conversions,
      spend,
      revenue: conversions * 50,
    };
  });
}

/** Google converts well and saturates late; Meta saturates early: the best split of ~200 a day leans to Google. */
export const TRUTHS: Record<'google' | 'meta', ChannelResponse> = {
  google: { decay: 0.3, halfSaturation: 400, shape: 1.2, maxEffect: 300 },
  meta: { decay: 0.5, halfSaturation: 150, shape: 1, maxEffect: 60 },
};

/**
 * Stores `days` days before today of both platforms at up to 150 a day each, as a sync would have: the same figures
 * for every campaign and every run, so a fit of them (itself seeded) finds the same curves each time.
 */
export async function storeHistory(
  db: Db,
  campaign: { campaignId: string; ventureId: string | null; channel: string },
  days: number,
): Promise<void> {
  const dates = Array.from({ length: days }, (_, i) =>
    new Date(Date.now() + (i - days) * 86_400_000).toISOString().slice(0, 10),
  );
  const store = new CampaignPerformanceStore(db);
  for (const platform of ['google', 'meta'] as const) {
    await store.upsertDays(
      { ...campaign, platform },
      responseHistory(`history|${platform}`, TRUTHS[platform], dates, 150),
    );
  }
}
