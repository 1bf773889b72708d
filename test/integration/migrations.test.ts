import { createTestDatabase, type TestDatabase } from '../harness';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.destroy());

const tables = async () =>
  (await t.db('pg_tables').where({ schemaname: 'public' }).pluck('tablename')).filter(
    (n: string) => !n.startsWith('knex_'),
  );

test('migrates to latest, rolls everything back, and migrates to latest again', async () => {
  const before = await tables();
  expect(before).toEqual(
    expect.arrayContaining([
      'ventures',
      'gtm_strategies',
      'gtm_campaigns',
      'campaign_performance',
      'influencers',
      'influencer_venture_matches',
      'marketing_automation_config',
      'marketing_workflows',
      'churn_risk_scores',
      'users',
      'contacts',
      'events',
      'sequences',
      'sequence_versions',
      'enrollments',
      'email_outbox',
      'approvals',
      'api_keys',
      'audit_log',
    ]),
  );
  await t.db('ventures').insert({ name: 'Acme', slug: 'acme', product_name: 'Acme' });
  await t.db('contacts').insert({ external_id: 'u1', email: 'u1@example.com' });

  await t.db.migrate.rollback(undefined, true);
  expect(await tables()).toEqual([]);
  const types = await t
    .db('pg_type')
    .whereIn('typname', ['campaign_status', 'gtm_strategy_status', 'outbox_status'])
    .pluck('typname');
  expect(types).toEqual([]);

  await t.db.migrate.latest();
  expect((await tables()).sort()).toEqual([...before].sort());
});

test('enforces the seed enums and the outbox idempotency key', async () => {
  await expect(
    t.db('gtm_campaigns').insert({
      campaign_name: 'x',
      campaign_type: 'launch',
      channel: 'paid',
      start_date: '2026-01-01',
      budget: 1,
      status: 'flying',
    }),
  ).rejects.toThrow(/invalid input value for enum campaign_status/);
  const [contact] = await t.db('contacts').insert({ external_id: 'u2', email: 'u2@example.com' }).returning('id');
  const row = {
    idempotency_key: 'seq:onboarding:u2:welcome',
    contact_id: contact.id,
    template: 'welcome',
    to_email: 'u2@example.com',
    subject: 'Hi',
  };
  await t.db('email_outbox').insert(row);
  await expect(t.db('email_outbox').insert(row)).rejects.toThrow(/duplicate key/);
});
