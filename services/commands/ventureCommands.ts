import { PerformanceReportStore } from '../../db/stores/performanceReports';
import { VentureStore, type Venture } from '../../db/stores/ventures';
import { bestMatch, monthRange, spokenMoney, spokenNumber, type ParsedCommand } from '../../domain/commands';
import { InfluencerCatalogue } from '../influencerCatalogue';
import { ventureOverview } from '../ventureOverview';
import {
  answer,
  firstNames,
  human,
  pct,
  times,
  unresolved,
  ventureCandidates,
  type CommandAnswer,
  type CommandContext,
  type CommandDeps,
} from './answers';

/** "show gtm performance for Acme Notes": the venture's overview in one sentence, with the top suggestion. */
export async function gtmPerformance(deps: CommandDeps, parsed: ParsedCommand, said: string): Promise<CommandAnswer> {
  const candidates = await ventureCandidates(deps.db);
  const match = bestMatch(said, candidates);
  if (match.status !== 'matched') return unresolved(parsed, 'venture', said, match, firstNames(candidates));
  const venture = match.value;
  const o = await ventureOverview(deps.db, venture);
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
  return answer(
    parsed,
    { venture: { id: venture.id, name: venture.productName, slug: venture.slug }, overview: o },
    speech,
  );
}

/** The venture the dashboard has selected, or else the first one. */
async function pickVenture(deps: CommandDeps, ctx: CommandContext): Promise<Venture | undefined> {
  const store = new VentureStore(deps.db);
  if (ctx.ventureId) {
    const chosen = await store.get(ctx.ventureId);
    if (chosen) return chosen;
  }
  return (await store.list({ limit: 1 }))[0];
}

/** "find influencers for fitness with 10k followers", scored for the selected venture. */
export async function findInfluencers(
  deps: CommandDeps,
  parsed: Extract<ParsedCommand, { intent: 'find_influencers' }>,
  ctx: CommandContext,
): Promise<CommandAnswer> {
  const venture = await pickVenture(deps, ctx);
  if (!venture) return answer(parsed, null, 'There is no venture yet to find influencers for.');
  const p = parsed.parameters;
  const { total, results } = await new InfluencerCatalogue(deps.db, deps.influencerCache).search({
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
  return answer(
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

/** "what are the top performing channels this month", for one venture or all. */
export async function topChannels(
  deps: CommandDeps,
  parsed: Extract<ParsedCommand, { intent: 'top_channels' }>,
): Promise<CommandAnswer> {
  let venture: Venture | undefined;
  if (parsed.parameters.ventureName) {
    const candidates = await ventureCandidates(deps.db);
    const match = bestMatch(parsed.parameters.ventureName, candidates);
    if (match.status !== 'matched')
      return unresolved(parsed, 'venture', parsed.parameters.ventureName, match, firstNames(candidates));
    venture = match.value;
  }
  const range = monthRange(parsed.parameters, new Date().toISOString().slice(0, 10));
  const channels = (
    await new PerformanceReportStore(deps.db).byChannel({
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
  return answer(
    parsed,
    { period: range, ...(venture ? { venture: { id: venture.id, name: venture.productName } } : {}), channels },
    speech,
  );
}
