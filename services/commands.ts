import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { type ApiKeyIdentity, type Role } from '../db/stores/apiKeys';
import { ApprovalStore, type Approval } from '../db/stores/approvals';
import { AuditLog } from '../db/stores/audit';
import { CampaignStore, type Campaign } from '../db/stores/campaigns';
import { EnrollmentStore } from '../db/stores/enrollments';
import { PerformanceReportStore } from '../db/stores/performanceReports';
import { SequenceStore } from '../db/stores/sequences';
import { StrategyStore } from '../db/stores/strategies';
import { VentureStore, type Venture } from '../db/stores/ventures';
import { refusal, isTerminal, type CampaignState } from '../domain/campaignLifecycle';
import { ChannelMixInfeasibleError, ChannelMixInputError } from '../domain/channelMix';
import {
  bestMatch,
  COMMAND_EXAMPLES,
  matchModeFor,
  monthRange,
  parseCommand,
  spokenDuration,
  spokenMoney,
  spokenNumber,
  unknownCommandSpeech,
  type CommandIntent,
  type MatchOutcome,
  type NameCandidate,
  type ParsedCommand,
} from '../domain/commands';
import { getCampaignWorkflowId } from '../domain/ids';
import type { LruCache } from '../infra/lruCache';
import type { LinkSigner } from '../infra/signing';
import { campaignStatusQuery, pauseCampaignSignal, resumeCampaignSignal } from '../workflows/campaignWorkflow';
import { executeDecision } from './approvalDecisions';
import { InfluencerCatalogue } from './influencerCatalogue';
import { ventureChannelMix } from './ventureChannelMix';
import { ventureOverview } from './ventureOverview';

/** The answer to a command: what was understood, what was done, and a sentence to show or speak. */
export interface CommandAnswer {
  /** 200 when answered (found or not), 403 when the role may not do it, 409 when the state forbids it. */
  status: 200 | 403 | 409;
  body: {
    intent: CommandIntent;
    parameters: Record<string, unknown>;
    result: Record<string, unknown> | null;
    speech: string;
    error?: string;
  };
}

export interface CommandContext {
  identity: ApiKeyIdentity;
  /** The venture the dashboard has selected: the default for commands that need one and name none. */
  ventureId?: string;
}

const pct = (v: number | null) => (v === null ? 'unknown' : `${(v * 100).toFixed(1)}%`);
const times = (v: number | null) => (v === null ? 'unknown' : `${v.toFixed(1)}x`);
const human = (s: string) => s.replace(/_/g, ' ');

/** Who may do what by command: the same roles as the HTTP routes behind each action. */
const ACTION_ROLES: Partial<Record<CommandIntent, Role[]>> = {
  approve: ['chairman'],
  reject: ['chairman'],
  pause_campaign: ['marketer', 'operator', 'chairman'],
  resume_campaign: ['marketer'],
};

const ROLE_VERB: Partial<Record<CommandIntent, string>> = {
  approve: 'approve requests',
  reject: 'reject requests',
  pause_campaign: 'pause campaigns',
  resume_campaign: 'resume campaigns',
};

/**
 * Carries out text and voice commands with the stores and workflows the API uses. What a command does is checked
 * against the caller's role exactly as the route behind it would check it: only the chairman decides approvals.
 */
