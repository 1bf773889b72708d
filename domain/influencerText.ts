/** Text matching for influencer relevance: a light stemmer, tokens, weighted token bags and their cosine. */

const STOPWORDS = new Set('a an and the of for to in on with by or at from is are our your we'.split(' '));

/**
 * A light suffix-stripping stemmer: enough for marketing vocabulary to meet its variants (marketing / marketers,
 * workouts / workout, gaming / games, shopping / shop) without a dictionary. Not a linguistic stemmer.
 */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y';
  let stripped = false;
  for (const suffix of ['ization', 'ations', 'ation', 'ings', 'ing', 'ers', 'er', 'ed']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      stripped = true;
      break;
    }
  }
  if (stripped) {
    // shopp -> shop, runn -> run
    if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
  } else if (/(x|z|ch|sh|ss)es$/.test(w)) {
    w = w.slice(0, -2);
  } else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) {
    w = w.slice(0, -1);
  }
  // A trailing e is dropped everywhere so that game / games / gaming all meet at "gam".
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Lowercased, stemmed, stopword-free tokens of a phrase. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== '' && !STOPWORDS.has(t))
    .map(stem);
}

/** Token to weight. */
export type Bag = Map<string, number>;

/** Adds the tokens of each phrase, a token keeping the highest weight of any source it appears in. */
export function addToBag(bag: Bag, phrases: readonly (string | null | undefined)[], weight: number): void {
  for (const phrase of phrases) {
    if (typeof phrase !== 'string') continue;
    for (const token of tokenize(phrase)) bag.set(token, Math.max(bag.get(token) ?? 0, weight));
  }
}

/** Cosine similarity of two bags; 0 when either is empty. */
export function cosine(a: Bag, b: Bag): number {
  let dotProduct = 0;
  let na = 0;
  let nb = 0;
  for (const [t, w] of a) {
    na += w * w;
    dotProduct += w * (b.get(t) ?? 0);
  }
  for (const w of b.values()) nb += w * w;
  return na === 0 || nb === 0 ? 0 : dotProduct / Math.sqrt(na * nb);
}

/** Every string of a JSON value, object keys included, down to four levels. */
export function collectStrings(value: unknown, out: string[], depth = 0): void {
  if (depth > 4) return;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out, depth + 1);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      collectStrings(v, out, depth + 1);
    }
  }
}
