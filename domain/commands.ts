/**
 * Text and voice commands: what a marketer or the chairman says, turned into an intent with parameters. Pure: the
 * names it finds are resolved against the stored ventures, campaigns, sequences and approvals by the caller, with
 * {@link bestMatch}, which forgives a near miss ("sprng launch") the way speech recognition makes them.
 */

export const commandIntents = [
  'gtm_performance',
  'find_influencers',
  'optimize_budget',
  'top_channels',
  'approve',
  'reject',
  'pause_campaign',
  'resume_campaign',
  'sequence_count',
  'pending_approvals',
  'help',
  'unknown',
] as const;

export type CommandIntent = (typeof commandIntents)[number];

/** A month range relative to the day the command is said: this month, last month, or a named month. */
export interface MonthRef {
  /** 'this', 'last', or a month number 1-12 (the most recent such month, this one included). */
  month: 'this' | 'last' | number;
}

export type ParsedCommand =
  | { intent: 'gtm_performance'; parameters: { ventureName: string } }
  | {
      intent: 'find_influencers';
      parameters: { category?: string; platform?: string; minFollowers?: number; maxFollowers?: number };
    }
  | { intent: 'optimize_budget'; parameters: { campaignName: string } }
  | { intent: 'top_channels'; parameters: MonthRef & { ventureName?: string } }
  | { intent: 'approve'; parameters: { subject: string; comment?: string } }
  | { intent: 'reject'; parameters: { subject: string; comment?: string } }
  | { intent: 'pause_campaign'; parameters: { campaignName: string } }
  | { intent: 'resume_campaign'; parameters: { campaignName: string } }
  | { intent: 'sequence_count'; parameters: { sequenceName: string } }
  | { intent: 'pending_approvals'; parameters: Record<string, never> }
  | { intent: 'help'; parameters: Record<string, never> }
  | { intent: 'unknown'; parameters: { text: string } };

/** Examples of what is understood, for the help answer and the unknown one. */
export const COMMAND_EXAMPLES: readonly string[] = [
  'show gtm performance for Acme Notes',
  'find influencers for fitness with 10k followers',
  'optimize budget allocation for Spring Launch',
  'what are the top performing channels this month',
  'what is waiting for my approval',
  'approve the spring launch campaign',
  'reject the spring launch campaign because the timing is wrong',
  'pause campaign Always-on Search',
  'resume campaign Always-on Search',
  'how many users are in onboarding',
];

export const INFLUENCER_PLATFORMS = [
  'instagram',
  'tiktok',
  'youtube',
  'twitter',
  'linkedin',
  'facebook',
  'twitch',
  'pinterest',
  'snapchat',
] as const;

const PLATFORM_ALIASES: Record<string, string> = {
  x: 'twitter',
  'you tube': 'youtube',
  'tik tok': 'tiktok',
  ig: 'instagram',
  insta: 'instagram',
};

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

// Said before or after the command itself; they carry no meaning. Longest first, so "can you please" goes whole.
const LEADING_FILLERS = [
  'hey gtm strategist',
  'ok gtm strategist',
  'gtm strategist',
  'hey there',
  'hey',
  'hi',
  'hello',
  'ok',
  'okay',
  'so',
  'um',
  'uh',
  'please',
  'kindly',
  'can you',
  'could you',
  'would you',
  'will you',
  'would you mind',
  'i want to',
  'i would like to',
  'i d like to',
  'id like to',
  'i need to',
  'i want you to',
  'let s',
  'lets',
  'go ahead and',
  'just',
  'now',
];
const TRAILING_FILLERS = ['please', 'thanks', 'thank you', 'for me', 'now', 'right now', 'asap'];

/** Lower case, apostrophes and punctuation gone, single spaces; digits, dots and commas in numbers kept. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’']/g, ' ')
    .replace(/(\d),(\d{3})/g, '$1$2')
    .replace(/(\d),(\d{3})/g, '$1$2')
    .replace(/[^a-z0-9.$%&+\s-]/g, ' ')
    .replace(/(^|\s)[.-]+|[.-]+(?=\s|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The text without the fillers around the command ("hey, can you please ... thanks"). */
export function stripFillers(normalized: string): string {
  let s = ` ${normalized} `;
  let changed = true;
  while (changed) {
    changed = false;
    for (const f of [...LEADING_FILLERS].sort((a, b) => b.length - a.length)) {
      if (s.startsWith(` ${f} `)) {
        s = s.slice(f.length + 1);
        changed = true;
      }
    }
    for (const f of [...TRAILING_FILLERS].sort((a, b) => b.length - a.length)) {
      if (s.endsWith(` ${f} `)) {
        s = s.slice(0, s.length - f.length - 1);
        changed = true;
      }
    }
  }
  return s.trim();
}

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

/** Words that name the kind of thing rather than the thing: "the spring launch campaign" is "spring launch". */
const GENERIC = new Set([
  'the',
  'a',
  'an',
  'my',
  'our',
  'this',
  'that',
  'campaign',
  'campaigns',
  'request',
  'approval',
  'venture',
  'company',
  'sequence',
  'one',
  'budget',
  'for',
]);

