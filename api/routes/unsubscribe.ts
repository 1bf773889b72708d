import { urlencoded, type Request, type Response } from 'express';
import { z } from 'zod';
import { ContactStore } from '../../db/stores/contacts';
import { defaultState, receives, TopicStore, type Topic } from '../../db/stores/topics';
import { readUnsubscribeToken } from '../../domain/preferenceLinks';
import { TopicService } from '../../services/topics';
import { unsubscriber } from '../../services/unsubscribe';
import type { AppDeps } from '../deps';
import { badRequest } from '../errors';
import { defineRoute, type AnyRoute } from '../registry';

/** The RFC 8058 one-click body: the field a mail client POSTs, and the page's form too. */
const ONE_CLICK_FIELD = 'List-Unsubscribe';
const ONE_CLICK_VALUE = 'One-Click';
/** The page's second button on a topic's link: leave all marketing email rather than the one topic. */
const SCOPE_FIELD = 'scope';
const SCOPE_ALL = 'all';

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe to place in HTML, for the names and descriptions marketers give topics. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

/**
 * A small page: nothing loaded from elsewhere, no script, and the only actions are forms posting back to the URL it
 * was served from. `title` and `body` are HTML: whatever they carry from the database the caller escaped.
 */
export function page(title: string, body: string): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">',
    `<title>${title}</title>`,
    '<style>body{font:17px/1.6 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1d2433}',
    'button{font:inherit;padding:.5rem 1.25rem;border-radius:.4rem;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}',
    'button.secondary{background:#fff;color:#1d4ed8}.note{color:#5b6475;font-size:.9em;margin:.25rem 0 0}',
    'fieldset{border:0;padding:0;margin:0 0 1.5rem}.topic{margin:0 0 1rem}</style>',
    `</head><body><h1>${title}</h1>${body}</body></html>`,
  ].join('');
}

/** Personal pages: never kept by a shared cache, and answered fresh each time. */
export function sendPage(res: Response, status: number, html: string): void {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}

/** A browser submitting a page's form asks for HTML; a mail client's one-click POST gets JSON. */
export const wantsHtml = (req: Request) => req.accepts(['json', 'html']) === 'html';

const oneClick = `<input type="hidden" name="${ONE_CLICK_FIELD}" value="${ONE_CLICK_VALUE}">`;
const allButton =
  `<form method="post">${oneClick}<input type="hidden" name="${SCOPE_FIELD}" value="${SCOPE_ALL}">` +
  '<button type="submit" class="secondary">Unsubscribe from all marketing email</button></form>';

const CONFIRM = page(
  'Unsubscribe',
  '<p>Unsubscribe this address from our marketing email?</p>' +
    `<form method="post">${oneClick}<button type="submit">Unsubscribe</button></form>`,
);
const DONE = page('Unsubscribed', '<p>You are unsubscribed and will get no more marketing email from us.</p>');
const ALREADY = page('Unsubscribed', '<p>This address is already unsubscribed from our marketing email.</p>');
const INVALID = page('Link not valid', '<p>This unsubscribe link is not valid or has expired.</p>');

/** The page of a topic's link: leave this topic (the first button), or everything (the second). */
const topicConfirm = (topic: Topic) =>
  page(
    'Unsubscribe',
    `<p>Stop getting <strong>${escapeHtml(topic.name)}</strong> email from us? You keep getting our other email.</p>` +
      `<form method="post">${oneClick}<p><button type="submit">Unsubscribe from ${escapeHtml(topic.name)}</button></p></form>` +
      allButton,
  );
/** After leaving a topic, or on its link once left: says so, and still offers everything. */
const topicLeft = (topic: Topic) =>
  page(
    'Unsubscribed',
    `<p>You are unsubscribed from <strong>${escapeHtml(topic.name)}</strong> and will get no more of it from us.</p>` +
      allButton,
  );

/**
 * The link in every marketing email. Only a POST unsubscribes: the RFC 8058 one-click request a mail client sends,
 * or the form on the page a GET shows. Mail scanners fetch links (GET, HEAD) to inspect them; that must not
 * unsubscribe anyone. The token is signed, so nobody can unsubscribe someone else. A link that names a topic leaves
 * that topic only (the page offers everything as a second button); a link without one, as sent before topics, or
 * whose topic is gone, leaves all marketing email.
 */
