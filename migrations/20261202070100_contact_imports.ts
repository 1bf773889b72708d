import type { Knex } from 'knex';

/**
 * Contact imports: one row per upload, its progress and the report of rejected rows. The row is also the import's
 * checkpoint: `bytes_read`, `rows_read` and the counts are written in the same transaction as each batch of
 * contacts, so a resumed import neither loses nor counts a row twice. No contact_id column: nothing here is keyed
 * by a contact, and the rejected rows quote only row numbers, fields and reasons.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contact_imports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('status', 20).notNullable().defaultTo('queued');
    t.string('format', 10).notNullable();
    /** Total size when known (the upload's length); null while a chunked upload is being received. */
    t.bigInteger('bytes');
    t.bigInteger('bytes_read').notNullable().defaultTo(0);
    t.integer('rows_read').notNullable().defaultTo(0);
    t.integer('created').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.jsonb('rejected_rows').notNullable().defaultTo('[]');
    t.text('error');
    t.string('created_by', 200).notNullable();
    t.string('created_by_role', 50);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['created_at']);
  });
  await knex.raw(
    `ALTER TABLE contact_imports ADD CONSTRAINT contact_imports_status_check
       CHECK (status IN ('queued', 'running', 'completed', 'failed'))`,
  );
  await knex.raw(
    `ALTER TABLE contact_imports ADD CONSTRAINT contact_imports_format_check CHECK (format IN ('csv', 'ndjson'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('contact_imports');
}
