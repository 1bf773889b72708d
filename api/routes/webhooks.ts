import type { Request } from 'express';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { ProviderEvent } from '../../domain/messages';
import { createTokenMemory, parseMailgunEvent, verifyMailgunSignature } from '../../providers/email/mailgunWebhook';
import {
  parseSendGridEvents,
  parseSendGridPublicKey,
  verifySendGridRequest,
} from '../../providers/email/sendgridWebhook';
import type { EngagementService } from '../../services/engagement';
import type { RouteDeps } from '../deps';
import { badRequest, HttpError } from '../errors';
import { defineRoute, ok, r400, type AnyRoute } from '../registry';
import { DEFAULT_PRODUCT_NAME } from '../../config/config';
import { SmsConsentStore } from '../../db/stores/smsConsent';
import { keywordReply, normalizePhone, smsKeyword } from '../../domain/sms';
import { twilioStatus, verifyTwilioSignature } from '../../providers/sms/twilio';

/** What a webhook delivery did, so a provider's delivery log shows it. */
const answer = z.object({
  stored: z.number().int(),
  duplicates: z.number().int(),
  unmatched: z.number().int(),
  ignored: z.number().int(),
  invalid: z.number().int(),
});
const refused = {
  '401': 'not signed: the signature headers are missing; nothing stored',
  '403': 'the signature does not verify or is stale; nothing stored',
  '503': 'no verification key is configured; nothing stored, and the provider retries',
};

export interface WebhookDeps extends Pick<RouteDeps, 'config' | 'log' | 'metrics' | 'db'> {
  engagement: EngagementService;
}

/**
 * The providers' event webhooks. They carry a signature, not an API key, so the app mounts them outside the key check
 * and hands them the raw body: the signature is over its bytes. A request that does not verify stores nothing.
 */
