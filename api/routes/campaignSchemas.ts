import { z } from 'zod';
import { AD_PLATFORM_NAMES } from '../../config/adPlatforms';
import { campaignHorizon, CAMPAIGN_HORIZON_YEARS } from '../../domain/campaignHorizon';
import { CAMPAIGN_STATES } from '../../domain/campaignLifecycle';
import { MAX_AMOUNT, moneyProblem } from '../../domain/money';

const text = (max: number) => z.string().trim().min(1).max(max);
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = z
  .string()
  .regex(ISO_DAY, 'a day as YYYY-MM-DD')
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, 'not a real day');
/** An amount of money; whether its decimals fit the currency is checked where the currency is known. */
const money = z.number().positive().max(MAX_AMOUNT);
/** The longest campaign: its whole range must fit one metrics request of the platforms. */
const MAX_CAMPAIGN_DAYS = 731;
const DAY_MS = 86_400_000;
const reason = z.string().trim().max(500).optional();

export const campaignBody = z
  .object({
    ventureId: z.uuid(),
    strategyId: z.uuid().optional(),
    name: text(200),
    type: text(50),
    channel: text(50).default('paid'),
    platforms: z
      .array(z.enum(AD_PLATFORM_NAMES))
      .min(1)
      .max(AD_PLATFORM_NAMES.length)
      .refine((p) => new Set(p).size === p.length, 'each platform once'),
    startDate: day,
    endDate: day,
    budget: money,
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
      .default('USD'),
    objective: text(50).optional(),
    targetAudience: z.record(z.string().max(100), z.unknown()).optional(),
    creativeAssets: z.unknown().optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.endDate < b.startDate) ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'before startDate' });
    const today = new Date().toISOString().slice(0, 10);
    if (b.endDate < today) ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'already in the past' });
    const days = (Date.parse(b.endDate) - Date.parse(b.startDate)) / DAY_MS + 1;
    if (days > MAX_CAMPAIGN_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['endDate'], message: `a campaign runs at most ${MAX_CAMPAIGN_DAYS} days` });
    }
    const horizon = campaignHorizon(today);
    for (const field of ['startDate', 'endDate'] as const) {
      if (b[field] > horizon) {
        const message = `at most ${CAMPAIGN_HORIZON_YEARS} years ahead: on or before ${horizon}`;
        ctx.addIssue({ code: 'custom', path: [field], message });
      }
    }
    // Only an amount that passed the basic checks, so a negative budget is not reported twice.
    const amount = b.budget > 0 && b.budget <= MAX_AMOUNT ? moneyProblem(b.budget, b.currency) : undefined;
    if (amount) ctx.addIssue({ code: 'custom', path: ['budget'], message: amount });
  });

/** A campaign's path: any text, so an id that is not a uuid is a 404 like any unknown id. */
export const campaignParams = z.object({ id: z.string() });

export const campaignListQuery = z
  .object({
    ventureId: z.uuid().optional(),
    status: z.enum(CAMPAIGN_STATES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

/** The optional body of pause, resume and cancel. */
export const campaignActionBody = z.object({ reason }).strict();
export const budgetBody = z.object({ budget: money, reason }).strict();
export const reallocateBody = z
  .object({
    shares: z
      .record(z.string().max(50), z.number().min(0).max(1))
      .optional()
      .describe('each platform’s share of the daily budget, adding up to 1; without it, the optimiser’s split'),
  })
  .strict();

const metrics = z.object({
  impressions: z.number(),
  clicks: z.number(),
  conversions: z.number(),
  spend: z.number(),
  revenue: z.number(),
  ctr: z.number().nullable(),
  cvr: z.number().nullable(),
  roas: z.number().nullable(),
  cac: z.number().nullable(),
});

/** A campaign as every campaign route answers it. */
export const campaignResponse = z.object({
  id: z.uuid(),
  ventureId: z.uuid().nullable(),
  strategyId: z.uuid().nullable(),
  name: z.string(),
  type: z.string(),
  channel: z.string(),
  platforms: z.array(
    z.object({
      name: z.string(),
      externalId: z.string().nullable().describe('the campaign’s id on the platform, once launched'),
      sandbox: z.boolean().describe('true when the platform is simulated: no money moves there'),
    }),
  ),
  sandbox: z.boolean(),
  startDate: z.iso.date(),
  endDate: z.iso.date().nullable(),
  budget: z.number(),
  spent: z.number(),
  currency: z.string(),
  status: z.enum(CAMPAIGN_STATES),
  statusReason: z.string().nullable(),
  targetAudience: z.record(z.string(), z.unknown()).nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  workflowId: z.string(),
  temporalUrl: z.url().describe('the campaign’s run in the Temporal UI'),
});

export const createdCampaignResponse = campaignResponse.extend({
  approval: z.object({ required: z.boolean(), reason: z.string() }).describe('whether the chairman must approve'),
});

/** The run's own view, as its `status` query answers; null when the run is over or unreachable. */
const liveCampaign = z
  .looseObject({
    state: z.enum(CAMPAIGN_STATES),
    budget: z.number(),
    spent: z.number(),
    percentSpent: z.number(),
    currency: z.string(),
    sandbox: z.boolean(),
  })
  .nullable();

export const campaignDetailResponse = campaignResponse.extend({ live: liveCampaign, totals: metrics });

export const campaignListResponse = z.object({
  campaigns: z.array(campaignResponse),
  limit: z.number(),
  offset: z.number(),
});

export const campaignExample = {
  ventureId: '6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b',
  name: 'Spring launch: search and social',
  type: 'launch',
  channel: 'paid',
  platforms: ['google', 'meta'],
  startDate: '2027-04-01',
  endDate: '2027-04-30',
  budget: 12_000,
  currency: 'USD',
  objective: 'conversions',
  targetAudience: { countries: ['US', 'CA'], ageRange: '25-44' },
};