export class CommandService {
  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    /** Signs the chairman's decisions, as the approvals API does. */
    private readonly signer: LinkSigner,
    private readonly influencerCache?: LruCache<unknown>,
  ) {}

  async execute(text: string, ctx: CommandContext): Promise<CommandAnswer> {
    const parsed = parseCommand(text);
    const allowed = ACTION_ROLES[parsed.intent];
    if (allowed && !allowed.includes(ctx.identity.role)) {
      await new AuditLog(this.db)
        .record({
          actor: ctx.identity.name,
          actorRole: ctx.identity.role,
          action: 'access.denied',
          subjectType: 'command',
          subjectId: parsed.intent,
          details: { needs: allowed, text: text.slice(0, 500) },
        })
        .catch(() => undefined);
      const speech = `Only the ${allowed.join(' or ')} can ${ROLE_VERB[parsed.intent]}; your key has the ${ctx.identity.role} role.`;
      return this.answer(parsed, null, speech, 403, speech);
    }
    switch (parsed.intent) {
      case 'gtm_performance':
        return this.gtmPerformance(parsed, parsed.parameters.ventureName);
      case 'find_influencers':
        return this.findInfluencers(parsed, ctx);
      case 'optimize_budget':
        return this.optimizeBudget(parsed, parsed.parameters.campaignName);
      case 'top_channels':
        return this.topChannels(parsed);
      case 'approve':
      case 'reject':
        return this.decide(parsed, parsed.intent, parsed.parameters.subject, parsed.parameters.comment, ctx);
      case 'pause_campaign':
        return this.delivery(parsed, 'pause', parsed.parameters.campaignName, ctx);
      case 'resume_campaign':
        return this.delivery(parsed, 'resume', parsed.parameters.campaignName, ctx);
      case 'sequence_count':
        return this.sequenceCount(parsed, parsed.parameters.sequenceName);
      case 'pending_approvals':
        return this.pendingApprovals(parsed, ctx);
      case 'help':
        return this.answer(
          parsed,
          { examples: COMMAND_EXAMPLES },
          `You can ask me things like: ${COMMAND_EXAMPLES.map((e) => `"${e}"`).join(', ')}.`,
        );
      default:
        return this.answer(parsed, { examples: COMMAND_EXAMPLES }, unknownCommandSpeech());
    }
  }

  private answer(
    parsed: ParsedCommand,
    result: Record<string, unknown> | null,
    speech: string,
    status: CommandAnswer['status'] = 200,
    error?: string,
  ): CommandAnswer {
    return {
      status,
      body: {
        intent: parsed.intent,
        parameters: { ...parsed.parameters },
        result,
        speech,
        ...(error ? { error } : {}),
      },
    };
  }

  /** The sentence for a name that matched nothing or more than one thing. */
  private unresolved<T>(parsed: ParsedCommand, kind: string, said: string, outcome: MatchOutcome<T>, known: string[]) {
    if (outcome.status === 'ambiguous') {
      const names = outcome.options.map((o) => o.name);
      // Things that share a name cannot be told apart by saying it again.
      const speech =
        new Set(names).size < names.length
          ? `More than one ${kind} is called "${names[0]}", so I did nothing; choose it in the dashboard.`
          : `More than one ${kind} sounds like "${said}": ${names.join(' or ')}. Which one?`;
      return this.answer(parsed, { match: 'ambiguous', candidates: names }, speech);
    }
    const list = known.slice(0, 5);
    return this.answer(
      parsed,
      { match: 'none', known: list },
      list.length === 0
        ? `There is no ${kind} yet.`
        : `I found no ${kind} called "${said}". ${list.length === 1 ? 'There is' : 'There are'} ${list.join(', ')}.`,
    );
  }

  private async ventures(): Promise<NameCandidate<Venture>[]> {
    return (await new VentureStore(this.db).list({ limit: 500 })).map((v) => ({
      names: [v.productName, v.name, v.slug],
      value: v,
    }));
  }

  private async campaigns(): Promise<NameCandidate<Campaign>[]> {
    return (await new CampaignStore(this.db).list({ limit: 500 })).map((c) => ({ names: [c.name], value: c }));
  }

  private async gtmPerformance(parsed: ParsedCommand, said: string): Promise<CommandAnswer> {
    const candidates = await this.ventures();
    const match = bestMatch(said, candidates);
    if (match.status !== 'matched')
      return this.unresolved(
        parsed,
        'venture',
        said,
        match,
        candidates.map((c) => c.names[0]!),
      );
    const venture = match.value;
    const o = await ventureOverview(this.db, venture);
    const top = o.advice?.reallocation[0];
    const speech =
      `${venture.productName}: ${o.activeStrategies} active ${o.activeStrategies === 1 ? 'strategy' : 'strategies'}, ` +
      `${o.campaigns.live} live ${o.campaigns.live === 1 ? 'campaign' : 'campaigns'}, total reach ${spokenNumber(o.totalReach)}, ` +
      `average ROI ${times(o.averageRoi)}, conversion rate ${pct(o.conversionRate)}.` +
      (top
        ? ` Suggestion: ${top.direction === 'increase' ? 'add' : 'take'} ${spokenMoney(Math.abs(top.change), null)} ${
            top.direction === 'increase' ? 'to' : 'from'
          } ${human(top.channel)}.`
        : '');
    return this.answer(
      parsed,
      { venture: { id: venture.id, name: venture.productName, slug: venture.slug }, overview: o },
      speech,
    );
  }

  private async pickVenture(ctx: CommandContext): Promise<Venture | undefined> {
    const store = new VentureStore(this.db);
    if (ctx.ventureId) {
      const chosen = await store.get(ctx.ventureId);
      if (chosen) return chosen;
    }
    return (await store.list({ limit: 1 }))[0];
  }

  private async findInfluencers(
    parsed: Extract<ParsedCommand, { intent: 'find_influencers' }>,
    ctx: CommandContext,
  ): Promise<CommandAnswer> {
    const venture = await this.pickVenture(ctx);
    if (!venture) return this.answer(parsed, null, 'There is no venture yet to find influencers for.');
    const p = parsed.parameters;
    const { total, results } = await new InfluencerCatalogue(this.db, this.influencerCache).search({
      ventureId: venture.id,
      ...p,
      limit: 10,
      offset: 0,
    });
    const who = [
      p.category ? `${p.category} influencers` : 'influencers',
      p.platform ? `on ${p.platform}` : '',
      p.minFollowers !== undefined && p.maxFollowers !== undefined
        ? `with ${spokenNumber(p.minFollowers)} to ${spokenNumber(p.maxFollowers)} followers`
        : p.minFollowers !== undefined
          ? `with at least ${spokenNumber(p.minFollowers)} followers`
          : p.maxFollowers !== undefined
            ? `with at most ${spokenNumber(p.maxFollowers)} followers`
            : '',
    ]
      .filter((x) => x !== '')
      .join(' ');
    const best = results[0];
    const speech = !best
      ? `I found no ${who} scored for ${venture.productName}. Run a scoring run or widen the search.`
      : `I found ${total} ${who} for ${venture.productName}. The best match is ${best.influencer.name} (@${
          best.influencer.handle
        } on ${best.influencer.platform}), score ${Math.round(best.match.compositeScore)}.`;
    return this.answer(
      parsed,
      {
        venture: { id: venture.id, name: venture.productName },
        total,
        results: results.map(({ influencer, match }) => ({
          id: influencer.id,
          name: influencer.name,
          handle: influencer.handle,
          platform: influencer.platform,
          category: influencer.category,
          followersCount: influencer.followers_count,
          engagementRate: influencer.engagement_rate,
          compositeScore: match.compositeScore,
          estimatedRoi: (match.subScores as { estimatedRoi?: number }).estimatedRoi ?? null,
          riskFactors: match.riskFactors,
        })),
      },
      speech,
    );
  }

  private async optimizeBudget(parsed: ParsedCommand, said: string): Promise<CommandAnswer> {
    const candidates = await this.campaigns();
    const match = bestMatch(said, candidates);
    if (match.status !== 'matched')
      return this.unresolved(
        parsed,
        'campaign',
        said,
        match,
        candidates.map((c) => c.names[0]!),
      );
    const campaign = match.value;
    if (!campaign.ventureId)
      return this.answer(parsed, null, `${campaign.name} belongs to no venture, so it has no history to plan from.`);
    try {
      const mix = await ventureChannelMix(this.db, campaign.ventureId, campaign.budget);
      const funded = mix.channels.filter((c) => c.amount > 0).sort((a, b) => b.amount - a.amount);
      const speech =
        `For ${campaign.name}'s ${spokenMoney(campaign.budget, campaign.currency)}, the model suggests ` +
        funded
          .map((c) => `${human(c.name)} ${spokenMoney(c.amount, null)} (${Math.round(c.share * 100)}%)`)
          .join(', ') +
        `, expecting about ${Math.round(mix.totalExpectedConversions)} conversions.`;
      return this.answer(
        parsed,
        {
          campaign: { id: campaign.id, name: campaign.name, budget: campaign.budget, currency: campaign.currency },
          totalExpectedConversions: mix.totalExpectedConversions,
          channels: mix.channels.map((c) => ({
            name: c.name,
            amount: c.amount,
            share: c.share,
            expectedConversions: c.expectedConversions,
            source: mix.curves.find((x) => x.name === c.name)?.source ?? 'prior',
          })),
        },
        speech,
      );
    } catch (err) {
      if (err instanceof ChannelMixInfeasibleError || err instanceof ChannelMixInputError)
        return this.answer(parsed, null, `I cannot plan ${campaign.name}'s budget: ${err.message}.`);
      throw err;
    }
  }

  private async topChannels(parsed: Extract<ParsedCommand, { intent: 'top_channels' }>): Promise<CommandAnswer> {
    let venture: Venture | undefined;
    if (parsed.parameters.ventureName) {
      const candidates = await this.ventures();
      const match = bestMatch(parsed.parameters.ventureName, candidates);
      if (match.status !== 'matched')
        return this.unresolved(
          parsed,
          'venture',
          parsed.parameters.ventureName,
          match,
          candidates.map((c) => c.names[0]!),
        );
      venture = match.value;
    }
    const range = monthRange(parsed.parameters, new Date().toISOString().slice(0, 10));
    const channels = (
      await new PerformanceReportStore(this.db).byChannel({
        from: range.from,
        to: range.to,
        ...(venture ? { ventureId: venture.id } : {}),
      })
    )
      .filter((c) => c.spend > 0 || c.conversions > 0)
      .sort((a, b) => (b.roas ?? -1) - (a.roas ?? -1) || b.conversions - a.conversions);
    const where = venture ? ` for ${venture.productName}` : '';
    const speech =
      channels.length === 0
        ? `There are no campaign results${where} for ${range.label} yet.`
        : `The top performing channels${where} ${range.label === 'this month' ? 'this month' : `in ${range.label}`} are ` +
          channels
            .slice(0, 3)
            .map((c) => `${human(c.channel)} (ROI ${times(c.roas)}, ${spokenNumber(c.conversions)} conversions)`)
            .join(', ') +
          '.';
    return this.answer(
      parsed,
      { period: range, ...(venture ? { venture: { id: venture.id, name: venture.productName } } : {}), channels },
      speech,
    );
  }

  /** Every name an approval goes by: its title, and the name of what it is about. */
  private async approvalCandidates(list: Approval[]): Promise<NameCandidate<Approval>[]> {
    const campaigns = new CampaignStore(this.db);
    const strategies = new StrategyStore(this.db);
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

  private async decide(
    parsed: ParsedCommand,
    decision: 'approve' | 'reject',
    said: string,
    comment: string | undefined,
    ctx: CommandContext,
  ): Promise<CommandAnswer> {
    const pending = await new ApprovalStore(this.db).list({ status: 'pending' });
    const candidates = await this.approvalCandidates(pending);
    const match = bestMatch(said, candidates, matchModeFor(parsed.intent));
    if (match.status !== 'matched')
      return this.unresolved(
        parsed,
        'request waiting for your approval',
        said,
        match,
        candidates.map((c) => c.names[0]!),
      );
    const approval = match.value;
    try {
      const outcome = await executeDecision(this.temporal, this.signer, approval.workflowId, {
        decision,
        by: ctx.identity.name,
        role: ctx.identity.role,
        comment: comment || 'decided by voice or text command',
      });
      const verb = decision === 'approve' ? 'Approved' : 'Rejected';
      return this.answer(
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
        return this.answer(parsed, { approvalId: approval.id }, speech, 409, speech);
      }
      throw err;
    }
  }

  private async delivery(
    parsed: ParsedCommand,
    action: 'pause' | 'resume',
    said: string,
    ctx: CommandContext,
  ): Promise<CommandAnswer> {
    const candidates = await this.campaigns();
    const match = bestMatch(said, candidates, matchModeFor(parsed.intent));
    if (match.status !== 'matched')
      return this.unresolved(
        parsed,
        'campaign',
        said,
        match,
        candidates.map((c) => c.names[0]!),
      );
    const campaign = match.value;
    const handle = this.temporal.workflow.getHandle(getCampaignWorkflowId(campaign.id));
    const live = isTerminal(campaign.status)
      ? undefined
      : await withTimeout(handle.query(campaignStatusQuery), 5_000).catch(() => undefined);
    const state: CampaignState = live?.state ?? campaign.status;
    const refused = refusal(action, state);
    if (refused) {
      const speech = `I cannot ${action} ${campaign.name}: ${refused}.`;
      return this.answer(parsed, { campaignId: campaign.id, state }, speech, 409, speech);
    }
    if (action === 'resume' && live && live.spent >= live.budget) {
      const speech = `I cannot resume ${campaign.name}: its budget is used up (${spokenMoney(live.spent, live.currency)} of ${spokenMoney(live.budget, live.currency)}).`;
      return this.answer(parsed, { campaignId: campaign.id, state }, speech, 409, speech);
    }
    const actor = { by: ctx.identity.name, role: ctx.identity.role, reason: `${action}d by command` };
    try {
      await handle.signal(action === 'pause' ? pauseCampaignSignal : resumeCampaignSignal, actor);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || /already completed/i.test(String((err as Error)?.message))) {
        const speech = `I cannot ${action} ${campaign.name}: the campaign is no longer running.`;
        return this.answer(parsed, { campaignId: campaign.id }, speech, 409, speech);
      }
      throw err;
    }
    const target: CampaignState = action === 'pause' ? 'paused' : 'active';
    const deadline = Date.now() + 3_000;
    let now: CampaignState = state;
    while (Date.now() < deadline && now !== target) {
      await new Promise((r) => setTimeout(r, 100));
      now = (await withTimeout(handle.query(campaignStatusQuery), 2_000).catch(() => undefined))?.state ?? now;
    }
    const done = now === target;
    return this.answer(
      parsed,
      { campaignId: campaign.id, name: campaign.name, action, state: now, done },
      done
        ? `${action === 'pause' ? 'Paused' : 'Resumed'} ${campaign.name}.`
        : `${campaign.name} is ${action === 'pause' ? 'pausing' : 'resuming'}; the platforms are being told now.`,
    );
  }

  private async sequenceCount(parsed: ParsedCommand, said: string): Promise<CommandAnswer> {
    const sequences = await new SequenceStore(this.db).list(true);
    const candidates = sequences.map((s) => ({ names: [s.name, s.key], value: s }));
    const match = bestMatch(said, candidates);
    if (match.status !== 'matched')
      return this.unresolved(
        parsed,
        'sequence',
        said,
        match,
        candidates.map((c) => c.names[0]!),
      );
    const sequence = match.value;
    const byVersion = await new EnrollmentStore(this.db).countActiveByVersion(sequence.key);
    const active = Object.values(byVersion).reduce((a, b) => a + b, 0);
    const versions = Object.keys(byVersion);
    const speech =
      `${active === 0 ? 'No contacts are' : active === 1 ? '1 contact is' : `${spokenNumber(active)} contacts are`} in ${sequence.name} right now` +
      (versions.length > 1 ? ` (${versions.map((v) => `${byVersion[v]} on version ${v}`).join(', ')})` : '') +
      '.';
    return this.answer(parsed, { sequence: { key: sequence.key, name: sequence.name }, active, byVersion }, speech);
  }

  private async pendingApprovals(parsed: ParsedCommand, ctx: CommandContext): Promise<CommandAnswer> {
    const pending = await new ApprovalStore(this.db).list({ status: 'pending' });
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
    return this.answer(parsed, { approvals: items }, speech);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