export function webhookRoutes({ config, log, metrics, engagement, db }: WebhookDeps): AnyRoute[] {
  const consent = new SmsConsentStore(db);
  const maxAge = config.WEBHOOK_MAX_AGE_SECONDS ?? 300;
  const sendGridKey: KeyObject | undefined = config.SENDGRID_WEBHOOK_PUBLIC_KEY
    ? parseSendGridPublicKey(config.SENDGRID_WEBHOOK_PUBLIC_KEY)
    : undefined;
  const mailgunTokens = createTokenMemory();
  const tag = 'Webhooks';

  // A refused delivery stores nothing. With no verification key configured nothing can be verified: a 503 makes the
  // provider retry, and its events land once the operator sets the key (SendGrid and Mailgun retry for a day or more).
  const refuse = (provider: string, status: 401 | 403 | 503, reason: string): never => {
    metrics.webhookEvents.inc({ provider, outcome: 'refused' });
    log.warn({ provider, status, reason }, 'webhook refused');
    throw new HttpError(status, reason);
  };
  const unconfigured = (provider: string, variable: string): never =>
    refuse(provider, 503, `${variable} is not configured: events cannot be verified, so none are stored`);
  const rawBody = (req: Request): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
  const json = (raw: Buffer): unknown => {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      throw badRequest('the body is not JSON', [
        { path: '(body)', message: 'must be the provider’s JSON event payload' },
      ]);
    }
  };
  const record = async (provider: string, events: ProviderEvent[], ignored: number, invalid: number) => {
    const batch = await engagement.recordProviderEvents(events);
    for (const [outcome, n] of Object.entries({ ...batch, ignored, invalid })) {
      if (n > 0) metrics.webhookEvents.inc({ provider, outcome }, n);
    }
    return { ...batch, ignored, invalid };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/v1/webhooks/sendgrid',
      summary: "SendGrid's signed Event Webhook (delivered, bounce, open, click, spamreport, ...)",
      description:
        'Verified with SENDGRID_WEBHOOK_PUBLIC_KEY: ECDSA P-256 over the X-Twilio-Email-Event-Webhook-Timestamp ' +
        `header followed by the raw body, refused when older than WEBHOOK_MAX_AGE_SECONDS (${maxAge}). Events are ` +
        'stored once per sg_event_id, in any order; see README "Deliverability".',
      tag,
      access: 'public',
      bodyMediaTypes: ['application/json'],
      response: answer,
      responses: { ...ok('the events were recorded'), ...r400, ...refused },
      handler: async (_input, req, res) => {
        if (!sendGridKey) unconfigured('sendgrid', 'SENDGRID_WEBHOOK_PUBLIC_KEY');
        const raw = rawBody(req);
        const verdict = verifySendGridRequest({
          key: sendGridKey!,
          signature: req.get('x-twilio-email-event-webhook-signature'),
          timestamp: req.get('x-twilio-email-event-webhook-timestamp'),
          rawBody: raw,
          toleranceSeconds: maxAge,
        });
        if (!verdict.ok) refuse('sendgrid', verdict.status, verdict.reason);
        let parsed: ReturnType<typeof parseSendGridEvents>;
        try {
          parsed = parseSendGridEvents(json(raw));
        } catch (err) {
          if (err instanceof HttpError) throw err;
          throw badRequest((err as Error).message);
        }
        if (parsed.invalid.length)
          log.warn({ invalid: parsed.invalid.slice(0, 20) }, 'sendgrid webhook: events skipped');
        res.json(await record('sendgrid', parsed.events, parsed.ignored, parsed.invalid.length));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/webhooks/mailgun',
      summary: "Mailgun's signed event webhook (delivered, failed, opened, clicked, complained, unsubscribed)",
      description:
        'Verified with MAILGUN_WEBHOOK_SIGNING_KEY: HMAC-SHA256 of the signature timestamp and token; a stale ' +
        'timestamp or a token seen before is refused. Events are stored once per event id.',
      tag,
      access: 'public',
      bodyMediaTypes: ['application/json'],
      response: answer,
      responses: { ...ok('the event was recorded'), ...r400, ...refused },
      handler: async (_input, req, res) => {
        const signingKey = config.MAILGUN_WEBHOOK_SIGNING_KEY;
        if (!signingKey) unconfigured('mailgun', 'MAILGUN_WEBHOOK_SIGNING_KEY');
        const body = json(rawBody(req));
        const verdict = verifyMailgunSignature({
          signingKey: signingKey!,
          signature: (body as { signature?: unknown } | null)?.signature,
          toleranceSeconds: maxAge,
          seenToken: mailgunTokens,
        });
        if (!verdict.ok) refuse('mailgun', verdict.status, verdict.reason);
        const parsed = parseMailgunEvent(body);
        if (parsed.invalid) throw badRequest(`not a Mailgun event: ${parsed.invalid}`);
        res.json(await record('mailgun', parsed.event ? [parsed.event] : [], parsed.ignored ? 1 : 0, 0));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/webhooks/twilio/status',
      summary: "Twilio's delivery status callback of a text message (sent, delivered, undelivered, failed)",
      description:
        'Verified with TWILIO_AUTH_TOKEN: the X-Twilio-Signature of this URL (under PUBLIC_URL) and the form fields. ' +
        'Each status of a message is stored once on its timeline; undelivered is a bounce of the text, never of ' +
        "the contact's email address.",
      tag,
      access: 'public',
      bodyMediaTypes: ['application/x-www-form-urlencoded'],
      response: answer,
      responses: { ...ok('the status was recorded'), ...r400, ...refused },
      handler: async (_input, req, res) => {
        const form = twilioForm(req, 'status');
        const status = twilioStatus(form.MessageStatus ?? '');
        if (!status || !form.MessageSid) {
          res.json(await record('twilio', [], 1, 0));
          return;
        }
        const event: ProviderEvent = {
          provider: 'twilio',
          eventId: `${form.MessageSid}:${form.MessageStatus}`,
          status,
          occurredAt: new Date(),
          providerMessageId: form.MessageSid,
          ...(form.ErrorCode ? { reason: `Twilio error ${form.ErrorCode}` } : {}),
          ...(status === 'bounced' ? { bounceType: 'hard' as const } : {}),
        };
        res.json(await record('twilio', [event], 0, 0));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/webhooks/twilio/inbound',
      summary: 'A text message a contact sent to our number: STOP, START and HELP as carriers require',
      description:
        'Verified like the status callback. STOP (STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE) withdraws ' +
        'the SMS consent of every contact with that number, START (YES, UNSTOP) gives it again, HELP (INFO) answers ' +
        'with how to stop; each is confirmed by a reply (TwiML). Anything else gets no reply.',
      tag,
      access: 'public',
      bodyMediaTypes: ['application/x-www-form-urlencoded'],
      responses: { ...ok('TwiML: the reply, if any'), ...r400, ...refused },
      handler: async (_input, req, res) => {
        const form = twilioForm(req, 'inbound');
        const keyword = smsKeyword(form.Body ?? '');
        let phone: string | undefined;
        try {
          phone = normalizePhone(form.From ?? '');
        } catch {
          phone = undefined;
        }
        if (keyword === 'stop' && phone)
          await consent.optOutPhone(phone, `sms:${(form.Body ?? '').trim().toUpperCase()}`);
        if (keyword === 'start' && phone)
          await consent.optInPhone(phone, `sms:${(form.Body ?? '').trim().toUpperCase()}`);
        if (keyword) metrics.webhookEvents.inc({ provider: 'twilio', outcome: `keyword_${keyword}` });
        const reply = keyword
          ? `<Message>${xmlText(keywordReply(keyword, config.PRODUCT_NAME ?? DEFAULT_PRODUCT_NAME))}</Message>`
          : '';
        res.type('text/xml').send(`<?xml version="1.0" encoding="UTF-8"?><Response>${reply}</Response>`);
      },
    }),
  ];

  /** The form Twilio posted, once its signature verifies against this service's public URL of the route. */
  function twilioForm(req: Request, route: 'status' | 'inbound'): Record<string, string> {
    const token = config.TWILIO_AUTH_TOKEN;
    if (!token) unconfigured('twilio', 'TWILIO_AUTH_TOKEN');
    const form = Object.fromEntries(new URLSearchParams(rawBody(req).toString('utf8')));
    const signature = req.get('x-twilio-signature');
    if (!signature) refuse('twilio', 401, 'not signed: the X-Twilio-Signature header is missing');
    const url = `${config.publicUrl}/v1/webhooks/twilio/${route}`;
    if (!verifyTwilioSignature(token!, url, form, signature)) {
      refuse(
        'twilio',
        403,
        `the X-Twilio-Signature does not verify for ${url} (is PUBLIC_URL the address Twilio calls?)`,
      );
    }
    return form;
  }
}

/** Text as XML character data. */
const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
