/** How many of a group were enrolled and how many of them converted. */
export interface Conversions {
  enrolled: number;
  converted: number;
}

/** What a sequence added over its control group, in conversion rate. */
export interface Lift {
  /** Treated rate minus control rate, as a fraction (0.04 is four percentage points). */
  absolute: number;
  /** `absolute` over the control rate; null when the control group never converted. */
  relative: number | null;
  /** The 95% confidence interval of `absolute`. */
  ci95: { low: number; high: number };
  /** Whether the interval leaves 0 out: the difference is unlikely to be chance alone. */
  significant: boolean;
}

/** The standard normal quantile at 0.975: a two-sided 95% interval spans this many standard errors each way. */
export const Z_95 = 1.959963984540054;

/** converted / enrolled; null with nobody enrolled, where a rate means nothing. */
export function conversionRate({ enrolled, converted }: Conversions): number | null {
  return enrolled > 0 ? converted / enrolled : null;
}

/**
 * The lift of a treated group (messaged by the sequence) over a control group (held out), so a marketer can tell
 * whether the emails make people convert or would have converted anyway.
 *
 * With p_t = converted_t / enrolled_t and p_c = converted_c / enrolled_c, by the normal (Wald) approximation to a
 * difference of two independent proportions:
 *
 *   absolute = p_t − p_c
 *   SE       = √( p_t (1 − p_t) / enrolled_t + p_c (1 − p_c) / enrolled_c )
 *   ci95     = absolute ∓ 1.959964 · SE
 *   relative = absolute / p_c          (null when p_c = 0)
 *
 * Significant when the interval excludes 0. The approximation is poor for small groups or rates near 0 or 1 (where
 * SE shrinks to 0 and the interval to a point): read those as a hint, not a verdict.
 *
 * @returns null when either group has nobody in it.
 * @throws RangeError for counts that cannot be (negative, fractional, more conversions than enrollees).
 */
export function conversionLift(treated: Conversions, control: Conversions): Lift | null {
  check(treated, 'treated');
  check(control, 'control');
  if (treated.enrolled === 0 || control.enrolled === 0) return null;
  const pt = treated.converted / treated.enrolled;
  const pc = control.converted / control.enrolled;
  const absolute = pt - pc;
  const se = Math.sqrt((pt * (1 - pt)) / treated.enrolled + (pc * (1 - pc)) / control.enrolled);
  const low = absolute - Z_95 * se;
  const high = absolute + Z_95 * se;
  return {
    absolute,
    relative: pc > 0 ? absolute / pc : null,
    ci95: { low, high },
    significant: low > 0 || high < 0,
  };
}

function check({ enrolled, converted }: Conversions, group: string): void {
  const whole = (n: number) => Number.isInteger(n) && n >= 0;
  if (!whole(enrolled) || !whole(converted) || converted > enrolled)
    throw new RangeError(`${group}: ${converted} converted of ${enrolled} enrolled is not a possible count`);
}
