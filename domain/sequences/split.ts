/**
 * FNV-1a 32-bit hash of the UTF-8 bytes of `s`. Pure and stable across runtimes, so the same contact always
 * lands in the same variant, in a workflow replay as much as in a report computed years later.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  const add = (byte: number): void => {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  };
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) add(cp);
    else if (cp < 0x800) {
      add(0xc0 | (cp >> 6));
      add(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      add(0xe0 | (cp >> 12));
      add(0x80 | ((cp >> 6) & 0x3f));
      add(0x80 | (cp & 0x3f));
    } else {
      add(0xf0 | (cp >> 18));
      add(0x80 | ((cp >> 12) & 0x3f));
      add(0x80 | ((cp >> 6) & 0x3f));
      add(0x80 | (cp & 0x3f));
    }
  }
  return h >>> 0;
}

/**
 * Maps a seed to [0, 1). FNV-1a alone leaves keys that differ only in their last characters (contact-1,
 * contact-2, ...) close together in the high bits, so the murmur3 finaliser spreads them before scaling.
 */
export function hashToUnit(seed: string): number {
  let h = fnv1a32(seed);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/**
 * Picks a variant for a contact, deterministically: the same `seedKey` (e.g. `${sequenceKey}:${contactId}:${stepId}`)
 * always gets the same variant, and across many contacts the shares follow the weights, which need not sum to 1.
 */
export function chooseVariant<V extends { weight: number }>(variants: readonly V[], seedKey: string): V {
  const total = variants.reduce((sum, v) => sum + (Number.isFinite(v.weight) && v.weight > 0 ? v.weight : 0), 0);
  if (variants.length === 0 || total <= 0) throw new Error('a split needs at least one variant with a positive weight');
  const r = hashToUnit(seedKey) * total;
  let cumulative = 0;
  let last: V | undefined;
  for (const v of variants) {
    if (!(Number.isFinite(v.weight) && v.weight > 0)) continue;
    cumulative += v.weight;
    last = v;
    if (r < cumulative) return v;
  }
  // Rounding can leave r a hair above the final cumulative sum.
  return last as V;
}

/**
 * Whether a contact is in a sequence's control group: enrolled and counted, never messaged. Deterministic in the
 * sequence and the contact, so the API that writes the enrollment and the workflow that skips its sends agree without
 * asking each other, and a contact who enrolls again lands on the same side.
 */
export function inHoldout(share: number | undefined, sequenceKey: string, contactId: string): boolean {
  return share !== undefined && share > 0 && hashToUnit(`${sequenceKey}:${contactId}:holdout`) < share;
}
