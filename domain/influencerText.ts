/**
 * Text matching for influencer relevance: a light stemmer, tokens, weighted token bags, and a venture's words
 * tokenized once for scoring a catalogue against it.
 */
import type { Venture } from './influencerTypes';

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

/** Phrases a {@link VentureText} remembers before it starts afresh. */
const MAX_REMEMBERED_PHRASES = 20_000;

/** Token to weight. */
export type Bag = Map<string, number>;

/** Adds the tokens of each phrase, a token keeping the highest weight of any source it appears in. */
export function addToBag(bag: Bag, phrases: readonly (string | null | undefined)[], weight: number): void {
  for (const phrase of phrases) {
    if (typeof phrase !== 'string') continue;
    for (const token of tokenize(phrase)) bag.set(token, Math.max(bag.get(token) ?? 0, weight));
  }
}

/** A phrase's tokens with what one venture makes of each. */
export interface PhraseMatch {
  readonly tokens: readonly string[];
  /** The venture's relevance weight of each token, 0 for a token it does not use. */
  readonly weights: readonly number[];
  /** The tokens that are among the venture's brand tokens. */
  readonly brandTokens: readonly string[];
}

/**
 * A venture's words, tokenized once so that scoring many influencers against it tokenizes none of them again: the
 * relevance bag (industry 0.5, keywords and category 1) with its squared norm, the distinct brand value and tone
 * tokens, and the category and industry tokens a past collaboration's category is compared with. A snapshot: later
 * edits of the venture object do not reach it.
 */
export class VentureText {
  /** The venture's relevance bag. */
  readonly bag: Bag = new Map();
  /** Sum of the squared weights of {@link bag}. */
  readonly bagNorm: number;
  /** The distinct tokens of the brand values and tone. */
  readonly brandTokens: ReadonlySet<string>;
  private readonly categoryTokens: ReadonlySet<string> | null;
  private readonly industryTokens: ReadonlySet<string> | null;
  // The influencers' phrases as this venture reads them. A catalogue repeats a small vocabulary (categories, topics,
  // content types), so each is tokenized once per venture rather than once per influencer. A plain Map emptied when
  // full rather than an LRU: the bound only stops free text from growing it without end, and domain/ imports no infra.
  private readonly phrases = new Map<string, PhraseMatch>();

  constructor(venture: Venture) {
    addToBag(this.bag, [venture.industry], 0.5);
    addToBag(this.bag, [...venture.keywords, venture.category], 1);
    let norm = 0;
    for (const w of this.bag.values()) norm += w * w;
    this.bagNorm = norm;
    this.brandTokens = new Set(
      [...(venture.brand?.values ?? []), venture.brand?.tone ?? ''].flatMap((p) =>
        typeof p === 'string' ? tokenize(p) : [],
      ),
    );
    this.categoryTokens = venture.category ? new Set(tokenize(venture.category)) : null;
    this.industryTokens = venture.industry ? new Set(tokenize(venture.industry)) : null;
  }

  /**
   * {@link tokenize}, remembered, with the venture's weight of each token and those among its brand tokens. A
   * method rather than a function: domain/influencerScoring.ts says why the scoring avoids imported functions.
   * Throws, like tokenize, on a value that is not text.
   */
  match(phrase: string): PhraseMatch {
    let found = this.phrases.get(phrase);
    if (found === undefined) {
      const tokens = tokenize(phrase);
      found = {
        tokens,
        weights: tokens.map((t) => this.bag.get(t) ?? 0),
        brandTokens: tokens.filter((t) => this.brandTokens.has(t)),
      };
      if (this.phrases.size >= MAX_REMEMBERED_PHRASES) this.phrases.clear();
      this.phrases.set(phrase, found);
    }
    return found;
  }

  /** Whether a category shares a token with the venture's category or industry. */
  matchesCategory(category: string | undefined): boolean {
    if (!category) return false;
    for (const t of this.match(category).tokens) {
      if (this.categoryTokens?.has(t) || this.industryTokens?.has(t)) return true;
    }
    return false;
  }
}
