import { ApplicationFailure, Context } from '@temporalio/activity';
import { adConsentOf } from '../config/adPlatforms';
import type { Db } from '../db/knex';
import { AudienceSyncStore, type AdConsent, type AudienceSyncRun } from '../db/stores/audienceSyncs';
import { SegmentStore } from '../db/stores/segments';
import { AdCredentialStore } from '../db/stores/adCredentials';
import { AdPlatformError, type AdPlatform, type CredentialStatus } from '../providers/ads/types';
import { toActivityFailure } from './campaignActivities';

export interface AdPlatformActivityDeps {
  db: Db;
  /** Adapters by platform name, the sandbox standing in where a platform has no credentials. */
  ads?: Partial<Record<string, AdPlatform>>;
  /** Who may be advertised to; none, no audience syncs. */
  adConsent?: AdConsent;
}

/** What one run of an audience sync did. */
export type AudienceSyncOutcome = Pick<
  AudienceSyncRun,
  'eligible' | 'added' | 'removed' | 'refreshed' | 'matched' | 'errors'
>;

/** Contacts read from the segment per query. */
const PAGE = 5_000;

/**
 * Members uploaded longer ago than this are uploaded again: Customer Match memberships lapse after at most 540 days
 * (LinkedIn's and Meta's do not, and an upload of a present member changes nothing there).
 */
const REFRESH_AFTER_MS = 180 * 86_400_000;

/** The idempotency key of a sync's platform audience: a retried first run finds the audience it made. */
export const audienceKey = (syncId: string) => `audience-sync:${syncId}`;

/** Activities that keep platform audiences equal to segments and watch the platforms' credentials. */
export function createAdPlatformActivities({ db, ads, adConsent }: AdPlatformActivityDeps) {
  const syncs = new AudienceSyncStore(db);
  const consent: AdConsent = adConsent ?? adConsentOf(undefined);

  return {
    /**
     * Asks every real platform about its credentials and records what each said, for the dashboard and the alerts.
     * @remarks A platform that cannot be reached is retried (after the others' findings are recorded); a refused
     * credential is a finding (valid: false), not a failure.
     */
    async checkAdCredentials(): Promise<CredentialStatus[]> {
      const found: CredentialStatus[] = [];
      const unreachable: string[] = [];
      for (const platform of new Set(Object.values(ads ?? {}))) {
        if (!platform || platform.sandbox) continue;
        try {
          found.push(...(await platform.checkCredentials()));
        } catch (err) {
          if (!(err instanceof AdPlatformError) || !err.retryable) throw toActivityFailure(err);
          unreachable.push(err.message);
        }
      }
      await new AdCredentialStore(db).record(found);
      if (unreachable.length) {
        throw ApplicationFailure.retryable(
          `could not check every credential: ${unreachable.join('; ')}`,
          'Unreachable',
        );
      }
      return found;
    },

    /**
     * Makes the sync's platform audience hold exactly the segment's members who may be advertised to: hashes the
     * platform lacks (or got more than 180 days ago) are uploaded, hashes of people who left the segment, withdrew
     * consent, unsubscribed or were erased are removed, each in the platform's batch size. Records the run, with
     * its errors.
     * @remarks Each batch is recorded once the platform accepted it, so a retried attempt sends only what is left.
     * A refused credential fails for good (AdCredentialInvalid, naming the setting), as does any other refusal;
     * throttling is retried after the wait the platform asked for. Heartbeats per page and batch.
     */
    async runAudienceSync(input: { syncId: string }): Promise<AudienceSyncOutcome> {
      const sync = await syncs.get(input.syncId);
      if (!sync) throw ApplicationFailure.nonRetryable(`there is no audience sync ${input.syncId}`, 'AudienceSyncGone');
      const runId = await syncs.startRun(sync.id);
      const outcome: AudienceSyncOutcome = {
        eligible: 0,
        added: 0,
        removed: 0,
        refreshed: 0,
        matched: null,
        errors: [],
      };
      try {
        if (!(await new SegmentStore(db).get(sync.segmentKey))) {
          outcome.errors.push(`the segment '${sync.segmentKey}' no longer exists`);
          return outcome;
        }
        const platform = ads?.[sync.platform];
        if (!platform) {
          outcome.errors.push(`ad platform '${sync.platform}' is not configured`);
          return outcome;
        }
        const target = platform.audiences;
        let externalId = sync.externalId;
        if (!externalId) {
          ({ externalId } = await target.ensureAudience({ key: audienceKey(sync.id), name: sync.name }));
          await syncs.setExternalId(sync.id, externalId);
        }

        const wanted = new Map<string, string>();
        for (let after: string | undefined; ;) {
          const page = await syncs.eligible(sync.segmentKey, consent, PAGE, after);
          for (const c of page) wanted.set(target.hashEmail(c.email), c.contactId);
          Context.current().heartbeat({ read: wanted.size });
          if (page.length < PAGE) break;
          after = page[page.length - 1]!.contactId;
        }
        outcome.eligible = wanted.size;
        const uploaded = await syncs.members(sync.id);
        const stale = Date.now() - REFRESH_AFTER_MS;
        const adds = [...wanted].filter(([hash]) => (uploaded.get(hash)?.getTime() ?? -Infinity) < stale);
        const removals = [...uploaded.keys()].filter((hash) => !wanted.has(hash));

        for (const batch of batches(adds, target.batchSize)) {
          const { matched } = await target.addMembers(
            externalId,
            batch.map(([hash]) => hash),
          );
          await syncs.addMembers(
            sync.id,
            batch.map(([hash, contactId]) => ({ hash, contactId })),
          );
          for (const [hash] of batch) {
            if (uploaded.has(hash)) outcome.refreshed++;
            else outcome.added++;
          }
          if (matched !== undefined) outcome.matched = (outcome.matched ?? 0) + matched;
          Context.current().heartbeat({ added: outcome.added, refreshed: outcome.refreshed });
        }
        for (const batch of batches(removals, target.batchSize)) {
          await target.removeMembers(externalId, batch);
          await syncs.removeMembers(sync.id, batch);
          outcome.removed += batch.length;
          Context.current().heartbeat({ removed: outcome.removed });
        }
        return outcome;
      } catch (err) {
        outcome.errors.push(err instanceof AdPlatformError ? err.message : `the run failed: ${(err as Error).message}`);
        throw toActivityFailure(err);
      } finally {
        await syncs.finishRun(runId, outcome);
      }
    },
  };
}

/** `items` in slices of at most `size`. */
function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) out.push(items.slice(i, i + Math.max(1, size)));
  return out;
}
