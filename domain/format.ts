/**
 * Numbers, amounts, dates and durations as people read them, for speech and for emails. Pure, and safe in workflow
 * code: the approval workflow words how long a request has waited with {@link durationInWords}.
 */

/** "3 days", "5 hours", "20 minutes": how long something has waited, from milliseconds. */
export function durationInWords(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'}`;
  }
  return 'less than a minute';
}

/** "2 days", "3 hours", "5 minutes": {@link durationInWords} for a count of seconds. */
export function spokenDuration(seconds: number): string {
  return durationInWords(seconds * 1000);
}

/** Numbers as a person reads them: 1,234,567 → "1.2 million", 12,500 → "12,500". */
export function spokenNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1_000_000_000) return `${trimZero((n / 1_000_000_000).toFixed(1))} billion`;
  if (abs >= 1_000_000) return `${trimZero((n / 1_000_000).toFixed(1))} million`;
  return Math.round(n).toLocaleString('en-US');
}

function trimZero(s: string): string {
  return s.replace(/\.0$/, '');
}

/** A money amount for speech and display: "12,000 USD". */
export function spokenMoney(amount: number, currency: string | null | undefined): string {
  const rounded = Math.abs(amount) >= 100 ? Math.round(amount) : Math.round(amount * 100) / 100;
  return `${rounded.toLocaleString('en-US')}${currency ? ` ${currency}` : ''}`;
}

// US English puts the symbol first and groups thousands with commas ("$12,000.00", "€12,000.00"), as the
// approvers read amounts in the dashboard.
const MONEY_LOCALE = 'en-US';
// Day, month name, year: no reader mistakes 2 December for 12 February, whichever side of the Atlantic they are on.
const DATE_LOCALE = 'en-GB';

/**
 * An amount for an email, with its currency's symbol and two decimals: "$12,000.00", "€7,500.00". Takes the
 * amount as a number or as the decimal string workflows pass ("12000.00"); text that is no number comes back as it
 * is, and a currency Intl does not know is written after the amount ("12,000.00 XX").
 */
export function formatMoney(amount: number | string, currency?: string | null): string {
  const n = typeof amount === 'number' ? amount : Number(amount);
  if (typeof amount === 'string' && (amount.trim() === '' || !Number.isFinite(n))) return amount;
  const plain = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  if (!currency) return new Intl.NumberFormat(MONEY_LOCALE, plain).format(n);
  try {
    return new Intl.NumberFormat(MONEY_LOCALE, { style: 'currency', currency }).format(n);
  } catch {
    // Intl refuses codes that are not three letters; the reader still learns the currency.
    return `${new Intl.NumberFormat(MONEY_LOCALE, plain).format(n)} ${currency}`;
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An instant for an email, in UTC and said so: "2 December 2026, 09:00 UTC". Only an ISO-8601 timestamp (what
 * workflows pass) is reformatted; any other text is shown as it was given.
 */
export function formatDateTime(value: string | Date): string {
  if (typeof value === 'string' && !ISO_INSTANT.test(value)) return value;
  const at = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(at.getTime())) return String(value);
  const date = new Intl.DateTimeFormat(DATE_LOCALE, { dateStyle: 'long', timeZone: 'UTC' }).format(at);
  const time = new Intl.DateTimeFormat(DATE_LOCALE, { timeStyle: 'short', timeZone: 'UTC' }).format(at);
  return `${date}, ${time} UTC`;
}
