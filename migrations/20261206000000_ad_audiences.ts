import type { Knex } from 'knex';

/**
 * Platform audiences kept equal to segments, and what is known of the ad platforms' credentials.
 * - `audience_syncs`: one per segment and platform audience; `external_id` once the platform made the audience.
 * - `audience_sync_members`: the hashes uploaded and not removed, so a run sends only the difference and knows whom
 *   to remove when they leave the segment, withdraw consent or are erased (contact_id then goes null).
 * - `audience_sync_runs`: each run's counts and errors, the newest shown on the sync.
 * - `ad_credential_checks`: the last check of each credential (valid, expiry), for the dashboard and the API.
 * - The `advertising` topic: the default consent for audience syncs. Opt-out, like the other seeded topics;
 *   an install that needs prior consent makes it opt-in, or points AUDIENCE_SYNC_CONSENT at a trait.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audience_syncs', (t) => {
    t.uuid('id').primary();
    // No foreign key: a sync whose segment is deleted says so on its next run rather than vanishing.
    t.string('segment_key', 100).notNullable();
    t.string('platform', 20).notNullable();
    t.string('name', 200).notNullable();
    t.string('external_id', 200);
    t.boolean('sandbox').notNullable();
    t.string('schedule_id', 200).notNullable().unique();
    t.string('created_by', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.schema.createTable('audience_sync_members', (t) => {
    t.uuid('sync_id').notNullable().references('id').inTable('audience_syncs').onDelete('CASCADE');
    t.string('hash', 64).notNullable();
    t.uuid('contact_id').references('id').inTable('contacts').onDelete('SET NULL');
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['sync_id', 'hash']);
  });
  await knex.schema.createTable('audience_sync_runs', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('sync_id').notNullable().references('id').inTable('audience_syncs').onDelete('CASCADE');
    t.string('status', 20).notNullable();
    t.integer('eligible').notNullable().defaultTo(0);
    t.integer('added').notNullable().defaultTo(0);
    t.integer('removed').notNullable().defaultTo(0);
    // Uploaded again because their last upload was long ago (Customer Match memberships lapse).
    t.integer('refreshed').notNullable().defaultTo(0);
    t.integer('matched');
    t.jsonb('errors').notNullable().defaultTo('[]');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.index(['sync_id', 'id']);
  });
  await knex.schema.createTable('ad_credential_checks', (t) => {
    t.string('platform', 20).notNullable();
    t.string('setting', 200).notNullable();
    t.boolean('valid').notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.text('detail');
    t.timestamp('checked_at', { useTz: true }).notNullable();
    t.primary(['platform', 'setting']);
  });
  await knex('topics')
    .insert({
      key: 'advertising',
      name: 'Ads matched to you',
      description: 'Ads on Google, Meta and LinkedIn shown to you by a hashed copy of your email address.',
      opt_in: false,
    })
    .onConflict('key')
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('topics').where({ key: 'advertising' }).delete();
  await knex.schema.dropTable('ad_credential_checks');
  await knex.schema.dropTable('audience_sync_runs');
  await knex.schema.dropTable('audience_sync_members');
  await knex.schema.dropTable('audience_syncs');
}
