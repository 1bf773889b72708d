import type { Request } from 'express';
import { z } from 'zod';
import { AuditLog } from '../../db/stores/audit';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { TOPIC_STATES, UnknownTopicError, type Topic } from '../../db/stores/topics';
import { TOPIC_KEY } from '../../domain/preferenceLinks';
import { TopicExistsError, TopicService, type ContactSubscriptions } from '../../services/topics';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, conflict, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, WRITERS, type AnyRoute } from '../registry';
import { externalId } from './contacts/shape';

/** Keys of the subscriptions body that are not topics, so no topic may take them. */
const RESERVED_KEYS = ['confirmed'];

const topicKey = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(TOPIC_KEY, 'must be lowercase letters, digits, _ and -, starting with a letter or digit')
  .refine((k) => !RESERVED_KEYS.includes(k), `is reserved (${RESERVED_KEYS.join(', ')}): choose another key`);

const topicView = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  optIn: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const view = (t: Topic) => ({
  key: t.key,
  name: t.name,
  description: t.description,
  optIn: t.optIn,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

const subscriptionsView = z.object({
  contactId: z.string(),
  unsubscribedFromAll: z.boolean(),
  topics: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      description: z.string().nullable(),
      optIn: z.boolean(),
      subscribed: z.boolean(),
      state: z.enum(TOPIC_STATES),
    }),
  ),
});
const presentSubscriptions = (contact: Contact, s: ContactSubscriptions) => ({
  contactId: contact.externalId,
  unsubscribedFromAll: s.unsubscribedFromAll,
  topics: s.topics.map((t) => ({
    key: t.key,
    name: t.name,
    description: t.description,
    optIn: t.optIn,
    subscribed: t.subscribed,
    state: t.state,
  })),
});

/** The 400 for topic keys that name no topic: one problem per key, each listing the topics there are. */
function unknownTopics(err: UnknownTopicError, where = 'body') {
  const topics = err.known.join(', ') || 'none yet (POST /v1/topics)';
  return badRequest(
    `invalid request ${where}`,
    err.unknown.map((k) => ({ path: k, message: `there is no topic '${k}' (topics: ${topics})` })),
  );
}

/**
 * The body's wishes, topic key to on or off, read from the parsed JSON itself: every key the client sent counts,
 * including ones a schema would quietly drop (`__proto__`), so each unknown key is answered with a 400.
 */
function wishesOf(body: unknown): Record<string, boolean> {
  const entries = Object.entries(body as Record<string, unknown>).filter(([k]) => !RESERVED_KEYS.includes(k));
  if (entries.length === 0)
    throw badRequest('invalid request body', [
      { path: '(body)', message: 'name at least one topic: { "newsletter": false }' },
    ]);
  return Object.fromEntries(entries) as Record<string, boolean>;
}

