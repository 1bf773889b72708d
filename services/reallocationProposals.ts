import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { CampaignPerformanceStore } from '../db/stores/campaignPerformance';
import { CampaignStore } from '../db/stores/campaigns';
import { ReallocationProposalStore } from '../db/stores/reallocationProposals';
import { VentureStore } from '../db/stores/ventures';
import { channelMixLimits, daysInclusive, remainingDailyBudget } from '../domain/campaignBudget';
import { refusal } from '../domain/campaignLifecycle';
import { evaluateSplit, expectedGain, optimizeFittedMix } from '../domain/fittedMix';
import { getApprovalWorkflowId, getCampaignWorkflowId } from '../domain/ids';
import { auditPerson, type Person } from '../domain/identity';
import { fitMediaMix, MediaMixDataError, type MediaMixDay, type MediaMixFit } from '../domain/mediaMix';
import { measuringDays, MIN_MOVED_PCT, movedPct, proposalGate, proposalWording } from '../domain/reallocationProposal';
import type { Estimate, FittedResponse } from '../domain/responseCurves';
import { campaignStatusQuery, reallocateUpdate } from '../workflows/campaignMessages';
import type { ApprovalWorkflowResult } from '../workflows/approvalTypes';
import type { ProposalDraft, ProposalWorkflowInput } from '../workflows/proposalTypes';
import type { CampaignStatusView } from '../workflows/types';

/** Bootstrap refits behind every proposal's intervals. */
const PROPOSAL_DRAWS = 100;

