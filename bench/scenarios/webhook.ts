import { randomBytes, sign } from 'node:crypto';
import { createContacts } from '../lib/contacts';
import { add, type Ctx } from '../lib/context';
import { expectStatus } from '../lib/infra';
import { mapLimit } from '../../services/mapLimit';

/** Events per SendGrid delivery: SendGrid posts up to 768 kB, about this many events of the size below. */
const EVENTS_PER_DELIVERY = 1_800;

/**
 * Provider webhooks: SendGrid deliveries of `delivered` and `open` events for the welcome emails of `--webhook`
 * contacts, signed as SendGrid signs them and posted one delivery at a time. Measures how long one full delivery
 * takes to be verified, stored and acted on (suppression checks, contact events for the sequences), and events per
 * second; then checks every event is on its message's timeline and each open became one `email.opened`.
 */
export async function webhookScenario(ctx: Ctx): Promise<void> {
  const { contacts } = await createContacts(ctx, 'hook', ctx.flags.webhook);
  await mapLimit(contacts, ctx.flags.connections, async (c) => {
    expectStatus(await ctx.api('POST', '/v1/events', { contactId: c.id, name: 'signup' }), 'signup', 202);
  });
  await ctx.mail.forAll(
    contacts.map((c) => c.email),
    1,
    120_000,
  );
  const db = ctx.infra.stack.db;
  // The sink has the email a moment before the send is recorded as sent.
  const recorded = () =>
    db('email_outbox')
      .whereIn(
        'contact_id',
        contacts.map((c) => c.internalId),
      )
      .whereNotNull('sent_at')
      .select('id', 'idempotency_key', 'to_email', 'provider_message_id');
  let sent = await recorded();
  for (const deadline = Date.now() + 30_000; sent.length < contacts.length && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
    sent = await recorded();
  }
  if (sent.length !== contacts.length) throw new Error(`webhook: ${sent.length} of ${contacts.length} sends recorded`);

  const now = Math.floor(Date.now() / 1000);
  const events = sent.flatMap((m, i) =>
    ['delivered', 'open'].map((event, k) => ({
      email: m.to_email,
      timestamp: now + k,
      event,
      sg_event_id: randomBytes(16).toString('base64url'),
      sg_message_id: `${m.provider_message_id}.filterdrecv-bench-${i}`,
      idempotency_key: m.idempotency_key,
      ...(event === 'open' ? { useragent: 'Mozilla/5.0 (Windows NT 10.0) Chrome/131.0', ip: '203.0.113.9' } : {}),
    })),
  );
  const deliveries: number[] = [];
  let bytes = 0;
  const started = Date.now();
  for (let i = 0; i < events.length; i += EVENTS_PER_DELIVERY) {
    const body = JSON.stringify(events.slice(i, i + EVENTS_PER_DELIVERY));
    bytes = Math.max(bytes, Buffer.byteLength(body));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body), ctx.infra.sendGridSigningKey).toString('base64');
    const t0 = Date.now();
    const res = await fetch(`${ctx.infra.api}/v1/webhooks/sendgrid`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-twilio-email-event-webhook-signature': signature,
        'x-twilio-email-event-webhook-timestamp': timestamp,
      },
      body,
    });
    const answer = (await res.json()) as { stored?: number };
    deliveries.push(Date.now() - t0);
    if (res.status !== 200) throw new Error(`webhook: delivery answered ${res.status}: ${JSON.stringify(answer)}`);
  }
  const seconds = (Date.now() - started) / 1000;

  const ids = sent.map((m) => m.id as string);
  const stored = await db('message_events').whereIn('message_id', ids).where('source', 'sendgrid').count({ n: '*' });
  const opens = await db('events')
    .whereIn(
      'contact_id',
      contacts.map((c) => c.internalId),
    )
    .where({ name: 'email.opened' })
    .count({ n: '*' });
  if (Number(stored[0]!.n) !== events.length || Number(opens[0]!.n) !== sent.length) {
    throw new Error(`webhook: ${stored[0]!.n} of ${events.length} events stored, ${opens[0]!.n} opens became events`);
  }
  const slowest = Math.max(...deliveries);
  add(ctx, {
    scenario: 'webhook',
    figure: 'SendGrid events recorded',
    value: events.length / seconds,
    unit: 'events/s',
    note: `${events.length} events (delivered + open for ${sent.length} emails) in ${deliveries.length} signed deliveries of up to ${EVENTS_PER_DELIVERY}`,
  });
  add(ctx, {
    scenario: 'webhook',
    figure: `one delivery of ${Math.min(EVENTS_PER_DELIVERY, events.length)} events, slowest`,
    value: slowest,
    unit: 'ms',
    note: `${Math.round(bytes / 1024)} kB body; SendGrid sends up to 768 kB`,
  });
  ctx.say(`webhook: ${(events.length / seconds).toFixed(0)} events/s, slowest delivery ${slowest} ms`);
}
