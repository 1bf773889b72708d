import { z } from 'zod';
import { SegmentStore } from '../../../db/stores/segments';
import { ContactStore, type Contact } from '../../../db/stores/contacts';
import { contactTimeline, decodeCursor, encodeCursor, TIMELINE_KINDS } from '../../../services/timeline';
import { resubscriber, unsubscriber } from '../../../services/unsubscribe';
import { actorOf } from '../../auth';
import type { RouteDeps } from '../../deps';
import { badRequest, notFound } from '../../errors';
import { defineRoute, ok, r400, r403, r404, WRITERS, type AnyRoute } from '../../registry';
import { contactResponse, externalId, presentContact } from './shape';

const listQuery = z
  .object({
    q: z.string().trim().min(1).max(320).optional(),
    segment: z.string().trim().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(400).optional(),
  })
  .strict();

const timelineQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** The previous page's `nextBefore`, or a time: only what happened before it. */
    before: z.string().max(400).optional(),
  })
  .strict();

const timelineResponse = z.object({
  items: z.array(z.object({ at: z.string(), kind: z.enum(TIMELINE_KINDS), data: z.record(z.string(), z.unknown()) })),
  nextBefore: z.string().nullable(),
});

/** Finding people, their timeline, and list hygiene (unsubscribe and resubscribe by a person, recorded). */
export function peopleRoutes({
  db,
  temporal,
  taskQueue,
}: Pick<RouteDeps, 'db' | 'temporal' | 'taskQueue'>): AnyRoute[] {
  const contacts = new ContactStore(db);
  const segments = new SegmentStore(db);
  const unsubscribe = unsubscriber(db, temporal, { taskQueue });
  const resubscribe = resubscriber(db, temporal, { taskQueue });
  const tag = 'Contacts';
  const find = async (id: string): Promise<Contact> => {
    const contact = await contacts.getByExternalId(id);
    if (!contact) throw notFound(`contact ${id}`);
    return contact;
  };

  /** An unknown segment is the client's mistake about a field, answered before any contact is read. */
  async function checkSegment(key: string): Promise<void> {
    if (!(await segments.get(key)))
      throw badRequest('invalid request query', [
        { path: 'segment', message: `there is no segment '${key}' (GET /v1/segments lists them)` },
      ]);
  }

  const subscription = (change: 'unsubscribe' | 'resubscribe') =>
    defineRoute({
      method: 'post',
      path: `/v1/contacts/:id/${change}`,
      summary:
        change === 'unsubscribe'
          ? 'Unsubscribe a contact from marketing email (list hygiene); their marketing enrollments stop'
          : 'Let marketing email go to an unsubscribed contact again',
      description:
        'Recorded with the API key’s name and role as a subscription change (source `marketer`) and in the audit log. ' +
        'Answers the contact and whether this call changed anything.',
      tag,
      access: WRITERS,
      params: z.object({ id: externalId }),
      response: contactResponse.extend({ changed: z.boolean() }),
      responses: { ...ok('the contact'), ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        const contact = await find(params.id);
        const { actor, actorRole } = actorOf(req);
        const how = { source: 'marketer', actorRole } as const;
        const changed =
          change === 'unsubscribe'
            ? await unsubscribe(contact.id, actor, how)
            : await resubscribe(contact.id, actor, how);
        res.json({ ...presentContact((await contacts.getById(contact.id)) ?? contact), changed });
      },
    });

  return [
    defineRoute({
      method: 'get',
      path: '/v1/contacts',
      summary: 'List and search contacts, newest first, a page at a time',
      description:
        '`q` is a case-insensitive prefix of the email or the id (or the internal id); `segment` keeps the members ' +
        'of a segment. Pass the answer’s `nextCursor` as `cursor` for the next page: the order (creation time, ' +
        'then internal id) is stable, so contacts created meanwhile never shift a page.',
      tag,
      access: 'any',
      query: listQuery,
      response: z.object({ contacts: z.array(contactResponse), nextCursor: z.string().nullable() }),
      responses: { ...ok('a page of contacts'), ...r400 },
      example: { response: { contacts: [], nextCursor: null } },
      handler: async ({ query }, _req, res) => {
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, ['createdAt', 'id'] as const);
        if (query.cursor !== undefined && (!after || !validKey(after.createdAt, after.id)))
          throw badRequest('invalid request query', [
            { path: 'cursor', message: 'is not a cursor from this list (pass the nextCursor of the previous page)' },
          ]);
        if (query.segment) await checkSegment(query.segment);
        const page = await contacts.page({
          limit: query.limit,
          ...(query.q ? { q: query.q } : {}),
          ...(query.segment ? { segment: query.segment } : {}),
          ...(after ? { after } : {}),
        });
        res.json({ contacts: page.contacts.map(presentContact), nextCursor: page.next && encodeCursor(page.next) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/contacts/:id/timeline',
      summary: 'What happened to a contact, newest first: events, messages, enrollments, subscription changes',
      tag,
      access: 'any',
      params: z.object({ id: externalId }),
      query: timelineQuery,
      response: timelineResponse,
      responses: { ...ok('a page of the timeline'), ...r400, ...r404 },
      handler: async ({ params, query }, _req, res) => {
        const before = query.before === undefined ? undefined : beforeKey(query.before);
        const contact = await find(params.id);
        const page = await contactTimeline(db, contact.id, { limit: query.limit, ...(before ? { before } : {}) });
        res.json({ items: page.items, nextBefore: page.next && encodeCursor(page.next) });
      },
    }),
    subscription('unsubscribe'),
    subscription('resubscribe'),
  ];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const validTime = (s: string) => /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s));
const validKey = (at: string, id: string) => validTime(at) && UUID.test(id);

/** `before` is either a time or the previous page's cursor. */
function beforeKey(before: string): { at: string; ref: string } {
  if (validTime(before)) return { at: before, ref: '' };
  const key = decodeCursor(before, ['at', 'ref'] as const);
  if (key && validTime(key.at) && /^[a-z][0-9a-f-]{1,40}$/.test(key.ref)) return key;
  throw badRequest('invalid request query', [
    { path: 'before', message: 'must be a time (ISO 8601) or the nextBefore of the previous page' },
  ]);
}
