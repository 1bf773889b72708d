import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Config } from '../../config/config';
import type { Db } from '../../db/knex';
import { StrategyStore, type Strategy } from '../../db/stores/strategies';
import { ChannelMixInfeasibleError, ChannelMixInputError } from '../../domain/channelMix';
import { getStrategyWorkflowId, TASK_QUEUES } from '../../domain/ids';
import { strategyRequestSchema } from '../../domain/strategyDraft';
import type { Metrics } from '../../infra/metrics';
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
import { actorOf, requireRole } from '../auth';
import { badRequest, conflict, HttpError, notFound, parseOr400 } from '../errors';

/** The configuration a strategy's approval gate is built from. */
export type StrategyApprovalConfig = Pick<
  Config,
  | 'APPROVAL_REMINDER_EVERY'
  | 'APPROVAL_ESCALATE_AFTER'
  | 'APPROVAL_EXPIRE_AFTER'
  | 'CHAIRMAN_EMAIL'
  | 'ESCALATION_EMAIL'
>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function publicStrategy(s: Strategy) {
  const { id, ventureId, name, type, status, approvedBy, createdAt, updatedAt, ...columns } = s;
  return { id, ventureId, name, type, status, approvedBy, createdAt, updatedAt, ...columns };
}

/** GTM strategies: drafted, reviewed and approved by the strategy workflow, read and activated here. */
export function strategyRoutes(deps: {
  db: Db;
  temporal: Client;
  taskQueue?: string;
  metrics?: Metrics;
  config: StrategyApprovalConfig;
}): Router {
  const { db, temporal, config } = deps;
  const router = Router();
  const store = new StrategyStore(db);
  const writers = requireRole(db, 'marketer');

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

  router.post('/ventures/:id/strategies', writers, async (req, res) => {
    const ventureId = String(req.params.id);
    const body = parseOr400(strategyRequestSchema, req.body);
    if (!(await loadVenture(db, ventureId))) throw notFound(`venture ${ventureId}`);
    // The draft runs the same optimiser: limits no channel set can meet are the client's mistake, said now.
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
    const strategyId = randomUUID();
    const workflowId = getStrategyWorkflowId(strategyId);
    const input: StrategyWorkflowInput = {
      version: 1,
      strategyId,
      ventureId,
      request: body,
      requestedBy: actorOf(req),
      approval: {
        policy: {
          reminderEvery: config.APPROVAL_REMINDER_EVERY,
          escalateAfter: config.APPROVAL_ESCALATE_AFTER,
          expireAfter: config.APPROVAL_EXPIRE_AFTER,
        },
        approvers: [config.CHAIRMAN_EMAIL],
        escalateTo: [config.ESCALATION_EMAIL],
      },
    };
    await temporal.workflow.start(strategyWorkflow, {
      workflowId,
      taskQueue: deps.taskQueue ?? TASK_QUEUES.main,
      args: [input],
      typedSearchAttributes: [{ key: ventureIdKey, value: ventureId }],
    });
    deps.metrics?.workflowStarts.inc({ workflow: 'strategyWorkflow' });
    res
      .status(202)
      .json({ id: strategyId, ventureId, workflowId, status: 'drafting', href: `/v1/strategies/${strategyId}` });
  });

  router.get('/ventures/:id/strategies', async (req, res) => {
    const ventureId = String(req.params.id);
    if (!(await loadVenture(db, ventureId))) throw notFound(`venture ${ventureId}`);
    res.json({ ventureId, strategies: (await store.listForVenture(ventureId)).map(publicStrategy) });
  });

  router.get('/strategies/:id', async (req, res) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) throw notFound(`strategy ${id}`);
    const [strategy, workflow] = await Promise.all([store.get(id), live(id)]);
    if (!strategy && !workflow) throw notFound(`strategy ${id}`);
    if (!strategy) {
      res.json({ id, status: workflow!.phase === 'failed' ? 'failed' : 'drafting', workflow });
      return;
    }
    res.json({ ...publicStrategy(strategy), ...(workflow ? { workflow } : {}) });
  });

  router.post('/strategies/:id/activate', writers, async (req, res) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) throw notFound(`strategy ${id}`);
    const strategy = await store.get(id);
    if (!strategy) throw notFound(`strategy ${id}`);
    if (strategy.status !== 'approved')
      throw conflict(`only an approved strategy can be activated; this one is ${strategy.status}`);
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
  });

  return router;
}
