import { attribute } from './attribution';
import { channelOfEvent, conversionRules, conversionValue, journeysOfContact, type JourneyEvent } from './journeys';

const ev = (name: string, day: number, properties: Record<string, unknown> = {}): JourneyEvent => ({
  name,
  occurredAt: new Date(Date.UTC(2026, 0, day)),
  properties,
});

describe('channelOfEvent', () => {
  it('prefers an explicit channel, then utm_medium (cpc by source), then utm_source', () => {
    expect(channelOfEvent({ channel: ' Podcast ', utm_medium: 'email' })).toBe('podcast');
    expect(channelOfEvent({ utm_source: 'google', utm_medium: 'cpc' })).toBe('paid_search');
    expect(channelOfEvent({ utm_source: 'facebook', utm_medium: 'cpc' })).toBe('paid_social');
    expect(channelOfEvent({ utm_source: 'LinkedIn', utm_medium: 'paid_social' })).toBe('paid_social');
    expect(channelOfEvent({ utm_medium: 'newsletter' })).toBe('email');
    expect(channelOfEvent({ utm_medium: 'affiliate' })).toBe('partnerships');
    expect(channelOfEvent({ utm_medium: 'creator' })).toBe('influencer');
    expect(channelOfEvent({ utm_medium: 'sms' })).toBe('sms');
    expect(channelOfEvent({ utm_source: 'instagram' })).toBe('organic_social');
    expect(channelOfEvent({ utm_source: 'bing' })).toBe('organic_search');
    expect(channelOfEvent({ utm_source: 'news.ycombinator.com' })).toBe('referral');
    expect(channelOfEvent({ plan: 'pro' })).toBeUndefined();
    expect(channelOfEvent(null)).toBeUndefined();
  });
});

describe('conversions', () => {
  it('reads the goal property first, then value, amount, revenue', () => {
    expect(conversionValue(ev('x', 1, { mrr: 30, value: 5 }), 'mrr')).toBe(30);
    expect(conversionValue(ev('x', 1, { amount: '49.5' }))).toBe(49.5);
    expect(conversionValue(ev('x', 1, { amount: -3 }))).toBe(0);
    const rules = conversionRules([
      { event: 'plan_upgraded', revenueProperty: 'mrr' },
      { event: 'purchase', revenueProperty: 'total' },
    ]);
    expect([...rules.keys()].sort()).toEqual(['conversion', 'plan_upgraded', 'purchase', 'subscription_started']);
    expect(rules.get('purchase')).toBe('total');
  });
});

describe('journeysOfContact', () => {
  it('splits at each conversion and keeps the unconverted tail', () => {
    const rules = conversionRules();
    const journeys = journeysOfContact(
      [
        ev('page_view', 1, { utm_source: 'google', utm_medium: 'cpc' }),
        ev('page_view', 2, { utm_medium: 'email' }),
        ev('login', 3),
        ev('purchase', 4, { amount: 100 }),
        ev('subscription_started', 5, { channel: 'partnerships', value: 20 }),
        ev('page_view', 6, { utm_source: 'facebook' }),
      ],
      rules,
    );
    expect(journeys).toEqual([
      {
        touchpoints: [
          { channel: 'paid_search', at: '2026-01-01T00:00:00.000Z' },
          { channel: 'email', at: '2026-01-02T00:00:00.000Z' },
        ],
        converted: true,
        value: 100,
      },
      // A conversion that names its own channel is that journey's last touchpoint.
      { touchpoints: [{ channel: 'partnerships', at: '2026-01-05T00:00:00.000Z' }], converted: true, value: 20 },
      { touchpoints: [{ channel: 'organic_social', at: '2026-01-06T00:00:00.000Z' }], converted: false },
    ]);
    // Linear over the first two: paid_search and email take 50 each; partnerships 20.
    const r = attribute(journeys, 'linear');
    expect(Object.fromEntries(r.channels.map((c) => [c.channel, c.value]))).toEqual({
      paid_search: 50,
      email: 50,
      partnerships: 20,
      organic_social: 0,
    });
  });

  it('gives a conversion with no touchpoint an empty journey (credited to direct)', () => {
    const journeys = journeysOfContact([ev('purchase', 1, { value: 9 })], conversionRules());
    expect(journeys).toEqual([{ touchpoints: [], converted: true, value: 9 }]);
    expect(attribute(journeys, 'first-click').channels[0]).toMatchObject({
      channel: 'direct',
      conversions: 1,
      value: 9,
    });
  });
});
