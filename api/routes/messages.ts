import { z } from 'zod';
import { ContactStore } from '../../db/stores/contacts';
import { MessageStore } from '../../db/stores/messages';
import { EVENT_SOURCES, MESSAGE_STATUSES } from '../../domain/messages';
import type { RouteDeps } from '../deps';
import { notFound } from '../errors';
import { defineRoute, ok, r400, r404, type AnyRoute } from '../registry';
import { externalId } from './contacts';

const page = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const status = z.enum(MESSAGE_STATUSES);
const timelineEvent = z.object({
  status,
  source: z.enum(EVENT_SOURCES),
  occurredAt: z.string(),
  bounceType: z.enum(['hard', 'soft']).optional(),
  reason: z.string().optional(),
  url: z.string().optional(),
  machine: z.object({ reason: z.string() }).optional(),
});
const messageView = z.object({
  id: z.string(),
  channel: z.string(),
  contactId: z.string().nullable(),
  to: z.string(),
  subject: z.string(),
  template: z.string(),
  sequenceKey: z.string().nullable(),
  stepId: z.string().nullable(),
  variant: z.string().nullable(),
  marketing: z.boolean(),
  provider: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  status,
  error: z.string().nullable(),
  tracked: z.boolean(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});
const messageList = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  messages: z.array(messageView),
});

/** The message log: a contact's messages, one step's messages, and one message with its timeline. */
export function messageRoutes({ db }: Pick<RouteDeps, 'db'>): AnyRoute[] {
  const messages = new MessageStore(db);
  const contacts = new ContactStore(db);
  const tag = 'Messages';
  return [
    defineRoute({
      method: 'get',
      path: '/v1/contacts/:id/messages',
      summary: "A contact's messages, newest first, each with how far it got (sent, delivered, opened, bounced...)",
      tag,
      access: 'any',
      params: z.object({ id: externalId }),
      query: page,
      response: messageList,
      responses: { ...ok('the messages'), ...r400, ...r404 },
      handler: async ({ params, query }, _req, res) => {
        const contact = await contacts.getByExternalId(params.id);
        if (!contact) throw notFound(`contact ${params.id}`);
        const { total, messages: list } = await messages.listForContact(contact.id, query);
        res.json({ total, limit: query.limit, offset: query.offset, messages: list });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sequences/:key/steps/:stepId/messages',
      summary: 'The messages one step of a sequence sent, newest first',
      tag,
      access: 'any',
      params: z.object({ key: z.string().min(1).max(100), stepId: z.string().min(1).max(100) }),
      query: page,
      response: messageList,
      responses: { ...ok('the messages'), ...r400 },
      handler: async ({ params, query }, _req, res) => {
        const { total, messages: list } = await messages.listForStep(params.key, params.stepId, query);
        res.json({ total, limit: query.limit, offset: query.offset, messages: list });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/messages/:id',
      summary: 'One message with its status timeline (engine, provider and tracking events, machines flagged)',
      tag,
      access: 'any',
      params: z.object({ id: z.uuid() }),
      response: messageView.extend({ timeline: z.array(timelineEvent) }),
      responses: { ...ok('the message'), ...r400, ...r404 },
      handler: async ({ params }, _req, res) => {
        const message = await messages.get(params.id);
        if (!message) throw notFound(`message ${params.id}`);
        res.json(message);
      },
    }),
  ];
}