/** A name as said, without articles and the kind of thing around it. */
export function cleanName(text: string): string {
  const words = text.split(' ').filter((w) => w !== '');
  while (words.length > 1 && GENERIC.has(words[0]!)) words.shift();
  while (words.length > 1 && GENERIC.has(words[words.length - 1]!)) words.pop();
  return words.join(' ').trim();
}

function parseMonth(text: string): MonthRef {
  if (/\blast month\b|\bprevious month\b|\bpast month\b/.test(text)) return { month: 'last' };
  for (let i = 0; i < MONTHS.length; i++) {
    if (new RegExp(`\\b(?:in|for|during|of)\\s+${MONTHS[i]}\\b`).test(text)) return { month: i + 1 };
  }
  return { month: 'this' };
}

function platformIn(text: string): string | undefined {
  for (const [alias, platform] of Object.entries(PLATFORM_ALIASES)) {
    if (new RegExp(`\\b(?:on|from)\\s+${alias}\\b`).test(text)) return platform;
  }
  return INFLUENCER_PLATFORMS.find((p) => new RegExp(`\\b${p}\\b`).test(text));
}

function parseInfluencerSearch(text: string): ParsedCommand | undefined {
  if (!/\b(influencers?|creators?)\b/.test(text)) return undefined;
  if (!/^(find|search|show|list|look|get|discover|who are|any)\b/.test(text)) return undefined;
  const platform = platformIn(text);
  const followers = parseFollowerRange(text) ?? {};
  let category: string | undefined;
  // "find influencers for fitness with ..." or "find influencers in fitness on instagram"
  const after =
    /\b(?:influencers?|creators?)\s+(?:for|in|about|on the topic of|covering|around)\s+(.+?)(?=\s+(?:with|who|that|having|on|from|between|over|under|above|below)\b|$)/.exec(
      text,
    );
  // "find fitness influencers ..."
  const before =
    /^(?:find|search|show|list|look|get|discover)(?:\s+for|\s+me)?\s+(?:some\s+|the\s+)?(?:top\s+|best\s+)?(.+?)\s+(?:influencers?|creators?)\b/.exec(
      text,
    );
  const raw = after?.[1] ?? before?.[1];
  if (raw) {
    const words = raw
      .split(' ')
      .filter((w) => !['the', 'some', 'top', 'best', 'me', 'a', 'an', 'good', 'great'].includes(w))
      .filter((w) => !(INFLUENCER_PLATFORMS as readonly string[]).includes(w) && !PLATFORM_ALIASES[w]);
    const candidate = words.join(' ').trim();
    if (candidate !== '' && parseQuantity(candidate) === undefined) category = candidate;
  }
  return {
    intent: 'find_influencers',
    parameters: {
      ...(category ? { category } : {}),
      ...(platform ? { platform } : {}),
      ...followers,
    },
  };
}

function splitComment(rest: string): { subject: string; comment?: string } {
  const m = /^(.+?)\s+(?:because|since|as|with (?:the )?comment|comment|saying|reason)\s+(.+)$/.exec(rest);
  if (m) return { subject: cleanName(m[1]!), comment: m[2]!.trim() };
  return { subject: cleanName(rest) };
}

