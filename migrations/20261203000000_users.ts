import type { Knex } from 'knex';
import { seedShippedTemplates } from '../db/templateSeeds';

/**
 * People who sign in.
 * - `users` (the seed's table): one row per person; `roles` a set of `user_role` instead of one `role`; `password_hash` an Argon2id PHC string (NULL for
 *   someone who signs in only through single sign-on); `failed_sign_ins` and `locked_until` slow and then stop
 *   password guessing; `oidc_subject` links a single sign-on identity (issuer and subject) to the row.
 * - `sessions`: a signed-in browser. Only the SHA-256 of the cookie's token is kept; a session ends when it expires,
 *   is revoked (sign-out, deactivation, password reset) or its person is deactivated.
 * - `password_resets`: reset links; the link is signed over the row's id, and the row makes it single-use.
 * - `api_keys.user_id`: the person a key belongs to (NULL for the role keys of a local run).
 * - `audit_log.actor_user_id`, `actor_email`, `actor_via`: who acted, beyond a display name, and how (dashboard,
 *   api_key, command); `approvals.decided_by_user_id`, `decided_by_email`, `decided_via` the same for a decision.
 * - The shipped `account_access` template (the set-password email).
 */
export async function up(knex: Knex): Promise<void> {
  // The seed's `users` (email, name, one role) becomes the people who sign in: a set of roles instead of one.
  await knex.schema.alterTable('users', (t) => {
    t.specificType('roles', 'user_role[]');
    t.text('password_hash');
    t.string('oidc_issuer', 500);
    t.string('oidc_subject', 255);
    t.integer('failed_sign_ins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_sign_in_at', { useTz: true });
    t.timestamp('deactivated_at', { useTz: true });
    t.unique(['oidc_issuer', 'oidc_subject']);
  });
  await knex.raw('UPDATE users SET roles = ARRAY[role], email = lower(email)');
  await knex.raw('ALTER TABLE users ALTER COLUMN roles SET NOT NULL, DROP COLUMN role');
  await knex.raw('ALTER TABLE users ADD CONSTRAINT users_roles_not_empty CHECK (cardinality(roles) > 0)');
  // Addresses are kept in lower case, so Ana@Acme.test and ana@acme.test are one person.
  await knex.raw('ALTER TABLE users ADD CONSTRAINT users_email_lower CHECK (email = lower(email))');

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    t.string('method', 20).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.string('user_agent', 300);
    t.index('user_id');
  });

  await knex.schema.createTable('password_resets', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
  });

  await knex.schema.alterTable('api_keys', (t) => {
    t.uuid('user_id').references('users.id').onDelete('CASCADE');
    t.index('user_id');
  });
  await knex.schema.alterTable('audit_log', (t) => {
    t.uuid('actor_user_id');
    t.string('actor_email', 320);
    t.string('actor_via', 20);
    t.index('actor_user_id');
  });
  await knex.schema.alterTable('approvals', (t) => {
    t.uuid('decided_by_user_id');
    t.string('decided_by_email', 320);
    t.string('decided_via', 20);
  });
  // The set-password email (account_access) ships with this release.
  await seedShippedTemplates(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('approvals', (t) => {
    t.dropColumns('decided_by_user_id', 'decided_by_email', 'decided_via');
  });
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropIndex('actor_user_id');
    t.dropColumns('actor_user_id', 'actor_email', 'actor_via');
  });
  await knex.schema.alterTable('api_keys', (t) => {
    t.dropIndex('user_id');
    t.dropColumn('user_id');
  });
  await knex.schema.dropTable('password_resets');
  await knex.schema.dropTable('sessions');
  await knex.raw('ALTER TABLE users DROP CONSTRAINT users_email_lower, DROP CONSTRAINT users_roles_not_empty');
  await knex.raw('ALTER TABLE users ADD COLUMN role user_role');
  await knex.raw('UPDATE users SET role = roles[1]');
  await knex.raw('ALTER TABLE users ALTER COLUMN role SET NOT NULL');
  await knex.schema.alterTable('users', (t) => {
    t.dropUnique(['oidc_issuer', 'oidc_subject']);
    t.dropColumns(
      'roles',
      'password_hash',
      'oidc_issuer',
      'oidc_subject',
      'failed_sign_ins',
      'locked_until',
      'updated_at',
      'last_sign_in_at',
      'deactivated_at',
    );
  });
}
