import type { Knex } from 'knex';

/** What the engine itself needs: contacts and their events, sequences, the email outbox, approvals, keys, audit. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `CREATE TYPE enrollment_status AS ENUM ('active', 'completed', 'converted', 'exited', 'unsubscribed', 'failed')`,
  );
  await knex.raw(`CREATE TYPE outbox_status AS ENUM ('pending', 'sent', 'failed', 'deferred')`);
  await knex.raw(`CREATE TYPE approval_subject AS ENUM ('campaign', 'budget_change', 'strategy', 'influencer_deal')`);
  await knex.raw(`CREATE TYPE approval_status AS ENUM ('pending', 'approved', 'rejected', 'expired')`);

  await knex.schema.createTable('contacts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('external_id', 200).notNullable().unique();
    t.uuid('venture_id').references('id').inTable('ventures').onDelete('SET NULL');
    t.string('email', 320).notNullable();
    t.string('timezone', 64).notNullable().defaultTo('UTC');
    t.jsonb('traits').notNullable().defaultTo('{}');
    t.timestamp('unsubscribed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index('email');
  });

  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.string('name', 200).notNullable();
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('idempotency_key', 200).unique();
    // Set once the event reached the workflows; a retried POST re-delivers an event that never did.
    t.timestamp('delivered_at', { useTz: true });
    t.index(['contact_id', 'occurred_at']);
    t.index(['name', 'occurred_at']);
  });

  await knex.schema.createTable('sequences', (t) => {
    t.string('key', 100).primary();
    t.string('name', 200).notNullable();
    t.text('description');
    t.integer('current_version').notNullable();
    t.boolean('built_in').notNullable().defaultTo(false);
    t.timestamp('archived_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('sequence_versions', (t) => {
    t.string('sequence_key', 100).notNullable().references('key').inTable('sequences').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.jsonb('definition').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['sequence_key', 'version']);
  });

  await knex.schema.createTable('enrollments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('sequence_key', 100).notNullable().references('key').inTable('sequences');
    t.integer('sequence_version').notNullable();
    t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.string('workflow_id', 300).notNullable();
    t.string('run_id', 100).notNullable();
    t.specificType('status', 'enrollment_status').notNullable().defaultTo('active');
    t.string('variant', 100);
    t.string('current_step', 100);
    t.string('exit_reason', 200);
    t.decimal('revenue', 14, 2);
    t.timestamp('enrolled_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true });
    // One enrollment per workflow run: a retried "record enrollment" never makes two.
    t.unique(['workflow_id', 'run_id']);
    t.index(['contact_id', 'sequence_key']);
    t.index(['sequence_key', 'status']);
  });
  // At most one active enrollment per sequence workflow id, whichever run of it recorded it first.
  await knex.raw(`CREATE UNIQUE INDEX enrollments_one_active ON enrollments (workflow_id) WHERE status = 'active'`);

  await knex.schema.createTable('email_outbox', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('idempotency_key', 400).notNullable().unique();
    t.uuid('contact_id').references('id').inTable('contacts').onDelete('CASCADE');
    t.string('workflow_id', 300);
    t.string('step_id', 100);
    t.string('sequence_key', 100);
    t.string('variant', 100);
    t.string('template', 100).notNullable();
    t.string('to_email', 320).notNullable();
    t.text('subject').notNullable();
    t.boolean('marketing').notNullable().defaultTo(true);
    t.specificType('status', 'outbox_status').notNullable().defaultTo('pending');
    t.string('provider', 50);
    t.string('provider_message_id', 300);
    t.text('error');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('opened_at', { useTz: true });
    t.timestamp('clicked_at', { useTz: true });
    t.index(['contact_id', 'sent_at']);
    t.index(['sequence_key', 'status']);
  });

  await knex.schema.createTable('approvals', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.specificType('subject_type', 'approval_subject').notNullable();
    t.string('subject_id', 200).notNullable();
    t.string('workflow_id', 300).notNullable().unique();
    t.specificType('status', 'approval_status').notNullable().defaultTo('pending');
    t.string('title', 300).notNullable();
    t.text('summary');
    t.decimal('amount', 14, 2);
    t.string('currency', 3);
    t.string('requested_by', 200).notNullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.string('decided_by', 200);
    t.text('decision_comment');
    t.timestamp('decided_at', { useTz: true });
    t.integer('reminders_sent').notNullable().defaultTo(0);
    t.timestamp('escalated_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['status', 'created_at']);
    t.index(['subject_type', 'subject_id']);
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('name', 200).notNullable();
    t.specificType('role', 'user_role').notNullable();
    // The first characters of the key, to tell keys apart in lists; the key itself is never stored.
    t.string('prefix', 16).notNullable();
    t.string('key_hash', 128).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('actor', 200).notNullable();
    t.string('actor_role', 50);
    t.string('action', 100).notNullable();
    t.string('subject_type', 100);
    t.string('subject_id', 300);
    t.jsonb('details').notNullable().defaultTo('{}');
    t.index(['subject_type', 'subject_id']);
    t.index('at');
  });

  await knex.schema.createTable('churn_risk_scores', (t) => {
    t.uuid('score_id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // The seed's user_id: the venture's end users are this engine's contacts.
    t.uuid('user_id').references('id').inTable('contacts').onDelete('CASCADE');
    t.uuid('venture_id').references('id').inTable('ventures');
    t.float('risk_score');
    t.jsonb('risk_factors');
    t.boolean('intervention_triggered').defaultTo(false);
    t.text('intervention_type');
    t.timestamp('calculated_at', { useTz: true }).defaultTo(knex.fn.now());
    t.index(['user_id', 'calculated_at']);
  });

  await knex.schema.createTable('churn_models', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('source', 300).notNullable();
    t.jsonb('model').notNullable();
    t.jsonb('metrics').notNullable();
    t.timestamp('trained_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'churn_models',
    'churn_risk_scores',
    'audit_log',
    'api_keys',
    'approvals',
    'email_outbox',
    'enrollments',
    'sequence_versions',
    'sequences',
    'events',
    'contacts',
  ]) {
    await knex.schema.dropTable(table);
  }
  for (const type of ['approval_status', 'approval_subject', 'outbox_status', 'enrollment_status']) {
    await knex.raw(`DROP TYPE ${type}`);
  }
}
