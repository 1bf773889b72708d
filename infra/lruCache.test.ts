import { LruCache } from './lruCache';

const make = (maxEntries = 2, ttlMs = 1000) => {
  // Not 0: a clock that starts at the epoch is no clock lru-cache expects (it reads a start of 0 as "no time to live").
  const clock = { now: 1_000_000 };
  const cache = new LruCache<number>({ maxEntries, ttlMs, now: () => clock.now });
  return { cache, clock };
};

test('evicts the least recently used entry, not the oldest written', () => {
  const { cache } = make(2);
  cache.set('a', 1);
  cache.set('b', 2);
  expect(cache.get('a')).toBe(1); // a is now the most recent, so b is the one to go
  cache.set('c', 3);
  expect(cache.get('b')).toBeUndefined();
  expect(cache.get('a')).toBe(1);
  expect(cache.get('c')).toBe(3);
  expect(cache.size).toBe(2);
});

test('an entry expires its time to live after it was stored, however often it is read', () => {
  const { cache, clock } = make(10, 1000);
  cache.set('a', 1);
  clock.now += 999;
  expect(cache.get('a')).toBe(1);
  clock.now += 2; // 1001 ms after it was stored
  expect(cache.get('a')).toBeUndefined();
});

test('getOrLoad loads once, serves the cached value after, and does not cache a miss', async () => {
  const { cache, clock } = make(10, 1000);
  let loads = 0;
  const load = async () => ++loads;
  expect(await cache.getOrLoad('x', load)).toBe(1);
  expect(await cache.getOrLoad('x', load)).toBe(1);
  expect(loads).toBe(1);
  clock.now += 1001;
  expect(await cache.getOrLoad('x', load)).toBe(2);

  let missingLoads = 0;
  const missing = async () => void missingLoads++;
  expect(await cache.getOrLoad('nobody', missing)).toBeUndefined();
  expect(await cache.getOrLoad('nobody', missing)).toBeUndefined();
  expect(missingLoads).toBe(2);
});

test('concurrent look-ups of one missing key share a single load', async () => {
  const { cache } = make();
  let loads = 0;
  let release!: (n: number) => void;
  const load = () => {
    loads++;
    return new Promise<number>((resolve) => (release = resolve));
  };
  const first = cache.getOrLoad('k', load);
  const second = cache.getOrLoad('k', load);
  release(7);
  expect(await Promise.all([first, second])).toEqual([7, 7]);
  expect(loads).toBe(1);
});

test('deletePrefix drops only the keys that start with the prefix', () => {
  const { cache } = make(10);
  cache.set('search:v1:a', 1);
  cache.set('search:v1:b', 2);
  cache.set('search:v2:a', 3);
  cache.set('influencer:1', 4);
  cache.deletePrefix('search:v1:');
  expect([cache.get('search:v1:a'), cache.get('search:v1:b')]).toEqual([undefined, undefined]);
  expect([cache.get('search:v2:a'), cache.get('influencer:1')]).toEqual([3, 4]);
  cache.clear();
  expect(cache.size).toBe(0);
});

test('refuses a size or a time to live that cannot work, naming the option', () => {
  expect(() => new LruCache({ maxEntries: 0, ttlMs: 1 })).toThrow(/maxEntries/);
  expect(() => new LruCache({ maxEntries: 1, ttlMs: 0 })).toThrow(/ttlMs/);
});
