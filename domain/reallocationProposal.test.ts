import {
  describeGain,
  measureAt,
  measuringDays,
  movedPct,
  proposalGate,
  proposalWording,
} from './reallocationProposal';

describe('movedPct', () => {
  test('half the sum of the share changes: what one platform gains, another loses', () => {
    expect(movedPct({ google: 0.5, meta: 0.5 }, { google: 0.8, meta: 0.2 })).toBe(30);
    expect(movedPct({ a: 1, b: 0 }, { a: 0, b: 1 })).toBe(100);
    expect(movedPct({ a: 0.4, b: 0.3, c: 0.3 }, { a: 0.3, b: 0.3, c: 0.4 })).toBe(10);
    expect(movedPct({ a: 0.5, b: 0.5 }, { a: 0.5, b: 0.5 })).toBe(0);
  });
  test('a platform missing from one side counts as 0', () => {
    expect(movedPct({ a: 1 }, { a: 0.75, b: 0.25 })).toBe(25);
  });
});

describe('proposalGate', () => {
  const base = { approvalPct: 10, source: 'fitted' as const, autoApply: false };
  test('more than the percentage goes to the chairman, exactly the percentage does not', () => {
    expect(proposalGate({ ...base, movedPct: 10.01 })).toBe('chairman');
    expect(proposalGate({ ...base, movedPct: 10 })).toBe('recommend');
  });
  test('a small fitted proposal applies only where the venture allows it; a person’s split applies', () => {
    expect(proposalGate({ ...base, movedPct: 5, autoApply: true })).toBe('apply');
    expect(proposalGate({ ...base, movedPct: 5, source: 'chosen' })).toBe('apply');
  });
  test('the chairman’s own split needs nobody else', () => {
    expect(proposalGate({ ...base, movedPct: 60, source: 'chosen', byChairman: true })).toBe('apply');
    expect(proposalGate({ ...base, movedPct: 60, source: 'chosen' })).toBe('chairman');
  });
});

describe('the measuring window', () => {
  test('the whole days after the day of application, cut at the campaign’s end', () => {
    const appliedAt = new Date('2027-03-10T15:30:00Z');
    expect(measuringDays(appliedAt, 14, '2027-06-01')).toEqual({ from: '2027-03-11', to: '2027-03-24' });
    expect(measuringDays(appliedAt, 14, '2027-03-15')).toEqual({ from: '2027-03-11', to: '2027-03-15' });
    expect(measuringDays(appliedAt, 14, null)).toEqual({ from: '2027-03-11', to: '2027-03-24' });
  });
  test('measured the day after the last day of the window is over', () => {
    expect(new Date(measureAt(Date.parse('2027-03-10T15:30:00Z'), 14)).toISOString()).toBe('2027-03-26T00:00:00.000Z');
  });
});

test('the chairman reads the split, the gain with its interval, and why he is asked', () => {
  const { title, summary } = proposalWording({
    campaignName: 'Spring',
    movedPct: 30,
    approvalPct: 10,
    current: { google: 0.5, meta: 0.5 },
    proposed: { google: 0.8, meta: 0.2 },
    dailyBudget: 200,
    currency: 'USD',
    gain: { value: 12.34, low: 4.1, high: 19.8 },
    requestedBy: 'system',
  });
  expect(title).toBe('Reallocation of Spring: move 30% of 200.00 USD a day');
  expect(summary).toBe(
    'The weekly reallocation proposes google 50% → 80%, meta 50% → 20%. Expected +12.3 conversions a day ' +
      '(90% interval +4.1 to +19.8). It moves more than the 10% that applies without the chairman.',
  );
  expect(describeGain({ value: -1, low: -2.5, high: 0.5 })).toBe('−1 conversions a day (90% interval −2.5 to +0.5)');
});
