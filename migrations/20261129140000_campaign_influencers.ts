import type { Knex } from 'knex';

/**
 * The influencers a campaign works with: chosen from the discovery page ("Add to campaign"), each once per
 * campaign, with who added them. Deleting the campaign or the influencer removes the pairing.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('campaign_influencers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('campaign_id').notNullable().references('campaign_id').inTable('gtm_campaigns').onDelete('CASCADE');
    t.uuid('influencer_id').notNullable().references('influencer_id').inTable('influencers').onDelete('CASCADE');
    t.string('added_by', 200).notNullable();
    t.text('note');
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['campaign_id', 'influencer_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('campaign_influencers');
}
