import { personOf } from '../../domain/identity';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { CampaignPerformanceStore } from '../../db/stores/campaignPerformance';
import { CampaignStore, type Campaign } from '../../db/stores/campaigns';
import type { Role } from '../../db/stores/apiKeys';
import { VentureStore } from '../../db/stores/ventures';
import {
  isTerminal,
  refusal,
  sharesProblem,
  type CampaignAction,
  type CampaignState,
} from '../../domain/campaignLifecycle';
import type { ControlAction } from '../../domain/campaignMachine';
import { getCampaignWorkflowId, TASK_QUEUES } from '../../domain/ids';
import { movedPct } from '../../domain/reallocationProposal';
import { remainingDailyBudget } from '../../domain/campaignBudget';
import { moneyProblem } from '../../domain/money';
import {
  CampaignActionRefusedError,
  CampaignControlUnavailableError,
  CampaignNotRunningError,
  controlCampaign,
} from '../../services/campaignControl';
import { suggestShares } from '../../services/campaignMix';
import { CampaignService, campaignSettings, type CampaignSettings } from '../../services/campaigns';
import { reallocationPolicy, startProposal } from '../../services/proposalRequests';
import { adjustBudgetUpdate, campaignStatusQuery, reallocateUpdate } from '../../workflows/campaignWorkflow';
import type { CampaignStatusView } from '../../workflows/types';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, conflict, HttpError, notFound } from '../errors';
import { defineRoute, MARKETERS, ok, r400, r404, r409, type AnyRoute } from '../registry';
import { temporalRunLink } from '../temporalLinks';
import {
  budgetBody,
  reallocateBody,
  campaignActionBody,
  campaignBody,
  campaignDetailResponse,
  campaignExample,
  campaignListQuery,
  campaignListResponse,
  campaignParams,
  createdCampaignResponse,
} from './campaignSchemas';

/** Who may stop a campaign: anyone who sees it misbehave, the chairman included. */
const STOPPERS: readonly Role[] = ['marketer', 'operator', 'chairman'];

/** What a request to a campaign's run should get back: a 409 naming the run's refusal, or saying the run is over. */
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

/** The run's live view, or undefined when it is over or does not answer within 5 s. */
function liveOf(temporal: Client, id: string): Promise<CampaignStatusView | undefined> {
  const handle = temporal.workflow.getHandle(getCampaignWorkflowId(id));
  // A deadline rather than a timer: the call itself ends, so a run no worker answers for leaves no query retrying.
  return temporal.withDeadline(Date.now() + 5_000, () => handle.query(campaignStatusQuery)).catch(() => undefined);
}

/**
 * A finished run answers no update, so a request to one is refused from the row (409, with the reason the state
 * gives). Every other refusal is the run's own: its update validators check the live state.
 */
function refuseIfEnded(campaign: Campaign, action: CampaignAction): void {
  if (!isTerminal(campaign.status)) return;
  throw conflict(refusal(action, campaign.status) ?? `the campaign is ${campaign.status}`, 'IllegalCampaignState');
}

/**
 * Pauses, resumes or cancels a campaign through its run's update: `done` when the platforms were told within the
 * wait, else the state now (the run carries on). What the state does not allow, a resume with the budget used up,
 * and a run that has ended are 409s; a run no worker answers for in time is a 503 that changed nothing.
 */
async function changeCampaign(
  temporal: Client,
  campaign: Campaign,
  action: ControlAction,
  actor: { by: string; role: string; reason?: string },
): Promise<{ state: CampaignState; done: boolean }> {
  refuseIfEnded(campaign, action);
  try {
    return await controlCampaign(temporal, campaign.id, action, actor);
  } catch (err) {
    if (err instanceof CampaignActionRefusedError) throw conflict(err.message, err.type);
    if (err instanceof CampaignNotRunningError) throw conflict('the campaign is no longer running');
    if (err instanceof CampaignControlUnavailableError)
      throw new HttpError(503, err.message, undefined, { 'Retry-After': '5' });
    throw err;
  }
}

