/**
 * Planning priors for the channel-mix optimiser: a response curve per channel for ventures with too little
 * history to fit one. They are rough orders of magnitude for a small B2C/B2B SaaS budget, not measurements; a
 * channel's own history replaces its prior as soon as it has enough distinct spend levels to fit a curve.
 */
import { fitHillCurve, MIN_FIT_POINTS, type HillCurve, type SpendPoint } from './channelMix';

/** The shape of a prior: cost of the first conversions, where the channel saturates, and how it ramps up. */
export interface ChannelPrior {
  /** Cost per conversion at the first units of spend (the curve's initial slope is 1 / this). */
  costPerConversion: number;
  /** Spend, as a share of the budget being planned, at which the channel yields half its maximum. */
  halfSaturationShare: number;
  /** Hill shape: 1 concave from the start, above 1 needs spend to build up before it pays. */
  shape: number;
}

/**
 * Priors per channel. Email and partnerships convert cheaply but saturate early (a list or a partner base is
 * finite); paid search converts at a known cost and scales; paid social and influencers need some spend before
 * they pay (shape above 1); content and PR are slow and cheap per conversion only at volume.
 */
export const channelPriors: Readonly<Record<string, ChannelPrior>> = {
  paid_search: { costPerConversion: 60, halfSaturationShare: 0.6, shape: 1 },
  paid_social: { costPerConversion: 80, halfSaturationShare: 0.5, shape: 1.3 },
  email: { costPerConversion: 25, halfSaturationShare: 0.15, shape: 1 },
  content: { costPerConversion: 90, halfSaturationShare: 0.4, shape: 1 },
  influencer: { costPerConversion: 70, halfSaturationShare: 0.35, shape: 1.2 },
  partnerships: { costPerConversion: 50, halfSaturationShare: 0.25, shape: 1 },
  organic_social: { costPerConversion: 100, halfSaturationShare: 0.3, shape: 1 },
  pr: { costPerConversion: 120, halfSaturationShare: 0.3, shape: 1.5 },
  events: { costPerConversion: 150, halfSaturationShare: 0.4, shape: 1.5 },
  display: { costPerConversion: 140, halfSaturationShare: 0.5, shape: 1 },
  direct_sales: { costPerConversion: 200, halfSaturationShare: 0.5, shape: 1 },
};

/** Prior of a channel the table does not know. */
export const genericChannelPrior: Readonly<ChannelPrior> = {
  costPerConversion: 100,
  halfSaturationShare: 0.4,
  shape: 1,
};

/** Channels planned when a venture has no history at all: the ones a first campaign mix usually draws on. */
export const defaultPlanningChannels: readonly string[] = [
  'paid_search',
  'paid_social',
  'email',
  'content',
  'influencer',
  'partnerships',
];

/**
 * The prior curve of a channel for a budget: halfSaturation = share * budget and maxConversions chosen so that
 * the first unit of spend converts at costPerConversion (for shape 1 the initial slope M / K equals
 * 1 / costPerConversion; for S-shaped priors the same M is kept, so the average cost at K is 2 * costPerConversion).
 * When the channel has spent and converted before, its observed cost per conversion replaces the table's.
 */
export function priorCurve(channel: string, budget: number, observedCostPerConversion?: number): HillCurve {
  const prior = channelPriors[channel] ?? genericChannelPrior;
  const cost =
    observedCostPerConversion !== undefined &&
    Number.isFinite(observedCostPerConversion) &&
    observedCostPerConversion > 0
      ? observedCostPerConversion
      : prior.costPerConversion;
  const halfSaturation = Math.max(1e-9, prior.halfSaturationShare * budget);
  return { maxConversions: halfSaturation / cost, halfSaturation, shape: prior.shape };
}

/** The curve the optimiser gets for one channel, and where it came from. */
export interface PlannedChannelCurve {
  name: string;
  curve: HillCurve;
  source: 'history' | 'prior';
  /** Distinct positive spend levels seen in the history. */
  historyPoints: number;
}

/**
 * A curve per channel: fitted from the history when it has at least {@link MIN_FIT_POINTS} distinct positive spend
 * levels, otherwise the prior (calibrated to the history's cost per conversion when there is one). The channels are
 * those with history plus {@link defaultPlanningChannels}, so a young venture still gets a mix to compare against.
 */
export function planChannelCurves(
  history: ReadonlyMap<string, readonly SpendPoint[]>,
  budget: number,
  extraChannels: readonly string[] = defaultPlanningChannels,
): PlannedChannelCurve[] {
  const names = [...new Set([...history.keys(), ...extraChannels])];
  return names.map((name) => {
    const points = history.get(name) ?? [];
    const distinct = new Set(points.filter((p) => p.spend > 0).map((p) => p.spend)).size;
    const spend = points.reduce((a, p) => a + p.spend, 0);
    const conversions = points.reduce((a, p) => a + p.conversions, 0);
    const prior = priorCurve(name, budget, spend > 0 && conversions > 0 ? spend / conversions : undefined);
    if (distinct >= MIN_FIT_POINTS) {
      const fitted = fitHillCurve(points, prior);
      // A history where nothing ever converted fits a flat curve; keep it: the channel did not work.
      return { name, curve: fitted, source: 'history', historyPoints: distinct };
    }
    return { name, curve: prior, source: 'prior', historyPoints: distinct };
  });
}
