import { z } from 'zod';
import { BROADCAST_CHANNELS, BROADCAST_STATUSES, LOCAL_TIME_PATTERN, SKIP_REASONS } from '../../domain/broadcast';
import { subjectProblem } from '../../templates/engine/compile';
import {
  BroadcastActionRefusedError,
  BroadcastInputError,
  BroadcastService,
  type BroadcastView,
} from '../../services/broadcasts';
import { actorOf } from '../auth';
import { approvalGate, type RouteDeps } from '../deps';
import { badRequest, conflict, notFound } from '../errors';
import { queryNumber } from '../queryNumber';
import { defineRoute, ok, r400, r403, r404, r409, WRITERS, type AnyRoute } from '../registry';

const channelChoices = BROADCAST_CHANNELS.join(', ');

/** A broadcast's channel: one of BROADCAST_CHANNELS; a webhook is told where it goes instead. */
const channelField = z
  .enum(BROADCAST_CHANNELS, {
    error: (issue) =>
      issue.input === 'webhook'
        ? `a webhook goes from a sequence step (a send step with channel 'webhook'), not a broadcast; a broadcast's channel is one of: ${channelChoices}`
        : `the channel must be one of: ${channelChoices}`,
  })
  .optional();

const createBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    segment: z.string().trim().min(1).max(100).describe('the key of the segment whose members receive it'),
    channel: channelField.describe(
      'what it is sent as: email (the default), sms (to contacts with a phone who consented), in_app (the ' +
        'in-app inbox) or push (to registered devices)',
    ),
    template: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe(
        'the key of a template (GET /v1/templates) in a format the channel sends: mjml or html for email and ' +
          'in_app, text for sms, text or json for push',
      ),
    subject: z
      .string()
      .trim()
      .min(1)
      .max(300)
      .superRefine((s, ctx) => {
        const problem = subjectProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: `the subject cannot be rendered: ${problem}` });
      })
      .optional()
      .describe("overrides the template's subject"),
    sendAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('when to freeze the audience and start sending; now if absent'),
    localTime: z
      .string()
      .regex(LOCAL_TIME_PATTERN, 'must be a time of day as HH:MM, 00:00 to 23:59')
      .optional()
      .describe('send to each recipient at this time on their own clock, the next time on or after sendAt'),
    rateLimitPerSecond: z.number().int().min(1).max(10_000).optional(),
    topic: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe('the topic it is sent under (GET /v1/topics); a marketing broadcast must name one'),
  })
  .strict();

const countsSchema = z.object({
  recipients: z.number().int(),
  sent: z.number().int(),
  skipped: z.number().int(),
  skippedByReason: z.partialRecord(z.enum(SKIP_REASONS), z.number().int()),
  failed: z.number().int(),
  remaining: z.number().int(),
});

const broadcastResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  segment: z.string(),
  channel: z.enum(BROADCAST_CHANNELS),
  template: z.string(),
  subject: z.string().nullable(),
  topic: z.string().nullable(),
  sendAt: z.iso.datetime(),
  localTime: z.string().nullable(),
  rateLimitPerSecond: z.number().int(),
  status: z.enum(BROADCAST_STATUSES),
  createdBy: z.string(),
  approvalWorkflowId: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decisionComment: z.string().nullable(),
  workflowId: z.string(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  completedAt: z.iso.datetime().nullable(),
  counts: countsSchema,
});

const idParams = z.object({ id: z.uuid() });
const actionResponse = z.object({ id: z.uuid(), status: z.enum(BROADCAST_STATUSES) });

const present = (b: BroadcastView) => ({
  id: b.id,
  name: b.name,
  segment: b.segmentKey,
  channel: b.channel,
  template: b.template,
  subject: b.subject,
  topic: b.topic,
  sendAt: b.sendAt,
  localTime: b.localTime,
  rateLimitPerSecond: b.rateLimitPerSecond,
  status: b.status,
  createdBy: b.createdBy,
  approvalWorkflowId: b.approvalWorkflowId,
  decidedBy: b.decidedBy,
  decisionComment: b.decisionComment,
  workflowId: b.workflowId,
  createdAt: b.createdAt,
  startedAt: b.startedAt,
  completedAt: b.completedAt,
  counts: b.counts,
});

