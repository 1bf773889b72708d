// Durations, conditions and steps in words: a marketer reads "Wait 2 days" and "If plan is pro", never P2D or
// { field: 'traits.plan', op: 'eq' }. The stored form stays what the API expects (docs/sequences.md).

/** The units a duration is typed in, largest first, with the ISO letter and seconds of each. */
export const UNITS = [
  { unit: 'weeks', one: 'week', letter: 'W', seconds: 604800, time: false },
  { unit: 'days', one: 'day', letter: 'D', seconds: 86400, time: false },
  { unit: 'hours', one: 'hour', letter: 'H', seconds: 3600, time: true },
  { unit: 'minutes', one: 'minute', letter: 'M', seconds: 60, time: true },
  { unit: 'seconds', one: 'second', letter: 'S', seconds: 1, time: true },
];

// The grammar the API accepts (domain/sequences/definition.ts): no years or months, which have no fixed length.
const ISO = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Seconds in an ISO-8601 duration, or null when it is none. */
export function durationSeconds(iso) {
  const m = typeof iso === 'string' ? ISO.exec(iso) : null;
  if (!m || iso === 'P' || iso.endsWith('T')) return null;
  const [w, d, hr, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return w * 604800 + d * 86400 + hr * 3600 + min * 60 + s;
}

/** A duration as the amount and unit a form shows: the largest unit that divides it exactly (P1DT12H is 36 hours). */
export function durationParts(iso) {
  const total = durationSeconds(iso);
  if (total === null) return { amount: '', unit: 'days' };
  if (total === 0) return { amount: '0', unit: 'days' };
  const u = UNITS.find((x) => total % x.seconds === 0) || UNITS[UNITS.length - 1];
  return { amount: String(total / u.seconds), unit: u.unit };
}

/** The ISO duration of an amount typed in a unit ("2", "days" is P2D); null when the amount is not a whole number. */
export function isoDuration(amount, unit) {
  const text = String(amount ?? '').trim();
  if (!/^\d+$/.test(text)) return null;
  const u = UNITS.find((x) => x.unit === unit) || UNITS[1];
  return u.time ? `PT${Number(text)}${u.letter}` : `P${Number(text)}${u.letter}`;
}

const count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "2 days", "1 day 12 hours", "30 minutes"; an unreadable value is said to be one. */
export function durationWords(iso) {
  let rest = durationSeconds(iso);
  if (rest === null) return iso ? `an unreadable time (${iso})` : '';
  if (rest === 0) return 'no time at all';
  const parts = [];
  for (const u of UNITS.slice(1)) {
    const n = Math.floor(rest / u.seconds);
    if (n > 0) parts.push(count(n, u.one));
    rest -= n * u.seconds;
  }
  // Whole weeks read better as weeks; anything mixed stays in days.
  const weeks = durationSeconds(iso) / 604800;
  return Number.isInteger(weeks) ? count(weeks, 'week') : parts.join(' ');
}

/** Where a condition's field points, as a person says it: traits.company_size is "company size". */
export const FIELD_SOURCES = [
  { prefix: 'traits.', label: 'Contact trait', words: (name) => name },
  { prefix: 'event.properties.', label: 'Property of the event', words: (name) => `the event’s ${name}` },
  { prefix: 'trigger.properties.', label: 'Property of the trigger', words: (name) => `the trigger’s ${name}` },
  { prefix: 'contact.', label: 'Contact field', words: (name) => `the contact’s ${name}` },
  { prefix: 'event.', label: 'The event', words: (name) => `the event’s ${name}` },
  { prefix: 'trigger.', label: 'The trigger', words: (name) => `the trigger’s ${name}` },
];

/** The source a field path starts with and the name after it ('traits.plan' is traits + 'plan'). */
export function splitField(field) {
  const source = FIELD_SOURCES.find((s) => String(field || '').startsWith(s.prefix)) || FIELD_SOURCES[0];
  return { source, name: String(field || '').slice(source.prefix.length) };
}

export function fieldWords(field) {
  const { source, name } = splitField(field);
  return source.words(name.replace(/[._]/g, ' ') || '(which?)');
}

/** The comparisons, as the condition editor offers them and a sentence says them. */
export const OPS = [
  { op: 'eq', words: 'is' },
  { op: 'neq', words: 'is not' },
  { op: 'gt', words: 'is more than' },
  { op: 'gte', words: 'is at least' },
  { op: 'lt', words: 'is less than' },
  { op: 'lte', words: 'is at most' },
  { op: 'in', words: 'is one of' },
  { op: 'contains', words: 'contains' },
  { op: 'exists', words: 'is set', valueless: true },
  { op: 'notExists', words: 'is not set', valueless: true },
];

function valueWords(value) {
  if (Array.isArray(value)) {
    const items = value.map(valueWords);
    return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}` : items.join('');
  }
  if (value === undefined || value === '') return '(what?)';
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** A condition as a sentence: "plan is pro", "company size is at least 10 and country is DE". */
export function conditionWords(cond) {
  if (!cond || typeof cond !== 'object') return 'a condition';
  if (Array.isArray(cond.all)) return cond.all.map((c) => wrapped(c, 'any')).join(' and ');
  if (Array.isArray(cond.any)) return cond.any.map((c) => wrapped(c, 'all')).join(' or ');
  if (cond.not) return `not (${conditionWords(cond.not)})`;
  const op = OPS.find((o) => o.op === cond.op);
  if (!op) return `${fieldWords(cond.field)} ${cond.op}`;
  if (cond.field === 'event.name' && cond.op === 'eq') return `has done ${valueWords(cond.value)}`;
  return `${fieldWords(cond.field)} ${op.words}${op.valueless ? '' : ` ${valueWords(cond.value)}`}`;
}

// A group inside the other kind of group needs brackets, or "a and b or c" would read two ways.
const wrapped = (c, other) => (c && Array.isArray(c[other]) ? `(${conditionWords(c)})` : conditionWords(c));

/** A trigger, goal or exit: "trial_started happens", "entering segment pro-de". */
export function matcherWords(m) {
  if (m.segmentEntered !== undefined) return `entering segment ${m.segmentEntered}`;
  if (m.segmentLeft !== undefined) return `leaving segment ${m.segmentLeft}`;
  return `${m.event}${m.where ? ` (when ${conditionWords(m.where)})` : ''}`;
}

/**
 * The channels a send step sends on, in the order the Channel select offers them: the select's words, the card's
 * name of the step, the template formats the channel sends (the API's CHANNEL_FORMATS), and the summary's words.
 */
export const SEND_CHANNELS = {
  email: {
    label: 'Email',
    kind: 'Send an email',
    formats: ['mjml', 'html'],
    summary: (name, s) => `Send ${name}${s.subject ? ` with the subject “${s.subject}”` : ''}`,
  },
  sms: { label: 'SMS', kind: 'Send an SMS', formats: ['text'], summary: (name) => `Text ${name} by SMS` },
  webhook: {
    label: 'Webhook',
    kind: 'Call a webhook',
    formats: ['json'],
    summary: (name, s) => `POST ${name} to the webhook ${s.url || '(which URL?)'}`,
  },
  in_app: {
    label: 'In-app',
    kind: 'Send an in-app message',
    formats: ['mjml', 'html'],
    summary: (name, s) => `Put ${name} in the in-app inbox${s.subject ? ` titled “${s.subject}”` : ''}`,
  },
  push: {
    label: 'Push',
    kind: 'Send a push',
    formats: ['text', 'json'],
    summary: (name, s) => `Push ${name} to the contact’s devices${s.subject ? ` titled “${s.subject}”` : ''}`,
  },
};

/** The channel of a send step: email unless it names another. */
export const channelOf = (step) => step.channel ?? 'email';

/** What a send step's channel is called, and what it sends; an unknown channel is shown by its own name. */
export const channelInfo = (step) => {
  const channel = channelOf(step);
  return (
    SEND_CHANNELS[channel] || {
      label: channel,
      kind: `Send (${channel})`,
      formats: [],
      summary: (name) => `Send ${name}`,
    }
  );
};

/** Each step type: its name on the card, a sentence of help, and the one-line summary of a step of it. */
export const STEP_TYPES = {
  send: {
    name: 'Send a message',
    help: 'Sends one message made from a template: an email unless you choose another channel (SMS, a webhook, the in-app inbox or a push).',
    summary: (s, t) => {
      const channel = channelInfo(s);
      return s.template ? channel.summary(templateName(s.template, t), s) : `${channel.kind} (which template?)`;
    },
  },
  wait: {
    name: 'Wait',
    help: 'Pauses the contact for a while, or until a time of day on the contact’s own clock, then goes on.',
    summary: (s) =>
      s.until
        ? `Wait until ${s.until} on the contact’s clock`
        : s.duration
          ? `Wait ${durationWords(s.duration)}`
          : 'Wait (how long?)',
  },
  waitFor: {
    name: 'Wait for an event',
    help: 'Waits for something the contact does, such as an event your product sends. If it happens the contact goes one way; if time runs out, the other.',
    // A zero timeout asks "has it happened yet?" (an earlier event counts at once), so it reads as a check.
    summary: (s) =>
      (durationSeconds(s.timeout) === 0
        ? `Check whether ${s.event || '(which event?)'} has happened`
        : `Wait up to ${s.timeout ? durationWords(s.timeout) : '(how long?)'} for ${s.event || '(which event?)'}`) +
      (s.where ? ` where ${conditionWords(s.where)}` : ''),
  },
  branch: {
    name: 'Branch',
    help: 'Checks a condition on the contact or the event when the contact gets here: yes goes one way, no the other.',
    summary: (s) => `If ${conditionWords(s.condition)}`,
  },
  split: {
    name: 'A/B split',
    help: 'Sends each contact down one variant at random, in proportion to the weights; the stats compare the variants.',
    summary: (s) =>
      `Split: ${shares(s.variants || [])
        .map(({ key, share }) => `${key || '?'} ${share}`)
        .join(' · ')}`,
  },
  goto: {
    name: 'Go to',
    help: 'Jumps to another step. A loop must pass through a wait, or it is refused.',
    summary: (s) => `Go to ${s.target || '(which step?)'}`,
  },
  exit: {
    name: 'Exit',
    help: 'Ends the contact’s enrollment here, as completed. The reason shows on the enrollment.',
    summary: (s) => (s.reason ? `Exit: ${s.reason}` : 'Exit'),
  },
};

/** A template as the card names it: “Welcome” (welcome), or only its key when the list does not have it. */
function templateName(key, templates) {
  const t = templates && templates.find((x) => x.key === key);
  return t && t.name && t.name !== key ? `“${t.name}” (${key})` : `“${key}”`;
}

/** Each variant's share of the weights, as a whole percentage ("50%"); weights need not sum to 100. */
export function shares(variants) {
  const total = variants.reduce((sum, v) => sum + (Number(v.weight) > 0 ? Number(v.weight) : 0), 0);
  return variants.map((v) => ({
    key: v.key,
    share: total > 0 && Number(v.weight) > 0 ? `${Math.round((Number(v.weight) / total) * 100)}%` : '0%',
  }));
}

export const stepSummary = (step, templates) =>
  STEP_TYPES[step.type] ? STEP_TYPES[step.type].summary(step, templates) : step.type;

/** A step's name on its card: its type's, and for a send step the channel's ("Send an SMS"). */
export const stepKind = (step) =>
  step.type === 'send' ? channelInfo(step).kind : STEP_TYPES[step.type]?.name || step.type;
