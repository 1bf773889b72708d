import { Router } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { ApprovalStore, type Approval } from '../../db/stores/approvals';
import { executeDecision } from '../../services/approvalDecisions';
import { approvalStatusQuery, INVALID_DECISION_PROOF } from '../../workflows/approvalWorkflow';
import type { AppDeps } from '../app';
import { actorOf, requireRole } from '../auth';
import { conflict, HttpError, notFound, parseOr400 } from '../errors';
import { temporalRunLink, withTimeout } from '../temporalLinks';

const listQuery = z
  .object({
    status: z.enum(['pending', 'approved', 'rejected', 'expired']).optional(),
    subjectType: z.enum(['campaign', 'budget_change', 'strategy', 'influencer_deal']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();

export const decisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: z.string().trim().max(2000).optional(),
  })
  .strict();

/**
 * The chairman's inbox: what is asked, by whom, how much, since when, and a link to the run in the Temporal UI;
 * decisions go, signed by the server, to the approval workflow's `decide` update, and only the chairman may make them.
 */
export function approvalRoutes({
  db,
  temporal,
  config,
  signer,
  log,
}: Pick<AppDeps, 'db' | 'temporal' | 'config' | 'signer' | 'log'>): Router {
  const router = Router();
  const approvals = new ApprovalStore(db);
  const present = (a: Approval, now = Date.now()) => ({
    id: a.id,
    subjectType: a.subjectType,
    subjectId: a.subjectId,
    status: a.status,
    title: a.title,
    summary: a.summary,
    amount: a.amount,
    currency: a.currency,
    requestedBy: a.requestedBy,
    requestedAt: a.createdAt,
    waitingSeconds: a.status === 'pending' ? Math.max(0, Math.round((now - a.createdAt.getTime()) / 1000)) : null,
    expiresAt: a.expiresAt,
    remindersSent: a.remindersSent,
    escalatedAt: a.escalatedAt,
    decidedBy: a.decidedBy,
    decisionComment: a.decisionComment,
    decidedAt: a.decidedAt,
    details: a.details,
    subjectUrl: subjectUrl(a),
    workflowId: a.workflowId,
    temporalUrl: temporalRunLink(config, a.workflowId),
  });

  router.get('/approvals', async (req, res) => {
    const q = parseOr400(listQuery, req.query, 'query');
    const list = await approvals.list(q);
    const now = Date.now();
    res.json({ approvals: list.map((a) => present(a, now)) });
  });

  router.get('/approvals/:id', async (req, res) => {
    const approval = await approvals.get(String(req.params.id));
    if (!approval) throw notFound(`approval ${req.params.id}`);
    const live = await withTimeout(
      temporal.workflow.getHandle(approval.workflowId).query(approvalStatusQuery),
      5_000,
    ).catch(() => undefined);
    res.json({ ...present(approval), ...(live ? { live } : {}) });
  });

  router.post('/approvals/:id/decision', requireRole(db, 'chairman'), async (req, res) => {
    const approval = await approvals.get(String(req.params.id));
    if (!approval) throw notFound(`approval ${req.params.id}`);
    const body = parseOr400(decisionBody, req.body);
    if (approval.status !== 'pending') {
      throw conflict(
        `this request is already ${approval.status}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}`,
      );
    }
    const { actor, actorRole } = actorOf(req);
    try {
      const result = await executeDecision(temporal, signer, approval.workflowId, {
        decision: body.decision,
        by: actor,
        role: actorRole,
        ...(body.comment ? { comment: body.comment } : {}),
      });
      res.json({ ...result, approval: present((await approvals.get(approval.id)) ?? approval) });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && isInvalidProof(err)) {
        // This server signed the decision, so the workers do not share its secret (or its clock is far off): a
        // fault of the deployment, not of the chairman's request.
        log.error(
          { workflowId: approval.workflowId, reason: err.cause?.message },
          'approval decision refused: the API and the workers must share SIGNING_SECRET',
        );
        throw new HttpError(500, 'the decision could not be recorded: the server is misconfigured; it stays pending');
      }
      // The validator refused (decided, expired) or the run is over: either way this decision comes too late.
      if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? err.message);
      if (err instanceof WorkflowNotFoundError || isClosedRun(err)) throw conflict('this request is no longer open');
      throw err;
    }
  });

  return router;
}

function isInvalidProof(err: WorkflowUpdateFailedError): boolean {
  return err.cause instanceof ApplicationFailure && err.cause.type === INVALID_DECISION_PROOF;
}

/** Updates sent to a closed run fail with "workflow execution already completed". */
function isClosedRun(err: unknown): boolean {
  return /already completed|workflow execution already/i.test(String((err as Error)?.message ?? ''));
}

/** Where the subject of a request can be read in this API, when it has a page of its own. */
function subjectUrl(a: Approval): string | null {
  const campaignId = typeof a.details.campaignId === 'string' ? a.details.campaignId : undefined;
  if (a.subjectType === 'campaign') return `/v1/campaigns/${a.subjectId}`;
  if (a.subjectType === 'budget_change' && campaignId) return `/v1/campaigns/${campaignId}`;
  if (a.subjectType === 'strategy') return `/v1/strategies/${a.subjectId}`;
  return null;
}
