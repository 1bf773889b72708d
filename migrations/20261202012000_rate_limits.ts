import type { Knex } from 'knex';

/**
 * The API's rate-limit budgets, shared by every API process: one row per limited name (an API key's id or a client
 * address, prefixed by the limit), as `rate-limiter-flexible`'s PostgreSQL store reads and writes them. `expire` is
 * the end of the row's window in ms since the epoch; rows long expired are deleted by the API every few minutes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
    t.index(['expire']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
}
