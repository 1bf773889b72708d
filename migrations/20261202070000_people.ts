import type { Knex } from 'knex';

/**
 * People: listing and searching contacts, who unsubscribed or resubscribed them, and erasure.
 * - `contacts (created_at, id)` is the list's order and cursor; `lower(email)` and `lower(external_id)` with
 *   text_pattern_ops answer the case-insensitive prefix search from the index. A prefix (rather than a substring)
 *   keeps the indexes plain btrees, cheap on the import path, with no extension to install.
 * - `contact_subscription_changes`: each unsubscribe and resubscribe, by whom and through what.
 * - `suppressions.email_hash`: sha256 of the lower-cased address. An erased person's entry keeps only the hash, so the
 *   address is refused without being stored; the address column becomes nullable and stops being the key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX contacts_created_id ON contacts (created_at, id)`);
  await knex.raw(`CREATE INDEX contacts_email_prefix ON contacts (lower(email) text_pattern_ops)`);
  await knex.raw(`CREATE INDEX contacts_external_id_prefix ON contacts (lower(external_id) text_pattern_ops)`);

  await knex.schema.createTable('contact_subscription_changes', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.string('change', 20).notNullable();
    t.string('source', 20).notNullable();
    t.string('actor', 200).notNullable();
    t.string('actor_role', 50);
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['contact_id', 'at']);
  });

  await knex.schema.alterTable('suppressions', (t) => {
    t.string('email_hash', 64);
  });
  // Whoever writes an address, the hash follows it; erasure later nulls the address and keeps the hash.
  await knex.raw(`
    CREATE FUNCTION suppressions_hash_email() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.email IS NOT NULL THEN
        NEW.email_hash := encode(sha256(convert_to(lower(NEW.email), 'UTF8')), 'hex');
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER suppressions_hash_email BEFORE INSERT OR UPDATE ON suppressions
    FOR EACH ROW EXECUTE FUNCTION suppressions_hash_email()`);
  await knex.raw(`UPDATE suppressions SET email = email`);
  await knex.raw(`ALTER TABLE suppressions DROP CONSTRAINT suppressions_pkey`);
  await knex.raw(`ALTER TABLE suppressions ALTER COLUMN email DROP NOT NULL`);
  await knex.raw(`ALTER TABLE suppressions ALTER COLUMN email_hash SET NOT NULL`);
  await knex.raw(`ALTER TABLE suppressions ADD CONSTRAINT suppressions_email_unique UNIQUE (email)`);
  await knex.raw(`ALTER TABLE suppressions ADD CONSTRAINT suppressions_pkey PRIMARY KEY (email_hash)`);
}

export async function down(knex: Knex): Promise<void> {
  // Entries that kept only a hash cannot go back to a table keyed by the address.
  await knex('suppressions').whereNull('email').delete();
  await knex.raw(`ALTER TABLE suppressions DROP CONSTRAINT suppressions_pkey`);
  await knex.raw(`ALTER TABLE suppressions DROP CONSTRAINT suppressions_email_unique`);
  await knex.raw(`ALTER TABLE suppressions ALTER COLUMN email SET NOT NULL`);
  await knex.raw(`DROP TRIGGER suppressions_hash_email ON suppressions`);
  await knex.raw(`DROP FUNCTION suppressions_hash_email()`);
  await knex.schema.alterTable('suppressions', (t) => {
    t.dropColumn('email_hash');
  });
  await knex.raw(`ALTER TABLE suppressions ADD CONSTRAINT suppressions_pkey PRIMARY KEY (email)`);
  await knex.schema.dropTable('contact_subscription_changes');
  await knex.raw(`DROP INDEX contacts_external_id_prefix`);
  await knex.raw(`DROP INDEX contacts_email_prefix`);
  await knex.raw(`DROP INDEX contacts_created_id`);
}
