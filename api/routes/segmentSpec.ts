import { z } from 'zod';
import { parseSpecCall, SEGMENT_BATCH_MAX_BYTES, SEGMENT_CALL_MAX_BYTES } from '../../domain/segmentSpec';
import { EnrollmentService } from '../../services/enrollment';
import type { RouteDeps } from '../deps';
import { badRequest } from '../errors';
import { defineRoute, ok, r400, type AnyRoute } from '../registry';
import { SegmentSpecIngest, type SpecReport } from './segmentSpec/ingest';
import { specGuards } from './segmentSpec/guards';

const report = z.object({
  success: z.literal(true),
  accepted: z.number().int(),
  duplicates: z.number().int(),
  identified: z.number().int(),
  anonymous: z.number().int(),
  ignored: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), field: z.string(), reason: z.string() })),
});

/** A message is read field by field in the domain, so a batch can report each bad one; here only its shape. */
const specMessage = z.record(z.string(), z.unknown());
/** A single message with a `type` and no `batch` (what a webhook destination sends) is a batch of one. */
const isSingle = (raw: unknown) => typeof raw === 'object' && raw !== null && 'type' in raw && !('batch' in raw);
const batchBody = z.preprocess(
  (raw) => (isSingle(raw) ? { batch: [raw] } : raw),
  z.object({ batch: z.array(z.unknown(), 'must be an array of Segment messages') }).loose(),
);

const refused = {
  '401': 'the write key is missing or wrong (HTTP basic user name); nothing stored',
  '413': 'over Segment’s size limit (32 KB a call, 500 KB a batch); nothing stored',
  '415': 'the body is not application/json',
  '503': 'SEGMENT_WRITE_KEY is not configured; nothing stored, and the source retries',
};

/**
 * Segment's HTTP Tracking API (identify, track, batch), so a Segment or RudderStack source can deliver to the
 * product. Authenticated by the source's write key rather than an API key, so the app mounts these outside the key
 * check. A redelivered message is a no-op: its messageId is the event's idempotency key.
 */
export function segmentSpecRoutes({ db, temporal, metrics, taskQueue, config, log }: RouteDeps): AnyRoute[] {
  const enrollment = new EnrollmentService(db, temporal, metrics, taskQueue);
  const ingest = new SegmentSpecIngest(db, enrollment);
  const guard = { writeKey: config.SEGMENT_WRITE_KEY, log, metrics };
  const tag = 'Sources';
  const count = (r: SpecReport) => {
    const outcomes = {
      stored: r.accepted + r.identified,
      duplicate: r.duplicates,
      ignored: r.ignored + r.anonymous,
      invalid: r.rejected.length,
    };
    for (const [outcome, n] of Object.entries(outcomes))
      if (n > 0) metrics.webhookEvents.inc({ provider: 'segment', outcome }, n);
    return r;
  };

  /** One call: a refusal is a 400 naming the field, as Segment's own API answers a bad call. */
  const single = (type: 'identify' | 'track') => async (body: unknown) => {
    const parsed = parseSpecCall(body, type);
    const answer = count(await ingest.apply([parsed]));
    const [refusal] = answer.rejected;
    if (refusal) throw badRequest(refusal.reason, [{ path: refusal.field, message: refusal.reason }]);
    return answer;
  };
  const identify = single('identify');
  const track = single('track');

  const auth =
    'HTTP basic authentication with the source’s write key (SEGMENT_WRITE_KEY) as the user name and an empty ' +
    'password, as Segment’s own API takes it. ';
  return [
    defineRoute({
      method: 'post',
      path: '/v1/segment/identify',
      summary: 'Segment identify: create or update the contact with this userId',
      description:
        auth +
        '`traits.email` is the contact’s email (needed for a new contact), `context.timezone` its time zone, and ' +
        'the other traits are merged into the ones stored. A call with only an anonymousId is counted, not kept.',
      tag,
      access: 'public',
      before: specGuards(guard, SEGMENT_CALL_MAX_BYTES),
      body: specMessage,
      response: report,
      responses: { ...ok('applied'), ...r400, ...refused },
      example: {
        body: {
          userId: 'user-1',
          traits: { email: 'ada@example.com', plan: 'pro' },
          context: { timezone: 'Europe/Berlin' },
          messageId: '0b5a6b7e-7d1c-4b8a-9a53-6f4d0c2b9e11',
          timestamp: '2026-03-02T09:30:00Z',
        },
        response: { success: true, accepted: 0, duplicates: 0, identified: 1, anonymous: 0, ignored: 0, rejected: [] },
      },
      handler: async ({ body }, _req, res) => {
        res.json(await identify(body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/segment/track',
      summary: 'Segment track: an event for the contact with this userId',
      description:
        auth +
        '`event` is the event name (names starting with `email.` or `segment.` are the product’s own and refused), ' +
        '`properties` its properties, `timestamp` when it happened, and `messageId` its idempotency key. An unknown ' +
        'userId is created when `context.traits.email` is present, else refused.',
      tag,
      access: 'public',
      before: specGuards(guard, SEGMENT_CALL_MAX_BYTES),
      body: specMessage,
      response: report,
      responses: { ...ok('applied, or a duplicate of a message already stored'), ...r400, ...refused },
      example: {
        body: {
          userId: 'user-1',
          event: 'signup',
          properties: { plan: 'trial' },
          messageId: '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
          timestamp: '2026-03-02T09:31:00Z',
        },
        response: { success: true, accepted: 1, duplicates: 0, identified: 0, anonymous: 0, ignored: 0, rejected: [] },
      },
      handler: async ({ body }, _req, res) => {
        res.json(await track(body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/segment/batch',
      summary: 'Segment batch: identify and track calls in order, each checked on its own',
      description:
        auth +
        '`{ "batch": [...] }`, each message with its `type`; a single message with a `type` (as a webhook ' +
        'destination sends it) is a batch of one. page, screen, group and alias are accepted and ignored. A bad ' +
        'message never fails the batch: the answer is 200 and lists it in `rejected` with its index and reason.',
      tag,
      access: 'public',
      before: specGuards(guard, SEGMENT_BATCH_MAX_BYTES),
      body: batchBody,
      response: report,
      responses: { ...ok('applied; refused messages listed in `rejected`'), ...r400, ...refused },
      example: {
        body: {
          batch: [
            { type: 'identify', userId: 'user-1', traits: { email: 'ada@example.com' }, messageId: 'm-1' },
            { type: 'track', userId: 'user-1', event: 'signup', messageId: 'm-2' },
            { type: 'track', userId: 'user-1', event: 'email.opened', messageId: 'm-3' },
          ],
        },
        response: {
          success: true,
          accepted: 1,
          duplicates: 0,
          identified: 1,
          anonymous: 0,
          ignored: 0,
          rejected: [
            { index: 2, field: 'event', reason: "names starting with email. or segment. are the product's own events" },
          ],
        },
      },
      handler: async ({ body }, _req, res) => {
        res.json(count(await ingest.apply(body.batch.map((item) => parseSpecCall(item)))));
      },
    }),
  ];
}
