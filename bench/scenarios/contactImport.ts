import { Readable } from 'node:stream';
import { add, type Ctx } from '../lib/context';

const ROWS = 100_000;
const MiB = 1024 * 1024;

/** The CSV, generated in chunks as it is sent, so the bench itself holds no file. */
function* csv(prefix: string): Generator<string> {
  yield 'id,email,timezone,plan,seats,mrr,beta,signedUpAt\n';
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    buf += `${prefix}-${i},${prefix}-${i}@example.com,Europe/Berlin,${i % 3 ? 'pro' : 'free'},${i % 50},${(i % 997) + 0.5},${i % 2 === 0},2026-10-${String(1 + (i % 28)).padStart(2, '0')}\n`;
    if (buf.length >= 256 * 1024) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/**
 * Contact import: a 100,000-row CSV posted as one chunked upload (so it runs as the import workflow, as any file
 * past IMPORT_INLINE_MAX_BYTES does), timed from the request to the import's `completed`. Rows per second, and the
 * process's peak RSS during the import over its RSS before (API and worker share this process).
 */
export async function contactImportScenario(ctx: Ctx): Promise<void> {
  const prefix = `${ctx.runId}-imp`;
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const started = Date.now();
  try {
    const res = await fetch(`${ctx.infra.api}/v1/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.infra.key}`, 'content-type': 'text/csv' },
      body: Readable.toWeb(Readable.from(csv(prefix))) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const accepted = (await res.json()) as { id?: string };
    if (res.status !== 202 || !accepted.id)
      throw new Error(`import: answered ${res.status}: ${JSON.stringify(accepted)}`);
    let view: { status: string; rows: number; created: number; updated: number; rejected: number } | undefined;
    for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
      const r = await ctx.api('GET', `/v1/imports/${accepted.id}`);
      view = r.body as typeof view;
      if (view?.status === 'completed' || view?.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    if (view?.status !== 'completed' || view.rows !== ROWS || view.created + view.updated !== ROWS)
      throw new Error(`import: ended as ${JSON.stringify(view)}`);
    add(ctx, {
      scenario: 'contactImport',
      figure: `${ROWS.toLocaleString('en')}-row CSV import`,
      value: ROWS / seconds,
      unit: 'rows/s',
      note: `upload to completed through the import workflow, ${seconds.toFixed(1)} s; goal >= 20,000 rows/s`,
    });
    add(ctx, {
      scenario: 'contactImport',
      figure: 'peak RSS during the import',
      value: peak / MiB,
      unit: 'MiB',
      note: `+${((peak - before) / MiB).toFixed(0)} MiB over the ${(before / MiB).toFixed(0)} MiB before it (API and worker in one process)`,
    });
    ctx.say(
      `contactImport: ${(ROWS / seconds).toFixed(0)} rows/s, peak RSS ${(peak / MiB).toFixed(0)} MiB (+${((peak - before) / MiB).toFixed(0)})`,
    );
  } finally {
    clearInterval(sampler);
  }
}
