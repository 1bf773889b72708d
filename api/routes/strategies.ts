import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { StrategyStore, type Strategy } from '../../db/stores/strategies';
import { ChannelMixInfeasibleError, ChannelMixInputError } from '../../domain/channelMix';
import { getStrategyWorkflowId, TASK_QUEUES } from '../../domain/ids';
import { strategyRequestSchema, type StrategyRequest } from '../../domain/strategyDraft';
import { ventureChannelMix } from '../../services/ventureChannelMix';
import { loadVenture } from '../../services/ventureContext';
import { approvalStatusQuery } from '../../workflows/approvalWorkflow';
import { ventureIdKey } from '../../workflows/searchAttributes';
import {
  activateUpdate,
  STRATEGY_NOT_APPROVED,
  strategyStatusQuery,
  strategyWorkflow,
} from '../../workflows/strategyWorkflow';
import type { StrategyWorkflowInput } from '../../workflows/types';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import type { ApprovalGate } from '../../workflows/approvalTypes';
import { badRequest, conflict, HttpError, notFound } from '../errors';
import { defineRoute, MARKETERS, ok, r400, r404, r409, type AnyRoute } from '../registry';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const STRATEGY_STATUSES = ['draft', 'review', 'approved', 'active', 'paused', 'completed', 'rejected'] as const;
const jsonObject = z.record(z.string(), z.unknown());

/** The strategy workflow's live state (phase, approval), when its run is still there. */
const workflowState = jsonObject.describe('the strategy workflow’s live state, while its run is there');

/** A drafted strategy as the routes answer it: its header, then the draft's columns. */
const strategyResponse = z.object({
  id: z.uuid(),
  ventureId: z.uuid(),
  name: z.string(),
  type: z.string(),
  status: z.enum(STRATEGY_STATUSES),
  approvedBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  targetMarket: jsonObject,
  positioningStatement: z.string(),
  valueProposition: jsonObject,
  competitiveDifferentiation: jsonObject.nullable(),
  pricingStrategy: jsonObject,
  channelMix: jsonObject,
  influencerStrategy: jsonObject,
  contentStrategy: jsonObject.nullable(),
  timeline: z.unknown(),
  budgetAllocation: z.unknown(),
  kpiTargets: z.unknown(),
  riskAssessment: z.unknown(),
  successMetrics: z.unknown(),
});

/** A spring launch with a spread-out budget and a signup target. */
const strategyExample = {
  name: 'Spring launch',
  type: 'launch',
  budget: 25000,
  currency: 'USD',
  startDate: '2026-04-01',
  leadTimeWeeks: 6,
  maxShare: 0.4,
  minChannels: 3,
  kpiTargets: { signups: 2000, paidConversions: 150 },
};

function publicStrategy(s: Strategy) {
  const { id, ventureId, name, type, status, approvedBy, createdAt, updatedAt, ...columns } = s;
  return { id, ventureId, name, type, status, approvedBy, createdAt, updatedAt, ...columns };
}

type StrategyDeps = Pick<RouteDeps, 'db' | 'temporal' | 'taskQueue' | 'metrics'> & { approval: ApprovalGate };

