import type { Knex } from 'knex';

/**
 * What the campaign lifecycle needs: one performance row per campaign, platform and day (so a repeated metrics
 * sync updates the row instead of adding one) and one final report per campaign; why a campaign is in its state
 * (paused for budget, rejected as expired); and whether it runs on simulated platforms.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `CREATE UNIQUE INDEX campaign_performance_daily_unique
       ON campaign_performance (campaign_id, platform, metric_date) WHERE NOT is_final_report`,
  );
  await knex.raw(
    `CREATE UNIQUE INDEX campaign_performance_final_unique ON campaign_performance (campaign_id) WHERE is_final_report`,
  );
  await knex.schema.alterTable('gtm_campaigns', (t) => {
    t.text('status_reason');
    t.boolean('sandbox');
  });
  await knex.raw(`CREATE INDEX approvals_subject_created ON approvals (subject_type, created_at)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX approvals_subject_created');
  await knex.schema.alterTable('gtm_campaigns', (t) => {
    t.dropColumn('sandbox');
    t.dropColumn('status_reason');
  });
  await knex.raw('DROP INDEX campaign_performance_final_unique');
  await knex.raw('DROP INDEX campaign_performance_daily_unique');
}
