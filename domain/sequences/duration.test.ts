import { isDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['PT24H', 24 * 3_600_000],
    ['P7D', 7 * 86_400_000],
    ['P1W', 7 * 86_400_000],
    ['P2W3D', 17 * 86_400_000],
    ['PT90M', 90 * 60_000],
    ['PT30S', 30_000],
    ['PT1.5S', 1500],
    ['P1DT12H30M', 86_400_000 + 12 * 3_600_000 + 30 * 60_000],
    ['PT0S', 0],
  ])('%s is %d ms', (iso, ms) => {
    expect(parseDuration(iso)).toBe(ms);
  });

  it.each(['', 'P', 'PT', 'P1DT', '24h', 'P1Y', 'P1M', 'PT-1H', 'p1d', 'P1D ', 'P1.5D'])('rejects %j', (iso) => {
    expect(() => parseDuration(iso)).toThrow(/ISO-8601/);
    expect(isDuration(iso)).toBe(false);
  });

  it('accepts what it can parse', () => {
    expect(isDuration('P3D')).toBe(true);
  });
});
