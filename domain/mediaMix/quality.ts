/** How well predictions match the days they predict. */
export interface FitQuality {
  /** 1 - SSR/SST; null when the actual values do not vary. Negative when the mean would predict better. */
  r2: number | null;
  /** Mean of |actual - predicted| / actual over the days with conversions; null when no day has any. */
  mape: number | null;
}

/** R² and MAPE of predictions; days with no conversions are left out of the MAPE, which has no percentage for them. */
export function fitQuality(actual: ArrayLike<number>, predicted: ArrayLike<number>): FitQuality {
  const n = actual.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += actual[t]!;
  mean /= n || 1;
  let ssr = 0;
  let sst = 0;
  let ape = 0;
  let counted = 0;
  for (let t = 0; t < n; t++) {
    const y = actual[t]!;
    const e = y - predicted[t]!;
    ssr += e * e;
    sst += (y - mean) * (y - mean);
    if (y > 0) {
      ape += Math.abs(e) / y;
      counted++;
    }
  }
  return { r2: sst > 0 ? 1 - ssr / sst : null, mape: counted > 0 ? ape / counted : null };
}
