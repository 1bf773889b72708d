import { actorFrom } from '../domain/identity';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { Role } from '../db/stores/apiKeys';
import { AuditLog } from '../db/stores/audit';
import { COMMAND_EXAMPLES, parseCommand, unknownCommandSpeech, type CommandIntent } from '../domain/commands';
import type { LruCache } from '../infra/lruCache';
import type { LinkSigner } from '../infra/signing';
import { answer, type CommandAnswer, type CommandContext, type CommandDeps } from './commands/answers';
import { decide, pendingApprovals } from './commands/approvalCommands';
import { delivery, optimizeBudget } from './commands/campaignCommands';
import { sequenceCount } from './commands/sequenceCommands';
import { findInfluencers, gtmPerformance, topChannels } from './commands/ventureCommands';

export type { CommandAnswer, CommandContext } from './commands/answers';

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
 * Each family of commands lives in `services/commands/`; this class checks the role and dispatches.
 */
export class CommandService {
  private readonly deps: CommandDeps;

  constructor(
    private readonly db: Db,
    temporal: Client,
    /** Signs the chairman's decisions, as the approvals API does. */
    signer: LinkSigner,
    influencerCache?: LruCache<unknown>,
  ) {
    this.deps = { db, temporal, signer, ...(influencerCache ? { influencerCache } : {}) };
  }

  async execute(text: string, ctx: CommandContext): Promise<CommandAnswer> {
    const parsed = parseCommand(text);
    const allowed = ACTION_ROLES[parsed.intent];
    // A person with several roles acts in the one the command needs.
    const role = allowed ? ctx.identity.roles.find((r) => allowed.includes(r)) : undefined;
    if (role) ctx.identity.role = role;
    if (allowed && !role) {
      await new AuditLog(this.db)
        .record({
          ...actorFrom(ctx.identity),
          action: 'access.denied',
          subjectType: 'command',
          subjectId: parsed.intent,
          details: { needs: allowed, text: text.slice(0, 500) },
        })
        .catch(() => undefined);
      const speech = `Only the ${allowed.join(' or ')} can ${ROLE_VERB[parsed.intent]}; your key has the ${ctx.identity.role} role.`;
      return answer(parsed, null, speech, 403, speech);
    }
    const deps = this.deps;
    switch (parsed.intent) {
      case 'gtm_performance':
        return gtmPerformance(deps, parsed, parsed.parameters.ventureName);
      case 'find_influencers':
        return findInfluencers(deps, parsed, ctx);
      case 'optimize_budget':
        return optimizeBudget(deps, parsed, parsed.parameters.campaignName);
      case 'top_channels':
        return topChannels(deps, parsed);
      case 'approve':
      case 'reject':
        return decide(deps, parsed, parsed.intent, parsed.parameters.subject, parsed.parameters.comment, ctx);
      case 'pause_campaign':
        return delivery(deps, parsed, 'pause', parsed.parameters.campaignName, ctx);
      case 'resume_campaign':
        return delivery(deps, parsed, 'resume', parsed.parameters.campaignName, ctx);
      case 'sequence_count':
        return sequenceCount(deps, parsed, parsed.parameters.sequenceName);
      case 'pending_approvals':
        return pendingApprovals(deps, parsed, ctx);
      case 'help':
        return answer(
          parsed,
          { examples: COMMAND_EXAMPLES },
          `You can ask me things like: ${COMMAND_EXAMPLES.map((e) => `"${e}"`).join(', ')}.`,
        );
      default:
        return answer(parsed, { examples: COMMAND_EXAMPLES }, unknownCommandSpeech());
    }
  }
}
