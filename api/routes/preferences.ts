import { urlencoded } from 'express';
import { z } from 'zod';
import { ContactStore } from '../../db/stores/contacts';
import type { TopicSubscription } from '../../db/stores/topics';
import { readConfirmToken, readPreferencesToken } from '../../domain/preferenceLinks';
import { TopicService, type ContactSubscriptions } from '../../services/topics';
import { resubscriber, unsubscriber } from '../../services/unsubscribe';
import type { AppDeps } from '../deps';
import { defineRoute, type AnyRoute } from '../registry';
import { escapeHtml as h, page, sendPage } from './unsubscribe';

/** Form fields: a ticked topic, a topic the page showed, the contact-wide switch, and the marker of our form. */
const TICKED = 'topic';
const SHOWN = 'shown';
const ALL = 'all';
const SAVED = 'saved';
const CONFIRM = 'confirm';

const INVALID = page('Link not valid', '<p>This link is not valid or has expired.</p>');
const UNREADABLE = page(
  'Not saved',
  '<p>Your choices could not be read, so nothing was changed. Open the link from our email again.</p>',
);

/** One topic's row: its checkbox (ticked while subscribed or awaiting confirmation), description and any note. */
function topicRow(t: TopicSubscription): string {
  const ticked = t.state !== 'unsubscribed';
  const note =
    t.state === 'pending'
      ? 'Waiting for you to confirm: we have emailed you a link.'
      : t.optIn && !ticked
        ? 'We will email you a link to confirm.'
        : '';
  return [
    `<div class="topic"><input type="hidden" name="${SHOWN}" value="${h(t.key)}">`,
    `<label><input type="checkbox" id="topic-${h(t.key)}" name="${TICKED}" value="${h(t.key)}"${ticked ? ' checked' : ''}> `,
    `${h(t.name)}</label>`,
    t.description ? `<p class="note">${h(t.description)}</p>` : '',
    note ? `<p class="note">${note}</p>` : '',
    '</div>',
  ].join('');
}

/** The preference page: every topic with its toggle, the contact-wide switch, and Save posting back to this URL. */
function preferencesPage(subs: ContactSubscriptions, saved: boolean): string {
  return page(
    'Email preferences',
    (saved ? '<p id="saved" role="status"><strong>Your choices are saved.</strong></p>' : '') +
      `<form method="post"><input type="hidden" name="${SAVED}" value="1">` +
      `<fieldset><legend>Choose what we email you about:</legend>${subs.topics.map(topicRow).join('')}</fieldset>` +
      `<p><label><input type="checkbox" id="unsubscribe-all" name="${ALL}" value="1"${subs.unsubscribedFromAll ? ' checked' : ''}> ` +
      'Unsubscribe from all marketing email</label></p>' +
      '<button type="submit">Save</button></form>',
  );
}

