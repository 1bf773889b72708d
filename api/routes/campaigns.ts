import { Router, type Request, type Response } from 'express';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { AD_PLATFORM_NAMES } from '../../config/adPlatforms';
import { CampaignPerformanceStore } from '../../db/stores/campaignPerformance';
import { CampaignStore, type Campaign } from '../../db/stores/campaigns';
import { VentureStore } from '../../db/stores/ventures';
import {
  CAMPAIGN_STATES,
  isTerminal,
  refusal,
  type CampaignAction,
  type CampaignState,
} from '../../domain/campaignLifecycle';
import { campaignHorizon, CAMPAIGN_HORIZON_YEARS } from '../../domain/campaignHorizon';
import { getCampaignWorkflowId } from '../../domain/ids';
import { MAX_AMOUNT, moneyProblem } from '../../domain/money';
import { CampaignService, campaignSettings, type CampaignSettings } from '../../services/campaigns';
import {
  adjustBudgetUpdate,
  campaignStatusQuery,
  cancelCampaignSignal,
  pauseCampaignSignal,
  reallocateUpdate,
  resumeCampaignSignal,
} from '../../workflows/campaignWorkflow';
import type { CampaignStatusView } from '../../workflows/types';
import type { AppDeps } from '../app';
import { actorOf, requireRole } from '../auth';
import { badRequest, conflict, notFound, parseOr400 } from '../errors';
import { temporalRunLink, withTimeout } from '../temporalLinks';

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

