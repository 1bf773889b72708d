/** The words of the answers: the month a command meant, and the reply to what was not understood. */
import { COMMAND_EXAMPLES, MONTHS, type MonthRef } from './vocabulary';

/** The first and last day (YYYY-MM-DD, inclusive) of the month a command refers to, seen from `today`. */
export function monthRange(ref: MonthRef, today: string): { from: string; to: string; label: string } {
  const [y, mo] = today.split('-').map(Number) as [number, number];
  let year = y;
  let month = mo;
  if (ref.month === 'last') {
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  } else if (typeof ref.month === 'number') {
    month = ref.month;
    if (month > mo) year -= 1;
  }
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  const label =
    ref.month === 'this'
      ? 'this month'
      : ref.month === 'last'
        ? 'last month'
        : `${capitalize(MONTHS[month - 1]!)} ${year}`;
  return { from: `${year}-${pad(month)}-01`, to: `${year}-${pad(month)}-${pad(last)}`, label };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The sentence that answers text that was not understood, listing what is. */
export function unknownCommandSpeech(): string {
  return `Sorry, I did not understand that. You can say, for example: ${COMMAND_EXAMPLES.slice(0, 7)
    .map((e) => `"${e}"`)
    .join(', ')}.`;
}
