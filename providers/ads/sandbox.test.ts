import { daysOf } from './dates';
import { createSandboxPlatform, simulateDay } from './sandbox';
import { AdPlatformError } from './types';

const launch = {
  idempotencyKey: 'launch-1',
  name: 'Spring launch',
  dailyBudget: 500,
  currency: 'USD',
  startDate: '2026-01-01',
};
const year = { from: '2026-01-01', to: '2026-12-31' };

describe('sandbox ad platform', () => {
  it('says it is a sandbox and derives ids from the key, so creating twice (even in a new process) is one campaign', async () => {
    const a = createSandboxPlatform();
    const b = createSandboxPlatform();
    expect(a.sandbox).toBe(true);
    expect(a.name).toBe('sandbox');
    const first = await a.createCampaign(launch);
    expect(first.created).toBe(true);
    expect(await a.createCampaign(launch)).toEqual({ externalId: first.externalId, created: false });
    expect((await b.createCampaign(launch)).externalId).toBe(first.externalId);
    expect((await a.createCampaign({ ...launch, idempotencyKey: 'launch-2' })).externalId).not.toBe(first.externalId);
  });

  it('is deterministic: the same campaign, day and budget give the same numbers in any process', async () => {
    const a = createSandboxPlatform();
    const b = createSandboxPlatform();
    const range = { from: '2026-03-01', to: '2026-03-10' };
    const rowsA = await a.fetchMetrics('sbx_abc', range, { dailyBudget: 200 });
    const rowsB = await b.fetchMetrics('sbx_abc', range, { dailyBudget: 200 });
    expect(rowsA).toEqual(rowsB);
    expect(rowsA.map((r) => r.date)).toEqual(daysOf(range, 'sandbox'));
    expect(await a.fetchMetrics('sbx_other', range, { dailyBudget: 200 })).not.toEqual(rowsA);
  });

  it('stays in plausible ranges when the budget does not bind', () => {
    for (const date of daysOf(year, 'sandbox')) {
      const day = simulateDay('sbx_plausible', date, 1_000_000);
      expect(day.impressions).toBeGreaterThanOrEqual(2000);
      expect(day.impressions).toBeLessThanOrEqual(20_000);
      const ctr = day.clicks / day.impressions;
      expect(ctr).toBeGreaterThanOrEqual(0.0077);
      expect(ctr).toBeLessThanOrEqual(0.0303);
      const cpc = day.spend / day.clicks;
      expect(cpc).toBeGreaterThanOrEqual(0.4);
      expect(cpc).toBeLessThanOrEqual(2.5);
      expect(day.conversions).toBeLessThanOrEqual(Math.round(day.clicks * 0.08));
      expect(day.conversions).toBeGreaterThanOrEqual(Math.round(day.clicks * 0.02));
      if (day.conversions > 0) {
        const orderValue = day.revenue / day.conversions;
        expect(orderValue).toBeGreaterThanOrEqual(40 * 0.85 - 0.01);
        expect(orderValue).toBeLessThanOrEqual(160 * 1.15 + 0.01);
      }
    }
  });

  it('never spends more than the daily budget', () => {
    for (const budget of [0, 0.39, 1, 7.77, 25, 60, 150]) {
      for (const date of daysOf({ from: '2026-05-01', to: '2026-06-30' }, 'sandbox')) {
        const day = simulateDay('sbx_budget', date, budget);
        expect(day.spend).toBeLessThanOrEqual(budget);
        expect(day.spend).toBeGreaterThanOrEqual(0);
        expect(day.clicks).toBeLessThanOrEqual(day.impressions);
      }
    }
  });

  it('delivers nothing until resumed, nothing while paused, and spends within the budget in force', async () => {
    let now = Date.parse('2026-01-10T09:00:00Z');
    const ads = createSandboxPlatform({ now: () => now });
    const { externalId } = await ads.createCampaign(launch);
    const jan = { from: '2026-01-01', to: '2026-01-31' };

    expect((await ads.fetchMetrics(externalId, jan)).every((d) => d.impressions === 0 && d.spend === 0)).toBe(true);

    await ads.resume(externalId); // Jan 10: delivers from the 10th
    now = Date.parse('2026-01-15T09:00:00Z');
    await ads.pause(externalId); // paused from the 15th
    now = Date.parse('2026-01-20T09:00:00Z');
    await ads.resume(externalId); // delivers again from the 20th
    await ads.setBudget(externalId, 20); // and from the 20th on at most 20 a day

    const rows = await ads.fetchMetrics(externalId, jan);
    const active = (d: string): boolean => (d >= '2026-01-10' && d < '2026-01-15') || d >= '2026-01-20';
    for (const row of rows) {
      if (active(row.date)) expect(row.impressions).toBeGreaterThan(0);
      else expect(row).toEqual({ date: row.date, impressions: 0, clicks: 0, conversions: 0, spend: 0, revenue: 0 });
      expect(row.spend).toBeLessThanOrEqual(row.date >= '2026-01-20' ? 20 : 500);
    }
  });

  it('uses the caller’s budget and pauses over its own memory, for workers that restarted', async () => {
    const fresh = createSandboxPlatform();
    const rows = await fresh.fetchMetrics(
      'sbx_restarted',
      { from: '2026-02-01', to: '2026-02-05' },
      {
        dailyBudget: 5,
        paused: [{ from: '2026-02-02', to: '2026-02-03' }],
      },
    );
    expect(rows.map((r) => r.impressions > 0)).toEqual([true, false, false, true, true]);
    for (const row of rows) expect(row.spend).toBeLessThanOrEqual(5);
  });

  it('refuses a malformed range', async () => {
    const ads = createSandboxPlatform();
    await expect(ads.fetchMetrics('sbx_x', { from: '2026-02-05', to: '2026-02-01' })).rejects.toBeInstanceOf(
      AdPlatformError,
    );
    await expect(ads.fetchMetrics('sbx_x', { from: '2026-02-30', to: '2026-03-01' })).rejects.toThrow(
      /not a YYYY-MM-DD day/,
    );
  });
});
