import { z } from 'zod';
import { loadVenture } from '../../services/ventureContext';
import { DEFAULT_PERIOD_DAYS, periodOf, ventureUnitEconomics } from '../../services/unitEconomics';
import type { RouteDeps } from '../deps';
import { notFound } from '../errors';
import { defineRoute, ok, r400, r404, type AnyRoute } from '../registry';

const day = (field: string) =>
  z.iso
    .date({ error: `a day as YYYY-MM-DD, e.g. ?${field}=2026-03-01` })
    // Year 0 is a valid ISO day but not a PostgreSQL one; no campaign or event is that old.
    .refine((d) => d >= '1970-01-01', 'a day from 1970-01-01 on')
    .optional();

const PARAMETERS = ['from', 'to'];

/** `from` and `to`, both optional; any other parameter is refused by name. */
export const unitEconomicsQuery = z
  .looseObject({ from: day('from'), to: day('to') })
  .superRefine((q, ctx) => {
    for (const key of Object.keys(q).filter((k) => !PARAMETERS.includes(k)))
      ctx.addIssue({ code: 'custom', path: [key], message: 'not a parameter of this route: it takes from and to' });
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

const nullableNumber = z.number().nullable();

/** The answer of `GET /v1/ventures/:id/unit-economics`. */
export const unitEconomicsResponse = z.object({
  ventureId: z.string(),
  from: z.string(),
  to: z.string(),
  currency: z.string().nullable(),
  cac: nullableNumber,
  ltv: nullableNumber,
  ltvCacRatio: nullableNumber,
  arpuMonthly: nullableNumber,
  monthlyChurnRate: nullableNumber,
  lifetimeMonths: nullableNumber,
  grossMargin: nullableNumber,
  targets: z.object({ ltvCacRatio: z.number(), cac: nullableNumber }),
  targetsSource: z.enum(['marketing_automation_config', 'default']),
  meetsTarget: z.object({ ltvCacRatio: z.boolean().nullable(), cac: z.boolean().nullable() }),
  counts: z.object({
    spend: z.number(),
    performanceRows: z.number(),
    newCustomers: z.number(),
    activeCustomers: z.number(),
    cancellations: z.number(),
    customerMonths: z.number(),
    revenue: z.number(),
    revenueEvents: z.number(),
  }),
  conversionEvents: z.record(z.string(), z.string().nullable()),
  assumptions: z.array(z.string()),
  missing: z.array(z.string()),
});

/** The worked example of docs/forecasts.md. */
const example: z.infer<typeof unitEconomicsResponse> = {
  ventureId: '6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b',
  from: '2026-01-01',
  to: '2026-03-31',
  currency: 'USD',
  cac: 300,
  ltv: 1600,
  ltvCacRatio: 5.33,
  arpuMonthly: 100,
  monthlyChurnRate: 0.05,
  lifetimeMonths: 20,
  grossMargin: 0.8,
  targets: { ltvCacRatio: 5, cac: 250 },
  targetsSource: 'marketing_automation_config',
  meetsTarget: { ltvCacRatio: true, cac: false },
  counts: {
    spend: 6000,
    performanceRows: 90,
    newCustomers: 20,
    activeCustomers: 25,
    cancellations: 3,
    customerMonths: 60,
    revenue: 6000,
    revenueEvents: 60,
  },
  conversionEvents: { conversion: null, subscription_started: null, purchase: null },
  assumptions: [],
  missing: [],
};

/** A venture's CAC, LTV and LTV/CAC against its targets. */
export function unitEconomicsRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:id/unit-economics',
      summary: 'CAC, LTV and LTV/CAC over a period, against the venture’s targets',
      description:
        'CAC is the spend of the venture’s campaigns over the new customers of the period (contacts whose first ' +
        'conversion event falls in it); LTV is the average revenue per customer-month times the gross margin ' +
        '(`profile.grossMargin`) over the monthly churn (`subscription_cancelled`), the lifetime capped at 36 ' +
        `months. \`from\` and \`to\` (YYYY-MM-DD, both included) default to the ${DEFAULT_PERIOD_DAYS} days to ` +
        'today. A figure that cannot be computed is null with the reason in `missing`; what was assumed is in ' +
        '`assumptions`. Targets come from `marketing_automation_config` (LTV/CAC 5.0 when none). See docs/forecasts.md.',
      tag: 'Intelligence',
      access: 'any',
      query: unitEconomicsQuery,
      response: unitEconomicsResponse,
      responses: { ...ok('the unit economics'), ...r400, ...r404 },
      example: { response: example },
      handler: async ({ params, query }, _req, res) => {
        const venture = await loadVenture(db, params.id);
        if (!venture) throw notFound(`venture ${params.id}`);
        const now = Date.now();
        res.json(await ventureUnitEconomics(db, venture, periodOf(query, now), now));
      },
    }),
  ];
}
