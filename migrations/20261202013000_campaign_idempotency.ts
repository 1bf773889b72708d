import type { Knex } from 'knex';

/**
 * Retry-safe campaign bookkeeping.
 * - `audit_log.idempotency_key`: the identity of the write that made an entry (a workflow activity's run and id), so
 *   an activity retried after its commit adds nothing; unique, NULL for entries that have no such identity.
 * - `gtm_campaigns.workflow_started_at`: when the campaign's workflow was started. A row whose start failed keeps
 *   NULL, so a retried request finds it and starts the workflow instead of creating a second campaign. Rows
 *   created before this migration were all started (a failed start used to remove its row): they get created_at.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.string('idempotency_key', 400).unique();
  });
  await knex.schema.alterTable('gtm_campaigns', (t) => {
    t.timestamp('workflow_started_at', { useTz: true });
  });
  await knex('gtm_campaigns').update({ workflow_started_at: knex.ref('created_at') });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('gtm_campaigns', (t) => {
    t.dropColumn('workflow_started_at');
  });
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropUnique(['idempotency_key']);
    t.dropColumn('idempotency_key');
  });
}
