import type { TokenSigner } from './tracking';

/** How long the preference page's link keeps working after an email is sent. */
export const PREFERENCES_TTL_MS = 90 * 86_400_000;
/** How long a double opt-in confirmation may wait for its click. */
export const CONFIRM_TTL_MS = 7 * 86_400_000;
/** How long an unsubscribe link works: a year, as a reader may act on an old email (RFC 8058 asks for long). */
export const UNSUBSCRIBE_LINK_TTL_MS = 365 * 86_400_000;

/** Who a link is for, and for which topic when it names one. */
export interface LinkSubject {
  contactId: string;
  topic?: string;
}

const CONTACT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Topic keys as the API accepts them; never a colon, so `contactId:topic` splits one way only. */
export const TOPIC_KEY = /^[a-z0-9][a-z0-9_-]{0,99}$/;

const base = (publicUrl: string) => publicUrl.replace(/\/+$/, '');

/**
 * The hosted preference page for one contact, `${publicUrl}/p/<token>`: signed for the purpose 'preferences' so an
 * unsubscribe or confirmation token cannot stand in for it, and expiring after 90 days.
 */
export function preferencesUrl(signer: TokenSigner, publicUrl: string, contactId: string): string {
  return `${base(publicUrl)}/p/${signer.sign('preferences', contactId, PREFERENCES_TTL_MS)}`;
}

/**
 * The unsubscribe link of an email, `${publicUrl}/u/<token>`. With a topic, its one-click leaves only that topic
 * (subject `contactId:topic`); without, it leaves all marketing email, as links sent before topics existed do.
 */
export function unsubscribeUrl(signer: TokenSigner, publicUrl: string, contactId: string, topic?: string): string {
  const subject = topic ? `${contactId}:${topic}` : contactId;
  return `${base(publicUrl)}/u/${signer.sign('unsubscribe', subject, UNSUBSCRIBE_LINK_TTL_MS)}`;
}

/**
 * The double opt-in link, `${publicUrl}/p/confirm/<token>`: the only thing that subscribes a contact to an opt-in
 * topic from an email, signed for the contact and the topic and valid for 7 days.
 */
export function confirmUrl(signer: TokenSigner, publicUrl: string, contactId: string, topic: string): string {
  return `${base(publicUrl)}/p/confirm/${signer.sign('topic-confirm', `${contactId}:${topic}`, CONFIRM_TTL_MS)}`;
}

/** `contactId` or `contactId:topic`, checked for shape; undefined for anything else. */
function parseSubject(subject: string | undefined): LinkSubject | undefined {
  if (subject === undefined) return undefined;
  const colon = subject.indexOf(':');
  const contactId = colon < 0 ? subject : subject.slice(0, colon);
  if (!CONTACT_ID.test(contactId)) return undefined;
  if (colon < 0) return { contactId };
  const topic = subject.slice(colon + 1);
  return TOPIC_KEY.test(topic) ? { contactId, topic } : undefined;
}

/** The contact of a preference page token; undefined when forged, expired, for another purpose or naming a topic. */
export function readPreferencesToken(signer: TokenSigner, token: string): { contactId: string } | undefined {
  const subject = parseSubject(signer.verify('preferences', token));
  return subject && !subject.topic ? { contactId: subject.contactId } : undefined;
}

/** The contact, and the topic if the link names one, of an unsubscribe token; undefined when not valid. */
export function readUnsubscribeToken(signer: TokenSigner, token: string): LinkSubject | undefined {
  return parseSubject(signer.verify('unsubscribe', token));
}

/** The contact and topic of a confirmation token; undefined when not valid or naming no topic. */
export function readConfirmToken(signer: TokenSigner, token: string): Required<LinkSubject> | undefined {
  const subject = parseSubject(signer.verify('topic-confirm', token));
  return subject?.topic ? { contactId: subject.contactId, topic: subject.topic } : undefined;
}

/**
 * The id of the run that emails the `attempt`-th confirmation for a contact and topic. Counting attempts lets a
 * contact who left a topic and asked again get a new email, while the same attempt never sends twice.
 */
export function getTopicConfirmationWorkflowId(contactId: string, topic: string, attempt: number): string {
  return `topic-confirm:${contactId}:${topic}:${attempt}`;
}
