import type { Db } from '../knex';
import type { Estimate } from '../../domain/responseCurves';

/** Where a proposal stands (the `reallocation_status` enum). */
export const PROPOSAL_STATUSES = [
  'proposed',
  'awaiting_approval',
  'applied',
  'rejected',
  'expired',
  'recommended',
  'no_proposal',
  'not_applied',
] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** One reallocation proposal: the split it proposes, the evidence, the decision, and how it turned out. */
export interface ReallocationProposal {
  id: string;
  campaignId: string;
  ventureId: string | null;
  n: number;
  workflowId: string;
  status: ProposalStatus;
  source: 'fitted' | 'chosen';
  requestedBy: string;
  currency: string;
  dailyBudget: number | null;
  currentShares: Record<string, number> | null;
  proposedShares: Record<string, number> | null;
  movedPct: number | null;
  approvalPct: number;
  expectedCurrent: Estimate | null;
  expectedProposed: Estimate | null;
  expectedGain: Estimate | null;
  evidence: Record<string, unknown> | null;
  reason: string;
  approvalWorkflowId: string | null;
  decidedBy: string | null;
  decisionComment: string | null;
  decidedAt: Date | null;
  appliedAt: Date | null;
  windowDays: number;
  predictedConversions: Estimate | null;
  actualConversions: number | null;
  measuredDays: number | null;
  measuredAt: Date | null;
  createdAt: Date;
}

/** What a drafted proposal is stored with. */
export type NewProposal = Pick<
  ReallocationProposal,
  | 'id'
  | 'campaignId'
  | 'ventureId'
  | 'n'
  | 'workflowId'
  | 'status'
  | 'source'
  | 'requestedBy'
  | 'currency'
  | 'dailyBudget'
  | 'currentShares'
  | 'proposedShares'
  | 'movedPct'
  | 'approvalPct'
  | 'expectedCurrent'
  | 'expectedProposed'
  | 'expectedGain'
  | 'evidence'
  | 'reason'
  | 'approvalWorkflowId'
  | 'windowDays'
> & { requestedByUserId?: string | undefined };

