import { DEFAULT_SOFT_BOUNCE_POLICY, softBounceWindowStart, suppressionFor } from './suppressionPolicy';

const at = new Date('2026-12-02T10:00:00Z');
const policy = DEFAULT_SOFT_BOUNCE_POLICY;

test('a hard bounce and a complaint suppress at once and for good', () => {
  expect(suppressionFor({ status: 'bounced', bounceType: 'hard', at }, 0, policy)).toEqual({
    suppress: true,
    reason: 'hard_bounce',
  });
  // A bounce the provider did not classify is taken as hard: mailing a dead mailbox again costs more than a miss.
  expect(suppressionFor({ status: 'bounced', at }, 0, policy)).toEqual({ suppress: true, reason: 'hard_bounce' });
  expect(suppressionFor({ status: 'complained', at }, 0, policy)).toEqual({ suppress: true, reason: 'complaint' });
});

test('soft bounces suppress from the limit on, until suppressDays after the last one', () => {
  expect(suppressionFor({ status: 'bounced', bounceType: 'soft', at }, 2, policy)).toEqual({ suppress: false });
  expect(suppressionFor({ status: 'bounced', bounceType: 'soft', at }, 3, policy)).toEqual({
    suppress: true,
    reason: 'soft_bounce',
    expiresAt: new Date('2026-12-16T10:00:00Z'),
  });
  expect(softBounceWindowStart(at, policy)).toEqual(new Date('2026-11-25T10:00:00Z'));
});

test('other outcomes never suppress', () => {
  for (const status of ['delivered', 'opened', 'clicked', 'deferred', 'dropped', 'unsubscribed'] as const) {
    expect(suppressionFor({ status, at }, 99, policy)).toEqual({ suppress: false });
  }
});