export function unsubscribeRoutes({
  db,
  temporal,
  signer,
  taskQueue,
}: Pick<AppDeps, 'db' | 'temporal' | 'signer' | 'taskQueue'>): AnyRoute[] {
  const contacts = new ContactStore(db);
  const topics = new TopicStore(db);
  const service = new TopicService({ db, temporal, ...(taskQueue ? { taskQueue } : {}) });
  const unsubscribe = unsubscriber(db, temporal, { taskQueue });

  /** The link's topic while it is one, with whether the contact still gets it. */
  const topicOf = async (contactId: string, key: string | undefined) => {
    const topic = key ? await topics.get(key) : undefined;
    if (!topic) return undefined;
    const state = (await topics.choices(contactId)).get(topic.key)?.state ?? defaultState(topic.optIn);
    return { topic, receiving: receives(topic.optIn, state) };
  };

  // The token is checked by its signature, not by a schema: a bad one gets the page that says the link is not valid.
  const link = { tag: 'Contacts', access: 'public', params: z.object({ token: z.string() }) } as const;
  return [
    defineRoute({
      ...link,
      method: 'get',
      path: '/u/:token',
      summary: 'Unsubscribe link: a confirmation page whose button POSTs (a GET or HEAD never unsubscribes)',
      produces: 'text/html',
      responses: { '200': 'the confirmation page', '400': 'the link is not valid' },
      // Express answers HEAD with this handler too, without the body: it reads, it never writes.
      handler: async ({ params }, _req, res) => {
        const subject = readUnsubscribeToken(signer, params.token);
        const contact = subject ? await contacts.getById(subject.contactId) : undefined;
        if (!subject || !contact) return sendPage(res, 400, INVALID);
        if (contact.unsubscribedAt) return sendPage(res, 200, ALREADY);
        const topic = await topicOf(contact.id, subject.topic);
        if (!topic) return sendPage(res, 200, CONFIRM);
        sendPage(res, 200, topic.receiving ? topicConfirm(topic.topic) : topicLeft(topic.topic));
      },
    }),
    defineRoute({
      ...link,
      method: 'post',
      path: '/u/:token',
      summary: 'Unsubscribe: the RFC 8058 one-click body List-Unsubscribe=One-Click, from a mail client or the page',
      description:
        'A link that names a topic leaves that topic only (answer `{ unsubscribed: true, topic }`); with ' +
        '`scope=all` too, or a link without a topic, it leaves all marketing email.',
      // The form is read here, not by a schema: an invalid link is answered (as a page or JSON) before the body.
      bodyMediaTypes: ['application/x-www-form-urlencoded'],
      before: [urlencoded({ extended: false, limit: '1kb' })],
      responses: {
        '200': 'unsubscribed',
        '400': 'the link is not valid, or the body is not List-Unsubscribe=One-Click',
      },
      example: { body: `${ONE_CLICK_FIELD}=${ONE_CLICK_VALUE}`, response: { unsubscribed: true } },
      handler: async ({ params }, req, res) => {
        const subject = readUnsubscribeToken(signer, params.token);
        if (!subject) {
          if (wantsHtml(req)) return sendPage(res, 400, INVALID);
          res.status(400).json({ error: 'invalid or expired unsubscribe link' });
          return;
        }
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (body[ONE_CLICK_FIELD] !== ONE_CLICK_VALUE) {
          throw badRequest('invalid request body', [
            { path: ONE_CLICK_FIELD, message: `must be ${ONE_CLICK_VALUE} (RFC 8058)` },
          ]);
        }
        const actor = `contact:${subject.contactId}`;
        const topic = body[SCOPE_FIELD] === SCOPE_ALL ? undefined : await topicOf(subject.contactId, subject.topic);
        if (topic) {
          await service.set(subject.contactId, { [topic.topic.key]: false }, { actor, source: 'link' });
          if (wantsHtml(req)) return sendPage(res, 200, topicLeft(topic.topic));
          res.status(200).json({ unsubscribed: true, topic: topic.topic.key });
          return;
        }
        await unsubscribe(subject.contactId, actor);
        if (wantsHtml(req)) return sendPage(res, 200, DONE);
        res.status(200).json({ unsubscribed: true });
      },
    }),
  ];
}