/** A form field as the list of values it was sent with (a repeated field arrives as an array). */
function values(form: Record<string, unknown>, field: string): string[] {
  const v = form[field];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/**
 * The topics to set from a posted form: each topic the page showed, on when ticked. Topics created since the page
 * was shown are left alone (the reader never saw them); a ticked key that is no topic is answered with a list.
 */
function wishesFrom(form: Record<string, unknown>, subs: ContactSubscriptions): Record<string, boolean> | string[] {
  const known = new Set(subs.topics.map((t) => t.key));
  const ticked = values(form, TICKED);
  const unknown = ticked.filter((k) => !known.has(k));
  if (unknown.length > 0) return unknown;
  const shown = values(form, SHOWN).filter((k) => known.has(k));
  return Object.fromEntries(shown.map((k) => [k, ticked.includes(k)]));
}

const unknownTopicsPage = (unknown: string[], subs: ContactSubscriptions) =>
  page(
    'Not saved',
    `<p>We have no topic ${unknown.map((k) => `“${h(k)}”`).join(', ')}, so nothing was changed. ` +
      `Our topics are: ${subs.topics.map((t) => h(t.name)).join(', ')}.</p>`,
  );

/**
 * The hosted preference centre behind `{{preferences_url}}` and the double opt-in confirmation. Pages only: a GET
 * shows and never changes anything (mail scanners fetch links), a POST of the page's own form applies it. Every
 * change is the contact's, through the link (source `link`, actor `contact:<id>`).
 */
export function preferenceRoutes({
  db,
  temporal,
  signer,
  taskQueue,
}: Pick<AppDeps, 'db' | 'temporal' | 'signer' | 'taskQueue'>): AnyRoute[] {
  const service = new TopicService({ db, temporal, ...(taskQueue ? { taskQueue } : {}) });
  const contacts = new ContactStore(db);
  const unsubscribe = unsubscriber(db, temporal, { taskQueue });
  const resubscribe = resubscriber(db, temporal, { taskQueue });
  const tag = 'Contacts';
  const link = { tag, access: 'public', params: z.object({ token: z.string() }), produces: 'text/html' } as const;
  const form = {
    bodyMediaTypes: ['application/x-www-form-urlencoded'],
    before: [urlencoded({ extended: false, limit: '8kb' })],
  };

  /** The contact a preferences token names, with their subscriptions; undefined when the link is not valid. */
  const subscriptionsOf = async (token: string) => {
    const subject = readPreferencesToken(signer, token);
    return subject ? service.subscriptions(subject.contactId) : undefined;
  };
  /** The contact and topic a confirmation token names, while both exist. */
  const confirmationOf = async (token: string) => {
    const subject = readConfirmToken(signer, token);
    if (!subject) return undefined;
    const [topic, contact] = await Promise.all([service.get(subject.topic), contacts.getById(subject.contactId)]);
    return topic && contact ? { topic, contact } : undefined;
  };

  return [
    defineRoute({
      ...link,
      method: 'get',
      path: '/p/:token',
      summary: 'Preference page: every topic with a toggle and "unsubscribe from all"; its Save button POSTs',
      responses: { '200': 'the preference page', '400': 'the link is not valid or has expired' },
      handler: async ({ params }, _req, res) => {
        const subs = await subscriptionsOf(params.token);
        sendPage(res, subs ? 200 : 400, subs ? preferencesPage(subs, false) : INVALID);
      },
    }),
    defineRoute({
      ...link,
      ...form,
      method: 'post',
      path: '/p/:token',
      summary: 'Save the preference page: the ticked topics on, the others it showed off, and the contact-wide switch',
      description:
        'Joining an opt-in topic emails a confirmation link and waits for it. Each change is recorded with source ' +
        '`link` and shown on the contact’s timeline.',
      responses: { '200': 'the page with the saved state', '400': 'the link is not valid, or the form is not ours' },
      handler: async ({ params }, req, res) => {
        const subs = await subscriptionsOf(params.token);
        if (!subs) return sendPage(res, 400, INVALID);
        const posted = (req.body ?? {}) as Record<string, unknown>;
        // Nothing ticked sends no topic at all: only our form's marker tells that from an empty post.
        if (posted[SAVED] !== '1') return sendPage(res, 400, UNREADABLE);
        const wishes = wishesFrom(posted, subs);
        if (Array.isArray(wishes)) return sendPage(res, 400, unknownTopicsPage(wishes, subs));
        const actor = `contact:${subs.contactId}`;
        await service.set(subs.contactId, wishes, { actor, source: 'link' });
        const all = posted[ALL] === '1';
        if (all && !subs.unsubscribedFromAll) await unsubscribe(subs.contactId, actor, { source: 'link' });
        if (!all && subs.unsubscribedFromAll) await resubscribe(subs.contactId, actor, { source: 'link' });
        const after = await service.subscriptions(subs.contactId);
        sendPage(res, 200, after ? preferencesPage(after, true) : INVALID);
      },
    }),
    defineRoute({
      ...link,
      method: 'get',
      path: '/p/confirm/:token',
      summary: 'Double opt-in link: a page whose Confirm button POSTs (a GET never subscribes)',
      responses: { '200': 'the confirmation page', '400': 'the link is not valid or has expired' },
      handler: async ({ params }, _req, res) => {
        const found = await confirmationOf(params.token);
        if (!found) return sendPage(res, 400, INVALID);
        const name = h(found.topic.name);
        sendPage(
          res,
          200,
          page(
            'Confirm your subscription',
            `<p>Get <strong>${name}</strong> email from us? Confirm, and we will start sending it.</p>` +
              `<form method="post"><input type="hidden" name="${CONFIRM}" value="yes">` +
              '<button type="submit">Confirm</button></form>',
          ),
        );
      },
    }),
    defineRoute({
      ...link,
      ...form,
      method: 'post',
      path: '/p/confirm/:token',
      summary: 'Confirm a subscription to an opt-in topic: the only way into one from an email',
      responses: { '200': 'subscribed', '400': 'the link is not valid, or the form is not ours' },
      handler: async ({ params }, req, res) => {
        const found = await confirmationOf(params.token);
        if (!found) return sendPage(res, 400, INVALID);
        if ((req.body as Record<string, unknown> | undefined)?.[CONFIRM] !== 'yes')
          return sendPage(res, 400, UNREADABLE);
        const { contact, topic } = found;
        await service.confirm(contact.id, topic.key, { actor: `contact:${contact.id}`, source: 'link' });
        const stillOff = contact.unsubscribedAt
          ? '<p class="note">You are still unsubscribed from all our marketing email, so none will arrive until you ' +
            'turn that off on your email preferences page.</p>'
          : '';
        sendPage(
          res,
          200,
          page(
            'Subscribed',
            `<p id="confirmed" role="status">You are subscribed to <strong>${h(topic.name)}</strong>.</p>${stillOff}`,
          ),
        );
      },
    }),
  ];
}
