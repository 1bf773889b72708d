import type { Knex } from 'knex';
import * as seedSchema from './20261128000000_seed_schema';
import * as engineSchema from './20261128000100_engine_schema';
import * as gtmIntelligence from './20261129120000_gtm_intelligence';
import * as campaignLifecycle from './20261129130000_campaign_lifecycle';
import * as campaignInfluencers from './20261129140000_campaign_influencers';
import * as outboxLease from './20261201000000_outbox_lease';
import * as rateLimits from './20261202012000_rate_limits';
import * as campaignIdempotency from './20261202013000_campaign_idempotency';
import * as engagement from './20261202050000_engagement';
import * as people from './20261202070000_people';
import * as contactImports from './20261202070100_contact_imports';
import * as segments from './20261202070200_segments';
import * as broadcasts from './20261202070300_broadcasts';
import * as templates from './20261202090000_templates';
import * as topics from './20261202090100_topics';
import * as users from './20261203000000_users';
import * as reallocationProposals from './20261204000000_reallocation_proposals';
import * as channels from './20261205000000_channels';
import * as adAudiences from './20261206000000_ad_audiences';

/**
 * Every migration, in order. Listed here rather than read from the folder, so the same migrations run
 * from TypeScript sources (npm start, tests) and from the compiled build without a loader.
 */
const migrations: Record<string, Knex.Migration> = {
  '20261128000000_seed_schema': seedSchema,
  '20261128000100_engine_schema': engineSchema,
  '20261129120000_gtm_intelligence': gtmIntelligence,
  '20261129130000_campaign_lifecycle': campaignLifecycle,
  '20261129140000_campaign_influencers': campaignInfluencers,
  '20261201000000_outbox_lease': outboxLease,
  '20261202012000_rate_limits': rateLimits,
  '20261202013000_campaign_idempotency': campaignIdempotency,
  '20261202050000_engagement': engagement,
  '20261202070000_people': people,
  '20261202070100_contact_imports': contactImports,
  '20261202070200_segments': segments,
  '20261202070300_broadcasts': broadcasts,
  '20261202090000_templates': templates,
  '20261202090100_topics': topics,
  '20261203000000_users': users,
  '20261204000000_reallocation_proposals': reallocationProposals,
  '20261205000000_channels': channels,
  '20261206000000_ad_audiences': adAudiences,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]!,
};
