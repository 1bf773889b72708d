import type { Knex } from 'knex';

/** The topics every install starts with; all opt-out, so existing contacts keep getting what they got before. */
const SEEDED_TOPICS = [
  { key: 'onboarding', name: 'Getting started', description: 'Tips and guides while you set things up.' },
  { key: 'newsletter', name: 'Newsletter', description: 'Our regular newsletter.' },
  { key: 'product_updates', name: 'Product updates', description: 'New features and changes to the product.' },
  { key: 'offers', name: 'Offers', description: 'Discounts, trials and special offers.' },
];

/**
 * Topics a contact may leave or join one by one, beside the contact-wide unsubscribe.
 * - `topics`: what marketing email is about. An opt-in topic sends only to contacts who confirmed it.
 * - `contact_topics`: a contact's explicit state per topic. No row means the topic's default (opt-out topics
 *   subscribed, opt-in ones not), so adding a topic writes nothing per contact. Indexed by topic and state for a
 *   broadcast's audience, which asks "who left this topic" or "who confirmed it".
 * - `contact_subscription_changes.topic`: a topic change is recorded in the same history as the contact-wide ones,
 *   so the timeline shows both; null for a contact-wide change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('topics', (t) => {
    t.string('key', 100).primary();
    t.string('name', 200).notNullable();
    t.text('description');
    t.boolean('opt_in').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('archived_at', { useTz: true });
  });
  await knex('topics').insert(SEEDED_TOPICS.map((topic) => ({ ...topic, opt_in: false })));

  await knex.schema.createTable('contact_topics', (t) => {
    t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.string('topic_key', 100).notNullable().references('key').inTable('topics').onDelete('CASCADE');
    t.string('state', 20).notNullable();
    t.string('source', 20).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['contact_id', 'topic_key']);
    t.index(['topic_key', 'state']);
  });
  await knex.raw(
    `ALTER TABLE contact_topics ADD CONSTRAINT contact_topics_state CHECK (state IN ('subscribed', 'unsubscribed', 'pending'))`,
  );

  await knex.schema.alterTable('contact_subscription_changes', (t) => {
    t.string('topic', 100);
  });
}

export async function down(knex: Knex): Promise<void> {
  // Topic changes have no meaning without topics: the history keeps the contact-wide ones it had before.
  await knex('contact_subscription_changes').whereNotNull('topic').delete();
  await knex.schema.alterTable('contact_subscription_changes', (t) => {
    t.dropColumn('topic');
  });
  await knex.schema.dropTable('contact_topics');
  await knex.schema.dropTable('topics');
}
