import type { Knex } from 'knex';
import { seedShippedTemplates } from '../db/templateSeeds';

/**
 * Templates as data: a row per template and an immutable row per version. Publishing a version moves
 * `current_version`; enrollments and broadcasts pin the version they started with, so an edit never changes a
 * message mid-way. The templates that used to be files are seeded as version 1 of each, marked 'shipped', so each
 * can be edited and restored to what shipped.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('templates', (t) => {
    t.string('key', 100).primary();
    t.string('name', 200).notNullable();
    t.enu('kind', ['email', 'layout', 'partial'], { useNative: true, enumName: 'template_kind' }).notNullable();
    t.enu('format', ['mjml', 'html'], { useNative: true, enumName: 'template_format' }).notNullable();
    t.boolean('transactional').notNullable().defaultTo(false);
    // No foreign key: a layout is itself a template row, checked when a version is compiled.
    t.string('layout', 100);
    t.string('from_address', 320);
    t.string('reply_to', 320);
    t.string('cta', 100);
    t.integer('current_version').notNullable();
    t.boolean('built_in').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('archived_at', { useTz: true });
  });
  await knex.schema.createTable('template_versions', (t) => {
    t.string('template_key', 100).notNullable().references('key').inTable('templates').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.string('default_locale', 35).notNullable();
    // { locale: { subject, body, text } }: what the marketer wrote, per locale.
    t.jsonb('content').notNullable();
    // { locale: { subject, html, text, partials } }: compiled once when saved; only Handlebars runs per recipient.
    t.jsonb('artifacts').notNullable();
    // The layout and partials this version was assembled from.
    t.specificType('uses', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('warnings').notNullable().defaultTo('[]');
    t.enu('source', ['shipped', 'api', 'restore', 'dependency'], {
      useNative: true,
      enumName: 'template_version_source',
    }).notNullable();
    t.integer('restored_from');
    t.string('created_by', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['template_key', 'version']);
  });
  await knex.schema.alterTable('enrollments', (t) => {
    // { templateKey: version }: the versions published when the enrollment started.
    t.jsonb('template_versions').notNullable().defaultTo('{}');
    t.string('topic', 100);
  });
  await knex.schema.alterTable('broadcasts', (t) => {
    t.integer('template_version');
    // A broadcast may use its template's subject.
    t.string('subject', 300).nullable().alter();
  });
  await seedShippedTemplates(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex('broadcasts').whereNull('subject').update({ subject: '' });
  await knex.schema.alterTable('broadcasts', (t) => {
    t.dropColumn('template_version');
    t.string('subject', 300).notNullable().alter();
  });
  await knex.schema.alterTable('enrollments', (t) => {
    t.dropColumn('template_versions');
    t.dropColumn('topic');
  });
  await knex.schema.dropTableIfExists('template_versions');
  await knex.schema.dropTableIfExists('templates');
  await knex.raw('DROP TYPE IF EXISTS template_version_source');
  await knex.raw('DROP TYPE IF EXISTS template_format');
  await knex.raw('DROP TYPE IF EXISTS template_kind');
}
