import { conversionLift, conversionRate, type Lift } from '../../domain/lift';
import type { Db } from '../knex';
import {
  dailyCounts,
  funnelOf,
  funnelRates,
  funnelRows,
  type DailyCounts,
  type FunnelCounts,
  type FunnelRates,
  type FunnelRow,
  type StatsWindow,
} from './sequenceFunnel';

export {
  TRACKING_PROVIDERS,
  type DailyCounts,
  type FunnelCounts,
  type FunnelRates,
  type StatsWindow,
} from './sequenceFunnel';

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

/** A funnel of messages with its rates. */
export interface FunnelLine {
  funnel: FunnelCounts;
  rates: FunnelRates;
}

export interface SequenceStatLine extends FunnelLine {
  /** Held-out enrollments aside: they are in `holdout`. */
  enrollments: EnrollmentCounts;
  conversions: number;
  /** converted / enrollments; null with no enrollment. */
  conversionRate: number | null;
  /** Sum of the revenue the goal events carried. */
  revenue: number;
}

export interface StepStats extends FunnelLine {
  stepId: string;
  /** The step's funnel for each variant that reached it. */
  variants: ({ variant: string } & FunnelLine)[];
}

export interface ConversionGroup {
  enrolled: number;
  converted: number;
  conversionRate: number | null;
}

/** The enrollments the sequence messaged against those it held out. */
export interface HoldoutReport {
  control: ConversionGroup;
  treated: ConversionGroup;
  /** Null when either group is empty. */
  lift: Lift | null;
}

export interface SequenceStats {
  overall: SequenceStatLine;
  variants: ({ variant: string } & SequenceStatLine)[];
  steps: StepStats[];
  daily: DailyCounts[];
  /** Null when no enrollment in the window was held out. */
  holdout: HoldoutReport | null;
}

const STATUSES = ['active', 'completed', 'converted', 'exited', 'unsubscribed', 'failed'] as const;

interface EnrollmentRow extends Omit<EnrollmentCounts, 'total'> {
  holdout: boolean;
  variant: string | null;
  by_variant: boolean;
  total: number;
  revenue: number;
}

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
 * Reporting over one sequence, computed in PostgreSQL by grouped queries (enrollments, the outbox's funnel, the
 * daily series), each answering for the whole sequence, each variant and each step at once through grouping sets.
 * Enrollments count by `enrolled_at` and messages by when they went out within the window; the daily series puts
 * each outcome on its own day. Held-out enrollments (never messaged) are left out of every line and compared with
 * the rest in `holdout`.
 */
export class SequenceStatsStore {
  constructor(private readonly db: Db) {}

  async forSequence(sequenceKey: string, window: StatsWindow = {}): Promise<SequenceStats> {
    const [enrollmentRows, outboxRows, daily] = await Promise.all([
      this.enrollmentQuery(sequenceKey, window),
      funnelRows(this.db, sequenceKey, window),
      dailyCounts(this.db, sequenceKey, window),
    ]);

    const treatedBy = new Map<string | null, EnrollmentRow>();
    let control: EnrollmentRow | undefined;
    for (const r of enrollmentRows) {
      if (r.holdout) control = r;
      else treatedBy.set(r.by_variant ? r.variant : null, r);
    }
    const outboxBy = new Map<string | null, FunnelRow>();
    const stepRows = new Map<string, FunnelRow>();
    const stepVariantRows: FunnelRow[] = [];
    for (const r of outboxRows) {
      if (!r.by_step) outboxBy.set(r.by_variant ? r.variant : null, r);
      else if (!r.by_variant) stepRows.set(r.step_id as string, r);
      else stepVariantRows.push(r);
    }

    const line = (key: string | null): SequenceStatLine => {
      const e = treatedBy.get(key);
      const counts = e ? enrollmentCounts(e) : ZERO_ENROLLMENTS;
      return {
        enrollments: counts,
        ...funnelLine(outboxBy.get(key)),
        conversions: counts.converted,
        conversionRate: conversionRate({ enrolled: counts.total, converted: counts.converted }),
        revenue: e?.revenue ?? 0,
      };
    };
    const variantKeys = [...new Set([...treatedBy.keys(), ...outboxBy.keys()])]
      .filter((k): k is string => k !== null)
      .sort();
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const steps = [...stepRows.values()]
      .sort((a, b) => byName(a.step_id as string, b.step_id as string))
      .map((r): StepStats => ({
        stepId: r.step_id as string,
        ...funnelLine(r),
        variants: stepVariantRows
          .filter((v) => v.step_id === r.step_id)
          .sort((a, b) => byName(a.variant as string, b.variant as string))
          .map((v) => ({ variant: v.variant as string, ...funnelLine(v) })),
      }));
    return {
      overall: line(null),
      variants: variantKeys.map((variant) => ({ variant, ...line(variant) })),
      steps,
      daily,
      holdout: holdoutReport(control, treatedBy.get(null)),
    };
  }

  // Rows without a variant (no split reached yet) count in the whole but form no variant group of their own; held-out
  // enrollments form one group of their own, whatever their variant.
  private async enrollmentQuery(sequenceKey: string, { from, to }: StatsWindow): Promise<EnrollmentRow[]> {
    const q = this.db('enrollments')
      .where('sequence_key', sequenceKey)
      .select(
        'holdout',
        'variant',
        this.db.raw('grouping(variant) = 0 as by_variant'),
        this.db.raw('count(*)::int as total'),
        ...STATUSES.map((s) => this.db.raw(`(count(*) filter (where status = '${s}'))::int as ${s}`)),
        this.db.raw('coalesce(sum(revenue), 0)::float8 as revenue'),
      )
      .groupByRaw('grouping sets ((holdout), (holdout, variant))')
      .havingRaw('grouping(variant) = 1 or (variant is not null and not holdout)');
    if (from) q.where('enrolled_at', '>=', from);
    if (to) q.where('enrolled_at', '<', to);
    return (await q) as EnrollmentRow[];
  }
}

function enrollmentCounts(r: EnrollmentRow): EnrollmentCounts {
  return {
    total: r.total,
    active: r.active,
    completed: r.completed,
    converted: r.converted,
    exited: r.exited,
    unsubscribed: r.unsubscribed,
    failed: r.failed,
  };
}

function funnelLine(r: FunnelRow | undefined): FunnelLine {
  const funnel = funnelOf(r);
  return {
    funnel,
    rates: funnelRates(funnel, {
      engagement: r?.engagement_measured ?? false,
      delivery: r?.delivery_measured ?? false,
    }),
  };
}

function holdoutReport(control: EnrollmentRow | undefined, treated: EnrollmentRow | undefined): HoldoutReport | null {
  if (!control || control.total === 0) return null;
  const group = (r: EnrollmentRow | undefined) => {
    const c = { enrolled: r?.total ?? 0, converted: r?.converted ?? 0 };
    return { ...c, conversionRate: conversionRate(c) };
  };
  const c = group(control);
  const t = group(treated);
  return {
    control: c,
    treated: t,
    lift: conversionLift(
      { enrolled: t.enrolled, converted: t.converted },
      { enrolled: c.enrolled, converted: c.converted },
    ),
  };
}