/** Turns what was said into an intent and its parameters; anything it cannot place is `unknown`. */
export function parseCommand(input: string): ParsedCommand {
  const text = stripFillers(normalizeText(input));
  if (text === '') return { intent: 'unknown', parameters: { text: input } };
  let m: RegExpExecArray | null;

  if (/^(help|what can you do|what do you understand|commands|what can i say|what can i ask)\b/.test(text))
    return { intent: 'help', parameters: {} };

  // "what is waiting for my approval", "what needs my approval", "pending approvals", "show my inbox"
  if (
    /\b(waiting|wait|pending|needs?|awaiting|open)\b.*\b(approv\w*|decision|sign ?off|inbox)\b/.test(text) ||
    /\b(approv\w*|decisions?)\b.*\b(waiting|pending|open|outstanding)\b/.test(text) ||
    /^(show |open )?(my )?(approvals? )?inbox$/.test(text)
  )
    return { intent: 'pending_approvals', parameters: {} };

  if ((m = /^(?:approve|accept|sign off on|sign off|green ?light)\s+(.+)$/.exec(text))) {
    const parts = splitComment(m[1]!);
    if (parts.subject !== '') return { intent: 'approve', parameters: parts };
  }
  if ((m = /^(?:reject|decline|deny|turn down|refuse)\s+(.+)$/.exec(text))) {
    const parts = splitComment(m[1]!);
    if (parts.subject !== '') return { intent: 'reject', parameters: parts };
  }

  if ((m = /^(?:pause|stop|halt|suspend|hold)\s+(?:the\s+)?(?:campaign\s+)?(.+)$/.exec(text))) {
    const campaignName = cleanName(m[1]!);
    if (campaignName !== '') return { intent: 'pause_campaign', parameters: { campaignName } };
  }
  if ((m = /^(?:resume|restart|unpause|continue|reactivate)\s+(?:the\s+)?(?:campaign\s+)?(.+)$/.exec(text))) {
    const campaignName = cleanName(m[1]!);
    if (campaignName !== '') return { intent: 'resume_campaign', parameters: { campaignName } };
  }

  if (
    (m =
      /^(?:optimi[sz]e|rebalance|reallocate|re allocate|improve)\s+(?:the\s+)?(?:budget|spend|spending)(?:\s+(?:allocation|split|mix))?\s+(?:for|of|on|in)\s+(.+)$/.exec(
        text,
      )) ||
    (m = /^(?:how should i|how do i|how to)\s+(?:split|allocate|spend)\s+(?:the\s+)?budget\s+(?:for|of)\s+(.+)$/.exec(
      text,
    ))
  ) {
    const campaignName = cleanName(m[1]!);
    if (campaignName !== '') return { intent: 'optimize_budget', parameters: { campaignName } };
  }

  if (
    /\b(top|best|leading|strongest|highest)\b.*\bchannels?\b/.test(text) ||
    /\bchannels?\b.*\b(perform\w*|best|top)\b/.test(text)
  ) {
    const venture =
      /\bchannels?\b.*?\b(?:for|of|at)\s+(?!this\b|last\b|the month\b)(.+?)(?=\s+(?:this|last|in|during)\b|$)/.exec(
        text,
      );
    const ventureName = venture ? cleanName(venture[1]!) : undefined;
    const month = parseMonth(text);
    return {
      intent: 'top_channels',
      parameters: { ...month, ...(ventureName && !/^(month|the month)$/.test(ventureName) ? { ventureName } : {}) },
    };
  }

  if (
    (m =
      /^(?:show|display|give me|what is|what s|how is|how s|tell me|report)\s+(?:me\s+)?(?:the\s+)?(?:gtm|go to market|go-to-market|marketing)?\s*(?:performance|numbers|results|overview|status|dashboard)\s+(?:for|of|at)\s+(.+)$/.exec(
        text,
      )) ||
    (m = /^(?:how is|how s|how are)\s+(.+?)\s+(?:doing|performing)$/.exec(text))
  ) {
    const ventureName = cleanName(m[1]!);
    if (ventureName !== '') return { intent: 'gtm_performance', parameters: { ventureName } };
  }

  if (
    (m =
      /^how many\s+(?:users|contacts|people|customers|leads|members)?\s*(?:are|is)?\s*(?:currently\s+|still\s+|now\s+)?(?:in|on|going through|enrolled in)\s+(?:the\s+)?(.+?)(?:\s+(?:sequence|flow|journey|right now|now|today))*$/.exec(
        text,
      ))
  ) {
    const sequenceName = cleanName(m[1]!);
    if (sequenceName !== '') return { intent: 'sequence_count', parameters: { sequenceName } };
  }

  const influencers = parseInfluencerSearch(text);
  if (influencers) return influencers;

  return { intent: 'unknown', parameters: { text: input } };
}

/** Levenshtein distance, two rows of memory. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let curr = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    curr[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      curr[j] = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[b.length]!;
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

/** The first and last day (YYYY-MM-DD, inclusive) of the month a command refers to, seen from `today`. */
export function monthRange(ref: MonthRef, today: string): { from: string; to: string; label: string } {
  const [y, mo] = today.split('-').map(Number) as [number, number];
  let year = y;
  let month = mo;
  if (ref.month === 'last') {
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  } else if (typeof ref.month === 'number') {
    month = ref.month;
    if (month > mo) year -= 1;
  }
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  const label =
    ref.month === 'this'
      ? 'this month'
      : ref.month === 'last'
        ? 'last month'
        : `${capitalize(MONTHS[month - 1]!)} ${year}`;
  return { from: `${year}-${pad(month)}-01`, to: `${year}-${pad(month)}-${pad(last)}`, label };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The sentence that answers text that was not understood, listing what is. */
export function unknownCommandSpeech(): string {
  return `Sorry, I did not understand that. You can say, for example: ${COMMAND_EXAMPLES.slice(0, 7)
    .map((e) => `"${e}"`)
    .join(', ')}.`;
}

/** Numbers as a person reads them: 1,234,567 → "1.2 million", 12,500 → "12,500". */
export function spokenNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1_000_000_000) return `${trimZero((n / 1_000_000_000).toFixed(1))} billion`;
  if (abs >= 1_000_000) return `${trimZero((n / 1_000_000).toFixed(1))} million`;
  return Math.round(n).toLocaleString('en-US');
}

function trimZero(s: string): string {
  return s.replace(/\.0$/, '');
}

/** A money amount for speech and display: "12,000 USD". */
export function spokenMoney(amount: number, currency: string | null | undefined): string {
  const rounded = Math.abs(amount) >= 100 ? Math.round(amount) : Math.round(amount * 100) / 100;
  return `${rounded.toLocaleString('en-US')}${currency ? ` ${currency}` : ''}`;
}

/** "2 days", "3 hours", "5 minutes": how long something has waited. */
export function spokenDuration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return 'less than a minute';
}
