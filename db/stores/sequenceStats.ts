import type { Db } from '../knex';

/** Enrollments of a sequence by how they stand or ended. */
export interface EnrollmentCounts {
  total: number;
  active: number;
  completed: number;
  converted: number;
  exited: number;
  unsubscribed: number;
  failed: number;
}

/** What the outbox says about a sequence's emails. */
export interface SendCounts {
  sends: number;
  failures: number;
  /** Null when no email here went through a provider that reports opens (plain SMTP never does). */
  opens: number | null;
  clicks: number | null;
}

export interface SequenceStatLine extends SendCounts {
  enrollments: EnrollmentCounts;
  conversions: number;
  /** converted / enrollments; null with no enrollment. */
  conversionRate: number | null;
  /** Sum of the revenue the goal events carried. */
  revenue: number;
}

export interface SequenceStats {
  overall: SequenceStatLine;
  variants: ({ variant: string } & SequenceStatLine)[];
  steps: ({ stepId: string } & SendCounts)[];
}

export interface StatsWindow {
  from?: Date;
  to?: Date;
}

/** Providers that report opens and clicks back (by webhook), so that a zero from them means nobody opened. */
export const TRACKING_PROVIDERS = ['sendgrid'];

const ZERO_ENROLLMENTS: EnrollmentCounts = {
  total: 0,
  active: 0,
  completed: 0,
  converted: 0,
  exited: 0,
  unsubscribed: 0,
  failed: 0,
};

/**
 * Reporting over one sequence, computed in PostgreSQL with two grouped queries (enrollments, outbox), each
 * answering for the whole sequence, each variant and (for sends) each step at once through grouping sets.
 * Enrollments count by `enrolled_at` and emails by `sent_at` (failures by `created_at`) within the window.
 */
export class SequenceStatsStore {
  constructor(private readonly db: Db) {}

  async forSequence(sequenceKey: string, window: StatsWindow = {}): Promise<SequenceStats> {
    const [enrollmentRows, outboxRows] = await Promise.all([
      this.enrollmentQuery(sequenceKey, window),
      this.outboxQuery(sequenceKey, window),
    ]);

    const enrollmentsBy = new Map<string | null, { counts: EnrollmentCounts; revenue: number }>();
    for (const r of enrollmentRows) {
      enrollmentsBy.set(r.by_variant ? (r.variant as string) : null, {
        counts: {
          total: r.total,
          active: r.active,
          completed: r.completed,
          converted: r.converted,
          exited: r.exited,
          unsubscribed: r.unsubscribed,
          failed: r.failed,
        },
        revenue: r.revenue,
      });
    }
    const sendsByVariant = new Map<string | null, SendCounts>();
    const steps: SequenceStats['steps'] = [];
    for (const r of outboxRows) {
      const counts = toSendCounts(r);
      if (r.grouping === 'step') steps.push({ stepId: r.step_id as string, ...counts });
      else sendsByVariant.set(r.grouping === 'variant' ? (r.variant as string) : null, counts);
    }

    const line = (key: string | null): SequenceStatLine => {
      const e = enrollmentsBy.get(key);
      const counts = e?.counts ?? ZERO_ENROLLMENTS;
      const sends = sendsByVariant.get(key) ?? { sends: 0, failures: 0, opens: null, clicks: null };
      return {
        enrollments: counts,
        ...sends,
        conversions: counts.converted,
        conversionRate: counts.total > 0 ? counts.converted / counts.total : null,
        revenue: e?.revenue ?? 0,
      };
    };
    const variantKeys = [...new Set([...enrollmentsBy.keys(), ...sendsByVariant.keys()])]
      .filter((k): k is string => k !== null)
      .sort();
    return {
      overall: line(null),
      variants: variantKeys.map((variant) => ({ variant, ...line(variant) })),
      steps: steps.sort((a, b) => a.stepId.localeCompare(b.stepId)),
    };
  }

  // Rows without a variant (no split reached yet) count in the whole but form no variant group of their own.
  private enrollmentQuery(sequenceKey: string, { from, to }: StatsWindow) {
    const q = this.db('enrollments')
      .where('sequence_key', sequenceKey)
      .select(
        'variant',
        this.db.raw('grouping(variant) = 0 as by_variant'),
        this.db.raw('count(*)::int as total'),
        ...(['active', 'completed', 'converted', 'exited', 'unsubscribed', 'failed'] as const).map((s) =>
          this.db.raw(`(count(*) filter (where status = '${s}'))::int as ${s}`),
        ),
        this.db.raw('coalesce(sum(revenue), 0)::float8 as revenue'),
      )
      .groupByRaw('grouping sets ((), (variant))')
      .havingRaw('grouping(variant) = 1 or variant is not null');
    if (from) q.where('enrolled_at', '>=', from);
    if (to) q.where('enrolled_at', '<', to);
    return q as unknown as Promise<
      ({ variant: string | null; by_variant: boolean; total: number; revenue: number } & Omit<
        EnrollmentCounts,
        'total'
      >)[]
    >;
  }

  private outboxQuery(sequenceKey: string, { from, to }: StatsWindow) {
    // A send counts in the window by when it went out; a failure (which has no sent_at) by when it was tried.
    const at = `(case when status = 'sent' then sent_at else created_at end)`;
    const q = this.db('email_outbox')
      .where('sequence_key', sequenceKey)
      .whereIn('status', ['sent', 'failed'])
      .select(
        'variant',
        'step_id',
        this.db.raw(
          `case when grouping(step_id) = 0 then 'step' when grouping(variant) = 0 then 'variant' else 'all' end as grouping`,
        ),
        this.db.raw(`(count(*) filter (where status = 'sent'))::int as sends`),
        this.db.raw(`(count(*) filter (where status = 'failed'))::int as failures`),
        this.db.raw(`(count(*) filter (where status = 'sent' and provider = any(?)))::int as tracked`, [
          TRACKING_PROVIDERS,
        ]),
        this.db.raw(`count(opened_at)::int as opens`),
        this.db.raw(`count(clicked_at)::int as clicks`),
      )
      .groupByRaw('grouping sets ((), (variant), (step_id))')
      .havingRaw('(grouping(variant) = 1 or variant is not null) and (grouping(step_id) = 1 or step_id is not null)');
    if (from) q.whereRaw(`${at} >= ?`, [from]);
    if (to) q.whereRaw(`${at} < ?`, [to]);
    return q as unknown as Promise<
      {
        variant: string | null;
        step_id: string | null;
        grouping: 'all' | 'variant' | 'step';
        sends: number;
        failures: number;
        tracked: number;
        opens: number;
        clicks: number;
      }[]
    >;
  }
}

// An open recorded at all proves someone reports them; otherwise only a tracking provider's zero is a real zero.
function toSendCounts(r: { sends: number; failures: number; tracked: number; opens: number; clicks: number }) {
  const reported = r.tracked > 0 || r.opens > 0 || r.clicks > 0;
  return {
    sends: r.sends,
    failures: r.failures,
    opens: reported ? r.opens : null,
    clicks: reported ? r.clicks : null,
  };
}
