import { isValidTimeZone, localDateTime, nextLocalTime, quietHoursEnd, utcOffset, zonedTimeToInstant } from './time';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const KOLKATA = 'Asia/Kolkata';

describe('isValidTimeZone', () => {
  it.each(['UTC', NY, BERLIN, KOLKATA, 'Australia/Lord_Howe'])('knows %s', (tz) => {
    expect(isValidTimeZone(tz)).toBe(true);
  });
  it.each(['', 'Mars/Olympus_Mons', 'EST5EDT6', 'Europe/Berlin '])('rejects %j', (tz) => {
    expect(isValidTimeZone(tz)).toBe(false);
  });
});

describe('localDateTime and utcOffset', () => {
  it('reads wall time in a half-hour offset zone', () => {
    expect(localDateTime(at('2026-01-15T00:00:00Z'), KOLKATA)).toEqual({
      year: 2026,
      month: 1,
      day: 15,
      hour: 5,
      minute: 30,
      second: 0,
    });
    expect(utcOffset(at('2026-01-15T00:00:00Z'), KOLKATA)).toBe(5.5 * 3_600_000);
  });

  it('says midnight is hour 0', () => {
    expect(localDateTime(at('2026-06-01T04:00:00Z'), NY).hour).toBe(0);
  });

  it('follows DST in New York', () => {
    expect(utcOffset(at('2026-03-08T06:59:59Z'), NY)).toBe(-5 * 3_600_000);
    expect(utcOffset(at('2026-03-08T07:00:00Z'), NY)).toBe(-4 * 3_600_000);
  });
});

describe('zonedTimeToInstant', () => {
  it('maps an ordinary wall time', () => {
    expect(iso(zonedTimeToInstant({ year: 2026, month: 7, day: 1, hour: 9, minute: 0 }, BERLIN))).toBe(
      '2026-07-01T07:00:00.000Z',
    );
  });
  it('moves a skipped wall time to the moment the clocks jump (New York, 2026-03-08 02:30)', () => {
    expect(iso(zonedTimeToInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, NY))).toBe(
      '2026-03-08T07:00:00.000Z',
    );
  });
  it('takes the first of a repeated wall time (New York, 2026-11-01 01:30 EDT)', () => {
    expect(iso(zonedTimeToInstant({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, NY))).toBe(
      '2026-11-01T05:30:00.000Z',
    );
  });
});

describe('nextLocalTime', () => {
  it('later the same day', () => {
    // 07:00 EST
    expect(iso(nextLocalTime(at('2026-03-07T12:00:00Z'), '09:00', NY))).toBe('2026-03-07T14:00:00.000Z');
  });

  it('is strictly after now', () => {
    expect(iso(nextLocalTime(at('2026-03-07T14:00:00Z'), '09:00', NY))).toBe('2026-03-08T13:00:00.000Z');
  });

  it('tomorrow across the spring-forward change: 09:00 EST on the 7th, then 09:00 EDT on the 8th, 23 hours later', () => {
    const now = at('2026-03-07T15:00:00Z'); // 10:00 EST
    const next = nextLocalTime(now, '09:00', NY);
    expect(iso(next)).toBe('2026-03-08T13:00:00.000Z');
    expect(localDateTime(next, NY)).toMatchObject({ day: 8, hour: 9, minute: 0 });
  });

  it('a wall time the clocks skip moves to 03:00 EDT (New York, 2026-03-08)', () => {
    const now = at('2026-03-08T05:00:00Z'); // 00:00 EST
    expect(iso(nextLocalTime(now, '02:30', NY))).toBe('2026-03-08T07:00:00.000Z');
    expect(iso(nextLocalTime(now, '02:00', NY))).toBe('2026-03-08T07:00:00.000Z');
    expect(iso(nextLocalTime(now, '03:00', NY))).toBe('2026-03-08T07:00:00.000Z');
    // The next day 02:30 exists again.
    expect(iso(nextLocalTime(at('2026-03-08T07:00:00Z'), '02:30', NY))).toBe('2026-03-09T06:30:00.000Z');
  });

  it('a repeated wall time happens once, at its first occurrence (New York, 2026-11-01)', () => {
    expect(iso(nextLocalTime(at('2026-11-01T04:00:00Z'), '01:30', NY))).toBe('2026-11-01T05:30:00.000Z');
    // 01:10 EST, in the repeated hour after 01:30 EDT already passed: not again tonight, but tomorrow.
    expect(iso(nextLocalTime(at('2026-11-01T06:10:00Z'), '01:30', NY))).toBe('2026-11-02T06:30:00.000Z');
    // 09:00 on the fall-back day is 25 hours after 09:00 the day before.
    const before = at('2026-10-31T13:00:00Z');
    expect(nextLocalTime(before, '09:00', NY) - before).toBe(25 * 3_600_000);
  });

  it('Berlin: 02:30 on 2026-03-29 moves to 03:00 CEST; 02:30 on 2026-10-25 is the CEST one', () => {
    expect(iso(nextLocalTime(at('2026-03-29T00:30:00Z'), '02:30', BERLIN))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(nextLocalTime(at('2026-10-24T22:00:00Z'), '02:30', BERLIN))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(nextLocalTime(at('2026-10-25T12:00:00Z'), '09:00', BERLIN))).toBe('2026-10-26T08:00:00.000Z');
  });

  it('Kolkata, half an hour off UTC', () => {
    expect(iso(nextLocalTime(at('2026-01-15T00:00:00Z'), '09:00', KOLKATA))).toBe('2026-01-15T03:30:00.000Z');
    expect(iso(nextLocalTime(at('2026-01-15T18:29:00Z'), '00:00', KOLKATA))).toBe('2026-01-15T18:30:00.000Z');
  });

  it('rolls over months and years', () => {
    expect(iso(nextLocalTime(at('2026-12-31T22:00:00Z'), '08:00', 'UTC'))).toBe('2027-01-01T08:00:00.000Z');
    expect(iso(nextLocalTime(at('2028-02-28T12:00:00Z'), '08:00', 'UTC'))).toBe('2028-02-29T08:00:00.000Z');
  });

  it('rejects a malformed time of day', () => {
    expect(() => nextLocalTime(0, '9:00', 'UTC')).toThrow(/HH:MM/);
    expect(() => nextLocalTime(0, '24:00', 'UTC')).toThrow(/HH:MM/);
  });
});

