import { createContacts } from '../lib/contacts';
import { add, type Ctx } from '../lib/context';
import { expectStatus } from '../lib/infra';
import { chunks, quantile, sleep } from '../lib/util';

/**
 * Reaction latency: M contacts wait in a `waitFor` step of a sequence defined through the API; each is sent
 * the awaited event, one at a time, and the time from the HTTP request to the next email at the SMTP sink
 * is recorded. One at a time, so the figure is the path's latency, not a queue's.
 */
export async function latencyScenario(ctx: Ctx): Promise<void> {
  const m = ctx.flags.latency;
  const key = `bench-latency-${ctx.runId}`;
  const enrollEvent = `bench_latency_enroll_${ctx.runId}`;
  const pingEvent = `bench_ping_${ctx.runId}`;
  const defined = await ctx.api('POST', '/v1/sequences', {
    key,
    name: 'Benchmark: reaction latency',
    topic: 'onboarding',
    triggers: [{ event: enrollEvent }],
    steps: [
      { id: 'first', type: 'send', template: 'welcome', subject: 'First' },
      { id: 'wait', type: 'waitFor', event: pingEvent, timeout: 'P30D', onEvent: 'second', onTimeout: 'end' },
      { id: 'second', type: 'send', template: 'welcome', subject: 'Second', next: 'end' },
      { id: 'end', type: 'exit' },
    ],
  });
  expectStatus(defined, 'defining the latency sequence', 201);

  const { contacts } = await createContacts(ctx, 'lat', m);
  for (const chunk of chunks(contacts, 1000)) {
    const res = await ctx.api('POST', '/v1/events', {
      events: chunk.map((c) => ({ contactId: c.id, name: enrollEvent })),
    });
    expectStatus(res, 'enrolling the latency contacts', 202);
  }
  await ctx.mail.forAll(
    contacts.map((c) => c.email),
    1,
    Math.max(120_000, m * 200),
  );
  // The first email's arrival is the end of its activity; give the workflows a moment to reach the wait.
  await sleep(2_000);

  const latencies: number[] = [];
  const answered: number[] = [];
  for (const c of contacts) {
    const sent = Date.now();
    const res = await ctx.api('POST', '/v1/events', { contactId: c.id, name: pingEvent });
    expectStatus(res, 'sending the awaited event', 202);
    answered.push(Date.now() - sent);
    const [at] = await ctx.mail.forAll([c.email], 2, 30_000);
    latencies.push(at! - sent);
  }
  const note = `${m} contacts, one event at a time`;
  for (const [label, q] of [
    ['p50', 0.5],
    ['p95', 0.95],
    ['p99', 0.99],
  ] as const) {
    add(ctx, {
      scenario: 'reaction latency',
      figure: `event HTTP request to email at the sink, ${label}`,
      value: quantile(latencies, q),
      unit: 'ms',
      note,
    });
  }
  add(ctx, {
    scenario: 'reaction latency',
    figure: 'of which the HTTP request (event stored, signal delivered), p50',
    value: quantile(answered, 0.5),
    unit: 'ms',
    note: `p95 ${quantile(answered, 0.95)} ms`,
  });
  ctx.say(`latency: p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms`);
}