/** A proposal's id, the same for every attempt of its workflow's draft. */
function proposalIdOf(workflowId: string): string {
  const h = createHash('sha256').update(`reallocation-proposal:${workflowId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A campaign's days as the media-mix fit reads them: spend per platform, conversions summed over platforms. */
export async function campaignDays(db: Db, campaignId: string): Promise<MediaMixDay[]> {
  const byDate = new Map<string, MediaMixDay>();
  for (const d of await new CampaignPerformanceStore(db).daily(campaignId)) {
    const day = byDate.get(d.date) ?? { date: d.date, spend: {}, conversions: 0 };
    day.spend[d.platform] = (day.spend[d.platform] ?? 0) + d.spend;
    day.conversions += d.conversions;
    byDate.set(d.date, day);
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
}

/** The campaign's run as its status query shows it, or undefined when it is over or does not answer in 5 s. */
async function liveView(temporal: Client, campaignId: string): Promise<CampaignStatusView | undefined> {
  const handle = temporal.workflow.getHandle(getCampaignWorkflowId(campaignId));
  return temporal.withDeadline(Date.now() + 5_000, () => handle.query(campaignStatusQuery)).catch(() => undefined);
}

const fittedOf = (fit: MediaMixFit): FittedResponse[] =>
  fit.channels.map((c) => ({ name: c.name, response: c.response, draws: c.draws }));

const amountsOf = (shares: Record<string, number>, dailyBudget: number) =>
  Object.fromEntries(Object.entries(shares).map(([k, v]) => [k, v * dailyBudget]));

/** The curves and figures the chairman and the dashboard see beside a proposal (no bootstrap draws). */
function evidenceOf(
  fit: MediaMixFit | undefined,
  fitProblem: string | undefined,
  split: { current: Record<string, number>; proposed: Record<string, number>; dailyBudget: number },
  byChannel: { current?: Record<string, Estimate>; proposed?: Record<string, Estimate> },
): Record<string, unknown> {
  if (!fit) return { fitted: false, problem: fitProblem ?? null };
  return {
    fitted: true,
    days: fit.days,
    quality: fit.quality,
    baseline: fit.baseline,
    channels: fit.channels.map((c) => ({
      name: c.name,
      response: c.response,
      intervals: c.intervals,
      roi: c.roi,
      marginalRoi: c.marginalRoi,
      contributionShare: c.share,
      currentShare: split.current[c.name] ?? 0,
      proposedShare: split.proposed[c.name] ?? 0,
      currentDaily: (split.current[c.name] ?? 0) * split.dailyBudget,
      proposedDaily: (split.proposed[c.name] ?? 0) * split.dailyBudget,
      expectedCurrent: byChannel.current?.[c.name] ?? null,
      expectedProposed: byChannel.proposed?.[c.name] ?? null,
    })),
  };
}

/** The proposal activities' dependencies: the database and the client that reaches the campaigns' runs. */
export interface ProposalDeps {
  db: Db;
  temporal: Client;
}

/**
 * Drafts a proposal and stores it once: fits the campaign's curves over its days, proposes the split of the
 * remaining daily budget with the most expected conversions (or takes the person's), and decides who lets it go
 * ahead. No proposal (stored with why) when the campaign is not running, cannot be fitted, or is already at its
 * best split.
 */
export async function draftProposal(
  { db, temporal }: ProposalDeps,
  input: ProposalWorkflowInput & { workflowId: string },
  now = Date.now(),
): Promise<ProposalDraft> {
  const proposals = new ReallocationProposalStore(db);
  const proposalId = proposalIdOf(input.workflowId);
  const stored = await proposals.byWorkflowId(input.workflowId);
  const campaign = await new CampaignStore(db).get(input.campaignId);
  if (!campaign) throw new Error(`campaign ${input.campaignId} does not exist`);
  const venture = campaign.ventureId ? await new VentureStore(db).getById(campaign.ventureId) : undefined;
  const base = {
    id: proposalId,
    campaignId: campaign.id,
    ventureId: campaign.ventureId,
    n: input.n,
    workflowId: input.workflowId,
    source: input.source,
    requestedBy: input.requestedBy,
    requestedByUserId: input.requester?.userId ?? undefined,
    currency: campaign.currency,
    approvalPct: input.policy.approvalPct,
    windowDays: input.policy.windowDays,
  };
  const none = async (reason: string, extra: Partial<Parameters<ReallocationProposalStore['insert']>[0]> = {}) => {
    const row =
      stored ??
      (await proposals.insert({
        ...base,
        status: 'no_proposal',
        dailyBudget: null,
        currentShares: null,
        proposedShares: null,
        movedPct: null,
        expectedCurrent: null,
        expectedProposed: null,
        expectedGain: null,
        evidence: null,
        approvalWorkflowId: null,
        reason,
        ...extra,
      }));
    return { proposalId: row.id, made: false as const, reason: row.reason };
  };

  const live = await liveView(temporal, campaign.id);
  if (!live) return none('the campaign is not running');
  const illegal = refusal('reallocate', live.state);
  if (illegal) return none(illegal);
  const platforms = live.platforms.map((p) => p.name);
  if (platforms.length < 2) return none('the campaign runs on one platform only');
  const current = Object.fromEntries(live.platforms.map((p) => [p.name, p.share]));
  const dailyBudget = remainingDailyBudget(live.budget, live.spent, live.endDate, now);
  if (!(dailyBudget > 0)) return none('no budget is left to reallocate');

  let fit: MediaMixFit | undefined;
  let fitProblem: string | undefined;
  try {
    fit = fitMediaMix(await campaignDays(db, campaign.id), { draws: PROPOSAL_DRAWS });
  } catch (err) {
    if (!(err instanceof MediaMixDataError)) throw err;
    fitProblem = err.message;
  }
  const fitted = fit ? fittedOf(fit).filter((c) => platforms.includes(c.name)) : [];
  if (fit && fitted.length < platforms.length) {
    fitProblem = `no spend recorded for ${platforms.filter((p) => !fitted.some((c) => c.name === p)).join(', ')}`;
    fit = undefined;
  }

  let proposed = input.shares;
  if (!proposed) {
    if (!fit) return none(`the curves could not be fitted: ${fitProblem}`);
    const best = optimizeFittedMix({ budget: dailyBudget, channels: fitted, ...channelMixLimits(platforms.length) });
    proposed = Object.fromEntries(best.channels.map((c) => [c.name, c.share]));
  }
  const split = { current, proposed, dailyBudget };
  const now$ = fit ? evaluateSplit(fitted, amountsOf(current, dailyBudget)) : undefined;
  const then$ = fit ? evaluateSplit(fitted, amountsOf(proposed, dailyBudget)) : undefined;
  const gain = fit ? expectedGain(fitted, amountsOf(current, dailyBudget), amountsOf(proposed, dailyBudget)) : null;
  const moved = movedPct(current, proposed);
  const evidence = evidenceOf(fit, fitProblem, split, { current: now$?.byChannel, proposed: then$?.byChannel });
  const figures = {
    dailyBudget,
    currentShares: current,
    proposedShares: proposed,
    movedPct: moved,
    expectedCurrent: now$?.total ?? null,
    expectedProposed: then$?.total ?? null,
    expectedGain: gain,
    evidence,
  };
  if (input.source === 'fitted') {
    if (moved < MIN_MOVED_PCT) return none(`the current split is within ${MIN_MOVED_PCT}% of the best`, figures);
    if (gain && gain.value <= 0) return none('the fitted curves expect no gain from another split', figures);
  }

  const gate = proposalGate({
    movedPct: moved,
    approvalPct: input.policy.approvalPct,
    source: input.source,
    autoApply: venture?.autoApplyReallocations ?? false,
    byChairman: input.role === 'chairman',
  });
  const wording = proposalWording({
    campaignName: campaign.name,
    movedPct: moved,
    approvalPct: input.policy.approvalPct,
    current,
    proposed,
    dailyBudget,
    currency: campaign.currency,
    gain,
    ...(fit
      ? { fitNote: `Curves fitted on ${fit.days} days (R² ${fit.quality.r2.toFixed(2)}).` }
      : { fitNote: `The curves could not be fitted: ${fitProblem}.` }),
    requestedBy: input.requestedBy,
  });
  const approvalWorkflowId = gate === 'chairman' ? getApprovalWorkflowId('reallocation', proposalId) : null;
  const reason =
    gate === 'chairman'
      ? `moves ${moved}% of the daily budget, more than ${input.policy.approvalPct}%: the chairman decides`
      : gate === 'apply'
        ? `moves ${moved}% of the daily budget${input.source === 'chosen' ? `, chosen by ${input.requestedBy}` : ''}`
        : `moves ${moved}% of the daily budget; the venture applies proposals only when a marketer does`;
  const row =
    stored ??
    (await proposals.insert({
      ...base,
      status: gate === 'chairman' ? 'awaiting_approval' : gate === 'recommend' ? 'recommended' : 'proposed',
      ...figures,
      approvalWorkflowId,
      reason,
    }));
  if (!stored) {
    await new AuditLog(db).record({
      actor: input.requestedBy,
      ...(input.requester ? auditPerson(input.requester) : {}),
      ...(input.role ? { actorRole: input.role } : {}),
      action: 'reallocation.proposed',
      subjectType: 'campaign',
      subjectId: campaign.id,
      details: { proposalId, n: input.n, gate, movedPct: moved, shares: proposed, expectedGain: gain },
      idempotencyKey: `reallocation.proposed:${input.workflowId}`,
    });
  }
  const remainingBudget = Math.max(0, live.budget - live.spent);
  return {
    proposalId: row.id,
    made: true,
    gate,
    shares: proposed,
    movedPct: moved,
    reason,
    expectedProposed: then$?.total ?? null,
    ...(gate === 'chairman'
      ? {
          approval: {
            version: 1 as const,
            subjectType: 'reallocation' as const,
            subjectId: proposalId,
            ...wording,
            amount: Math.round(remainingBudget * moved) / 100,
            currency: campaign.currency,
            requestedBy: input.requestedBy,
            ...(input.requester ? { requester: input.requester } : {}),
            details: { campaignId: campaign.id, ventureId: campaign.ventureId, proposalId, n: input.n, ...figures },
            ...(venture ? { ventureName: venture.name } : {}),
            ...input.policy.gate,
          },
        }
      : {}),
  };
}

/** Records the chairman's decision (or the request's expiry) on the proposal. */
export async function recordDecision(db: Db, proposalId: string, decision: ApprovalWorkflowResult): Promise<void> {
  await new ReallocationProposalStore(db).decide(proposalId, {
    status: decision.outcome === 'approved' ? 'proposed' : decision.outcome === 'expired' ? 'expired' : 'rejected',
    decidedBy: decision.by ?? null,
    comment: decision.comment ?? null,
    at: new Date(decision.decidedAt),
  });
}

/**
 * Has the campaign apply the split through its `reallocate` update, named after whoever let it go ahead; the update
 * id is the proposal's workflow id, so a retried attempt gets the first one's answer rather than applying twice.
 */
export async function applyProposal(
  { db, temporal }: ProposalDeps,
  p: {
    proposalId: string;
    campaignId: string;
    shares: Record<string, number>;
    by: string;
    person?: Person;
    role?: string;
    workflowId: string;
  },
): Promise<{ applied: true; dailyBudgets: Record<string, number> } | { applied: false; reason: string }> {
  const store = new ReallocationProposalStore(db);
  let outcome: { applied: true; dailyBudgets: Record<string, number> } | { applied: false; reason: string };
  try {
    const result = await temporal.workflow
      .getHandle(getCampaignWorkflowId(p.campaignId))
      .executeUpdate(reallocateUpdate, {
        updateId: p.workflowId,
        args: [
          {
            by: p.by,
            ...(p.person ? { person: p.person } : {}),
            ...(p.role ? { role: p.role } : {}),
            shares: p.shares,
          },
        ],
      });
    outcome = result.applied
      ? { applied: true, dailyBudgets: result.dailyBudgets }
      : { applied: false, reason: result.reason };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      outcome = { applied: false, reason: err.cause?.message ?? err.message };
    else if (err instanceof WorkflowNotFoundError)
      outcome = { applied: false, reason: 'the campaign is no longer running' };
    else throw err;
  }
  await store.settle(
    p.proposalId,
    outcome.applied ? { applied: true, at: new Date() } : { applied: false, reason: outcome.reason },
  );
  return outcome;
}

/** Records the conversions that came in over the window beside those the proposal predicted for it. */
export async function measureProposal(
  db: Db,
  proposalId: string,
): Promise<{ actual: number; predicted: Estimate | null; days: number }> {
  const store = new ReallocationProposalStore(db);
  const p = await store.get(proposalId);
  if (!p?.appliedAt) throw new Error(`proposal ${proposalId} was not applied`);
  const campaign = await new CampaignStore(db).get(p.campaignId);
  const { from, to } = measuringDays(p.appliedAt, p.windowDays, campaign?.endDate ?? null);
  const days = daysInclusive(from, to);
  const rows = (await new CampaignPerformanceStore(db).daily(p.campaignId)).filter(
    (d) => d.date >= from && d.date <= to,
  );
  const actual = Math.round(rows.reduce((a, d) => a + d.conversions, 0) * 100) / 100;
  const e = p.expectedProposed;
  const predicted = e ? { value: e.value * days, low: e.low * days, high: e.high * days } : null;
  await store.measure(proposalId, { actual, days, predicted, at: new Date() });
  return { actual, predicted, days };
}

/** Active campaigns on two or more platforms with no proposal still open, each with its next proposal number. */
export async function reallocationCandidates(db: Db): Promise<{
  candidates: Array<{ campaignId: string; n: number }>;
  skipped: Array<{ campaignId: string; reason: string }>;
}> {
  const rows = (await db('gtm_campaigns as c')
    .where('c.status', 'active')
    .whereRaw('cardinality(c.platforms) >= 2')
    .select(
      'c.campaign_id',
      db.raw(`COALESCE((SELECT max(n) FROM reallocation_proposals p WHERE p.campaign_id = c.campaign_id), 0) + 1 AS n`),
      db.raw(
        `EXISTS (SELECT 1 FROM reallocation_proposals p WHERE p.campaign_id = c.campaign_id
           AND p.status IN ('proposed', 'awaiting_approval')) AS open`,
      ),
    )
    .orderBy('c.campaign_id')) as Array<{ campaign_id: string; n: number | string; open: boolean }>;
  return {
    candidates: rows.filter((r) => !r.open).map((r) => ({ campaignId: r.campaign_id, n: Number(r.n) })),
    skipped: rows.filter((r) => r.open).map((r) => ({ campaignId: r.campaign_id, reason: 'a proposal is still open' })),
  };
}
