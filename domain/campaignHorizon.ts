/** How far ahead a campaign may be planned: a date further out is a typing mistake, not a plan. */
export const CAMPAIGN_HORIZON_YEARS = 5;

/** The last day a campaign may start or end on, planned on `today` (YYYY-MM-DD, UTC): the same day five years on. */
export function campaignHorizon(today: string): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + CAMPAIGN_HORIZON_YEARS);
  return d.toISOString().slice(0, 10);
}
