import type { Knex } from 'knex';

/**
 * Engagement and deliverability.
 * - `email_outbox` is the message log: a `channel`, the first time each outcome happened (delivered, bounced,
 *   complained, unsubscribed; `opened_at` and `clicked_at`, which were never written before, now hold the first human
 *   open and click), whether our tracking was in the message, and the status `suppressed` (never handed to a provider).
 * - `message_events`: each message's timeline, one row per event, unique per source and key (a provider's event id, or
 *   the engine's own step), so a webhook delivered twice is stored once. Events that match no message keep a NULL
 *   `message_id`.
 * - `suppressions`: addresses no email goes to (except must-deliver templates), by lower-cased address.
 * - `enrollments.holdout`: the enrollee is in the sequence's control group, counted but never messaged.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TYPE outbox_status ADD VALUE IF NOT EXISTS 'suppressed'`);
  await knex.schema.alterTable('email_outbox', (t) => {
    t.string('channel', 20).notNullable().defaultTo('email');
    t.boolean('tracked').notNullable().defaultTo(false);
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('bounced_at', { useTz: true });
    t.string('bounce_type', 10);
    t.timestamp('complained_at', { useTz: true });
    t.timestamp('unsubscribed_at', { useTz: true });
    t.index(['provider_message_id']);
    t.index(['sequence_key', 'created_at']);
  });
  await knex.raw(`CREATE INDEX email_outbox_to_email_lower ON email_outbox (lower(to_email), created_at)`);

  await knex.schema.createTable('message_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('message_id').references('id').inTable('email_outbox').onDelete('CASCADE');
    t.string('status', 20).notNullable();
    t.string('source', 20).notNullable();
    t.string('event_key', 400).notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('email', 320);
    t.string('bounce_type', 10);
    t.text('reason');
    t.text('url');
    t.text('user_agent');
    t.boolean('machine').notNullable().defaultTo(false);
    t.string('machine_reason', 100);
    t.unique(['source', 'event_key']);
    t.index(['message_id', 'occurred_at']);
  });
  await knex.raw(`CREATE INDEX message_events_bounces ON message_events (email, occurred_at) WHERE status = 'bounced'`);

  await knex.schema.createTable('suppressions', (t) => {
    t.string('email', 320).primary();
    t.string('reason', 20).notNullable();
    t.text('detail');
    t.uuid('message_id').references('id').inTable('email_outbox').onDelete('SET NULL');
    t.string('created_by', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true });
  });

  await knex.schema.alterTable('enrollments', (t) => {
    t.boolean('holdout').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('enrollments', (t) => {
    t.dropColumn('holdout');
  });
  await knex.schema.dropTable('suppressions');
  await knex.schema.dropTable('message_events');
  await knex.raw(`DROP INDEX email_outbox_to_email_lower`);
  await knex.schema.alterTable('email_outbox', (t) => {
    t.dropIndex(['sequence_key', 'created_at']);
    t.dropIndex(['provider_message_id']);
    for (const c of [
      'channel',
      'tracked',
      'delivered_at',
      'bounced_at',
      'bounce_type',
      'complained_at',
      'unsubscribed_at',
    ])
      t.dropColumn(c);
  });
  // An enum value cannot be dropped: suppressed sends become failed ones, and the value stays unused.
  await knex('email_outbox').where({ status: 'suppressed' }).update({ status: 'failed', error: 'suppressed' });
}
