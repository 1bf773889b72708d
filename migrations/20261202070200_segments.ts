import type { Knex } from 'knex';

/**
 * Segments and their materialised membership. A `segment_members` row present means the contact is in the segment
 * now; erasing the contact or the segment removes it.
 * - `windowed` marks definitions with a time window: only those are evaluated again on the schedule.
 * - `events (contact_id, name, occurred_at)` serves every event condition: the subquery for one contact and one
 *   name reads only that name's rows, newest first within the window, instead of all the contact's events
 *   (the existing `(contact_id, occurred_at)` index makes it filter every event of the contact by name).
 * - `segment_try_timestamptz` reads a date trait without failing the whole statement on one bad value.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('segments', (t) => {
    t.string('key', 100).primary();
    t.string('name', 200).notNullable();
    t.jsonb('definition').notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.boolean('windowed').notNullable().defaultTo(false);
    t.timestamp('computed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('segment_members', (t) => {
    t.string('segment_key', 100).notNullable().references('key').inTable('segments').onDelete('CASCADE');
    t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.timestamp('entered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['segment_key', 'contact_id']);
    t.index('contact_id');
  });
  await knex.raw('CREATE INDEX events_contact_name_occurred ON events (contact_id, name, occurred_at)');
  // The refresh's catch-up finds segment events never delivered without reading every one ever stored.
  await knex.raw(
    `CREATE INDEX events_undelivered_segment ON events (id)
       WHERE delivered_at IS NULL AND name IN ('segment.entered', 'segment.left')`,
  );
  await knex.raw(`
    CREATE FUNCTION segment_try_timestamptz(value text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE AS $$
    BEGIN
      IF value IS NULL OR value !~ '^\\d{4}-\\d{2}-\\d{2}' THEN RETURN NULL; END IF;
      RETURN value::timestamptz;
    EXCEPTION WHEN others THEN RETURN NULL;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS segment_try_timestamptz(text)');
  await knex.raw('DROP INDEX IF EXISTS events_undelivered_segment');
  await knex.raw('DROP INDEX IF EXISTS events_contact_name_occurred');
  await knex.schema.dropTableIfExists('segment_members');
  await knex.schema.dropTableIfExists('segments');
}
