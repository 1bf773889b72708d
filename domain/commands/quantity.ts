/** Numbers as people say or type them, and the follower ranges of an influencer search. */

const SMALL: Record<string, number> = {
  zero: 0,
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  hundred: 100,
};
const SCALES: Record<string, number> = {
  k: 1_000,
  thousand: 1_000,
  m: 1_000_000,
  mm: 1_000_000,
  mil: 1_000_000,
  million: 1_000_000,
  b: 1_000_000_000,
  billion: 1_000_000_000,
};

/**
 * A number as people say or type it: "10000", "10k", "2.5m", "50 thousand", "one million", "ten thousand".
 * Undefined when the text is not one.
 */
export function parseQuantity(text: string): number | undefined {
  const s = text.trim().replace(/,/g, '');
  const compact = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/.exec(s);
  if (compact) {
    const n = Number(compact[1]);
    if (!compact[2]) return n;
    const scale = SCALES[compact[2]];
    return scale ? Math.round(n * scale) : undefined;
  }
  const words = s.split(/\s+|-/).filter((w) => w !== '' && w !== 'and');
  if (words.length === 0) return undefined;
  let total = 0;
  let current = 0;
  for (const w of words) {
    if (/^\d+(\.\d+)?$/.test(w)) current += Number(w);
    else if (w === 'hundred') current = (current || 1) * 100;
    else if (SCALES[w] !== undefined && w.length > 1) {
      total += (current || 1) * SCALES[w]!;
      current = 0;
    } else if (SMALL[w] !== undefined) current += SMALL[w]!;
    else return undefined;
  }
  return Math.round(total + current);
}

const QUANTITY = String.raw`(\d+(?:\.\d+)?\s*(?:k|m|mm|mil|thousand|million|b|billion)?|(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|and)[\s-]?)+)`;

/** A follower range from "with 10k followers", "over 50,000 followers", "between 10k and 100k followers". */
export function parseFollowerRange(text: string): { minFollowers?: number; maxFollowers?: number } | undefined {
  const between = new RegExp(`(?:between|from)\\s+${QUANTITY}\\s*(?:and|to|-)\\s*${QUANTITY}`).exec(text);
  if (between) {
    const a = parseQuantity(between[1]!);
    const b = parseQuantity(between[2]!);
    if (a !== undefined && b !== undefined) return { minFollowers: Math.min(a, b), maxFollowers: Math.max(a, b) };
  }
  const range = new RegExp(`${QUANTITY}\\s*(?:to|-)\\s*${QUANTITY}\\s*followers?`).exec(text);
  if (range) {
    const a = parseQuantity(range[1]!);
    const b = parseQuantity(range[2]!);
    if (a !== undefined && b !== undefined) return { minFollowers: Math.min(a, b), maxFollowers: Math.max(a, b) };
  }
  const upper = new RegExp(
    `(?:under|below|less than|fewer than|at most|up to|no more than|max(?:imum)?)\\s+${QUANTITY}`,
  ).exec(text);
  if (upper) {
    const n = parseQuantity(upper[1]!);
    if (n !== undefined) return { maxFollowers: n };
  }
  const lower = new RegExp(
    `(?:over|above|more than|at least|min(?:imum)?|upwards of|\\+)?\\s*${QUANTITY}\\s*\\+?\\s*followers?`,
  ).exec(text);
  if (lower) {
    const n = parseQuantity(lower[1]!);
    if (n !== undefined) return { minFollowers: n };
  }
  return undefined;
}