const listQuery = z
  .object({
    ventureId: z.uuid().optional(),
    status: z.enum(CAMPAIGN_STATES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

const actionBody = z.object({ reason: z.string().trim().max(500).optional() }).strict();
export const budgetBody = z.object({ budget: money, reason: z.string().trim().max(500).optional() }).strict();

/** What a request to a campaign's run should get back: a 409 naming the run's refusal, 404 for no run. */
function updateError(err: unknown): unknown {
  if (err instanceof WorkflowUpdateFailedError) {
    const type = err.cause instanceof ApplicationFailure ? (err.cause.type ?? undefined) : undefined;
    return conflict(err.cause?.message ?? err.message, type);
  }
  if (err instanceof WorkflowNotFoundError || /already completed/i.test(String((err as Error)?.message))) {
    return conflict('the campaign is no longer running');
  }
  return err;
}

/** Campaigns: created with their workflow, steered by signals and updates, read with their live state. */
export function campaignRoutes(deps: Pick<AppDeps, 'db' | 'temporal' | 'config' | 'taskQueue'>): Router {
  const { db, temporal, config } = deps;
  const router = Router();
  const settings: CampaignSettings = campaignSettings(config);
  const service = new CampaignService(db, temporal, settings, deps.taskQueue);
  const campaigns = new CampaignStore(db);
  const performance = new CampaignPerformanceStore(db);
  const ventures = new VentureStore(db);
  const writers = requireRole(db, 'marketer');
  const stoppers = requireRole(db, 'marketer', 'operator', 'chairman');

  const present = (c: Campaign) => {
    const workflowId = getCampaignWorkflowId(c.id);
    return {
      id: c.id,
      ventureId: c.ventureId,
      strategyId: c.strategyId,
      name: c.name,
      type: c.type,
      channel: c.channel,
      platforms: c.platforms.map((p) => ({
        name: p,
        externalId: c.platformCampaignIds[p] ?? null,
        sandbox: settings.modes[p as keyof CampaignSettings['modes']] !== 'live',
      })),
      // What the launch recorded; before launch, what the configuration says the platforms will be.
      sandbox: c.sandbox ?? c.platforms.some((p) => settings.modes[p as keyof CampaignSettings['modes']] !== 'live'),
      startDate: c.startDate,
      endDate: c.endDate,
      budget: c.budget,
      spent: c.spent,
      currency: c.currency,
      status: c.status,
      statusReason: c.statusReason,
      targetAudience: c.targetAudience ?? null,
      createdBy: c.createdBy,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      workflowId,
      temporalUrl: temporalRunLink(config, workflowId),
    };
  };

  const load = async (req: Request): Promise<Campaign> => {
    const campaign = await campaigns.get(String(req.params.id));
    if (!campaign) throw notFound(`campaign ${req.params.id}`);
    return campaign;
  };

  const liveOf = (id: string): Promise<CampaignStatusView | undefined> =>
    withTimeout(temporal.workflow.getHandle(getCampaignWorkflowId(id)).query(campaignStatusQuery), 5_000).catch(
      () => undefined,
    );

  /** The state that decides what is legal now: the run's, or the row's when the run is over or unreachable. */
  const stateOf = async (c: Campaign): Promise<{ state: CampaignState; live?: CampaignStatusView }> => {
    if (isTerminal(c.status)) return { state: c.status };
    const live = await liveOf(c.id);
    return live ? { state: live.state, live } : { state: c.status };
  };

  router.post('/campaigns', writers, async (req, res) => {
    const body = parseOr400(campaignBody, req.body);
    const venture = await ventures.getById(body.ventureId);
    if (!venture) throw notFound(`venture ${body.ventureId}`);
    const problems = body.platforms
      .filter((p) => settings.currencies[p] && settings.currencies[p] !== body.currency)
      .map((p) => ({
        path: 'currency',
        message: `the ${p} ad account bills in ${settings.currencies[p]}, not ${body.currency}`,
      }));
    if (problems.length) throw badRequest('invalid request body', problems);
    const { actor, actorRole } = actorOf(req);
    const { campaign, workflowId } = await service.create({
      ventureId: body.ventureId,
      ventureName: venture.name,
      ...(body.strategyId ? { strategyId: body.strategyId } : {}),
      name: body.name,
      type: body.type,
      channel: body.channel,
      platforms: body.platforms,
      startDate: body.startDate,
      endDate: body.endDate,
      budget: body.budget,
      currency: body.currency,
      ...(body.objective ? { objective: body.objective } : {}),
      ...(body.targetAudience ? { targetAudience: body.targetAudience } : {}),
      ...(body.creativeAssets !== undefined ? { creativeAssets: body.creativeAssets } : {}),
      createdBy: actor,
      actorRole,
    });
    res
      .status(201)
      .location(`/v1/campaigns/${campaign.id}`)
      .json({ ...present(campaign), workflowId, approval: service.needsApproval(body.budget) });
  });

  router.get('/campaigns', async (req, res) => {
    const q = parseOr400(listQuery, req.query, 'query');
    res.json({ campaigns: (await campaigns.list(q)).map(present), limit: q.limit, offset: q.offset });
  });

  router.get('/campaigns/:id', async (req, res) => {
    const campaign = await load(req);
    const [live, totals] = await Promise.all([liveOf(campaign.id), performance.totals(campaign.id)]);
    res.json({ ...present(campaign), live: live ?? null, totals: totals.total });
  });

  const action =
    (name: 'pause' | 'resume' | 'cancel', target: CampaignState) => async (req: Request, res: Response) => {
      const campaign = await load(req);
      const body = parseOr400(actionBody, req.body ?? {});
      const { state, live } = await stateOf(campaign);
      const refused = refusal(name as CampaignAction, state);
      if (refused) throw conflict(refused, 'IllegalCampaignState');
      if (name === 'resume' && live && live.spent >= live.budget) {
        throw conflict(
          `the budget is used up (${live.spent} of ${live.budget}): raise it first with POST /v1/campaigns/${campaign.id}/budget`,
        );
      }
      const { actor, actorRole } = actorOf(req);
      const signal =
        name === 'pause' ? pauseCampaignSignal : name === 'resume' ? resumeCampaignSignal : cancelCampaignSignal;
      try {
        await temporal.workflow
          .getHandle(getCampaignWorkflowId(campaign.id))
          .signal(signal, { by: actor, role: actorRole, ...(body.reason ? { reason: body.reason } : {}) });
      } catch (err) {
        throw updateError(err);
      }
      // The change is the run's to make (it calls the platforms); answer with it when it is quick, else accepted.
      const deadline = Date.now() + 3_000;
      let now: CampaignState = state;
      while (Date.now() < deadline) {
        const seen = await liveOf(campaign.id);
        now = seen?.state ?? now;
        if (now === target) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      res.status(now === target ? 200 : 202).json({ campaignId: campaign.id, action: name, state: now });
    };

  router.post('/campaigns/:id/pause', stoppers, action('pause', 'paused'));
  router.post('/campaigns/:id/resume', writers, action('resume', 'active'));
  router.post('/campaigns/:id/cancel', stoppers, action('cancel', 'cancelled'));

  router.post('/campaigns/:id/budget', writers, async (req, res) => {
    const campaign = await load(req);
    const body = parseOr400(budgetBody, req.body);
    const amount = moneyProblem(body.budget, campaign.currency);
    if (amount) throw badRequest('invalid request body', [{ path: 'budget', message: amount }]);
    const { state } = await stateOf(campaign);
    const refused = refusal('adjustBudget', state);
    if (refused) throw conflict(refused, 'IllegalCampaignState');
    const { actor, actorRole } = actorOf(req);
    try {
      const result = await temporal.workflow
        .getHandle(getCampaignWorkflowId(campaign.id))
        .executeUpdate(adjustBudgetUpdate, {
          args: [
            {
              newBudget: body.budget,
              requestedBy: actor,
              role: actorRole,
              ...(body.reason ? { reason: body.reason } : {}),
            },
          ],
        });
      res.json({ campaignId: campaign.id, ...result });
    } catch (err) {
      throw updateError(err);
    }
  });

  router.post('/campaigns/:id/reallocate', writers, async (req, res) => {
    const campaign = await load(req);
    const { state } = await stateOf(campaign);
    const refused = refusal('reallocate', state);
    if (refused) throw conflict(refused, 'IllegalCampaignState');
    const { actor, actorRole } = actorOf(req);
    try {
      const result = await temporal.workflow
        .getHandle(getCampaignWorkflowId(campaign.id))
        .executeUpdate(reallocateUpdate, { args: [{ by: actor, role: actorRole }] });
      res.json({ campaignId: campaign.id, ...result });
    } catch (err) {
      throw updateError(err);
    }
  });

  router.get('/campaigns/:id/performance', async (req, res) => {
    const campaign = await load(req);
    const [totals, daily, finalReport] = await Promise.all([
      performance.totals(campaign.id),
      performance.daily(campaign.id),
      performance.finalReport(campaign.id),
    ]);
    const series = new Map<string, { channel: string | null; platform: string; days: unknown[] }>();
    for (const d of daily) {
      const key = `${d.channel ?? ''}|${d.platform}`;
      const s = series.get(key) ?? series.set(key, { channel: d.channel, platform: d.platform, days: [] }).get(key)!;
      const { channel: _c, platform: _p, ...rest } = d;
      s.days.push(rest);
    }
    res.json({
      campaignId: campaign.id,
      currency: campaign.currency,
      budget: campaign.budget,
      spent: campaign.spent,
      totals,
      series: [...series.values()],
      finalReport: finalReport ?? null,
    });
  });

  return router;
}
