import type { Knex } from 'knex';

/**
 * `ALTER TYPE ... ADD VALUE` may not run inside a transaction block before PostgreSQL 12, and even later the new
 * value cannot be used in the transaction that added it; knex wraps each migration in one unless told not to.
 * The tables are still created atomically, in a transaction of their own below.
 */
export const config = { transaction: false };

const STATUSES = [
  'draft',
  'scheduled',
  'awaiting_approval',
  'sending',
  'paused',
  'completed',
  'cancelled',
  'rejected',
  'failed',
];
const RECIPIENT_STATUSES = ['pending', 'sending', 'sent', 'skipped', 'failed'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TYPE approval_subject ADD VALUE IF NOT EXISTS 'broadcast'`);
  await knex.transaction(async (trx) => {
    await trx.schema.createTable('broadcasts', (t) => {
      t.uuid('id').primary();
      t.string('name', 200).notNullable();
      // No foreign key: a broadcast keeps its record (and its frozen audience) after its segment is deleted.
      t.string('segment_key', 100).notNullable();
      t.string('template', 100).notNullable();
      t.string('subject', 300).notNullable();
      t.string('from', 320);
      // Stored only: per-topic subscriptions come later.
      t.string('topic', 100);
      t.timestamp('send_at', { useTz: true }).notNullable();
      t.string('local_time', 5);
      t.integer('rate_limit_per_second').notNullable();
      t.enu('status', STATUSES, { useNative: true, enumName: 'broadcast_status' }).notNullable();
      t.string('workflow_id', 200).notNullable().unique();
      t.string('created_by', 200).notNullable();
      t.string('approval_workflow_id', 200);
      t.string('decided_by', 200);
      t.text('decision_comment');
      t.text('error');
      // Counted once when the audience is frozen; the per-status counts come from broadcast_recipients.
      t.integer('recipients');
      t.timestamp('snapshot_at', { useTz: true });
      t.timestamp('started_at', { useTz: true });
      t.timestamp('completed_at', { useTz: true });
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.index(['created_at']);
    });
    await trx.schema.createTable('broadcast_recipients', (t) => {
      t.uuid('broadcast_id').notNullable().references('id').inTable('broadcasts').onDelete('CASCADE');
      t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
      t.timestamp('send_at', { useTz: true }).notNullable();
      t.enu('status', RECIPIENT_STATUSES, { useNative: true, enumName: 'broadcast_recipient_status' })
        .notNullable()
        .defaultTo('pending');
      t.string('skip_reason', 40);
      t.string('idempotency_key', 200).notNullable();
      t.text('error');
      t.timestamp('done_at', { useTz: true });
      t.primary(['broadcast_id', 'contact_id']);
      t.index(['broadcast_id', 'status', 'send_at']);
      t.index(['contact_id']);
    });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.schema.dropTableIfExists('broadcast_recipients');
    await trx.schema.dropTableIfExists('broadcasts');
    await trx.raw('DROP TYPE IF EXISTS broadcast_recipient_status');
    await trx.raw('DROP TYPE IF EXISTS broadcast_status');
    // PostgreSQL cannot drop one value of an enum: the type is rebuilt without it, once no approval names it.
    await trx('approvals').where({ subject_type: 'broadcast' }).delete();
    await trx.raw(`ALTER TYPE approval_subject RENAME TO approval_subject_old`);
    await trx.raw(`CREATE TYPE approval_subject AS ENUM ('campaign', 'budget_change', 'strategy', 'influencer_deal')`);
    await trx.raw(
      `ALTER TABLE approvals ALTER COLUMN subject_type TYPE approval_subject USING subject_type::text::approval_subject`,
    );
    await trx.raw(`DROP TYPE approval_subject_old`);
  });
}
