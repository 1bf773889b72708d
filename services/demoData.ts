import { namedActor } from '../domain/identity';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { CampaignInfluencerStore } from '../db/stores/campaignInfluencers';
import { CampaignPerformanceStore } from '../db/stores/campaignPerformance';
import { CampaignStore, type Campaign } from '../db/stores/campaigns';
import { ContactStore } from '../db/stores/contacts';
import { InfluencerStore } from '../db/stores/influencers';
import { VentureStore, type Venture } from '../db/stores/ventures';
import { calculateInfluencerScore } from '../domain/influencerScoring';
import type { LruCache } from '../infra/lruCache';
import type { Metrics } from '../infra/metrics';
import { simulateDay } from '../providers/ads/sandbox';
import { CampaignService, campaignSettings, type CampaignConfig } from './campaigns';
import { DEMO_CAMPAIGNS, DEMO_CONTACTS, DEMO_INFLUENCERS, DEMO_VENTURE, DEMO_VENTURE_SLUG } from './demoFixtures';
import { EnrollmentService, type IncomingEvent } from './enrollment';
import { InfluencerCatalogue } from './influencerCatalogue';
import { scoringVenture } from './ventureContext';

export interface DemoDeps {
  db: Db;
  temporal: Client;
  config: Partial<CampaignConfig>;
  taskQueue?: string;
  metrics?: Metrics;
  influencerCache?: LruCache<unknown>;
  /** The clock the demo's dates are taken from. */
  now?: () => number;
}

export interface DemoReport {
  venture: { id: string; slug: string; created: boolean };
  contacts: { created: number; existing: number };
  events: { accepted: number; duplicates: number };
  influencers: { imported: number; existing: number; scored: number };
  campaigns: { id: string; name: string; created: boolean; status: string; budget: number }[];
  performanceRows: number;
  campaignInfluencers: number;
  /** What to expect in the chairman's inbox: the approval workflow writes it a moment after the campaign starts. */
  pendingApproval: string;
}

export { DEMO_VENTURE_SLUG } from './demoFixtures';

/** The days before which the platforms' own syncs report: history is written up to here. */
const HISTORY_UNTIL = -3;

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Serialises loads in this process; the advisory lock does the same across processes. */
let running: Promise<unknown> = Promise.resolve();
const LOCK_KEY = 7_412_001;

/**
 * Loads a small, coherent demo through the stores and services the API uses: the Acme venture, four contacts whose
 * signups enroll them in onboarding, a scored influencer catalogue, three campaigns run by their workflows (two live
 * with a month of results, one waiting for the chairman's approval) and the influencers of the creator campaign.
 * Idempotent: whatever already exists is left as it is, so a second load changes nothing.
 */
export function loadDemoData(deps: DemoDeps): Promise<DemoReport> {
  const next = running.then(
    () => load(deps),
    () => load(deps),
  );
  running = next.catch(() => undefined);
  return next;
}

async function load(deps: DemoDeps): Promise<DemoReport> {
  const { db } = deps;
  // An advisory lock held by a transaction for the whole load: two processes loading at once would double campaigns.
  return db.transaction(async (lock) => {
    await lock.raw('SELECT pg_advisory_xact_lock(?)', [LOCK_KEY]);
    return loadUnlocked(deps);
  });
}