/** Topics, and each contact's subscriptions to them. */
export function topicRoutes({ db, temporal, taskQueue }: RouteDeps): AnyRoute[] {
  const service = new TopicService({ db, temporal, ...(taskQueue ? { taskQueue } : {}) });
  const contacts = new ContactStore(db);
  const audit = new AuditLog(db);
  const tag = 'Topics';
  const find = async (id: string): Promise<Contact> => {
    const contact = await contacts.getByExternalId(id);
    if (!contact) throw notFound(`contact ${id}`);
    return contact;
  };
  const audited = async (req: Request, key: string, details: Record<string, unknown>) => {
    await audit.record({ ...actorOf(req), action: 'topic.created', subjectType: 'topic', subjectId: key, details });
  };

  return [
    defineRoute({
      method: 'post',
      path: '/v1/topics',
      summary: 'Create a topic: what a kind of marketing email is about, which contacts may leave or join',
      description:
        'An opt-out topic (`optIn: false`) sends to every contact who has not left it; an opt-in topic only to ' +
        'contacts who confirmed it from the email it sends them (double opt-in).',
      tag,
      access: WRITERS,
      body: z
        .object({
          key: topicKey,
          name: z.string().trim().min(1).max(200),
          description: z.string().trim().max(1000).optional(),
          optIn: z.boolean().default(false),
        })
        .strict(),
      response: topicView,
      responses: { '201': 'created', ...r400, ...r403, '409': 'the key is taken' },
      example: {
        body: { key: 'webinars', name: 'Webinars', description: 'Invitations to live sessions', optIn: true },
      },
      handler: async ({ body }, req, res) => {
        try {
          const created = await service.create(body);
          await audited(req, body.key, { name: body.name, optIn: body.optIn });
          res.status(201).json(view(created));
        } catch (err) {
          if (err instanceof TopicExistsError) throw conflict(err.message, 'TopicExists');
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/topics',
      summary: 'Every topic',
      tag,
      access: 'any',
      response: z.object({ topics: z.array(topicView) }),
      responses: ok('the topics'),
      handler: async (_input, _req, res) => {
        res.json({ topics: (await service.list()).map(view) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/topics/:key',
      summary: 'A topic',
      tag,
      access: 'any',
      params: z.object({ key: z.string().max(100).regex(TOPIC_KEY, 'is not a topic key') }),
      response: topicView,
      responses: { ...ok('the topic'), ...r400, ...r404 },
      handler: async ({ params }, _req, res) => {
        const topic = await service.get(params.key);
        if (!topic) throw notFound(`topic ${params.key}`);
        res.json(view(topic));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/contacts/:id/subscriptions',
      summary: 'A contact’s subscriptions: the contact-wide unsubscribe and every topic with its state',
      description:
        '`state` is the contact’s choice, or the topic’s default when they never chose (opt-out topics ' +
        '`subscribed`, opt-in topics `unsubscribed`); `pending` waits for the contact to confirm an opt-in topic. ' +
        '`subscribed` says whether the topic lets its mail through; `unsubscribedFromAll` stops all marketing email.',
      tag,
      access: 'any',
      params: z.object({ id: externalId }),
      response: subscriptionsView,
      responses: { ...ok('the subscriptions'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const contact = await find(params.id);
        const subs = await service.subscriptions(contact.id);
        if (!subs) throw notFound(`contact ${params.id}`);
        res.json(presentSubscriptions(contact, subs));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/contacts/:id/subscriptions',
      summary: 'Turn a contact’s topics on or off: { "newsletter": false, "offers": true }',
      description:
        'Each key is a topic (an unknown one is a 400 listing the topics), each value on or off; topics not named ' +
        'keep their state. Off is immediate. On is immediate for an opt-out topic; for an opt-in topic the ' +
        'contact is emailed a confirmation link and the topic is `pending` until they click it, unless the body ' +
        'says `"confirmed": true` because the contact already confirmed elsewhere (your own double opt-in). Every ' +
        'change is recorded with the API key’s name (source `api`) and shown on the contact’s timeline.',
      tag,
      access: WRITERS,
      params: z.object({ id: externalId }),
      body: z.object({ confirmed: z.boolean().optional() }).catchall(z.boolean()),
      response: subscriptionsView,
      responses: { ...ok('the subscriptions after the change'), ...r400, ...r403, ...r404 },
      example: { body: { newsletter: false, offers: true } },
      handler: async ({ params, body }, req, res) => {
        const wanted = wishesOf(req.body ?? {});
        const contact = await find(params.id);
        const { actor, actorRole } = actorOf(req);
        try {
          const by = { actor, actorRole, source: 'api', confirmed: body.confirmed === true } as const;
          const subs = await service.set(contact.id, wanted, by);
          if (!subs) throw notFound(`contact ${params.id}`);
          res.json(presentSubscriptions(contact, subs));
        } catch (err) {
          if (err instanceof UnknownTopicError) throw unknownTopics(err);
          throw err;
        }
      },
    }),
  ];
}