type Row = Record<string, unknown>;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function fromRow(r: Row): ReallocationProposal {
  return {
    id: r['id'] as string,
    campaignId: r['campaign_id'] as string,
    ventureId: (r['venture_id'] as string | null) ?? null,
    n: r['n'] as number,
    workflowId: r['workflow_id'] as string,
    status: r['status'] as ProposalStatus,
    source: r['source'] as 'fitted' | 'chosen',
    requestedBy: r['requested_by'] as string,
    currency: r['currency'] as string,
    dailyBudget: num(r['daily_budget']),
    currentShares: (r['current_shares'] as Record<string, number> | null) ?? null,
    proposedShares: (r['proposed_shares'] as Record<string, number> | null) ?? null,
    movedPct: num(r['moved_pct']),
    approvalPct: Number(r['approval_pct']),
    expectedCurrent: (r['expected_current'] as Estimate | null) ?? null,
    expectedProposed: (r['expected_proposed'] as Estimate | null) ?? null,
    expectedGain: (r['expected_gain'] as Estimate | null) ?? null,
    evidence: (r['evidence'] as Record<string, unknown> | null) ?? null,
    reason: r['reason'] as string,
    approvalWorkflowId: (r['approval_workflow_id'] as string | null) ?? null,
    decidedBy: (r['decided_by'] as string | null) ?? null,
    decisionComment: (r['decision_comment'] as string | null) ?? null,
    decidedAt: (r['decided_at'] as Date | null) ?? null,
    appliedAt: (r['applied_at'] as Date | null) ?? null,
    windowDays: r['window_days'] as number,
    predictedConversions: (r['predicted_conversions'] as Estimate | null) ?? null,
    actualConversions: num(r['actual_conversions']),
    measuredDays: (r['measured_days'] as number | null) ?? null,
    measuredAt: (r['measured_at'] as Date | null) ?? null,
    createdAt: r['created_at'] as Date,
  };
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** The reallocation proposals of campaigns: drafted by the proposal workflow, decided, applied and measured. */
export class ReallocationProposalStore {
  constructor(private readonly db: Db) {}

  /**
   * Stores a drafted proposal once per workflow: a retried draft finds the row its first attempt wrote and
   * returns it unchanged.
   */
  async insert(p: NewProposal): Promise<ReallocationProposal> {
    const [row] = (await this.db('reallocation_proposals')
      .insert({
        id: p.id,
        campaign_id: p.campaignId,
        venture_id: p.ventureId,
        n: p.n,
        workflow_id: p.workflowId,
        status: p.status,
        source: p.source,
        requested_by: p.requestedBy,
        requested_by_user_id: p.requestedByUserId ?? null,
        currency: p.currency,
        daily_budget: p.dailyBudget,
        current_shares: json(p.currentShares),
        proposed_shares: json(p.proposedShares),
        moved_pct: p.movedPct,
        approval_pct: p.approvalPct,
        expected_current: json(p.expectedCurrent),
        expected_proposed: json(p.expectedProposed),
        expected_gain: json(p.expectedGain),
        evidence: json(p.evidence),
        reason: p.reason,
        approval_workflow_id: p.approvalWorkflowId,
        window_days: p.windowDays,
      })
      .onConflict('workflow_id')
      .ignore()
      .returning('*')) as Row[];
    if (row) return fromRow(row);
    const existing = await this.byWorkflowId(p.workflowId);
    if (!existing) throw new Error(`proposal ${p.workflowId} was neither inserted nor found`);
    return existing;
  }

  async byWorkflowId(workflowId: string): Promise<ReallocationProposal | undefined> {
    const row = (await this.db('reallocation_proposals').where({ workflow_id: workflowId }).first()) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  async get(id: string): Promise<ReallocationProposal | undefined> {
    const row = (await this.db('reallocation_proposals').where({ id }).first()) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** A campaign's proposals, newest first. */
  async forCampaign(campaignId: string, limit = 50): Promise<ReallocationProposal[]> {
    const rows = (await this.db('reallocation_proposals')
      .where({ campaign_id: campaignId })
      .orderBy('n', 'desc')
      .limit(limit)) as Row[];
    return rows.map(fromRow);
  }

  /** The number the campaign's next proposal takes. */
  async nextNumber(campaignId: string): Promise<number> {
    const row = (await this.db('reallocation_proposals').where({ campaign_id: campaignId }).max('n as n').first()) as
      { n: number | null } | undefined;
    return (row?.n ?? 0) + 1;
  }

  /** The chairman's decision (or the expiry) on a proposal that waited for him. */
  async decide(
    id: string,
    d: { status: 'rejected' | 'expired' | 'proposed'; decidedBy: string | null; comment: string | null; at: Date },
  ): Promise<void> {
    await this.db('reallocation_proposals').where({ id, status: 'awaiting_approval' }).update({
      status: d.status,
      decided_by: d.decidedBy,
      decision_comment: d.comment,
      decided_at: d.at,
      updated_at: this.db.fn.now(),
    });
  }

  /** Applied by the campaign: from then on the window runs; or not applied, with why. */
  async settle(id: string, outcome: { applied: true; at: Date } | { applied: false; reason: string }): Promise<void> {
    await this.db('reallocation_proposals')
      .where({ id })
      .whereIn('status', ['proposed', 'recommended'])
      .update(
        outcome.applied
          ? { status: 'applied', applied_at: outcome.at, updated_at: this.db.fn.now() }
          : { status: 'not_applied', reason: outcome.reason, updated_at: this.db.fn.now() },
      );
  }

  /** What came in over the window, beside what was predicted. */
  async measure(id: string, m: { actual: number; days: number; predicted: Estimate | null; at: Date }): Promise<void> {
    await this.db('reallocation_proposals')
      .where({ id })
      .update({
        actual_conversions: m.actual,
        measured_days: m.days,
        predicted_conversions: json(m.predicted),
        measured_at: m.at,
        updated_at: this.db.fn.now(),
      });
  }
}
