import { personOf } from '../../domain/identity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { APPROVAL_SUBJECT_TYPES } from '../../domain/ids';
import { ApprovalStore, type Approval } from '../../db/stores/approvals';
import { executeDecision } from '../../services/approvalDecisions';
import { approvalStatusQuery, INVALID_DECISION_PROOF } from '../../workflows/approvalWorkflow';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { conflict, HttpError, notFound } from '../errors';
import { queryNumber } from '../queryNumber';
import { defineRoute, ok, r400, r403, r404, r409, type AnyRoute } from '../registry';
import { withTimeout } from '../../services/withTimeout';
import { temporalRunLink } from '../temporalLinks';

const STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;

const listQuery = z
  .object({
    status: z.enum(STATUSES).optional(),
    subjectType: z.enum(APPROVAL_SUBJECT_TYPES).optional(),
    limit: queryNumber('limit', {
      what: 'how many requests to list',
      example: 50,
      int: true,
      min: 1,
      max: 500,
    }).default(200),
  })
  .strict();

export const decisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: z.string().trim().max(2000).optional(),
  })
  .strict();

/** A request as the inbox shows it. */
const approvalResponse = z.object({
  id: z.uuid(),
  subjectType: z.enum(APPROVAL_SUBJECT_TYPES),
  subjectId: z.string(),
  status: z.enum(STATUSES),
  title: z.string(),
  summary: z.string().nullable(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  requestedBy: z.string(),
  requestedAt: z.iso.datetime(),
  /** Null once decided. */
  waitingSeconds: z.number().int().nullable(),
  expiresAt: z.iso.datetime().nullable(),
  remindersSent: z.number().int(),
  escalatedAt: z.iso.datetime().nullable(),
  decidedBy: z.string().nullable(),
  decider: z
    .object({ userId: z.string().nullable(), email: z.string().nullable(), via: z.string().nullable() })
    .nullable()
    .describe('the person who decided, when a person did: their user id, address, and dashboard, api_key or command'),
  decisionComment: z.string().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  details: z.record(z.string(), z.unknown()),
  subjectUrl: z.string().nullable().describe('where the subject can be read in this API, when it has a page'),
  workflowId: z.string(),
  temporalUrl: z.string().describe('the approval run in the Temporal UI'),
});

/** How long the live state may take before the request is answered from the database alone. */
const LIVE_STATE_TIMEOUT_MS = 5_000;

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
}: Pick<RouteDeps, 'db' | 'temporal' | 'config' | 'signer' | 'log'>): AnyRoute[] {
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
    decider: a.decider,
    decisionComment: a.decisionComment,
    decidedAt: a.decidedAt,
    details: a.details,
    subjectUrl: subjectUrl(a),
    workflowId: a.workflowId,
    temporalUrl: temporalRunLink(config, a.workflowId),
  });

  /** Sends the decision to the approval workflow; every way it can come too late is a 409. */
  async function decide(approval: Approval, body: z.infer<typeof decisionBody>, by: ReturnType<typeof actorOf>) {
    try {
      return await executeDecision(temporal, signer, approval.workflowId, {
        decision: body.decision,
        by: by.actor,
        person: personOf(by),
        role: by.actorRole,
        ...(body.comment ? { comment: body.comment } : {}),
      });
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
  }

  return [
    defineRoute({
      method: 'get',
      path: '/v1/approvals',
      summary: 'The chairman’s inbox',
      tag: 'Approvals',
      access: 'any',
      query: listQuery,
      response: z.object({ approvals: z.array(approvalResponse) }),
      responses: { ...ok('approvals'), ...r400 },
      handler: async ({ query }, _req, res) => {
        const list = await approvals.list(query);
        const now = Date.now();
        res.json({ approvals: list.map((a) => present(a, now)) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/approvals/:id',
      summary: 'One request with its live state',
      tag: 'Approvals',
      access: 'any',
      response: approvalResponse.extend({
        live: z
          .record(z.string(), z.unknown())
          .optional()
          .describe('the approval workflow’s own state, when it answers in time'),
      }),
      responses: { ...ok('the request'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const approval = await approvals.get(params.id);
        if (!approval) throw notFound(`approval ${params.id}`);
        const live = await withTimeout(
          temporal.workflow.getHandle(approval.workflowId).query(approvalStatusQuery),
          LIVE_STATE_TIMEOUT_MS,
        ).catch(() => undefined);
        res.json({ ...present(approval), ...(live ? { live } : {}) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/approvals/:id/decision',
      summary: 'Approve or reject (chairman only)',
      tag: 'Approvals',
      access: ['chairman'],
      body: decisionBody,
      responses: { ...ok('decided'), ...r400, ...r403, ...r404, ...r409 },
      example: { body: { decision: 'approve', comment: 'Within the quarter’s budget; go ahead.' } },
      handler: async ({ params, body }, req, res) => {
        const approval = await approvals.get(params.id);
        if (!approval) throw notFound(`approval ${params.id}`);
        if (approval.status !== 'pending') {
          throw conflict(
            `this request is already ${approval.status}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}`,
          );
        }
        const result = await decide(approval, body, actorOf(req));
        res.json({ ...result, approval: present((await approvals.get(approval.id)) ?? approval) });
      },
    }),
  ];
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
