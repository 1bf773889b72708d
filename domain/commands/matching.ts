/**
 * Resolving a name as said against the stored names: {@link bestMatch} forgives a near miss ("sprng launch") the way
 * speech recognition makes them, and never guesses for a command that spends or decides.
 */
import { distance } from 'fastest-levenshtein';
import { cleanName, normalizeText } from './text';
import type { CommandIntent } from './vocabulary';

/** Levenshtein edit distance between two strings. */
export function levenshtein(a: string, b: string): number {
  return distance(a, b);
}

function trigrams(s: string): Set<string> {
  const padded = `  ${s} `;
  const out = new Set<string>();
  for (let i = 0; i < padded.length - 2; i++) out.add(padded.slice(i, i + 3));
  return out;
}

/** Trigram similarity (as PostgreSQL's pg_trgm counts it): shared trigrams over all trigrams of both. */
export function trigramSimilarity(a: string, b: string): number {
  const ta = trigrams(a);
  const tb = trigrams(b);
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  const all = ta.size + tb.size - shared;
  return all === 0 ? 0 : shared / all;
}

const comparable = (s: string) => cleanName(normalizeText(s));

/**
 * How sure a name must be. `read` serves answers that only show something, and forgives a part of a name or a near
 * miss. `act` serves commands that spend or decide: see {@link bestMatch}.
 */
export type MatchMode = 'read' | 'act';

/**
 * The commands that change something (decide an approval, stop or restart spend): their names are matched in `act`
 * mode. A new command that spends or decides belongs here.
 */
export const ACTING_INTENTS: ReadonlySet<CommandIntent> = new Set<CommandIntent>([
  'approve',
  'reject',
  'pause_campaign',
  'resume_campaign',
]);

/** How a command's names are matched: strictly for one that spends or decides. */
export function matchModeFor(intent: CommandIntent): MatchMode {
  return ACTING_INTENTS.has(intent) ? 'act' : 'read';
}

/** Shorter than this, a name is compared exactly when acting: one edit in "ox" is half the name. */
const MIN_FUZZY_LENGTH = 4;

/**
 * How alike what was said and a stored name are, 0 to 1: the better of edit-distance and trigram similarity, over
 * the whole name and over the stretch of the name as long as what was said ("spring" against "spring launch 2026"
 * is a strong partial match, but counts a little less than a whole one). Names are compared word by word: a name
 * inside another word ("o" in "promo") is no match.
 */
export function nameSimilarity(said: string, name: string, mode: MatchMode = 'read'): number {
  const a = comparable(said);
  const b = comparable(name);
  if (a === '' || b === '') return 0;
  if (a === b) return 1;
  const whole = (x: string, y: string) => {
    if (x === y) return 1;
    if (mode === 'act' && Math.min(x.length, y.length) < MIN_FUZZY_LENGTH) return 0;
    return Math.max(1 - levenshtein(x, y) / Math.max(x.length, y.length), trigramSimilarity(x, y));
  };
  let best = whole(a, b);
  const saidWords = a.split(' ');
  const nameWords = b.split(' ');
  if (saidWords.length < nameWords.length) {
    for (let i = 0; i + saidWords.length <= nameWords.length; i++) {
      const part = nameWords.slice(i, i + saidWords.length).join(' ');
      best = Math.max(best, whole(a, part) * 0.9);
    }
  }
  // The said text holding the whole name and more, in whole words ("acme notes app" for "Acme Notes").
  if (` ${a} `.includes(` ${b} `)) best = Math.max(best, 0.9);
  // Only an identical name scores 1: bestMatch lets an exact name settle a command that acts.
  return Math.min(Math.round(best * 1000) / 1000, 0.999);
}

export interface NameCandidate<T> {
  /** Every name the thing goes by: its name, its slug or key, a title. */
  names: readonly string[];
  value: T;
}

export type MatchOutcome<T> =
  | { status: 'matched'; value: T; name: string; score: number }
  | { status: 'ambiguous'; options: { value: T; name: string; score: number }[] }
  | { status: 'none'; closest?: { name: string; score: number } };

/** Below this a name is not taken for the one meant. */
export const MATCH_THRESHOLD = 0.6;
/** Two candidates within this of each other are both plausible: ask rather than guess. */
export const AMBIGUITY_MARGIN = 0.05;

/**
 * The candidate meant by what was said, when one stands out; ambiguous when two are about as close.
 *
 * In `act` mode a command spends or decides, so it never guesses: a thing whose whole name was said is taken when no
 * other thing has that name; otherwise the one plausible candidate is, and two or more plausible ones are ambiguous
 * however far apart they score. A stored name that merely appears in what was said ("promo" in "winter promo") is
 * plausible, never decisive.
 */
export function bestMatch<T>(
  said: string,
  candidates: readonly NameCandidate<T>[],
  mode: MatchMode = 'read',
): MatchOutcome<T> {
  const scored = candidates
    .map((c) => {
      let score = 0;
      let name = c.names[0] ?? '';
      for (const n of c.names) {
        const s = nameSimilarity(said, n, mode);
        if (s > score) {
          score = s;
          name = n;
        }
      }
      return { value: c.value, name: c.names[0] ?? name, score };
    })
    .sort((x, y) => y.score - x.score);
  const top = scored[0];
  if (!top || top.score < MATCH_THRESHOLD) {
    return { status: 'none', ...(top && top.score > 0 ? { closest: { name: top.name, score: top.score } } : {}) };
  }
  if (mode === 'act') {
    const exact = scored.filter((s) => s.score === 1);
    const plausible = exact.length > 0 ? exact : scored.filter((s) => s.score >= MATCH_THRESHOLD);
    if (plausible.length > 1) return { status: 'ambiguous', options: plausible.slice(0, 5) };
    return { status: 'matched', value: top.value, name: top.name, score: top.score };
  }
  const close = scored.filter((s) => s.score >= MATCH_THRESHOLD && top.score - s.score < AMBIGUITY_MARGIN);
  if (close.length > 1 && top.score < 1) return { status: 'ambiguous', options: close.slice(0, 5) };
  return { status: 'matched', value: top.value, name: top.name, score: top.score };
}