/**
 * Broadcasts: one message (an email, a text, an in-app message or a push) to the frozen members of a segment, sent by one workflow at a rate limit, with pause,
 * resume and cancel, progress counts, a test send, and the audience count before anything is sent.
 */
export function broadcastRoutes(deps: RouteDeps): AnyRoute[] {
  const service = new BroadcastService(
    deps.db,
    deps.temporal,
    {
      defaultRatePerSecond: deps.config.BROADCAST_RATE_LIMIT_PER_SECOND ?? 100,
      approvalThreshold: deps.config.APPROVAL_BROADCAST_RECIPIENTS_THRESHOLD ?? 10_000,
      approval: approvalGate(deps.config),
    },
    deps.taskQueue,
  );
  const load = async (id: string) => {
    const b = await service.get(id, false);
    if (!b) throw notFound(`broadcast ${id}`);
    return b;
  };
  const control = (action: 'pause' | 'resume' | 'cancel', summary: string) =>
    defineRoute({
      method: 'post',
      path: `/v1/broadcasts/:id/${action}`,
      summary,
      tag: 'Broadcasts',
      // Anyone may stop mail going out, as anyone may pause a campaign's spend; starting it again is a writer's call.
      access: action === 'resume' ? WRITERS : 'any',
      params: idParams,
      response: actionResponse,
      responses: { ...ok('the broadcast’s new status'), ...r403, ...r404, ...r409 },
      handler: async ({ params }, req, res) => {
        const b = await load(params.id);
        try {
          const state = await service.control(b, action, actorOf(req).actor);
          res.json({ id: b.id, status: state.status });
        } catch (err) {
          if (err instanceof BroadcastActionRefusedError) throw conflict(err.message, 'BroadcastActionRefused');
          throw err;
        }
      },
    });

  return [
    defineRoute({
      method: 'post',
      path: '/v1/broadcasts/preview-audience',
      summary: 'How many a broadcast to a segment would reach now',
      tag: 'Broadcasts',
      access: 'any',
      description:
        '`eligible` counts the members who may receive it: not unsubscribed from everything, when `topic` is ' +
        'given still in that topic, and reachable on `channel` (sms: a phone and consent to texts; push: a ' +
        'registered device). Suppressed and capped addresses are only known when it sends.',
      body: z
        .object({
          segment: z.string().trim().min(1).max(100),
          topic: z.string().trim().min(1).max(100).optional(),
          channel: channelField.describe('email when absent'),
        })
        .strict(),
      response: z.object({ segment: z.string(), members: z.number().int(), eligible: z.number().int() }),
      responses: { ...ok('the audience'), ...r400 },
      example: {
        body: { segment: 'pro-germany', topic: 'newsletter' },
        response: { segment: 'pro-germany', members: 1200, eligible: 1150 },
      },
      handler: async ({ body }, _req, res) => {
        let audience: Awaited<ReturnType<BroadcastService['audience']>>;
        try {
          audience = await service.audience(body.segment, body.topic, body.channel);
        } catch (err) {
          if (err instanceof BroadcastInputError) {
            throw badRequest('invalid request body', [{ path: err.field, message: err.message }]);
          }
          throw err;
        }
        if (!audience) {
          throw badRequest('invalid request body', [
            { path: 'segment', message: `there is no segment '${body.segment}'` },
          ]);
        }
        res.json({ segment: body.segment, ...audience });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/broadcasts',
      summary: 'Send one message to a segment',
      description:
        'The audience is frozen when the broadcast starts (at `sendAt`); each member is sent at most once, at the ' +
        'rate limit, in their own time zone when `localTime` is set. Unsubscribed, suppressed and capped contacts ' +
        'are skipped and counted; on `sms`, so are contacts without consent to texts (`no_consent`) or without a ' +
        'phone (`no_address`), on `push` those without a device (`no_address`). A webhook is not a broadcast ' +
        'channel: it goes from a sequence step. More recipients than APPROVAL_BROADCAST_RECIPIENTS_THRESHOLD wait for the ' +
        'chairman. Contacts who left the `topic` are skipped (`unsubscribed_topic`). The template version published ' +
        'when the broadcast starts is the one every recipient gets.',
      tag: 'Broadcasts',
      access: WRITERS,
      body: createBody,
      response: broadcastResponse,
      responses: { '201': 'created and scheduled', ...r400, ...r403 },
      example: {
        body: {
          name: 'Spring launch',
          segment: 'pro-germany',
          template: 'nurture_intro',
          subject: 'Something new in {{product_name}}',
          topic: 'newsletter',
          localTime: '09:00',
          rateLimitPerSecond: 50,
        },
      },
      handler: async ({ body }, req, res) => {
        try {
          const b = await service.create(
            {
              name: body.name,
              segment: body.segment,
              template: body.template,
              ...(body.channel ? { channel: body.channel } : {}),
              ...(body.subject ? { subject: body.subject } : {}),
              ...(body.sendAt ? { sendAt: new Date(body.sendAt) } : {}),
              ...(body.localTime ? { localTime: body.localTime } : {}),
              ...(body.rateLimitPerSecond ? { rateLimitPerSecond: body.rateLimitPerSecond } : {}),
              ...(body.topic ? { topic: body.topic } : {}),
            },
            actorOf(req).actor,
          );
          res.status(201).json(present(b));
        } catch (err) {
          if (err instanceof BroadcastInputError) {
            throw badRequest('invalid request body', [{ path: err.field, message: err.message }]);
          }
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/broadcasts',
      summary: 'Broadcasts, newest first',
      tag: 'Broadcasts',
      access: 'any',
      query: z
        .object({
          limit: queryNumber('limit', { what: 'how many to list', example: 50, int: true, min: 1, max: 500 }).default(
            100,
          ),
        })
        .strict(),
      response: z.object({ broadcasts: z.array(broadcastResponse) }),
      responses: { ...ok('broadcasts'), ...r400 },
      handler: async ({ query }, _req, res) => {
        res.json({ broadcasts: (await service.list(query.limit)).map(present) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/broadcasts/:id',
      summary: 'A broadcast with its status and counts',
      tag: 'Broadcasts',
      access: 'any',
      params: idParams,
      response: broadcastResponse,
      responses: { ...ok('the broadcast'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const b = await service.get(params.id);
        if (!b) throw notFound(`broadcast ${params.id}`);
        res.json(present(b));
      },
    }),
    control('pause', 'Pause sending (between two sends)'),
    control('resume', 'Resume a paused broadcast'),
    control('cancel', 'Cancel: nothing more is sent'),
    defineRoute({
      method: 'post',
      path: '/v1/broadcasts/:id/test',
      summary: 'Send one test of the broadcast to an address',
      description:
        'Not sent to the audience and not counted; the subject starts with [Test]. Only an email broadcast has a ' +
        'test: for another channel the answer is a 409.',
      tag: 'Broadcasts',
      access: WRITERS,
      params: idParams,
      body: z.object({ email: z.email() }).strict(),
      response: z.object({ status: z.string(), reason: z.string().optional() }),
      responses: { ...ok('what became of the test'), ...r400, ...r403, ...r404, ...r409 },
      example: { body: { email: 'me@acme.test' }, response: { status: 'sent' } },
      handler: async ({ params, body }, _req, res) => {
        const b = await load(params.id);
        try {
          res.json(await service.test(b, body.email));
        } catch (err) {
          if (err instanceof BroadcastActionRefusedError) throw conflict(err.message, 'BroadcastTestEmailOnly');
          throw err;
        }
      },
    }),
  ];
}
