import type { CaughtMail, MailCatcher } from '../../infra/mailCatcher';
import type { WorkerTuning } from '../../workers/worker';
import type { Api, BenchInfra } from './infra';

/** Sizes and knobs of one run, from the command line. */
export interface Flags {
  only: string[] | undefined;
  baseline: number;
  enrollments: number;
  single: number;
  batchSize: number;
  batchConcurrency: number;
  connections: number;
  latency: number;
  historySample: number;
  ingestSeconds: number;
  webhook: number;
  /** Recipients of the broadcast scenario. */
  broadcast: number;
  scoreCalls: number;
  catalogue: number;
  footprint: number;
  temporalStore: 'sqlite' | 'memory';
  poolMax: number | undefined;
  tuning: WorkerTuning;
  label: string | undefined;
  write: boolean;
}

/** One line of the results table. */
export interface Row {
  scenario: string;
  figure: string;
  value: number | null;
  unit: string;
  /** Throughputs only: this figure divided by the baseline's, measured in the same run. */
  ratio?: number;
  note?: string;
}

export interface Ctx {
  flags: Flags;
  infra: BenchInfra;
  api: Api;
  mail: MailWatch;
  /** Unique per run: prefixes ids, keys and addresses so nothing collides with an earlier scenario. */
  runId: string;
  say(msg: string): void;
  rows: Row[];
  /** Completed baseline workflows per second, once the baseline has run. */
  baselineRate?: number;
  /** Facts a later scenario reads (the onboarding workflows the enrollment scenario started). */
  shared: { onboardingWorkflowIds?: string[] };
}

export function add(ctx: Ctx, row: Row): void {
  const ratio =
    row.unit.endsWith('/s') && ctx.baselineRate && row.value !== null ? row.value / ctx.baselineRate : undefined;
  ctx.rows.push({ ...row, ...(row.ratio === undefined && ratio !== undefined ? { ratio } : {}) });
}

/**
 * Arrival times at the SMTP sink by recipient, read incrementally from the sink's list, so that waiting for
 * thousands of messages costs one pass over them rather than one per message.
 */
export class MailWatch {
  private cursor = 0;
  private readonly byAddress = new Map<string, number[]>();

  constructor(private readonly sink: MailCatcher) {}

  private scan(mails: readonly CaughtMail[]): void {
    for (; this.cursor < mails.length; this.cursor++) {
      const mail = mails[this.cursor]!;
      const at = Date.parse(mail.receivedAt);
      for (const to of mail.envelopeTo) {
        const key = to.toLowerCase();
        const list = this.byAddress.get(key);
        if (list) list.push(at);
        else this.byAddress.set(key, [at]);
      }
    }
  }

  /** Times (ms since the epoch) at which the sink accepted each message to this address, oldest first. */
  arrivals(address: string): number[] {
    return this.byAddress.get(address.toLowerCase()) ?? [];
  }

  /** Resolves once `done` holds over the arrivals; rejects after timeoutMs. */
  async until(done: () => boolean, timeoutMs: number): Promise<void> {
    await this.sink.waitFor((mails) => {
      this.scan(mails);
      return done();
    }, timeoutMs);
  }

  /** Waits for `count` messages to every address. */
  async forAll(addresses: readonly string[], count: number, timeoutMs: number): Promise<number[]> {
    let missing = addresses.filter((a) => this.arrivals(a).length < count);
    await this.until(() => {
      missing = missing.filter((a) => this.arrivals(a).length < count);
      return missing.length === 0;
    }, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}; ${missing.length} of ${addresses.length} recipients still waiting`);
    });
    return addresses.map((a) => this.arrivals(a)[count - 1]!);
  }
}
