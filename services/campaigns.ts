import { personOf, type Actor } from '../domain/identity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { adPlatformModes, type AdEnv } from '../config/adPlatforms';
import { envSchema, type Config } from '../config/config';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { CampaignStore, type Campaign, type NewCampaign } from '../db/stores/campaigns';
import { campaignNeedsApproval, type ApprovalDecision } from '../domain/approvalPolicy';
import { getCampaignWorkflowId, TASK_QUEUES } from '../domain/ids';
import type { AdPlatformName } from '../providers/ads/types';
import { campaignWorkflow } from '../workflows/campaignWorkflow';
import type { CampaignPolicy, CampaignWorkflowInput } from '../workflows/types';

/** The configuration the campaign lifecycle reads. */
export type CampaignConfig = Pick<
  Config,
  | 'APPROVAL_CAMPAIGN_BUDGET_THRESHOLD'
  | 'APPROVAL_BUDGET_INCREASE_PCT'
  | 'APPROVAL_REMINDER_EVERY'
  | 'APPROVAL_ESCALATE_AFTER'
  | 'APPROVAL_EXPIRE_AFTER'
  | 'CHAIRMAN_EMAIL'
  | 'ESCALATION_EMAIL'
  | 'METRICS_SYNC_EVERY'
  | 'BUDGET_ALERT_PCT'
> &
  AdEnv;

/** What the campaign API needs to know, resolved once from configuration. */
export interface CampaignSettings {
  policy: CampaignPolicy;
  /** Whether each platform name runs for real or on the sandbox. */
  modes: Record<AdPlatformName, 'live' | 'sandbox'>;
  /** The ad account currency of each live platform that has one configured. */
  currencies: Partial<Record<AdPlatformName, string>>;
}

/** Settings from configuration; an app built with less configuration (tests) gets the documented defaults. */
export function campaignSettings(config: Partial<CampaignConfig>): CampaignSettings {
  const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  const c = { ...envSchema.parse({}), ...defined } as CampaignConfig;
  const modes = adPlatformModes(c);
  const currencies: Partial<Record<AdPlatformName, string>> = {};
  if (modes.google === 'live' && c.GOOGLE_ADS_CURRENCY) currencies.google = c.GOOGLE_ADS_CURRENCY;
  if (modes.meta === 'live') currencies.meta = c.META_CURRENCY;
  if (modes.linkedin === 'live') currencies.linkedin = c.LINKEDIN_CURRENCY;
  return {
    policy: {
      campaignBudgetThreshold: c.APPROVAL_CAMPAIGN_BUDGET_THRESHOLD,
      budgetIncreasePct: c.APPROVAL_BUDGET_INCREASE_PCT,
      approvalTiming: {
        reminderEvery: c.APPROVAL_REMINDER_EVERY,
        escalateAfter: c.APPROVAL_ESCALATE_AFTER,
        expireAfter: c.APPROVAL_EXPIRE_AFTER,
      },
      approvers: [c.CHAIRMAN_EMAIL],
      escalateTo: [c.ESCALATION_EMAIL],
      alertTo: [c.CHAIRMAN_EMAIL],
      alertPct: c.BUDGET_ALERT_PCT,
      syncEvery: c.METRICS_SYNC_EVERY,
    },
    modes,
    currencies,
  };
}

export interface CreateCampaignRequest extends NewCampaign {
  objective?: string;
  ventureName?: string;
  /** Who asks: named in the creation's audit row. */
  who?: Actor;
}

/**
 * Creates campaigns: the row and its `campaign.created` audit entry first (committed, so the workflow's first
 * activity finds them), then the workflow `campaign:<id>`. When the start fails the row stays, unmarked (no
 * `workflow_started_at`), and the audit log keeps its entry: it is append-only. A retry of the same request finds
 * that row and starts its workflow, so it neither creates a second campaign nor audits the creation twice.
 */
export class CampaignService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly settings: CampaignSettings,
    private readonly taskQueue: string = TASK_QUEUES.main,
  ) {}

  /** Whether a budget needs the chairman, by the configured policy. */
  needsApproval(budget: number): ApprovalDecision {
    return campaignNeedsApproval(budget, this.settings.policy);
  }

  async create(request: CreateCampaignRequest): Promise<{ campaign: Campaign; workflowId: string }> {
    const { objective, ventureName, who, ...row } = request;
    const campaign = (await this.unstarted(row)) ?? (await this.insert(row, who));
    const workflowId = getCampaignWorkflowId(campaign.id);
    const input: CampaignWorkflowInput = {
      version: 1,
      campaignId: campaign.id,
      ventureId: request.ventureId,
      ...(ventureName ? { ventureName } : {}),
      name: request.name,
      channel: request.channel,
      ...(objective ? { objective } : {}),
      platforms: request.platforms,
      startDate: request.startDate,
      endDate: request.endDate,
      budget: request.budget,
      currency: request.currency,
      requestedBy: request.createdBy,
      ...(request.who?.actorUserId ? { requester: personOf(request.who) } : {}),
      policy: this.settings.policy,
    };
    try {
      await this.temporal.workflow.start(campaignWorkflow, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        // Never a second run for a campaign: a start that reached Temporal before its answer was lost counts.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    await this.db('gtm_campaigns')
      .where({ campaign_id: campaign.id })
      .whereNull('workflow_started_at')
      .update({ workflow_started_at: this.db.fn.now() });
    return { campaign, workflowId };
  }

  /** The row and its audit entry, in one transaction. */
  private async insert(row: NewCampaign, who: Actor | undefined): Promise<Campaign> {
    return this.db.transaction(async (trx) => {
      const created = await new CampaignStore(trx).create(row, trx);
      await new AuditLog(trx).record({
        actor: row.createdBy,
        ...who,
        action: 'campaign.created',
        subjectType: 'campaign',
        subjectId: created.id,
        details: {
          name: row.name,
          budget: row.budget,
          currency: row.currency,
          platforms: row.platforms,
          startDate: row.startDate,
          endDate: row.endDate,
        },
      });
      return created;
    });
  }

  /**
   * The campaign an earlier attempt of this very request created but could not start: same creator, venture,
   * name, platforms, dates and budget, still planned, its workflow never started.
   */
  private async unstarted(row: NewCampaign): Promise<Campaign | undefined> {
    const found = await this.db('gtm_campaigns')
      .where({
        created_by: row.createdBy,
        venture_id: row.ventureId,
        campaign_name: row.name,
        campaign_type: row.type,
        channel: row.channel,
        start_date: row.startDate,
        end_date: row.endDate,
        budget: row.budget,
        currency: row.currency,
        status: 'planned',
      })
      .whereRaw('platforms = ?::text[]', [row.platforms])
      .whereNull('workflow_started_at')
      .orderBy('created_at', 'asc')
      .first('campaign_id');
    return found ? new CampaignStore(this.db).get((found as { campaign_id: string }).campaign_id) : undefined;
  }
}
