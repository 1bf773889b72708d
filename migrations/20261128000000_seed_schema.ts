import type { Knex } from 'knex';

/** The tables and enums of the product requirements (ventures, strategies, campaigns, influencers, churn). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `CREATE TYPE gtm_strategy_status AS ENUM ('draft', 'review', 'approved', 'active', 'paused', 'completed', 'rejected')`,
  );
  // The seed's five campaign states, plus the ones its lifecycle passes through between them.
  await knex.raw(
    `CREATE TYPE campaign_status AS ENUM ('planned', 'awaiting_approval', 'scheduled', 'active', 'paused', 'completed', 'cancelled', 'rejected')`,
  );
  await knex.raw(`CREATE TYPE user_role AS ENUM ('marketer', 'chairman', 'operator')`);

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('email', 320).notNullable().unique();
    t.string('name', 200).notNullable();
    t.specificType('role', 'user_role').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('ventures', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('name', 200).notNullable();
    t.string('slug', 100).notNullable().unique();
    t.string('product_name', 200).notNullable();
    t.text('description');
    t.string('industry', 100);
    t.string('category', 100);
    t.string('website', 500);
    t.specificType('keywords', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('brand').notNullable().defaultTo('{}');
    t.jsonb('target_market').notNullable().defaultTo('{}');
    t.jsonb('profile').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('gtm_strategies', (t) => {
    t.uuid('strategy_id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('venture_id').references('id').inTable('ventures').onDelete('CASCADE');
    t.string('strategy_name', 200).notNullable();
    t.string('strategy_type', 50).notNullable();
    t.jsonb('target_market').notNullable();
    t.text('positioning_statement');
    t.jsonb('value_proposition').notNullable();
    t.jsonb('competitive_differentiation');
    t.jsonb('pricing_strategy').notNullable();
    t.jsonb('channel_mix').notNullable();
    t.jsonb('influencer_strategy');
    t.jsonb('content_strategy');
    t.jsonb('timeline').notNullable();
    t.jsonb('budget_allocation');
    t.jsonb('kpi_targets').notNullable();
    t.jsonb('risk_assessment');
    t.jsonb('success_metrics').notNullable();
    t.timestamp('created_at', { useTz: true }).defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).defaultTo(knex.fn.now());
    t.uuid('approved_by').references('id').inTable('users');
    t.specificType('status', 'gtm_strategy_status').defaultTo('draft');
    t.index('venture_id', 'idx_gtm_strategies_venture');
    t.index('status', 'idx_gtm_strategies_status');
    t.index('strategy_type', 'idx_gtm_strategies_type');
  });

  await knex.schema.createTable('gtm_campaigns', (t) => {
    t.uuid('campaign_id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('strategy_id').references('strategy_id').inTable('gtm_strategies');
    t.uuid('venture_id').references('id').inTable('ventures');
    t.string('campaign_name', 200).notNullable();
    t.string('campaign_type', 50).notNullable();
    t.string('channel', 50).notNullable();
    t.specificType('platforms', 'text[]').notNullable().defaultTo('{}');
    t.date('start_date').notNullable();
    t.date('end_date');
    t.decimal('budget', 12, 2).notNullable();
    t.decimal('spent', 12, 2).notNullable().defaultTo(0);
    t.string('currency', 3).notNullable().defaultTo('USD');
    t.jsonb('target_audience');
    t.jsonb('creative_assets');
    t.jsonb('performance_metrics');
    t.jsonb('optimization_log');
    t.jsonb('platform_campaign_ids').notNullable().defaultTo('{}');
    t.string('created_by', 200);
    t.specificType('status', 'campaign_status').defaultTo('planned');
    t.timestamp('created_at', { useTz: true }).defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).defaultTo(knex.fn.now());
    t.index('venture_id');
    t.index('status');
  });

  await knex.schema.createTable('campaign_performance', (t) => {
    t.uuid('performance_id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('venture_id').references('id').inTable('ventures');
    t.uuid('campaign_id').references('campaign_id').inTable('gtm_campaigns').onDelete('CASCADE');
    t.string('channel', 50);
    t.string('platform', 50);
    t.date('metric_date');
    t.boolean('is_final_report').notNullable().defaultTo(false);
    t.integer('impressions');
    t.integer('clicks');
    t.integer('conversions');
    t.decimal('revenue', 14, 2);
    t.decimal('spend', 14, 2);
    t.float('ctr');
    t.float('cvr');
    t.float('roas');
    t.decimal('cac', 14, 2);
    t.timestamp('recorded_at', { useTz: true }).defaultTo(knex.fn.now());
    t.index(['campaign_id', 'metric_date']);
  });

  await knex.schema.createTable('influencers', (t) => {
    t.uuid('influencer_id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('name', 200).notNullable();
    t.string('handle', 100).notNullable();
    t.string('platform', 50).notNullable();
    t.string('category', 100).notNullable();
    t.integer('followers_count').notNullable();
    t.decimal('engagement_rate', 5, 4).notNullable();
    t.integer('average_views');
    t.specificType('content_types', 'text[]');
    t.jsonb('audience_demographics');
    t.integer('brand_safety_score').checkBetween([0, 100]);
    t.jsonb('pricing_info');
    t.jsonb('contact_info');
    t.jsonb('performance_history');
    t.specificType('relevance_topics', 'text[]');
    t.jsonb('geographic_reach');
    t.jsonb('collaboration_history');
    t.boolean('blacklisted').defaultTo(false);
    t.string('verification_status', 20).defaultTo('unverified');
    t.timestamp('created_at', { useTz: true }).defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).defaultTo(knex.fn.now());
    // A handle is unique on its platform, not across platforms.
    t.unique(['platform', 'handle']);
    t.index('category');
  });

  await knex.schema.createTable('influencer_venture_matches', (t) => {
    t.uuid('match_id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('influencer_id').notNullable().references('influencer_id').inTable('influencers').onDelete('CASCADE');
    t.uuid('venture_id').notNullable().references('id').inTable('ventures').onDelete('CASCADE');
    t.decimal('relevance_score', 5, 2).notNullable();
    t.decimal('conversion_potential', 5, 2).notNullable();
    t.decimal('cost_efficiency_score', 5, 2).notNullable();
    t.decimal('risk_score', 5, 2).notNullable();
    t.decimal('composite_score', 5, 2).notNullable();
    t.jsonb('sub_scores');
    t.specificType('risk_factors', 'text[]').notNullable().defaultTo('{}');
    t.text('match_reasoning');
    t.string('recommended_collaboration_type', 100);
    t.integer('estimated_reach');
    t.decimal('estimated_cost', 10, 2);
    t.timestamp('created_at', { useTz: true }).defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).defaultTo(knex.fn.now());
    t.unique(['influencer_id', 'venture_id']);
    t.index(['venture_id', 'composite_score']);
  });

  await knex.schema.createTable('marketing_automation_config', (t) => {
    t.uuid('config_id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('venture_id').references('id').inTable('ventures').onDelete('CASCADE');
    t.jsonb('email_automation');
    t.jsonb('social_automation');
    t.jsonb('seo_automation');
    t.jsonb('paid_automation');
    t.jsonb('affiliate_config');
    t.float('target_ltv_cac_ratio').defaultTo(5.0);
    t.decimal('target_cac');
    t.float('target_conversion_rate');
    t.float('target_nrr').defaultTo(1.1);
    t.timestamp('created_at', { useTz: true }).defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('marketing_workflows', (t) => {
    t.uuid('workflow_id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('venture_id').references('id').inTable('ventures').onDelete('CASCADE');
    t.text('workflow_type');
    t.jsonb('trigger_conditions');
    t.jsonb('actions');
    t.integer('enrollments').defaultTo(0);
    t.integer('conversions').defaultTo(0);
    t.decimal('revenue_generated').defaultTo(0);
    t.boolean('is_active').defaultTo(true);
    t.timestamp('created_at', { useTz: true }).defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'marketing_workflows',
    'marketing_automation_config',
    'influencer_venture_matches',
    'influencers',
    'campaign_performance',
    'gtm_campaigns',
    'gtm_strategies',
    'ventures',
    'users',
  ]) {
    await knex.schema.dropTable(table);
  }
  await knex.raw('DROP TYPE user_role');
  await knex.raw('DROP TYPE campaign_status');
  await knex.raw('DROP TYPE gtm_strategy_status');
}
