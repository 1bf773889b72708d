import { actorFrom, personOf } from '../../domain/identity';
import type { CampaignState } from '../../domain/campaignLifecycle';
import { ChannelMixInfeasibleError, ChannelMixInputError } from '../../domain/channelMix';
import { bestMatch, matchModeFor, spokenMoney, type ParsedCommand } from '../../domain/commands';
import { CampaignActionRefusedError, CampaignNotRunningError, controlCampaign } from '../campaignControl';
import { ventureChannelMix } from '../ventureChannelMix';
import {
  answer,
  campaignCandidates,
  firstNames,
  human,
  unresolved,
  type CommandAnswer,
  type CommandContext,
  type CommandDeps,
} from './answers';

/** "optimize budget allocation for Spring Launch": the channel mix the model suggests for the campaign's budget. */
export async function optimizeBudget(deps: CommandDeps, parsed: ParsedCommand, said: string): Promise<CommandAnswer> {
  const candidates = await campaignCandidates(deps.db);
  const match = bestMatch(said, candidates);
  if (match.status !== 'matched') return unresolved(parsed, 'campaign', said, match, firstNames(candidates));
  const campaign = match.value;
  if (!campaign.ventureId)
    return answer(parsed, null, `${campaign.name} belongs to no venture, so it has no history to plan from.`);
  try {
    const mix = await ventureChannelMix(deps.db, campaign.ventureId, campaign.budget);
    const funded = mix.channels.filter((c) => c.amount > 0).sort((a, b) => b.amount - a.amount);
    const speech =
      `For ${campaign.name}'s ${spokenMoney(campaign.budget, campaign.currency)}, the model suggests ` +
      funded.map((c) => `${human(c.name)} ${spokenMoney(c.amount, null)} (${Math.round(c.share * 100)}%)`).join(', ') +
      `, expecting about ${Math.round(mix.totalExpectedConversions)} conversions.`;
    return answer(
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
      return answer(parsed, null, `I cannot plan ${campaign.name}'s budget: ${err.message}.`);
    throw err;
  }
}

/** "pause campaign Always-on Search" / "resume ...": the campaign workflow is told, and its state read back. */
export async function delivery(
  deps: CommandDeps,
  parsed: ParsedCommand,
  action: 'pause' | 'resume',
  said: string,
  ctx: CommandContext,
): Promise<CommandAnswer> {
  const candidates = await campaignCandidates(deps.db);
  const match = bestMatch(said, candidates, matchModeFor(parsed.intent));
  if (match.status !== 'matched')
    return unresolved(
      parsed,
      'campaign',
      said,
      match,
      candidates.map((c) => c.names[0]!),
    );
  const campaign = match.value;
  const actor = {
    by: ctx.identity.name,
    person: personOf(actorFrom(ctx.identity)),
    role: ctx.identity.role,
    reason: `${action}d by command`,
  };
  let result: { state: CampaignState; done: boolean };
  try {
    result = await controlCampaign(deps.temporal, campaign.id, action, actor);
  } catch (err) {
    const why =
      err instanceof CampaignActionRefusedError
        ? err.message
        : err instanceof CampaignNotRunningError
          ? 'the campaign is no longer running'
          : undefined;
    if (why === undefined) throw err;
    const speech = `I cannot ${action} ${campaign.name}: ${why}.`;
    return answer(parsed, { campaignId: campaign.id, state: campaign.status }, speech, 409, speech);
  }
  const { state, done } = result;
  return answer(
    parsed,
    { campaignId: campaign.id, name: campaign.name, action, state, done },
    done
      ? `${action === 'pause' ? 'Paused' : 'Resumed'} ${campaign.name}.`
      : `${campaign.name} is ${action === 'pause' ? 'pausing' : 'resuming'}; the platforms are being told now.`,
  );
}
