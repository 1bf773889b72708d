import { durationInWords, formatDateTime, formatMoney, spokenDuration } from './format';

describe('amounts for emails', () => {
  test('carry the currency symbol, thousands separators and two decimals', () => {
    expect(formatMoney(12000, 'USD')).toBe('$12,000.00');
    expect(formatMoney('12000.00', 'EUR')).toBe('€12,000.00');
    expect(formatMoney(7500.5, 'GBP')).toBe('£7,500.50');
  });

  test('without a currency, or with one Intl does not know, still read as amounts', () => {
    expect(formatMoney('1234.5')).toBe('1,234.50');
    expect(formatMoney(99, 'XX')).toBe('99.00 XX');
  });

  test('text that is no number is shown as given', () => {
    expect(formatMoney('about a thousand', 'USD')).toBe('about a thousand');
  });
});

describe('instants for emails', () => {
  test('an ISO timestamp reads as day, month, year and UTC time', () => {
    expect(formatDateTime('2026-12-02T09:00:00.000Z')).toBe('2 December 2026, 09:00 UTC');
    // 23:30 at two hours east of UTC is 21:30 UTC the same day.
    expect(formatDateTime('2027-01-15T23:30:00+02:00')).toBe('15 January 2027, 21:30 UTC');
  });

  test('other text is left as it is', () => {
    expect(formatDateTime('2026-04-01 17:00 UTC')).toBe('2026-04-01 17:00 UTC');
    expect(formatDateTime('next Tuesday')).toBe('next Tuesday');
  });
});

describe('durations in words', () => {
  test('count whole days, else hours, else minutes', () => {
    expect(durationInWords(2 * 86_400_000 + 5 * 3_600_000)).toBe('2 days');
    expect(durationInWords(86_400_000)).toBe('1 day');
    expect(durationInWords(86_400_000 - 1)).toBe('23 hours');
    expect(durationInWords(61_000)).toBe('1 minute');
    expect(durationInWords(59_999)).toBe('less than a minute');
  });

  test('say the same from seconds as from milliseconds', () => {
    expect(spokenDuration(3 * 3_600)).toBe('3 hours');
    expect(spokenDuration(59)).toBe('less than a minute');
  });
});
