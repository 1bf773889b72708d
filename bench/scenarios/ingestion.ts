import autocannon from 'autocannon';
import { createContacts } from '../lib/contacts';
import { add, type Ctx } from '../lib/context';

/**
 * Ingestion: autocannon against POST /v1/events with one event per request, each under an idempotency key of
 * its own, for a fixed time. Stored events are counted afterwards by key, against the requests answered 202.
 */
export async function ingestionScenario(ctx: Ctx): Promise<void> {
  const { contacts } = await createContacts(ctx, 'ing', 100);
  const name = `bench_ingested_${ctx.runId}`;
  const prefix = `ing-${ctx.runId}-`;
  let n = 0;
  const acceptedKeys = new Set<string>();
  const result = await autocannon({
    url: `${ctx.infra.api}/v1/events`,
    connections: ctx.flags.connections,
    duration: ctx.flags.ingestSeconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: { authorization: `Bearer ${ctx.infra.key}`, 'content-type': 'application/json' },
        setupRequest: (req, context) => {
          const i = n++;
          const idempotencyKey = `${prefix}${i}`;
          context.key = idempotencyKey;
          return {
            ...req,
            body: JSON.stringify({
              contactId: contacts[i % contacts.length]!.id,
              name,
              properties: { page: `/pricing/${i % 7}`, plan: i % 3 ? 'free' : 'pro' },
              idempotencyKey,
            }),
          };
        },
        onResponse: (status, _body, context) => {
          if (status === 202) acceptedKeys.add(context.key as string);
        },
      },
    ],
  });
  // Requests still in flight when the time ran out may be stored without their answer being counted.
  const stored = await ctx.infra.stack.db('events').where({ name }).pluck('idempotency_key');
  const storedSet = new Set(stored);
  const acceptedStored = [...acceptedKeys].filter((k) => storedSet.has(k)).length;
  const note =
    `${result['2xx']} accepted (202), ${stored.length} stored, ${acceptedStored} of the accepted found stored; ` +
    `${result.non2xx} non-2xx, ${result.errors} errors, ${ctx.flags.connections} connections, ${ctx.flags.ingestSeconds} s`;
  add(ctx, {
    scenario: 'ingestion',
    figure: 'POST /v1/events, one event per request',
    value: result['2xx'] / result.duration,
    unit: 'requests/s',
    note,
  });
  add(ctx, { scenario: 'ingestion', figure: 'POST /v1/events latency, p99', value: result.latency.p99, unit: 'ms' });
  add(ctx, { scenario: 'ingestion', figure: 'requests accepted (202)', value: result['2xx'], unit: 'requests' });
  add(ctx, { scenario: 'ingestion', figure: 'events stored', value: stored.length, unit: 'events' });
  if (acceptedStored !== acceptedKeys.size)
    throw new Error(`ingestion: ${acceptedKeys.size - acceptedStored} accepted events were not stored`);
  ctx.say(`ingestion: ${(result['2xx'] / result.duration).toFixed(0)} requests/s, p99 ${result.latency.p99} ms`);
}
