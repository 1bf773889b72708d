import { createAdPlatforms } from './index';

describe('createAdPlatforms', () => {
  it('always offers the sandbox, and only the platforms that are configured', () => {
    expect(Object.keys(createAdPlatforms())).toEqual(['sandbox']);
    const all = createAdPlatforms({
      google: { token: 'secret-g', developerToken: 'secret-d', customerId: '1234567890' },
      meta: { token: 'secret-m', adAccountId: '1', currency: 'USD' },
      linkedin: { token: 'secret-l', adAccountId: '2', currency: 'USD' },
    });
    expect(Object.keys(all).sort()).toEqual(['google', 'linkedin', 'meta', 'sandbox']);
    expect(all.sandbox.sandbox).toBe(true);
    for (const name of ['google', 'meta', 'linkedin'] as const) {
      expect(all[name]?.name).toBe(name);
      expect(all[name]?.sandbox).toBe(false);
    }
    // Credentials live in closures only: serialising the adapters (a careless log line) shows none.
    expect(JSON.stringify(all)).not.toContain('secret');
  });
});
