import type { Knex } from 'knex';

/**
 * A lease on an outbox row: the attempt that claimed a send (`lease_owner`) and until when (`lease_until`, the
 * database's clock) it holds it. Another attempt that finds a live lease waits for the holder's outcome instead of
 * sending the same email again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_outbox', (t) => {
    t.string('lease_owner', 300);
    t.timestamp('lease_until', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_outbox', (t) => {
    t.dropColumn('lease_owner');
    t.dropColumn('lease_until');
  });
}
