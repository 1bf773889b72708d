import type { Knex } from 'knex';

/**
 * What the GTM intelligence needs beyond the seed schema: a churn score row per contact and scan (so a retried
 * scan batch writes the same row again instead of a second one), quick look-ups of a contact's last intervention
 * and of a venture's contacts, and the order the influencer search reads matches in.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('churn_risk_scores', (t) => {
    t.string('scan_id', 200);
    t.string('method', 20);
    t.unique(['user_id', 'scan_id'], { indexName: 'churn_risk_scores_user_scan_unique' });
  });
  await knex.raw(
    `CREATE INDEX churn_risk_scores_interventions ON churn_risk_scores (user_id, calculated_at) WHERE intervention_triggered`,
  );
  await knex.schema.alterTable('churn_models', (t) => {
    t.index('trained_at', 'churn_models_trained_at');
  });
  await knex.schema.alterTable('contacts', (t) => {
    t.index('venture_id', 'contacts_venture_id');
  });
  await knex.schema.alterTable('influencer_venture_matches', (t) => {
    t.index(['venture_id', 'composite_score', 'influencer_id'], 'influencer_matches_ranking');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('influencer_venture_matches', (t) => {
    t.dropIndex([], 'influencer_matches_ranking');
  });
  await knex.schema.alterTable('contacts', (t) => {
    t.dropIndex([], 'contacts_venture_id');
  });
  await knex.schema.alterTable('churn_models', (t) => {
    t.dropIndex([], 'churn_models_trained_at');
  });
  await knex.raw('DROP INDEX churn_risk_scores_interventions');
  await knex.schema.alterTable('churn_risk_scores', (t) => {
    t.dropUnique(['user_id', 'scan_id'], 'churn_risk_scores_user_scan_unique');
    t.dropColumn('method');
    t.dropColumn('scan_id');
  });
}
