import type { Client } from '@temporalio/client';
import type { Db } from '../../db/knex';
import type { Identity } from '../../domain/identity';
import { CampaignStore, type Campaign } from '../../db/stores/campaigns';
import { VentureStore, type Venture } from '../../db/stores/ventures';
import type { CommandIntent, MatchOutcome, NameCandidate, ParsedCommand } from '../../domain/commands';
import type { LruCache } from '../../infra/lruCache';
import type { LinkSigner } from '../../infra/signing';

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
  identity: Identity;
  /** The venture the dashboard has selected: the default for commands that need one and name none. */
  ventureId?: string;
}

/** What every family of commands works with: the stores and workflows the API uses. */
export interface CommandDeps {
  db: Db;
  temporal: Client;
  /** Signs the chairman's decisions, as the approvals API does. */
  signer: LinkSigner;
  influencerCache?: LruCache<unknown>;
}

export const pct = (v: number | null) => (v === null ? 'unknown' : `${(v * 100).toFixed(1)}%`);
export const times = (v: number | null) => (v === null ? 'unknown' : `${v.toFixed(1)}x`);
export const human = (s: string) => s.replace(/_/g, ' ');

export function answer(
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
export function unresolved<T>(
  parsed: ParsedCommand,
  kind: string,
  said: string,
  outcome: MatchOutcome<T>,
  known: string[],
): CommandAnswer {
  if (outcome.status === 'ambiguous') {
    const names = outcome.options.map((o) => o.name);
    // Things that share a name cannot be told apart by saying it again.
    const speech =
      new Set(names).size < names.length
        ? `More than one ${kind} is called "${names[0]}", so I did nothing; choose it in the dashboard.`
        : `More than one ${kind} sounds like "${said}": ${names.join(' or ')}. Which one?`;
    return answer(parsed, { match: 'ambiguous', candidates: names }, speech);
  }
  const list = known.slice(0, 5);
  return answer(
    parsed,
    { match: 'none', known: list },
    list.length === 0
      ? `There is no ${kind} yet.`
      : `I found no ${kind} called "${said}". ${list.length === 1 ? 'There is' : 'There are'} ${list.join(', ')}.`,
  );
}

/** The first name of each candidate: what an answer lists when nothing matched. */
export const firstNames = <T>(candidates: NameCandidate<T>[]): string[] => candidates.map((c) => c.names[0]!);

export async function ventureCandidates(db: Db): Promise<NameCandidate<Venture>[]> {
  return (await new VentureStore(db).list({ limit: 500 })).map((v) => ({
    names: [v.productName, v.name, v.slug],
    value: v,
  }));
}

export async function campaignCandidates(db: Db): Promise<NameCandidate<Campaign>[]> {
  return (await new CampaignStore(db).list({ limit: 500 })).map((c) => ({ names: [c.name], value: c }));
}
