import type { Client } from '@temporalio/client';
import { envSchema, type Config } from '../config/config';
import type { Db } from '../db/knex';
import { ReallocationProposalStore } from '../db/stores/reallocationProposals';
import { getProposalWorkflowId } from '../domain/ids';
import { proposalWorkflow } from '../workflows/proposalWorkflow';
import type { ProposalWorkflowInput, ReallocationPolicy } from '../workflows/proposalTypes';
import { campaignSettings } from './campaigns';

/** The governance of proposals from configuration: the chairman's percentage, the window, the campaigns' gate. */
export function reallocationPolicy(config: Partial<Config>): ReallocationPolicy {
  const { policy } = campaignSettings(config);
  const defaults = envSchema.parse({});
  return {
    approvalPct: config.REALLOCATION_APPROVAL_PCT ?? defaults.REALLOCATION_APPROVAL_PCT,
    windowDays: config.REALLOCATION_MEASURE_DAYS ?? defaults.REALLOCATION_MEASURE_DAYS,
    gate: { policy: policy.approvalTiming, approvers: policy.approvers, escalateTo: policy.escalateTo },
  };
}

/**
 * Starts a proposal for a campaign now: the split a person chose (or the optimiser's that they asked for), or a fit
 * when none is given. Its number is the campaign's next; a start racing another for the same number is a conflict
 * the caller can retry.
 */
export async function startProposal(
  { db, temporal }: { db: Db; temporal: Client },
  p: Omit<ProposalWorkflowInput, 'version' | 'n'> & { taskQueue: string },
): Promise<{ workflowId: string; n: number }> {
  const n = await new ReallocationProposalStore(db).nextNumber(p.campaignId);
  const workflowId = getProposalWorkflowId(p.campaignId, n);
  const { taskQueue, ...input } = p;
  await temporal.workflow.start(proposalWorkflow, { workflowId, taskQueue, args: [{ version: 1, n, ...input }] });
  return { workflowId, n };
}
