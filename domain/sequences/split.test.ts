import { chooseVariant, fnv1a32, hashToUnit } from './split';

const shares = (weights: number[], ids: string[], seed: (id: string) => string): number[] => {
  const variants = weights.map((weight, i) => ({ key: `v${i}`, weight, next: `s${i}` }));
  const counts = new Map<string, number>();
  for (const id of ids) {
    const v = chooseVariant(variants, seed(id));
    counts.set(v.key, (counts.get(v.key) ?? 0) + 1);
  }
  return variants.map((v) => (counts.get(v.key) ?? 0) / ids.length);
};

// Deterministic ids that look like UUIDs, from a small LCG.
function uuidLike(n: number): string[] {
  let x = 123456789;
  const hex = (): string => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x.toString(16).padStart(8, '0');
  };
  return Array.from(
    { length: n },
    () => `${hex()}-${hex().slice(0, 4)}-4${hex().slice(0, 3)}-${hex().slice(0, 4)}-${hex()}${hex().slice(0, 4)}`,
  );
}

describe('fnv1a32', () => {
  it('matches the reference values', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
  it('hashes UTF-8 bytes', () => {
    // "é" is C3 A9 in UTF-8; hashing the bytes one by one must agree.
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(fnv1a32('é')).toBe(h);
    expect(fnv1a32('😀')).not.toBe(fnv1a32('😁'));
  });
});

describe('hashToUnit', () => {
  it('is in [0, 1) and stable', () => {
    for (let i = 0; i < 1000; i++) {
      const u = hashToUnit(`k${i}`);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
    expect(hashToUnit('nurture:c1:intro_subject')).toBe(hashToUnit('nurture:c1:intro_subject'));
  });
});

describe('chooseVariant', () => {
  const sequential = Array.from({ length: 10_000 }, (_, i) => `contact-${i + 1}`);
  const uuids = uuidLike(10_000);

  it.each([
    ['sequential ids', sequential],
    ['uuid-like ids', uuids],
  ])('50/50 over 10,000 %s is within 2 points', (_, ids) => {
    const [a, b] = shares([50, 50], ids, (id) => `nurture:${id}:intro_subject`);
    expect(Math.abs((a as number) - 0.5)).toBeLessThan(0.02);
    expect(Math.abs((b as number) - 0.5)).toBeLessThan(0.02);
  });

  it.each([
    ['sequential ids', sequential],
    ['uuid-like ids', uuids],
  ])('70/20/10 over 10,000 %s is within 2 points', (_, ids) => {
    const got = shares([70, 20, 10], ids, (id) => `nurture:${id}:intro_subject`);
    [0.7, 0.2, 0.1].forEach((want, i) => expect(Math.abs((got[i] as number) - want)).toBeLessThan(0.02));
  });

  it('normalises weights that do not sum to 1 or 100', () => {
    const got = shares([3, 1], sequential, (id) => `s:${id}:split`);
    expect(Math.abs((got[0] as number) - 0.75)).toBeLessThan(0.02);
  });

  it('gives the same contact the same variant every time, and varies by step', () => {
    const variants = [
      { key: 'a', weight: 1, next: 'x' },
      { key: 'b', weight: 1, next: 'y' },
    ];
    const first = chooseVariant(variants, 'nurture:c42:intro_subject');
    for (let i = 0; i < 10; i++) expect(chooseVariant(variants, 'nurture:c42:intro_subject')).toBe(first);
    // Different steps are independent draws: over many contacts, agreement is about half.
    const same = sequential.filter(
      (id) => chooseVariant(variants, `n:${id}:one`).key === chooseVariant(variants, `n:${id}:two`).key,
    ).length;
    expect(Math.abs(same / sequential.length - 0.5)).toBeLessThan(0.03);
  });

  it('rejects an empty list or no positive weight', () => {
    expect(() => chooseVariant([], 'x')).toThrow();
    expect(() => chooseVariant([{ weight: 0 }], 'x')).toThrow();
  });

  it('never picks a zero-weight variant', () => {
    const variants = [
      { key: 'never', weight: 0 },
      { key: 'always', weight: 1 },
    ];
    for (const id of sequential.slice(0, 500)) expect(chooseVariant(variants, id).key).toBe('always');
  });
});
