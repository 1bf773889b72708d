/** The parser: what was said, turned into an intent with its parameters. */
import { parseFollowerRange, parseQuantity } from './quantity';
import { cleanName, normalizeText, stripFillers } from './text';
import { INFLUENCER_PLATFORMS, MONTHS, PLATFORM_ALIASES, type MonthRef, type ParsedCommand } from './vocabulary';

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
