/** Text as it was typed or heard, made comparable: case, accents, punctuation, fillers and generic words gone. */

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
