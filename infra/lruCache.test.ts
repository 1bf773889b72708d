import { LruCache } from './lruCache';

test('evicts the least recently used entry and expires entries after their time to live', async () => {
  let now = 0;
  const cache = new LruCache<number>({ maxEntries: 2, ttlMs: 1000, now: () => now });
  cache.set('a', 1);
  cache.set('b', 2);
  expect(cache.get('a')).toBe(1); // a is now the most recent
  cache.set('c', 3); // evicts b
  expect(cache.get('b')).toBeUndefined();
  expect(cache.get('a')).toBe(1);
  now = 1000;
  expect(cache.get('a')).toBeUndefined(); // expired
  expect(cache.size).toBe(1);
  let loads = 0;
  const load = async () => ++loads;
  expect(await cache.getOrLoad('x:1', load)).toBe(1);
  expect(await cache.getOrLoad('x:1', load)).toBe(1);
  expect(loads).toBe(1);
  cache.deletePrefix('x:');
  expect(await cache.getOrLoad('x:1', load)).toBe(2);
  expect(cache.hits).toBeGreaterThan(0);
});
