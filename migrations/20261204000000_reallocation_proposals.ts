import type { Knex } from 'knex';

/** `ALTER TYPE ... ADD VALUE` cannot share a transaction with a use of the new value: the table gets one of its own. */
export const config = { transaction: false };

/** Where a proposal stands: drafted, with the chairman, applied, turned down, left to a marketer, not made, refused. */
const STATUSES = [
  'proposed',
  'awaiting_approval',
  'applied',
  'rejected',
  'expired',
  'recommended',
  'no_proposal',
  'not_applied',
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TYPE approval_subject ADD VALUE IF NOT EXISTS 'reallocation'`);
  await knex.transaction(async (trx) => {
    await trx.schema.createTable('reallocation_proposals', (t) => {
      t.uuid('id').primary();
      t.uuid('campaign_id').notNullable().references('campaign_id').inTable('gtm_campaigns').onDelete('CASCADE');
      t.uuid('venture_id').references('id').inTable('ventures').onDelete('CASCADE');
      // The n of `proposal:{campaignId}:{n}`: one proposal workflow per number, so a retried start finds the first.
      t.integer('n').notNullable();
      t.string('workflow_id', 200).notNullable().unique();
      t.enu('status', STATUSES, { useNative: true, enumName: 'reallocation_status' }).notNullable();
      // 'fitted' (the curves propose the split) or 'chosen' (a person's split that moves too much to apply alone).
      t.string('source', 20).notNullable();
      t.string('requested_by', 200).notNullable();
      t.uuid('requested_by_user_id');
      t.string('currency', 3).notNullable();
      t.decimal('daily_budget', 14, 2);
      t.jsonb('current_shares');
      t.jsonb('proposed_shares');
      t.float('moved_pct');
      t.float('approval_pct').notNullable();
      // Estimates ({value, low, high}) of conversions a day at the current and proposed split, and the gain.
      t.jsonb('expected_current');
      t.jsonb('expected_proposed');
      t.jsonb('expected_gain');
      // The curves behind it: per platform response, intervals and the fit's quality.
      t.jsonb('evidence');
      t.text('reason').notNullable();
      t.string('approval_workflow_id', 200);
      t.string('decided_by', 200);
      t.text('decision_comment');
      t.timestamp('decided_at', { useTz: true });
      t.timestamp('applied_at', { useTz: true });
      t.integer('window_days').notNullable();
      // Conversions predicted over the window at the proposed split (an estimate) against what came in.
      t.jsonb('predicted_conversions');
      t.float('actual_conversions');
      t.integer('measured_days');
      t.timestamp('measured_at', { useTz: true });
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
      t.unique(['campaign_id', 'n']);
      t.index(['campaign_id', 'created_at']);
    });
    await trx.schema.alterTable('ventures', (t) => {
      // Proposals under the approval percentage apply on their own only where the venture says so.
      t.boolean('auto_apply_reallocations').notNullable().defaultTo(false);
    });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.schema.alterTable('ventures', (t) => t.dropColumn('auto_apply_reallocations'));
    await trx.schema.dropTable('reallocation_proposals');
    await trx.raw('DROP TYPE reallocation_status');
    await trx('approvals').where({ subject_type: 'reallocation' }).delete();
    await trx.raw(`ALTER TYPE approval_subject RENAME TO approval_subject_old`);
    await trx.raw(
      `CREATE TYPE approval_subject AS ENUM ('campaign', 'budget_change', 'strategy', 'influencer_deal', 'broadcast')`,
    );
    await trx.raw(
      `ALTER TABLE approvals ALTER COLUMN subject_type TYPE approval_subject USING subject_type::text::approval_subject`,
    );
    await trx.raw('DROP TYPE approval_subject_old');
  });
}
