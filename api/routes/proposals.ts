import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import {
  PROPOSAL_STATUSES,
  ReallocationProposalStore,
  type ReallocationProposal,
} from '../../db/stores/reallocationProposals';
import { CampaignStore } from '../../db/stores/campaigns';
import { refusal, sharesProblem } from '../../domain/campaignLifecycle';
import { TASK_QUEUES } from '../../domain/ids';
import { personOf } from '../../domain/identity';
import { reallocationPolicy, startProposal } from '../../services/proposalRequests';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, conflict, notFound } from '../errors';
import { defineRoute, MARKETERS, ok, r400, r404, r409, type AnyRoute } from '../registry';
import { campaignParams } from './campaignSchemas';

const estimate = z.object({ value: z.number(), low: z.number(), high: z.number() }).nullable();
const shares = z.record(z.string(), z.number()).nullable();

/** A proposal as the API answers it. */
const proposalResponse = z.object({
  id: z.uuid(),
  n: z.number().int(),
  campaignId: z.uuid(),
  workflowId: z.string(),
  status: z.enum(PROPOSAL_STATUSES),
  source: z.enum(['fitted', 'chosen']),
  requestedBy: z.string(),
  reason: z.string(),
  currency: z.string(),
  dailyBudget: z.number().nullable(),
  currentShares: shares,
  proposedShares: shares,
  movedPct: z.number().nullable(),
  approvalPct: z.number(),
  expectedCurrent: estimate,
  expectedProposed: estimate,
  expectedGain: estimate,
  evidence: z.record(z.string(), z.unknown()).nullable(),
  approvalWorkflowId: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decisionComment: z.string().nullable(),
  decidedAt: z.string().nullable(),
  appliedAt: z.string().nullable(),
  windowDays: z.number().int(),
  measured: z
    .object({
      days: z.number().int().nullable(),
      actual: z.number(),
      predicted: estimate,
      withinInterval: z.boolean(),
      at: z.string(),
    })
    .nullable(),
  createdAt: z.string(),
});

/** A proposal as the API answers it. */
function proposalView(p: ReallocationProposal) {
  const measured =
    p.measuredAt && p.actualConversions !== null
      ? {
          days: p.measuredDays,
          actual: p.actualConversions,
          predicted: p.predictedConversions,
          withinInterval:
            p.predictedConversions !== null &&
            p.actualConversions >= p.predictedConversions.low &&
            p.actualConversions <= p.predictedConversions.high,
          at: p.measuredAt.toISOString(),
        }
      : null;
  return {
    id: p.id,
    n: p.n,
    campaignId: p.campaignId,
    workflowId: p.workflowId,
    status: p.status,
    source: p.source,
    requestedBy: p.requestedBy,
    reason: p.reason,
    currency: p.currency,
    dailyBudget: p.dailyBudget,
    currentShares: p.currentShares,
    proposedShares: p.proposedShares,
    movedPct: p.movedPct,
    approvalPct: p.approvalPct,
    expectedCurrent: p.expectedCurrent,
    expectedProposed: p.expectedProposed,
    expectedGain: p.expectedGain,
    evidence: p.evidence,
    approvalWorkflowId: p.approvalWorkflowId,
    decidedBy: p.decidedBy,
    decisionComment: p.decisionComment,
    decidedAt: p.decidedAt?.toISOString() ?? null,
    appliedAt: p.appliedAt?.toISOString() ?? null,
    windowDays: p.windowDays,
    measured,
    createdAt: p.createdAt.toISOString(),
  };
}

const proposeBody = z
  .object({
    shares: z
      .record(z.string().max(50), z.number().min(0).max(1))
      .optional()
      .describe('each platform’s share of the daily budget, adding up to 1; without it, the fitted curves propose one'),
  })
  .strict();

/** Reallocation proposals: the record of each, and a proposal made now rather than at the weekly round. */
export function proposalRoutes(deps: Pick<RouteDeps, 'db' | 'temporal' | 'config' | 'taskQueue'>): AnyRoute[] {
  const { db, temporal, config } = deps;
  const proposals = new ReallocationProposalStore(db);
  const campaigns = new CampaignStore(db);
  const policy = reallocationPolicy(config);
  const tag = 'Campaigns';

  const load = async (id: string) => {
    const campaign = await campaigns.get(id);
    if (!campaign) throw notFound(`campaign ${id}`);
    return campaign;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/campaigns/:id/proposals',
      params: campaignParams,
      summary: 'The campaign’s reallocation proposals, newest first, with their evidence and measured outcomes',
      description:
        'Each proposal: the split now and the one proposed, the share of the daily budget it moves, the expected ' +
        'conversions a day (90% intervals from bootstrap refits of the curves), who decided, and, once its window ' +
        'is over, the conversions predicted for the window beside those that came in.',
      tag,
      access: 'any',
      response: z.object({ campaignId: z.uuid(), approvalPct: z.number(), proposals: z.array(proposalResponse) }),
      responses: { ...ok('the proposals'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const campaign = await load(params.id);
        const list = await proposals.forCampaign(campaign.id);
        res.json({ campaignId: campaign.id, approvalPct: policy.approvalPct, proposals: list.map(proposalView) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/campaigns/:id/proposals',
      params: campaignParams,
      summary: 'Make a reallocation proposal now',
      description:
        'Fits the curves of the campaign’s platforms and proposes a split of the remaining daily budget (or ' +
        'proposes the split given). One that moves more than REALLOCATION_APPROVAL_PCT of the budget waits for the ' +
        'chairman; read it back with `GET /v1/campaigns/:id/proposals`.',
      tag,
      access: MARKETERS,
      body: proposeBody,
      responses: { '202': 'the proposal is being made', ...r400, ...r404, ...r409 },
      example: { body: {} },
      handler: async ({ params, body }, req, res) => {
        const campaign = await load(params.id);
        if (campaign.platforms.length < 2)
          throw conflict('the campaign runs on one platform only', 'NothingToReallocate');
        const illegal = refusal('reallocate', campaign.status);
        if (illegal) throw conflict(illegal, 'IllegalCampaignState');
        const problem = body.shares ? sharesProblem(body.shares, campaign.platforms) : undefined;
        if (problem) throw badRequest('invalid request body', [{ path: 'shares', message: problem }]);
        const who = actorOf(req);
        try {
          const started = await startProposal(
            { db, temporal },
            {
              campaignId: campaign.id,
              source: body.shares ? 'chosen' : 'fitted',
              requestedBy: who.actor,
              requester: personOf(who),
              role: who.actorRole,
              ...(body.shares ? { shares: body.shares } : {}),
              policy,
              taskQueue: deps.taskQueue ?? TASK_QUEUES.main,
            },
          );
          res.status(202).json({ campaignId: campaign.id, ...started });
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) {
            throw conflict('another proposal for this campaign is being made; try again in a moment');
          }
          throw err;
        }
      },
    }),
  ];
}