describe('quietHoursEnd', () => {
  const overnight = { start: '21:00', end: '08:00' };
  const lunch = { start: '12:00', end: '13:00' };

  it('overnight window, evening side: ends tomorrow morning', () => {
    // 22:30 CEST
    expect(iso(quietHoursEnd(at('2026-06-10T20:30:00Z'), overnight, BERLIN))).toBe('2026-06-11T06:00:00.000Z');
  });

  it('overnight window, morning side: ends this morning', () => {
    // 05:00 CEST
    expect(iso(quietHoursEnd(at('2026-06-11T03:00:00Z'), overnight, BERLIN))).toBe('2026-06-11T06:00:00.000Z');
  });

  it('outside the window: undefined', () => {
    expect(quietHoursEnd(at('2026-06-11T10:00:00Z'), overnight, BERLIN)).toBeUndefined();
  });

  it('includes the start and excludes the end', () => {
    expect(iso(quietHoursEnd(at('2026-06-10T19:00:00Z'), overnight, BERLIN))).toBe('2026-06-11T06:00:00.000Z');
    expect(quietHoursEnd(at('2026-06-10T18:59:59Z'), overnight, BERLIN)).toBeUndefined();
    expect(quietHoursEnd(at('2026-06-11T06:00:00Z'), overnight, BERLIN)).toBeUndefined();
    expect(iso(quietHoursEnd(at('2026-06-11T05:59:59Z'), overnight, BERLIN))).toBe('2026-06-11T06:00:00.000Z');
  });

  it('a window within one day', () => {
    expect(iso(quietHoursEnd(at('2026-06-10T16:30:00Z'), lunch, NY))).toBe('2026-06-10T17:00:00.000Z');
    expect(quietHoursEnd(at('2026-06-10T15:59:00Z'), lunch, NY)).toBeUndefined();
    expect(quietHoursEnd(at('2026-06-10T17:00:00Z'), lunch, NY)).toBeUndefined();
    expect(quietHoursEnd(at('2026-06-10T02:00:00Z'), lunch, NY)).toBeUndefined(); // 22:00, not 12-13
  });

  it('overnight across spring-forward: 22:00 EST on the 7th to 08:00 EDT on the 8th is 9 hours', () => {
    const now = at('2026-03-08T03:00:00Z');
    const end = quietHoursEnd(now, overnight, NY);
    expect(iso(end)).toBe('2026-03-08T12:00:00.000Z');
    expect((end as number) - now).toBe(9 * 3_600_000);
  });

  it('overnight across fall-back: 22:00 EDT on Oct 31 to 08:00 EST on Nov 1 is 11 hours', () => {
    const now = at('2026-11-01T02:00:00Z');
    expect((quietHoursEnd(now, overnight, NY) as number) - now).toBe(11 * 3_600_000);
  });

  it('ends at the second 01:30 when it is the repeated hour that is quiet', () => {
    // 01:10 EST, after the clocks went back; 01:30 EDT has passed but 01:30 EST is 20 minutes away.
    expect(iso(quietHoursEnd(at('2026-11-01T06:10:00Z'), { start: '00:00', end: '01:30' }, NY))).toBe(
      '2026-11-01T06:30:00.000Z',
    );
  });

  it('Kolkata, half an hour off UTC', () => {
    // 21:30 IST
    expect(iso(quietHoursEnd(at('2026-01-15T16:00:00Z'), overnight, KOLKATA))).toBe('2026-01-16T02:30:00.000Z');
    // 20:59 IST
    expect(quietHoursEnd(at('2026-01-15T15:29:00Z'), overnight, KOLKATA)).toBeUndefined();
  });

  it('an empty window is never quiet', () => {
    expect(quietHoursEnd(at('2026-06-10T12:00:00Z'), { start: '12:00', end: '12:00' }, 'UTC')).toBeUndefined();
  });
});
