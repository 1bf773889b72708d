import v8 from 'node:v8';
import vm from 'node:vm';
import nodemailer from 'nodemailer';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { SEND_TIMINGS } from '../../domain/sendTimings';
import { mapLimit } from '../../services/mapLimit';
import { renderTemplate, TemplateLibrary } from '../../templates/library';
import { add, type Ctx } from '../lib/context';
import { apiClient, expectStatus } from '../lib/infra';

/** A full collection on demand, so the heap left over is what is still referenced (not garbage not yet collected). */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/**
 * A broadcast to N contacts into the local SMTP sink, against the ceiling: plain pooled nodemailer (the product's
 * pool size) sending the same number of the same rendered message into the same sink, in the same run. The
 * contacts and the segment are written with SQL (the import is measured by its own scenario); the broadcast goes
 * through the API, over the approval threshold, so the chairman approves it first. Throughput is sent messages
 * over the span from the start of sending to completion, as the broadcast's row records them; RSS is sampled
 * every second while it sends, with the sink's copies of the message bodies dropped as they arrive.
 */
export async function broadcastScenario(ctx: Ctx): Promise<void> {
  const db = ctx.infra.stack.db;
  const n = ctx.flags.broadcast;
  const segment = `bench-bc-${ctx.runId}`;
  await db.raw(
    `INSERT INTO contacts (external_id, email, timezone, traits)
     SELECT 'bc-' || ? || '-' || i, 'bc-' || ? || '-' || i || '@bench.test', 'UTC', '{"first_name":"Bench"}'::jsonb
       FROM generate_series(1, ?) i`,
    [ctx.runId, ctx.runId, n],
  );
  await db('segments').insert({ key: segment, name: segment, definition: JSON.stringify({ all: [] }) });
  await db.raw(
    `INSERT INTO segment_members (segment_key, contact_id)
     SELECT ?, id FROM contacts WHERE external_id LIKE ?`,
    [segment, `bc-${ctx.runId}-%`],
  );

  // The ceiling: the same message, rendered once, through a pool like the product's.
  const template = await new TemplateLibrary(db).resolve('nurture_intro');
  if (!template) throw new Error('the shipped template nurture_intro is not in the database');
  const { subject, html, text } = renderTemplate(
    template,
    { product_name: 'Bench', unsubscribe_url: 'http://localhost/u/x', first_name: 'Bench' },
    { subject: 'Bench broadcast' },
  );
  const rendered = { subject, html, text };
  const transport = nodemailer.createTransport({
    url: ctx.infra.sink.url,
    pool: true,
    maxConnections: SEND_TIMINGS.smtp.maxConnections,
  });
  const plainStarted = Date.now();
  await mapLimit(
    Array.from({ length: n }, (_, i) => i),
    64,
    async (i) => {
      await transport.sendMail({ from: 'bench@bench.test', to: `plain-${i}@bench.test`, ...rendered });
    },
  );
  const ceiling = n / ((Date.now() - plainStarted) / 1000);
  transport.close();
  ctx.say(`broadcast: ceiling (pooled nodemailer) ${ceiling.toFixed(0)} messages/s`);

  // The sink keeps every message it parsed; its bodies are not the product's memory. Only the envelope (which
  // the other scenarios' arrival watch reads) is kept from here on, so the RSS below is the product's.
  const stripped = { count: 0 };
  const strip = () => {
    const fresh = ctx.infra.sink.count - stripped.count;
    if (fresh <= 0) return;
    for (const m of ctx.infra.sink.list().slice(0, fresh)) {
      m.html = '';
      m.text = '';
      m.headers = {};
    }
    stripped.count += fresh;
  };
  strip();
  const gc = collector();
  gc();
  const { rss: rssBefore, heapUsed: heapBefore } = process.memoryUsage();
  // Every query of the process (API, worker and this scenario's polling) while the broadcast runs, and its time.
  const queries = { n: 0, ms: 0, started: new Map<string, number>() };
  const onQuery = (q: { __knexQueryUid: string }) => {
    queries.n++;
    queries.started.set(q.__knexQueryUid, performance.now());
  };
  const onResponse = (_r: unknown, q: { __knexQueryUid: string }) => {
    const t = queries.started.get(q.__knexQueryUid);
    if (t !== undefined) queries.ms += performance.now() - t;
    queries.started.delete(q.__knexQueryUid);
  };
  db.on('query', onQuery).on('query-response', onResponse).on('query-error', onResponse);
  const rss: number[] = [];
  const sampler = setInterval(() => {
    strip();
    rss.push(process.memoryUsage().rss);
  }, 1_000);
  try {
    const created = await ctx.api<{ id: string }>('POST', '/v1/broadcasts', {
      name: `Bench ${ctx.runId}`,
      segment,
      template: 'nurture_intro',
      subject: 'Bench broadcast',
      topic: 'newsletter',
      rateLimitPerSecond: 10_000,
    });
    expectStatus(created, 'creating the broadcast', 201);
    const id = created.body.id;
    const chairman = apiClient({
      api: ctx.infra.api,
      key: (await new ApiKeyStore(db).create('bench chairman', 'chairman')).key,
    });
    for (;;) {
      const approval = await db('approvals').where({ subject_type: 'broadcast', subject_id: id }).first();
      const b = await db('broadcasts').where({ id }).first();
      if (b.status === 'sending') break;
      if (approval?.status === 'pending') {
        const decided = await chairman('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve' });
        expectStatus(decided, 'approving the broadcast', 200);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    let view: { status: string; counts: { sent: number; skipped: number; failed: number; remaining: number } };
    for (;;) {
      view = (await ctx.api<typeof view>('GET', `/v1/broadcasts/${id}`)).body;
      if (['completed', 'cancelled', 'failed'].includes(view.status)) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const row = await db('broadcasts').where({ id }).first();
    const seconds = (row.completed_at.getTime() - row.started_at.getTime()) / 1000;
    const rate = view.counts.sent / seconds;
    const outbox = await db('email_outbox').where('idempotency_key', 'like', `broadcast:${id}:%`).count('* as n');
    const mb = (b: number) => Math.round(b / 1_048_576);
    const early = rss[Math.min(rss.length - 1, 5)] ?? 0;
    strip();
    gc();
    const { rss: rssAfter, heapUsed: heapAfter } = process.memoryUsage();
    add(ctx, {
      scenario: 'broadcast',
      figure: `broadcast to ${n} recipients into the local sink`,
      value: rate,
      unit: 'messages/s',
      ratio: rate / ceiling,
      note:
        `${view.counts.sent} sent, ${view.counts.skipped} skipped, ${view.counts.failed} failed in ${seconds.toFixed(1)} s; ` +
        `${outbox[0]?.n} outbox rows; ratio to pooled nodemailer (${ceiling.toFixed(0)} messages/s, same sink, same run)`,
    });
    add(ctx, { scenario: 'broadcast', figure: 'pooled nodemailer, the ceiling', value: ceiling, unit: 'messages/s' });
    add(ctx, {
      scenario: 'broadcast',
      figure: 'database queries per email',
      value: queries.n / n,
      unit: 'queries',
      note: `${queries.n} queries (the whole process, with the polling of the broadcast's progress), ${(queries.ms / n).toFixed(2)} ms of query time per email`,
    });
    add(ctx, {
      scenario: 'broadcast',
      figure: 'RSS while sending: peak',
      value: mb(Math.max(...rss)),
      unit: 'MB',
      note:
        `${mb(rssBefore)} MB before, ${mb(early)} MB after 5 s, ${mb(rss[rss.length - 1] ?? 0)} MB at the end, ` +
        `${mb(rssAfter)} MB after (process with API, worker and sink; the sink's message bodies dropped as they arrive)`,
    });
    add(ctx, {
      scenario: 'broadcast',
      figure: 'JS heap in use after a full collection: after the broadcast',
      value: mb(heapAfter),
      unit: 'MB',
      note: `${mb(heapBefore)} MB before it; the sink keeps each message's envelope (${ctx.infra.sink.count} kept)`,
    });
    if (view.status !== 'completed' || view.counts.sent !== n) {
      throw new Error(`broadcast: ${view.status} with ${view.counts.sent} of ${n} sent`);
    }
    ctx.say(`broadcast: ${rate.toFixed(0)} messages/s, ${(rate / ceiling).toFixed(2)}x the ceiling`);
  } finally {
    clearInterval(sampler);
    db.off('query', onQuery).off('query-response', onResponse).off('query-error', onResponse);
  }
}