/** Campaigns: created with their workflow, steered by signals and updates, read with their live state. */
export function campaignRoutes(deps: Pick<RouteDeps, 'db' | 'temporal' | 'config' | 'taskQueue'>): AnyRoute[] {
  const { db, temporal, config } = deps;
  const settings: CampaignSettings = campaignSettings(config);
  const service = new CampaignService(db, temporal, settings, deps.taskQueue);
  const campaigns = new CampaignStore(db);
  const performance = new CampaignPerformanceStore(db);
  const ventures = new VentureStore(db);
  const tag = 'Campaigns';

  const isSandbox = (platform: string) => settings.modes[platform as keyof CampaignSettings['modes']] !== 'live';
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
        sandbox: isSandbox(p),
      })),
      // What the launch recorded; before launch, what the configuration says the platforms will be.
      sandbox: c.sandbox ?? c.platforms.some(isSandbox),
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

  const load = async (id: string): Promise<Campaign> => {
    const campaign = await campaigns.get(id);
    if (!campaign) throw notFound(`campaign ${id}`);
    return campaign;
  };

  const proposals = reallocationPolicy(config);
  /** The optimiser's split of what is left of the budget per day, from the live run when it answers. */
  const suggest = async (campaign: Campaign, live: CampaignStatusView | undefined) => {
    const platforms = live?.platforms.map((p) => p.name) ?? campaign.platforms;
    const budget = live?.budget ?? campaign.budget;
    const spent = live?.spent ?? (await performance.totals(campaign.id)).total.spend;
    const endDate = live?.endDate ?? campaign.endDate ?? new Date().toISOString().slice(0, 10);
    const dailyBudget = remainingDailyBudget(budget, spent, endDate, Date.now());
    const plan = await suggestShares(db, { campaignId: campaign.id, platforms, dailyBudget });
    return { plan, dailyBudget, shares: plan.shares };
  };

  /** The three control routes: each asks the run, and answers 200 with the new state or 202 while it works. */
  const controlRoute = (action: ControlAction, access: readonly Role[]) =>
    defineRoute({
      method: 'post',
      path: `/v1/campaigns/:id/${action}`,
      params: campaignParams,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign`,
      tag,
      access,
      body: campaignActionBody,
      responses: { '200': 'done', '202': 'accepted; the run is telling the platforms', ...r400, ...r404, ...r409 },
      example: { body: { reason: `${action} requested by the growth team` } },
      handler: async ({ params, body }, req, res) => {
        const campaign = await load(params.id);
        const who = actorOf(req);
        const by = {
          by: who.actor,
          person: personOf(who),
          role: who.actorRole,
          ...(body.reason ? { reason: body.reason } : {}),
        };
        const { state, done } = await changeCampaign(temporal, campaign, action, by);
        res.status(done ? 200 : 202).json({ campaignId: campaign.id, action, state });
      },
    });

  return [
    defineRoute({
      method: 'post',
      path: '/v1/campaigns',
      summary: 'Create a campaign and start its workflow (the chairman approves large budgets)',
      tag,
      access: MARKETERS,
      body: campaignBody,
      response: createdCampaignResponse,
      responses: { '201': 'created', ...r400, ...r404 },
      example: { body: campaignExample },
      handler: async ({ body }, req, res) => {
        const venture = await ventures.getById(body.ventureId);
        if (!venture) throw notFound(`venture ${body.ventureId}`);
        const problems = body.platforms
          .filter((p) => settings.currencies[p] && settings.currencies[p] !== body.currency)
          .map((p) => ({
            path: 'currency',
            message: `the ${p} ad account bills in ${settings.currencies[p]}, not ${body.currency}`,
          }));
        if (problems.length) throw badRequest('invalid request body', problems);
        const who = actorOf(req);
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
          createdBy: who.actor,
          who,
        });
        res
          .status(201)
          .location(`/v1/campaigns/${campaign.id}`)
          .json({ ...present(campaign), workflowId, approval: service.needsApproval(body.budget) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/campaigns',
      summary: 'List campaigns',
      tag,
      access: 'any',
      query: campaignListQuery,
      response: campaignListResponse,
      responses: { ...ok('campaigns'), ...r400 },
      handler: async ({ query }, _req, res) => {
        res.json({ campaigns: (await campaigns.list(query)).map(present), limit: query.limit, offset: query.offset });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/campaigns/:id',
      params: campaignParams,
      summary: 'A campaign with its live state',
      tag,
      access: 'any',
      response: campaignDetailResponse,
      responses: { ...ok('the campaign'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const campaign = await load(params.id);
        const [live, totals] = await Promise.all([liveOf(temporal, campaign.id), performance.totals(campaign.id)]);
        res.json({ ...present(campaign), live: live ?? null, totals: totals.total });
      },
    }),
    controlRoute('pause', STOPPERS),
    controlRoute('resume', MARKETERS),
    controlRoute('cancel', STOPPERS),
    defineRoute({
      method: 'post',
      path: '/v1/campaigns/:id/budget',
      params: campaignParams,
      summary: 'Change the budget (through the chairman above the policy)',
      tag,
      access: MARKETERS,
      body: budgetBody,
      responses: { ...ok('the change, or the approval it waits for'), ...r400, ...r404, ...r409 },
      example: { body: { budget: 15_000, reason: 'search converts at twice the plan: extend it to the end of April' } },
      handler: async ({ params, body }, req, res) => {
        const campaign = await load(params.id);
        const amount = moneyProblem(body.budget, campaign.currency);
        if (amount) throw badRequest('invalid request body', [{ path: 'budget', message: amount }]);
        refuseIfEnded(campaign, 'adjustBudget');
        const who = actorOf(req);
        const change = {
          newBudget: body.budget,
          requestedBy: who.actor,
          person: personOf(who),
          role: who.actorRole,
          ...(body.reason ? { reason: body.reason } : {}),
        };
        try {
          const result = await temporal.workflow
            .getHandle(getCampaignWorkflowId(campaign.id))
            .executeUpdate(adjustBudgetUpdate, { args: [change] });
          res.json({ campaignId: campaign.id, ...result });
        } catch (err) {
          throw updateError(err);
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/campaigns/:id/reallocate',
      params: campaignParams,
      summary: 'Split the daily budget between platforms: the split given, or the optimiser’s by results',
      tag,
      access: MARKETERS,
      body: reallocateBody,
      responses: { ...ok('the new split'), ...r400, ...r404, ...r409 },
      example: { body: { shares: { google: 0.6, meta: 0.4 } } },
      handler: async ({ params, body }, req, res) => {
        const campaign = await load(params.id);
        refuseIfEnded(campaign, 'reallocate');
        const problem = body.shares ? sharesProblem(body.shares, campaign.platforms) : undefined;
        if (problem) throw badRequest('invalid request body', [{ path: 'shares', message: problem }]);
        const who = actorOf(req);
        // A split that moves more than the chairman's percentage of the budget becomes a proposal he decides.
        const live = await liveOf(temporal, campaign.id);
        const target = body.shares ?? (live ? (await suggest(campaign, live)).shares : undefined);
        if (live && target) {
          const current = Object.fromEntries(live.platforms.map((p) => [p.name, p.share]));
          const moved = movedPct(current, target);
          if (moved > proposals.approvalPct) {
            const proposal = await startProposal(
              { db, temporal },
              {
                campaignId: campaign.id,
                source: 'chosen',
                requestedBy: who.actor,
                requester: personOf(who),
                role: who.actorRole,
                shares: target,
                policy: proposals,
                taskQueue: deps.taskQueue ?? TASK_QUEUES.main,
              },
            );
            res.status(202).json({
              campaignId: campaign.id,
              applied: false,
              status: 'pending_approval',
              reason: `moves ${moved}% of the daily budget, more than ${proposals.approvalPct}%: the chairman decides`,
              shares: current,
              proposed: target,
              movedPct: moved,
              proposal,
            });
            return;
          }
        }
        try {
          const result = await temporal.workflow
            .getHandle(getCampaignWorkflowId(campaign.id))
            .executeUpdate(reallocateUpdate, {
              args: [
                {
                  by: who.actor,
                  person: personOf(who),
                  role: who.actorRole,
                  ...(body.shares ? { shares: body.shares } : {}),
                },
              ],
            });
          res.json({ campaignId: campaign.id, ...result });
        } catch (err) {
          throw updateError(err);
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/campaigns/:id/reallocation',
      params: campaignParams,
      summary: 'The optimiser’s suggested split of the daily budget, without applying it',
      description:
        'What `POST /v1/campaigns/:id/reallocate` without `shares` would apply now: the remaining budget per day, ' +
        'the current and suggested shares, and the expected conversions a day; `suggested` is null with the reason ' +
        'when there is nothing to learn from yet.',
      tag,
      access: 'any',
      responses: { ...ok('the suggestion'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const campaign = await load(params.id);
        const live = await liveOf(temporal, campaign.id);
        const { plan, dailyBudget } = await suggest(campaign, live);
        res.json({
          campaignId: campaign.id,
          dailyBudget,
          currency: campaign.currency,
          current: live ? Object.fromEntries(live.platforms.map((p) => [p.name, p.share])) : null,
          suggested: plan.shares ?? null,
          expectedConversions: plan.expectedConversions ?? null,
          reason: plan.reason,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/campaigns/:id/performance',
      params: campaignParams,
      summary: 'Daily results per platform, totals and the final report',
      tag,
      access: 'any',
      responses: { ...ok('performance'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const campaign = await load(params.id);
        const [totals, daily, finalReport] = await Promise.all([
          performance.totals(campaign.id),
          performance.daily(campaign.id),
          performance.finalReport(campaign.id),
        ]);
        const series = new Map<string, { channel: string | null; platform: string; days: unknown[] }>();
        for (const d of daily) {
          const key = `${d.channel ?? ''}|${d.platform}`;
          const s =
            series.get(key) ?? series.set(key, { channel: d.channel, platform: d.platform, days: [] }).get(key)!;
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
      },
    }),
  ];
}
