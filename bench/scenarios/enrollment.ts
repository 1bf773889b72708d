import { getSequenceWorkflowId } from '../../domain/ids';
import { MAX_BATCH } from '../../api/routes/events';
import { createContacts, type BenchContact } from '../lib/contacts';
import { add, type Ctx } from '../lib/context';
import { expectStatus } from '../lib/infra';
import { mapLimit } from '../../services/mapLimit';
import { chunks, CpuMeter } from '../lib/util';

interface BatchAnswer {
  accepted: number;
  rejected: unknown[];
  results: { enrolled: string[] }[];
}

/**
 * Signups through the HTTP API until each welcome email is accepted by the SMTP sink: once in batches of up
 * to 1,000 events per request, once one event per request from several concurrent clients. The rate is
 * contacts over the span from the first request to the last welcome at the sink.
 */
export async function enrollmentScenario(ctx: Ctx): Promise<void> {
  const { enrollments, single, batchSize, batchConcurrency, connections } = ctx.flags;
  const made = await createContacts(ctx, 'enr', enrollments + single);
  add(ctx, {
    scenario: 'enrollment',
    figure: `contacts created through POST /v1/contacts (${connections} concurrent)`,
    value: made.contacts.length / made.seconds,
    unit: 'requests/s',
  });
  const batchContacts = made.contacts.slice(0, enrollments);
  const singleContacts = made.contacts.slice(enrollments);
  const timeout = (n: number) => Math.max(180_000, n * 150);
  const signup = (c: BenchContact) => ({ contactId: c.id, name: 'signup', idempotencyKey: `signup-${c.id}` });

  if (batchContacts.length > 0) {
    const size = Math.min(batchSize, MAX_BATCH);
    const cpu = new CpuMeter({ temporal: ctx.infra.temporalPid, product: process.pid });
    const t0 = Date.now();
    await mapLimit(chunks(batchContacts, size), batchConcurrency, async (chunk) => {
      const res = await ctx.api<BatchAnswer>('POST', '/v1/events', { events: chunk.map(signup) });
      expectStatus(res, 'posting a batch of signups', 202);
      const enrolled = res.body.results.filter((r) => r.enrolled.includes('onboarding')).length;
      if (res.body.accepted !== chunk.length || enrolled !== chunk.length)
        throw new Error(`batch: ${res.body.accepted} accepted, ${enrolled} enrolled of ${chunk.length}`);
    });
    const apiSeconds = (Date.now() - t0) / 1000;
    const arrivals = await ctx.mail.forAll(
      batchContacts.map((c) => c.email),
      1,
      timeout(batchContacts.length),
    );
    const seconds = (Math.max(...arrivals) - t0) / 1000;
    add(ctx, {
      scenario: 'enrollment',
      figure: `signup to welcome email, batches of ${size} (${batchContacts.length} contacts, ${batchConcurrency} batch at a time)`,
      value: batchContacts.length / seconds,
      unit: 'enrollments/s',
      note: `API answered all batches in ${apiSeconds.toFixed(1)} s (${(batchContacts.length / apiSeconds).toFixed(0)} events/s); last welcome after ${seconds.toFixed(1)} s`,
    });
    const used = cpu.read();
    add(ctx, {
      scenario: 'enrollment',
      figure: 'CPU per enrollment: Temporal server + product process',
      value: ((used.temporal! + used.product!) / batchContacts.length) * 1000,
      unit: 'CPU ms',
      note:
        `server ${((used.temporal! / batchContacts.length) * 1000).toFixed(1)} ms, product process (API, worker, ` +
        `SMTP sink) ${((used.product! / batchContacts.length) * 1000).toFixed(1)} ms; batches`,
    });
    ctx.say(`enrollment (batches): ${(batchContacts.length / seconds).toFixed(1)}/s`);
  }

  if (singleContacts.length > 0) {
    const t0 = Date.now();
    await mapLimit(singleContacts, connections, async (c) => {
      const res = await ctx.api('POST', '/v1/events', signup(c));
      expectStatus(res, 'posting a signup', 202);
    });
    const apiSeconds = (Date.now() - t0) / 1000;
    const arrivals = await ctx.mail.forAll(
      singleContacts.map((c) => c.email),
      1,
      timeout(singleContacts.length),
    );
    const seconds = (Math.max(...arrivals) - t0) / 1000;
    add(ctx, {
      scenario: 'enrollment',
      figure: `signup to welcome email, one event per request (${singleContacts.length} contacts, ${connections} concurrent)`,
      value: singleContacts.length / seconds,
      unit: 'enrollments/s',
      note: `API answered in ${apiSeconds.toFixed(1)} s (${(singleContacts.length / apiSeconds).toFixed(0)} requests/s); last welcome after ${seconds.toFixed(1)} s`,
    });
    ctx.say(`enrollment (one by one): ${(singleContacts.length / seconds).toFixed(1)}/s`);
  }
  ctx.shared.onboardingWorkflowIds = made.contacts.map((c) => getSequenceWorkflowId('onboarding', c.internalId));
}
