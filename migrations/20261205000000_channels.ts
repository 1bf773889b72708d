import type { Knex } from 'knex';
import { seedShippedTemplates } from '../db/templateSeeds';

/** `ALTER TYPE ... ADD VALUE` cannot share a transaction with a use of the new value: the tables get one of their own. */
export const config = { transaction: false };

/**
 * Channels beyond email: a contact's phone and SMS consent (with its history), push devices, the in-app inbox, and
 * where a message went on its channel (`email_outbox.address`: the phone of an SMS, the URL of a webhook), and
 * template formats for those channels (`text` for SMS and push, `json` for webhooks and push).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TYPE template_format ADD VALUE IF NOT EXISTS 'text'`);
  await knex.raw(`ALTER TYPE template_format ADD VALUE IF NOT EXISTS 'json'`);
  await knex.transaction(async (trx) => {
    await tables(trx);
    // The churn scan's in-app retention offer.
    await seedShippedTemplates(trx);
  });
}

async function tables(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contacts', (t) => {
    // E.164, validated on the way in.
    t.string('phone', 16);
    // Explicit SMS consent: given when and where (a form, an import, a START reply); withdrawn by STOP.
    t.timestamp('sms_consent_at', { useTz: true });
    t.string('sms_consent_source', 200);
  });
  await knex.schema.createTable('sms_consent_changes', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.string('phone', 16).notNullable();
    // 'opt_in' or 'opt_out'.
    t.string('action', 10).notNullable();
    t.string('source', 200).notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['contact_id', 'at']);
  });
  await knex.schema.alterTable('email_outbox', (t) => {
    t.text('address');
  });
  await knex.schema.alterTable('broadcasts', (t) => {
    t.string('channel', 16).notNullable().defaultTo('email');
  });
  await knex.schema.createTable('contact_devices', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.text('token').notNullable().unique();
    t.string('platform', 10).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index('contact_id');
  });
  await knex.schema.createTable('inbox_messages', (t) => {
    // The outbox row's id: one in-app message per send, whatever retries.
    t.uuid('id').primary().references('id').inTable('email_outbox').onDelete('CASCADE');
    t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.text('title').notNullable();
    t.text('html').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('read_at', { useTz: true });
    t.timestamp('dismissed_at', { useTz: true });
    t.index(['contact_id', 'created_at']);
  });
}

/** The enum values stay: PostgreSQL cannot drop them, and they hurt nothing unused. */
export async function down(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.schema.dropTable('inbox_messages');
    await trx.schema.dropTable('contact_devices');
    await trx.schema.alterTable('email_outbox', (t) => t.dropColumn('address'));
    await trx.schema.alterTable('broadcasts', (t) => t.dropColumn('channel'));
    await trx.schema.dropTable('sms_consent_changes');
    await trx.schema.alterTable('contacts', (t) => {
      t.dropColumn('phone');
      t.dropColumn('sms_consent_at');
      t.dropColumn('sms_consent_source');
    });
  });
}
