/**
 * Decimals the budget columns keep (`numeric(12, 2)`): a currency with three (BHD, KWD) is held to two, so what
 * the database stores is always exactly the amount the workflow holds.
 */
const STORED_DECIMALS = 2;

/** The largest amount the budget columns hold. */
export const MAX_AMOUNT = 9_999_999_999.99;

/**
 * Decimals of a currency's minor unit by ISO 4217, as the runtime's Intl data knows them (USD 2, JPY 0), never more
 * than the database keeps. An unknown but well-formed code counts as two, which is also Intl's answer.
 */
export function currencyDecimals(currency: string): number {
  let digits = STORED_DECIMALS;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // Not a currency code at all: the request's schema refuses it; two decimals until then.
  }
  return Math.min(digits, STORED_DECIMALS);
}

/**
 * Why an amount of money is not one a client may ask for in a currency, or undefined when it is: a positive, finite
 * amount with no more decimals than the currency has (so at least one minor unit) and no larger than what is
 * stored. An amount is refused rather than rounded: a budget is what a person meant, not what we guessed.
 */
export function moneyProblem(amount: number, currency: string): string | undefined {
  const decimals = currencyDecimals(currency);
  const example = decimals === 0 ? '1500' : `1500.${'5'.repeat(decimals)}`;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) return 'must be a positive amount';
  if (amount > MAX_AMOUNT) return `must be at most ${MAX_AMOUNT}`;
  if (Number(amount.toFixed(decimals)) !== amount) {
    return decimals === 0
      ? `${currency} has no minor unit: a whole amount such as ${example}`
      : `${currency} amounts have at most ${decimals} decimals and are at least ${(1 / 10 ** decimals).toFixed(decimals)}, such as ${example}`;
  }
  return undefined;
}
