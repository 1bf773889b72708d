import { SegmentStore } from '../../db/stores/segments';
import type { SegmentDefinition } from '../../domain/segments/definition';
import { EnrollmentService } from '../../services/enrollment';
import { add, type Ctx } from '../lib/context';

const CONTACTS = 100_000;
const EVENTS = 1_000_000;
const BATCH = 1_000;

/**
 * Segment evaluation: a windowed segment ("logged in twice in 30 days and on the pro plan") evaluated in full over
 * 100,000 contacts and 1,000,000 events, both generated in SQL; then the incremental path, a 1,000-event batch
 * ingested with that segment reading the batch's events.
 */
export async function segmentsScenario(ctx: Ctx): Promise<void> {
  const db = ctx.infra.stack.db;
  const tag = `segb-${ctx.runId}`;
  const login = `bench_login_${ctx.runId}`;
  ctx.say(`segments: generating ${CONTACTS} contacts and ${EVENTS} events`);
  await db.raw(
    `INSERT INTO contacts (external_id, email, traits)
     SELECT ? || '-' || i, ? || '-' || i || '@bench.localhost',
            jsonb_build_object('plan', (ARRAY['free','pro','team'])[1 + i % 3], 'seats', i % 50)
     FROM generate_series(1, ?::int) i`,
    [tag, tag, CONTACTS],
  );
  await db.raw(
    `INSERT INTO events (contact_id, name, properties, occurred_at)
     SELECT c.id, ?, '{}'::jsonb, now() - (random() * interval '60 days')
     FROM (SELECT id FROM contacts WHERE external_id LIKE ? || '-%') c, generate_series(1, ?::int)`,
    [login, tag, EVENTS / CONTACTS],
  );
  await db.raw('ANALYZE contacts');
  await db.raw('ANALYZE events');

  const key = `bench-${ctx.runId}`;
  const definition: SegmentDefinition = {
    all: [
      { trait: 'plan', op: 'eq', value: 'pro' },
      { event: login, atLeast: 2, withinDays: 30 },
    ],
  };
  const store = new SegmentStore(db);
  await store.create({ key, name: 'bench', definition });
  let started = performance.now();
  const first = await store.apply(key, definition, null, new Date(), { emit: false });
  const fullMs = performance.now() - started;
  started = performance.now();
  const again = await store.apply(key, definition, null, new Date());
  const refreshMs = performance.now() - started;
  add(ctx, {
    scenario: 'segments',
    figure: 'full evaluation, 100k contacts / 1M events (first, all enter)',
    value: Math.round(fullMs),
    unit: 'ms',
    note: `${first.entered.length} members`,
  });
  add(ctx, {
    scenario: 'segments',
    figure: 'full re-evaluation, nothing changed',
    value: Math.round(refreshMs),
    unit: 'ms',
    note: `${again.entered.length} entered, ${again.left.length} left`,
  });

  const contacts = await db('contacts').whereLike('external_id', `${tag}-%`).orderBy('id').limit(BATCH);
  const service = new EnrollmentService(db, ctx.infra.stack.temporal, undefined, ctx.infra.taskQueue);
  const batch = contacts.map((c: Record<string, unknown>) => ({
    contact: {
      id: c['id'] as string,
      externalId: c['external_id'] as string,
      ventureId: null,
      email: c['email'] as string,
      timezone: 'UTC',
      traits: c['traits'] as Record<string, unknown>,
      unsubscribedAt: null,
      phone: null,
      smsConsent: null,
      createdAt: new Date(),
    },
    contactId: c['id'] as string,
    name: login,
    properties: {},
    occurredAt: new Date(),
  }));
  started = performance.now();
  await service.ingest(batch);
  const incrementalMs = performance.now() - started;
  add(ctx, {
    scenario: 'segments',
    figure: 'ingest of a 1,000-event batch with incremental evaluation',
    value: Math.round(incrementalMs),
    unit: 'ms',
  });
  ctx.say(
    `segments: full ${fullMs.toFixed(0)} ms, refresh ${refreshMs.toFixed(0)} ms, batch ${incrementalMs.toFixed(0)} ms`,
  );
  await store.delete(key);
}
