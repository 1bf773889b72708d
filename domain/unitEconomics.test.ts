import { grossMarginOf, unitEconomics, type UnitEconomicsInput } from './unitEconomics';

/**
 * The worked example: a quarter of 90 days (three 30-day months). 6,000 spent brought 20 new customers; customers
 * were subscribed for 1,800 customer-days in all (60 customer-months) and paid 6,000 over them; 3 cancelled.
 */
const quarter: UnitEconomicsInput = {
  from: '2026-01-01',
  to: '2026-03-31',
  spend: { total: 6000, rows: 90, currencies: ['USD'] },
  newCustomers: 20,
  activeCustomers: 25,
  cancellations: 3,
  customerDays: 1800,
  revenue: 6000,
  revenueEvents: 60,
  grossMargin: 0.8,
  targets: { ltvCacRatio: 5, cac: 250 },
};

describe('unitEconomics', () => {
  test('the worked example, by hand', () => {
    const u = unitEconomics(quarter);
    // CAC = 6,000 / 20 = 300.
    expect(u.cac).toBe(300);
    // 6,000 over 60 customer-months: 100 a customer a month; churn 3 / 60 = 5% a month: a lifetime of 20 months.
    expect(u.arpuMonthly).toBe(100);
    expect(u.monthlyChurnRate).toBeCloseTo(0.05, 12);
    expect(u.lifetimeMonths).toBeCloseTo(20, 9);
    // LTV = 100 x 0.8 margin x 20 months = 1,600; LTV/CAC = 1,600 / 300 = 5.33.
    expect(u.ltv).toBeCloseTo(1600, 9);
    expect(u.ltvCacRatio).toBeCloseTo(1600 / 300, 9);
    // 5.33 meets the 5.0 target; a CAC of 300 misses the 250 target.
    expect(u.targets).toEqual({ ltvCacRatio: 5, cac: 250 });
    expect(u.meetsTarget).toEqual({ ltvCacRatio: true, cac: false });
    expect(u.counts).toEqual({
      spend: 6000,
      performanceRows: 90,
      newCustomers: 20,
      activeCustomers: 25,
      cancellations: 3,
      customerMonths: 60,
      revenue: 6000,
      revenueEvents: 60,
    });
    expect(u.grossMargin).toBe(0.8);
    expect(u.currency).toBe('USD');
    expect(u.assumptions).toEqual([]);
    expect(u.missing).toEqual([]);
  });

  test('no cancellation observed: the lifetime is the 36-month cap, and the answer says so', () => {
    const u = unitEconomics({ ...quarter, cancellations: 0 });
    expect(u.monthlyChurnRate).toBe(0);
    expect(u.lifetimeMonths).toBe(36);
    // 100 x 0.8 x 36 = 2,880; / 300 = 9.6.
    expect(u.ltv).toBeCloseTo(2880, 9);
    expect(u.ltvCacRatio).toBeCloseTo(9.6, 9);
    expect(u.assumptions.join(' ')).toMatch(/no cancellation.*36 months/i);
  });

  test('churn so low its lifetime passes 36 months is capped at 36, and said so', () => {
    // 1 cancellation in 60 customer-months: 1/60 a month, a lifetime of 60 months, capped.
    const u = unitEconomics({ ...quarter, cancellations: 1 });
    expect(u.monthlyChurnRate).toBeCloseTo(1 / 60, 12);
    expect(u.lifetimeMonths).toBe(36);
    expect(u.assumptions.join(' ')).toMatch(/60 months.*capped at 36/);
  });

  test('without a gross margin the LTV is revenue, and the answer says so', () => {
    const u = unitEconomics({ ...quarter, grossMargin: null });
    // 100 x 1 x 20 = 2,000.
    expect(u.ltv).toBeCloseTo(2000, 9);
    expect(u.grossMargin).toBeNull();
    expect(u.assumptions.join(' ')).toMatch(/gross margin/);
  });

  test('without targets of its own the venture is held to an LTV/CAC of 5.0 and no CAC target', () => {
    const u = unitEconomics({ ...quarter, targets: { ltvCacRatio: null, cac: null } });
    expect(u.targets).toEqual({ ltvCacRatio: 5, cac: null });
    expect(u.meetsTarget).toEqual({ ltvCacRatio: true, cac: null });
    expect(u.assumptions.join(' ')).toMatch(/5\.0/);
  });

  test('a stricter target is missed', () => {
    expect(unitEconomics({ ...quarter, targets: { ltvCacRatio: 6, cac: 300 } }).meetsTarget).toEqual({
      ltvCacRatio: false,
      cac: true,
    });
  });

  test('no new customer in the period: no CAC and no ratio, and what is missing is named', () => {
    const u = unitEconomics({ ...quarter, newCustomers: 0 });
    expect(u.cac).toBeNull();
    expect(u.ltvCacRatio).toBeNull();
    expect(u.ltv).toBeCloseTo(1600, 9);
    expect(u.meetsTarget).toEqual({ ltvCacRatio: null, cac: null });
    expect(u.missing.join(' ')).toMatch(/new customers/);
  });

  test('no spend recorded: no CAC, named', () => {
    const u = unitEconomics({ ...quarter, spend: { total: 0, rows: 0, currencies: [] } });
    expect(u.cac).toBeNull();
    expect(u.currency).toBeNull();
    expect(u.missing.join(' ')).toMatch(/spend/);
  });

  test('spend in two currencies is not added up: no CAC, named', () => {
    const u = unitEconomics({ ...quarter, spend: { total: 6000, rows: 90, currencies: ['EUR', 'USD'] } });
    expect(u.cac).toBeNull();
    expect(u.missing.join(' ')).toMatch(/EUR and USD/);
  });

  test('no revenue: no LTV, named; no customers at all: no ARPU or churn either', () => {
    const noRevenue = unitEconomics({ ...quarter, revenue: 0 });
    expect(noRevenue.ltv).toBeNull();
    expect(noRevenue.ltvCacRatio).toBeNull();
    expect(noRevenue.cac).toBe(300);
    expect(noRevenue.missing.join(' ')).toMatch(/revenue/);
    const nobody = unitEconomics({
      ...quarter,
      newCustomers: 0,
      activeCustomers: 0,
      cancellations: 0,
      customerDays: 0,
      revenue: 0,
      revenueEvents: 0,
    });
    expect(nobody).toMatchObject({ arpuMonthly: null, monthlyChurnRate: null, lifetimeMonths: null, ltv: null });
    expect(nobody.missing.join(' ')).toMatch(/customers/);
  });
});

describe('grossMarginOf', () => {
  test('a fraction, or a percentage above 1; anything else is ignored with the reason', () => {
    expect(grossMarginOf({ grossMargin: 0.72 })).toEqual({ value: 0.72 });
    expect(grossMarginOf({ grossMargin: 72 })).toEqual({ value: 0.72 });
    expect(grossMarginOf({ grossMargin: '0.5' })).toEqual({ value: 0.5 });
    expect(grossMarginOf({})).toEqual({ value: null });
    expect(grossMarginOf({ grossMargin: 'high' })).toEqual({ value: null, problem: expect.stringMatching(/high/) });
    expect(grossMarginOf({ grossMargin: 140 })).toEqual({ value: null, problem: expect.stringMatching(/140/) });
    expect(grossMarginOf({ grossMargin: -0.1 }).value).toBeNull();
  });
});
