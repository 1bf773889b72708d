import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { InfluencerStore } from '../db/stores/influencers';
import { calculateInfluencerScore, prepareVenture, type ExplainedInfluencerScore } from '../domain/influencerScoring';
import type { LruCache } from '../infra/lruCache';
import { loadVenture, scoringVenture } from '../services/ventureContext';

export interface InfluencerActivityDeps {
  db: Db;
  /** The influencer cache of the API when it runs in this process, so its venture searches see a new run at once. */
  influencerCache?: LruCache<unknown>;
}

/**
 * Influencers scored and stored between heartbeats, in one statement and so one commit each: four per batch of
 * 1,000. Chunks of 25 made a 100,000-row run commit 4,000 times.
 */
export const SCORING_CHUNK = 250;

/** Activities of the influencer scoring workflow. */
export function createInfluencerActivities({ db, influencerCache }: InfluencerActivityDeps) {
  const store = new InfluencerStore(db);

  return {
    /**
     * Checks the venture exists and counts the catalogue a scoring run is about to go through.
     * @remarks A missing venture fails the run at once (VentureNotFound, not retried).
     */
    async startInfluencerScoring(input: { ventureId: string }): Promise<{ total: number }> {
      if (!(await loadVenture(db, input.ventureId))) {
        throw ApplicationFailure.nonRetryable(`venture ${input.ventureId} does not exist`, 'VentureNotFound');
      }
      return { total: await store.count() };
    },

    /**
     * Scores the next batch of the catalogue (keyset after `afterId`, `limit` rows) for a venture, against the
     * venture prepared once, and upserts the matches with their reasoning on (influencer, venture), so a re-run or a
     * retried batch replaces scores rather than adding rows.
     * @remarks Heartbeats after every chunk of 250 with the last influencer stored; a retry resumes after it.
     * Transient database errors are retried by the workflow's policy; a deleted venture is not.
     */
    async scoreInfluencerBatch(input: {
      ventureId: string;
      afterId: string | null;
      limit: number;
    }): Promise<{ scored: number; lastId: string | null; done: boolean }> {
      const ctx = Context.current();
      const venture = await loadVenture(db, input.ventureId);
      if (!venture)
        throw ApplicationFailure.nonRetryable(`venture ${input.ventureId} does not exist`, 'VentureNotFound');
      const target = prepareVenture(scoringVenture(venture));
      const page = await store.pageAfter(input.afterId, input.limit);
      const resumed = ctx.info.heartbeatDetails as { lastStored?: string; scored?: number } | undefined;
      let scored = resumed?.scored ?? 0;
      const todo = resumed?.lastStored ? page.filter((i) => i.id > resumed.lastStored!) : page;
      for (let i = 0; i < todo.length; i += SCORING_CHUNK) {
        const chunk = todo.slice(i, i + SCORING_CHUNK);
        const scores: { influencerId: string; score: ExplainedInfluencerScore }[] = chunk.map((inf) => ({
          influencerId: inf.id,
          score: calculateInfluencerScore(inf, target, { reasoning: true }),
        }));
        await store.upsertMatches(input.ventureId, scores);
        scored += chunk.length;
        ctx.heartbeat({ lastStored: chunk[chunk.length - 1]!.id, scored });
      }
      influencerCache?.deletePrefix(`search:${input.ventureId}:`);
      return { scored, lastId: page.at(-1)?.id ?? input.afterId, done: page.length < input.limit };
    },
  };
}