/** GTM strategies: drafted, reviewed and approved by the strategy workflow, read and activated here. */
export function strategyRoutes(deps: StrategyDeps): AnyRoute[] {
  const { db, temporal, approval } = deps;
  const store = new StrategyStore(db);

  const live = async (strategyId: string) => {
    const handle = temporal.workflow.getHandle(getStrategyWorkflowId(strategyId));
    try {
      const [description, status] = await Promise.all([handle.describe(), handle.query(strategyStatusQuery)]);
      let approval: unknown;
      if (status.approvalWorkflowId) {
        approval = await temporal.workflow
          .getHandle(status.approvalWorkflowId)
          .query(approvalStatusQuery)
          .catch(() => undefined);
      }
      return { workflowStatus: description.status.name, ...status, ...(approval ? { approval } : {}) };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  };

  /** The draft runs the same optimiser: limits no channel set can meet are the client's mistake, said now. */
  async function checkChannelLimits(ventureId: string, body: StrategyRequest): Promise<void> {
    try {
      await ventureChannelMix(db, ventureId, body.budget, {
        ...(body.maxShare !== undefined ? { maxShare: body.maxShare } : {}),
        ...(body.minChannels !== undefined ? { minChannels: body.minChannels } : {}),
      });
    } catch (err) {
      if (err instanceof ChannelMixInfeasibleError || err instanceof ChannelMixInputError)
        throw badRequest(err.message);
      throw err;
    }
  }

  function workflowInput(
    strategyId: string,
    ventureId: string,
    request: StrategyRequest,
    by: StrategyWorkflowInput['requestedBy'],
  ): StrategyWorkflowInput {
    return {
      version: 1,
      strategyId,
      ventureId,
      request,
      requestedBy: by,
      approval,
    };
  }

  /** 404 for a strategy that is not there (an id that is not a uuid included), 409 for one not approved. */
  async function assertActivatable(id: string): Promise<void> {
    if (!UUID.test(id)) throw notFound(`strategy ${id}`);
    const strategy = await store.get(id);
    if (!strategy) throw notFound(`strategy ${id}`);
    if (strategy.status !== 'approved')
      throw conflict(`only an approved strategy can be activated; this one is ${strategy.status}`);
  }

  return [
    defineRoute({
      method: 'post',
      path: '/v1/ventures/:id/strategies',
      summary: 'Draft a GTM strategy (goes to the chairman)',
      tag: 'Intelligence',
      access: MARKETERS,
      body: strategyRequestSchema,
      response: z.object({
        id: z.uuid(),
        ventureId: z.uuid(),
        workflowId: z.string(),
        status: z.literal('drafting'),
        href: z.string(),
      }),
      responses: { '202': 'drafting', ...r400, ...r404 },
      example: { body: strategyExample },
      handler: async ({ params, body }, req, res) => {
        const ventureId = params.id;
        if (!(await loadVenture(db, ventureId))) throw notFound(`venture ${ventureId}`);
        await checkChannelLimits(ventureId, body);
        const strategyId = randomUUID();
        const workflowId = getStrategyWorkflowId(strategyId);
        await temporal.workflow.start(strategyWorkflow, {
          workflowId,
          taskQueue: deps.taskQueue ?? TASK_QUEUES.main,
          args: [workflowInput(strategyId, ventureId, body, actorOf(req))],
          typedSearchAttributes: [{ key: ventureIdKey, value: ventureId }],
        });
        deps.metrics.workflowStarts.inc({ workflow: 'strategyWorkflow' });
        res
          .status(202)
          .json({ id: strategyId, ventureId, workflowId, status: 'drafting', href: `/v1/strategies/${strategyId}` });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/ventures/:id/strategies',
      summary: 'A venture’s strategies',
      tag: 'Intelligence',
      access: 'any',
      response: z.object({ ventureId: z.uuid(), strategies: z.array(strategyResponse) }),
      responses: { ...ok('strategies'), ...r404 },
      handler: async ({ params }, _req, res) => {
        if (!(await loadVenture(db, params.id))) throw notFound(`venture ${params.id}`);
        res.json({ ventureId: params.id, strategies: (await store.listForVenture(params.id)).map(publicStrategy) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/strategies/:id',
      summary: 'A strategy with its live workflow state',
      tag: 'Intelligence',
      access: 'any',
      response: z.union([
        strategyResponse.extend({ workflow: workflowState.optional() }),
        z.object({ id: z.uuid(), status: z.enum(['drafting', 'failed']), workflow: workflowState }),
      ]),
      responses: { ...ok('the strategy'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const id = params.id;
        if (!UUID.test(id)) throw notFound(`strategy ${id}`);
        const [strategy, workflow] = await Promise.all([store.get(id), live(id)]);
        if (!strategy && !workflow) throw notFound(`strategy ${id}`);
        if (!strategy) {
          res.json({ id, status: workflow!.phase === 'failed' ? 'failed' : 'drafting', workflow });
          return;
        }
        res.json({ ...publicStrategy(strategy), ...(workflow ? { workflow } : {}) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/strategies/:id/activate',
      summary: 'Activate an approved strategy',
      tag: 'Intelligence',
      access: MARKETERS,
      responses: { ...ok('activated'), ...r404, ...r409 },
      handler: async ({ params }, req, res) => {
        const id = params.id;
        await assertActivatable(id);
        const { actor, actorRole } = actorOf(req);
        try {
          await temporal.workflow
            .getHandle(getStrategyWorkflowId(id))
            .executeUpdate(activateUpdate, { args: [{ by: actor, role: actorRole }] });
        } catch (err) {
          if (err instanceof WorkflowUpdateFailedError) {
            const cause = err.cause as { type?: string; message?: string } | undefined;
            if (cause?.type === STRATEGY_NOT_APPROVED) throw conflict(cause.message ?? 'the strategy is not approved');
          }
          if (err instanceof WorkflowNotFoundError) {
            throw new HttpError(409, 'the strategy workflow is no longer running; the strategy cannot be activated');
          }
          throw err;
        }
        res.json(publicStrategy((await store.get(id))!));
      },
    }),
  ];
}
