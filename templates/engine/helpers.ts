import type Handlebars from 'handlebars';

/**
 * The helpers a template may call, formatting for the recipient's locale. The locale comes from the render data
 * (`@locale`), so one compiled template serves every locale of a version.
 */

type HelperOptions = Handlebars.HelperOptions;

// Bare English keeps what the emails have always shown: amounts as in the US dashboard ("$12,000.00") and
// dates day-first ("2 December 2026"), which no reader on either side of the Atlantic misreads.
const ENGLISH_NUMBERS = 'en-US';
const ENGLISH_DATES = 'en-GB';
const FALLBACK = 'en';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A locale Intl accepts, or English: a contact's trait may hold anything. */
function validLocale(locale: unknown): string {
  if (typeof locale !== 'string' || locale.trim() === '') return FALLBACK;
  try {
    return Intl.getCanonicalLocales(locale.replace(/_/g, '-'))[0] ?? FALLBACK;
  } catch {
    return FALLBACK;
  }
}

function localeOf(options: HelperOptions | undefined): string {
  return validLocale((options?.data as { locale?: unknown } | undefined)?.locale);
}

function numberLocale(locale: string): string {
  return locale === 'en' ? ENGLISH_NUMBERS : locale;
}

function dateLocale(locale: string): string {
  return locale === 'en' ? ENGLISH_DATES : locale;
}

/** "$12,000.00" in en, "12.000,00 €" in de; text that is no number comes back as it is. */
export function formatMoneyFor(locale: string, amount: number | string, currency?: string | null): string {
  const n = typeof amount === 'number' ? amount : Number(amount);
  if (typeof amount === 'string' && (amount.trim() === '' || !Number.isFinite(n))) return amount;
  const plain = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  const lang = numberLocale(locale);
  if (!currency) return new Intl.NumberFormat(lang, plain).format(n);
  try {
    return new Intl.NumberFormat(lang, { style: 'currency', currency }).format(n);
  } catch {
    // Intl refuses codes that are not three letters; the reader still learns the currency.
    return `${new Intl.NumberFormat(lang, plain).format(n)} ${currency}`;
  }
}

/** An instant in UTC and said so: "2 December 2026, 09:00 UTC"; only ISO-8601 timestamps are reformatted. */
export function formatDateTimeFor(locale: string, value: string | Date): string {
  const at = instant(value, false);
  if (!at) return String(value);
  const lang = dateLocale(locale);
  const date = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(at);
  const time = new Intl.DateTimeFormat(lang, { timeStyle: 'short', timeZone: 'UTC' }).format(at);
  return `${date}, ${time} UTC`;
}

/** The day of an ISO date or timestamp, in UTC: "3 December 2026" in en, "3. Dezember 2026" in de. */
export function formatDateFor(locale: string, value: string | Date): string {
  const at = instant(value, true);
  if (!at) return String(value);
  return new Intl.DateTimeFormat(dateLocale(locale), { dateStyle: 'long', timeZone: 'UTC' }).format(at);
}

/** "1,234.5" in en, "1.234,5" in de; text that is no number comes back as it is. */
export function formatNumberFor(locale: string, value: number | string): string {
  const n = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && (value.trim() === '' || !Number.isFinite(n))) return value;
  return new Intl.NumberFormat(numberLocale(locale)).format(n);
}

function instant(value: string | Date, dateOnlyToo: boolean): Date | undefined {
  if (typeof value === 'string' && !ISO_INSTANT.test(value) && !(dateOnlyToo && ISO_DATE.test(value))) {
    return undefined;
  }
  const at = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(at.getTime()) ? undefined : at;
}

const isText = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';
const isWhen = (v: unknown): v is string | Date => typeof v === 'string' || v instanceof Date;

// Handlebars passes its options object last; a helper called with fewer arguments sees it earlier.
function split(args: unknown[]): { values: unknown[]; options: HelperOptions | undefined } {
  const options = args.at(-1) as HelperOptions | undefined;
  return { values: args.slice(0, -1), options };
}

const HELPERS: Record<string, (...args: unknown[]) => unknown> = {
  // The first value that is set, for things that may come from the event or from the contact.
  or: (...args) => split(args).values.find((v) => v !== undefined && v !== null && v !== ''),
  humanize: (v) => (typeof v === 'string' ? v.replace(/_/g, ' ') : v),
  // Amounts and instants arrive as workflows recorded them ("12000.00", ISO timestamps) and are formatted here,
  // at render time, so recorded workflow histories stay as they are.
  money: (...args) => {
    const { values, options } = split(args);
    const [amount, currency] = values;
    return isText(amount)
      ? formatMoneyFor(localeOf(options), amount, typeof currency === 'string' ? currency : null)
      : amount;
  },
  utcDateTime: (...args) => {
    const { values, options } = split(args);
    return isWhen(values[0]) ? formatDateTimeFor(localeOf(options), values[0]) : values[0];
  },
  date: (...args) => {
    const { values, options } = split(args);
    return isWhen(values[0]) ? formatDateFor(localeOf(options), values[0]) : values[0];
  },
  number: (...args) => {
    const { values, options } = split(args);
    return isText(values[0]) ? formatNumberFor(localeOf(options), values[0]) : values[0];
  },
};

/** Registers the product's helpers on a Handlebars environment. */
export function registerHelpers(env: typeof Handlebars): void {
  for (const [name, helper] of Object.entries(HELPERS)) env.registerHelper(name, helper);
}

// Handlebars' own block helpers; the `...Missing` hooks are not for templates to call.
const BUILT_IN_HELPERS = ['each', 'if', 'log', 'lookup', 'unless', 'with'];

/** Every helper a template may call, sorted: listed in the error for an unknown one. */
export const HELPER_NAMES: readonly string[] = [...BUILT_IN_HELPERS, ...Object.keys(HELPERS)].sort();
