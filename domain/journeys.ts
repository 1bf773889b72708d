/**
 * From stored product events to attribution journeys: which event is a marketing touchpoint (and of which channel),
 * which is a conversion (and what it was worth), and how one contact's ordered events split into journeys.
 */
import { ATTRIBUTION_LIMITS, type Journey, type Touchpoint } from './attribution';

/** A stored event as the journey builder reads it. */
export interface JourneyEvent {
  name: string;
  occurredAt: Date | string;
  properties: Readonly<Record<string, unknown>> | null | undefined;
}

/** Conversion events counted when a venture has no sequence goals to add: `conversion`, `subscription_started`, `purchase`. */
export const DEFAULT_CONVERSION_EVENTS: readonly string[] = ['conversion', 'subscription_started', 'purchase'];

/** Properties read, in order, for the value of a conversion (after a goal's own revenue property). */
export const CONVERSION_VALUE_PROPERTIES: readonly string[] = ['value', 'amount', 'revenue'];

const SOCIAL_SOURCES = new Set([
  'facebook',
  'fb',
  'instagram',
  'ig',
  'meta',
  'linkedin',
  'tiktok',
  'twitter',
  'x',
  'reddit',
  'pinterest',
  'snapchat',
  'youtube',
  'threads',
]);
const SEARCH_SOURCES = new Set(['google', 'bing', 'duckduckgo', 'yahoo', 'baidu', 'yandex', 'ecosia', 'brave']);

/** utm_medium spellings (lowercased) and the channel each stands for; cpc/ppc depend on the source (search or social). */
const MEDIUM_CHANNELS: Readonly<Record<string, string>> = {
  paid_social: 'paid_social',
  paidsocial: 'paid_social',
  'paid-social': 'paid_social',
  social_paid: 'paid_social',
  'social-paid': 'paid_social',
  paid_search: 'paid_search',
  paidsearch: 'paid_search',
  'paid-search': 'paid_search',
  sem: 'paid_search',
  display: 'display',
  banner: 'display',
  cpm: 'display',
  programmatic: 'display',
  email: 'email',
  'e-mail': 'email',
  newsletter: 'email',
  social: 'organic_social',
  organic_social: 'organic_social',
  'organic-social': 'organic_social',
  social_media: 'organic_social',
  'social-media': 'organic_social',
  organic: 'organic_search',
  seo: 'organic_search',
  organic_search: 'organic_search',
  influencer: 'influencer',
  influencers: 'influencer',
  creator: 'influencer',
  affiliate: 'partnerships',
  partner: 'partnerships',
  partners: 'partnerships',
  partnership: 'partnerships',
  partnerships: 'partnerships',
  referral: 'referral',
  pr: 'pr',
  press: 'pr',
  event: 'events',
  events: 'events',
  webinar: 'events',
  content: 'content',
  blog: 'content',
};

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const t = value.trim().toLowerCase();
  return t === '' ? undefined : t.slice(0, ATTRIBUTION_LIMITS.channelName);
}

/**
 * The marketing channel an event's properties name, or undefined when it is not a touchpoint.
 *
 * 1. An explicit `channel` property wins, lowercased (send the same names as campaigns use for ROI to line up).
 * 2. Else `utm_medium`: cpc / ppc / paid are `paid_social` when `utm_source` is a social network (facebook,
 *    instagram, linkedin, tiktok, ...) and `paid_search` otherwise; the other known spellings map through a table
 *    (email/newsletter -> email, social -> organic_social, organic/seo -> organic_search, affiliate/partner ->
 *    partnerships, influencer/creator -> influencer, display/cpm -> display, referral, pr, events, content); an
 *    unknown medium is its own channel.
 * 3. Else `utm_source` alone: a social network -> organic_social, a search engine -> organic_search, anything else
 *    -> referral.
 */
export function channelOfEvent(properties: Readonly<Record<string, unknown>> | null | undefined): string | undefined {
  if (!properties) return undefined;
  const explicit = text(properties['channel']);
  if (explicit) return explicit;
  const medium = text(properties['utm_medium']);
  const source = text(properties['utm_source']);
  if (medium) {
    if (medium === 'cpc' || medium === 'ppc' || medium === 'paid') {
      return source !== undefined && SOCIAL_SOURCES.has(source) ? 'paid_social' : 'paid_search';
    }
    return MEDIUM_CHANNELS[medium] ?? medium;
  }
  if (source) {
    if (SOCIAL_SOURCES.has(source)) return 'organic_social';
    if (SEARCH_SOURCES.has(source)) return 'organic_search';
    return 'referral';
  }
  return undefined;
}

/** Conversion events by name, each with the property its value is read from first (a sequence goal's revenueProperty). */
export type ConversionRules = ReadonlyMap<string, string | undefined>;

/** Rules for the default conversion events plus the given goal events (name -> revenue property). */
export function conversionRules(goals: readonly { event: string; revenueProperty?: string }[] = []): ConversionRules {
  const rules = new Map<string, string | undefined>(DEFAULT_CONVERSION_EVENTS.map((e) => [e, undefined]));
  for (const g of goals) if (rules.get(g.event) === undefined) rules.set(g.event, g.revenueProperty);
  return rules;
}

function numberOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The value of a conversion event: the rule's property, else value, amount, revenue; 0 when none is a number >= 0. */
export function conversionValue(event: JourneyEvent, valueProperty?: string): number {
  const props = event.properties ?? {};
  for (const key of [...(valueProperty ? [valueProperty] : []), ...CONVERSION_VALUE_PROPERTIES]) {
    const n = numberOf(props[key]);
    if (n !== undefined) return n;
  }
  return 0;
}

function iso(at: Date | string): string | undefined {
  const t = at instanceof Date ? at.getTime() : Date.parse(at);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/**
 * Splits one contact's events (in time order) into journeys: touchpoints accumulate until a conversion event, which
 * closes a converted journey with its value (a conversion event that itself names a channel is that journey's last
 * touchpoint); touchpoints after the last conversion form one journey that did not convert. A conversion with no
 * touchpoint before it is a journey without touchpoints, which attribution credits to `direct`. A journey keeps
 * its latest touchpoints up to the request limit.
 */
export function journeysOfContact(events: readonly JourneyEvent[], rules: ConversionRules): Journey[] {
  const journeys: Journey[] = [];
  let touchpoints: Touchpoint[] = [];
  const touch = (channel: string, at: Date | string) => {
    const when = iso(at);
    touchpoints.push(when ? { channel, at: when } : { channel });
    if (touchpoints.length > ATTRIBUTION_LIMITS.touchpointsPerJourney) touchpoints.shift();
  };
  for (const event of events) {
    const channel = channelOfEvent(event.properties);
    if (rules.has(event.name)) {
      if (channel) touch(channel, event.occurredAt);
      journeys.push({ touchpoints, converted: true, value: conversionValue(event, rules.get(event.name)) });
      touchpoints = [];
    } else if (channel) {
      touch(channel, event.occurredAt);
    }
  }
  if (touchpoints.length > 0) journeys.push({ touchpoints, converted: false });
  return journeys;
}
