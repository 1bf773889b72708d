import { actorFrom, personOf } from '../../domain/identity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Db } from '../../db/knex';
import { ApprovalStore, type Approval } from '../../db/stores/approvals';
import { CampaignStore } from '../../db/stores/campaigns';
import { StrategyStore } from '../../db/stores/strategies';
import {
  bestMatch,
  matchModeFor,
  spokenDuration,
  spokenMoney,
  type NameCandidate,
  type ParsedCommand,
} from '../../domain/commands';
import { executeDecision } from '../approvalDecisions';
import { answer, firstNames, unresolved, type CommandAnswer, type CommandContext, type CommandDeps } from './answers';

/** Every name an approval goes by: its title, and the name of what it is about. */
async function approvalCandidates(db: Db, list: Approval[]): Promise<NameCandidate<Approval>[]> {
  const campaigns = new CampaignStore(db);
  const strategies = new StrategyStore(db);
  return Promise.all(
    list.map(async (a) => {
      const names = [a.title];
      const campaignId =
        a.subjectType === 'campaign'
          ? a.subjectId
          : a.subjectType === 'budget_change'
            ? (a.subjectId.split(':')[0] ?? '')
            : typeof a.details.campaignId === 'string'
              ? a.details.campaignId
              : undefined;
      if (campaignId) {
        const c = await campaigns.get(campaignId);
        if (c) names.push(a.subjectType === 'budget_change' ? `budget of ${c.name}` : c.name);
      }
      if (a.subjectType === 'strategy') {
        const s = await strategies.get(a.subjectId).catch(() => undefined);
        if (s) names.push(s.name);
      }
      return { names, value: a };
    }),
  );
}

/** "approve the spring launch campaign": the chairman's decision on a pending request, signed as the API signs it. */
export async function decide(
  deps: CommandDeps,
  parsed: ParsedCommand,
  decision: 'approve' | 'reject',
  said: string,
  comment: string | undefined,
  ctx: CommandContext,
): Promise<CommandAnswer> {
  const pending = await new ApprovalStore(deps.db).list({ status: 'pending' });
  const candidates = await approvalCandidates(deps.db, pending);
  const match = bestMatch(said, candidates, matchModeFor(parsed.intent));
  if (match.status !== 'matched')
    return unresolved(parsed, 'request waiting for your approval', said, match, firstNames(candidates));
  const approval = match.value;
  try {
    const outcome = await executeDecision(deps.temporal, deps.signer, approval.workflowId, {
      decision,
      by: ctx.identity.name,
      person: personOf(actorFrom(ctx.identity)),
      role: ctx.identity.role,
      comment: comment || 'decided by voice or text command',
    });
    const verb = decision === 'approve' ? 'Approved' : 'Rejected';
    return answer(
      parsed,
      { approvalId: approval.id, title: approval.title, workflowId: approval.workflowId, outcome },
      `${verb}: ${approval.title}, requested by ${approval.requestedBy}.`,
    );
  } catch (err) {
    if (
      err instanceof WorkflowUpdateFailedError ||
      err instanceof WorkflowNotFoundError ||
      /already completed/i.test(String((err as Error)?.message))
    ) {
      const why =
        err instanceof WorkflowUpdateFailedError ? (err.cause?.message ?? err.message) : 'it is no longer open';
      const speech = `I could not ${decision} ${approval.title}: ${why}.`;
      return answer(parsed, { approvalId: approval.id }, speech, 409, speech);
    }
    throw err;
  }
}

/** "what is waiting for my approval": the pending requests, with how long each has waited. */
export async function pendingApprovals(
  deps: CommandDeps,
  parsed: ParsedCommand,
  ctx: CommandContext,
): Promise<CommandAnswer> {
  const pending = await new ApprovalStore(deps.db).list({ status: 'pending' });
  const now = Date.now();
  const whose = ctx.identity.role === 'chairman' ? 'your' : "the chairman's";
  const items = pending.map((a) => ({
    id: a.id,
    title: a.title,
    amount: a.amount,
    currency: a.currency,
    requestedBy: a.requestedBy,
    requestedAt: a.createdAt,
    waitingSeconds: Math.max(0, Math.round((now - a.createdAt.getTime()) / 1000)),
  }));
  const speech =
    items.length === 0
      ? `Nothing is waiting for ${whose} approval.`
      : `${items.length === 1 ? '1 request is' : `${items.length} requests are`} waiting for ${whose} approval: ` +
        items
          .slice(0, 5)
          .map(
            (i) =>
              `${i.title}${i.amount !== null && !i.title.includes(String(Math.round(i.amount))) ? `, ${spokenMoney(i.amount, i.currency)}` : ''}, asked by ${i.requestedBy} ${spokenDuration(i.waitingSeconds)} ago`,
          )
          .join('; ') +
        '.';
  return answer(parsed, { approvals: items }, speech);
}