async function loadUnlocked(deps: DemoDeps): Promise<DemoReport> {
  const { db, temporal } = deps;
  const now = deps.now?.() ?? Date.now();
  const day = (offset: number) => dayOf(now + offset * DAY_MS);

  const ventures = new VentureStore(db);
  let venture: Venture | undefined = await ventures.get(DEMO_VENTURE_SLUG);
  const ventureCreated = !venture;
  venture ??= await ventures.create(DEMO_VENTURE);

  // Contacts and their first events: signups enroll them in onboarding through the usual path.
  const contacts = new ContactStore(db);
  let created = 0;
  const incoming: IncomingEvent[] = [];
  for (const [i, c] of DEMO_CONTACTS.entries()) {
    let contact = await contacts.getByExternalId(c.id);
    if (!contact) {
      contact = (
        await contacts.upsert({
          externalId: c.id,
          email: c.email,
          traits: { first_name: c.first, plan: c.plan },
          ventureId: venture.id,
        })
      ).contact;
      created++;
    }
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY_MS - i * 3_600_000);
    const event = (name: string, daysAgo: number, properties: Record<string, unknown>): IncomingEvent => ({
      contact: contact!,
      contactId: contact!.id,
      name,
      properties,
      occurredAt: at(daysAgo),
      idempotencyKey: `demo:${c.id}:${name}`,
    });
    incoming.push(event('page_view', 6, { utm_source: c.source, utm_medium: c.medium, path: '/' }));
    incoming.push(event('signup', 5, { plan: c.plan, utm_source: c.source, utm_medium: c.medium }));
    if (c.plan === 'team') incoming.push(event('purchase', 2, { value: 240, plan: 'team' }));
  }
  const outcomes = await new EnrollmentService(db, temporal, deps.metrics, deps.taskQueue).ingest(incoming);

  // The influencer catalogue, scored for the venture with the same function the scoring workflow runs.
  const influencerStore = new InfluencerStore(db);
  const existingInfluencers = await db('influencers')
    .whereIn(
      ['platform', 'handle'],
      DEMO_INFLUENCERS.map((r) => [r.platform, r.handle]),
    )
    .select('influencer_id', 'handle');
  const missing = DEMO_INFLUENCERS.filter((r) => !existingInfluencers.some((e) => e.handle === r.handle));
  const imported =
    missing.length > 0 ? await new InfluencerCatalogue(db, deps.influencerCache).import(missing) : undefined;
  const catalogue = await db('influencers')
    .whereIn(
      ['platform', 'handle'],
      DEMO_INFLUENCERS.map((r) => [r.platform, r.handle]),
    )
    .select('influencer_id', 'handle');
  const matched = new Set(
    await db('influencer_venture_matches')
      .where({ venture_id: venture.id })
      .whereIn(
        'influencer_id',
        catalogue.map((c) => c.influencer_id),
      )
      .pluck('influencer_id'),
  );
  const toScore = [];
  for (const row of catalogue.filter((c) => !matched.has(c.influencer_id))) {
    const record = await influencerStore.getById(row.influencer_id);
    if (record)
      toScore.push({
        influencerId: record.id,
        score: calculateInfluencerScore(record, scoringVenture(venture), { reasoning: true }),
      });
  }
  await influencerStore.upsertMatches(venture.id, toScore);
  if (toScore.length > 0) deps.influencerCache?.clear();

  // Campaigns through the campaign service: each gets its workflow, the big one an approval request.
  const campaignStore = new CampaignStore(db);
  const service = new CampaignService(db, temporal, campaignSettings(deps.config), deps.taskQueue);
  const existing = await campaignStore.list({ ventureId: venture.id, limit: 500 });
  const performance = new CampaignPerformanceStore(db);
  const pairs = new CampaignInfluencerStore(db);
  const campaigns: DemoReport['campaigns'] = [];
  let performanceRows = 0;
  let campaignInfluencers = 0;
  for (const spec of DEMO_CAMPAIGNS) {
    let campaign: Campaign | undefined = existing.find((c) => c.name === spec.name);
    const isNew = !campaign;
    if (!campaign) {
      campaign = (
        await service.create({
          ventureId: venture.id,
          ventureName: venture.name,
          name: spec.name,
          type: spec.type,
          channel: spec.channel,
          platforms: spec.platforms,
          startDate: day(spec.start),
          endDate: day(spec.end),
          budget: spec.budget,
          currency: 'USD',
          createdBy: 'demo data',
          who: namedActor('demo data', 'operator'),
        })
      ).campaign;
      // A month of results before the platforms' own syncs take over (they restate only the last few days).
      if (spec.historyDaily) {
        for (const platform of spec.platforms) {
          const days = [];
          for (let d = spec.start; d <= HISTORY_UNTIL; d++) {
            const date = day(d);
            days.push(simulateDay(`demo:${spec.name}:${platform}`, date, spec.historyDaily / spec.platforms.length));
          }
          await performance.upsertDays(
            { campaignId: campaign.id, ventureId: venture.id, channel: spec.channel, platform },
            days,
          );
          performanceRows += days.length;
        }
        // What the metrics sync records: until the run's first sync the stored spend is the history's.
        const totals = await performance.totals(campaign.id);
        await campaignStore.setSpent(campaign.id, totals.total.spend, totals);
      }
    }
    for (const handle of spec.influencers ?? []) {
      const found = catalogue.find((c) => c.handle === handle);
      if (found && (await pairs.add(campaign.id, found.influencer_id, 'demo data'))) campaignInfluencers++;
    }
    campaigns.push({
      id: campaign.id,
      name: campaign.name,
      created: isNew,
      status: campaign.status,
      budget: campaign.budget,
    });
  }

  return {
    venture: { id: venture.id, slug: venture.slug, created: ventureCreated },
    contacts: { created, existing: DEMO_CONTACTS.length - created },
    events: {
      accepted: outcomes.filter((o) => o.status === 'accepted').length,
      duplicates: outcomes.filter((o) => o.status === 'duplicate').length,
    },
    influencers: {
      imported: imported?.imported ?? 0,
      existing: DEMO_INFLUENCERS.length - missing.length,
      scored: toScore.length,
    },
    campaigns,
    performanceRows,
    campaignInfluencers,
    pendingApproval: service.needsApproval(12000).required
      ? 'Spring Launch (12,000 USD) is above the approval threshold: its workflow puts a request in the chairman’s inbox within seconds.'
      : 'Spring Launch (12,000 USD) is under the configured approval threshold, so no request reaches the inbox.',
  };
}
