import type { Ctx } from './context';
import { expectStatus } from './infra';
import { mapLimit } from '../../services/mapLimit';

export interface BenchContact {
  /** The client's own id (external id). */
  id: string;
  internalId: string;
  email: string;
}

/** Creates contacts through POST /v1/contacts, `concurrency` requests at a time; returns them with their ids. */
export async function createContacts(
  ctx: Ctx,
  prefix: string,
  count: number,
  options: { timezone?: string; traits?: Record<string, unknown> } = {},
): Promise<{ contacts: BenchContact[]; seconds: number }> {
  const started = Date.now();
  const contacts = await mapLimit(
    Array.from({ length: count }, (_, i) => `${prefix}-${ctx.runId}-${i}`),
    ctx.flags.connections,
    async (id, i) => {
      const res = await ctx.api<{ id: string; internalId: string; email: string }>('POST', '/v1/contacts', {
        id,
        email: `${id}@bench.test`,
        ...(options.timezone ? { timezone: options.timezone } : {}),
        traits: { first_name: `Bench${i}`, ...options.traits },
      });
      expectStatus(res, `creating contact ${id}`, 201);
      return { id, internalId: res.body.internalId, email: res.body.email };
    },
  );
  return { contacts, seconds: (Date.now() - started) / 1000 };
}
