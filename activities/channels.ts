import type { Db } from '../db/knex';
import type { Contact } from '../db/stores/contacts';
import { DeviceStore } from '../db/stores/devices';
import { InboxStore } from '../db/stores/inbox';
import type { OutboxClaim, OutboxStore } from '../db/stores/outbox';
import type { Channel } from '../domain/messages';
import { SMS_MAX_CHARACTERS } from '../domain/sms';
import type { LinkSigner } from '../infra/signing';
import { PermanentEmailError } from '../providers/email/types';
import { InvalidDeviceTokenError, type PushProvider } from '../providers/push/fcm';
import type { SmsProvider } from '../providers/sms/twilio';
import type { WebhookSender } from '../providers/webhook/webhookSender';
import { emailVars, type Message } from '../services/emailVars';
import type { MailSettings } from '../services/mailSettings';
import { renderJson, renderTemplate, renderText } from '../templates/library';
import { deliverOnce, type Compose, type Courier, type Delivery, type SendGuard } from './deliverOnce';

/**
 * The providers of the channels beyond email, each unset until configured: a send on a channel that is not set
 * up is recorded as failed, with what to set.
 */
export interface ChannelProviders {
  sms?: SmsProvider;
  /** Where Twilio posts delivery statuses: this service's public URL of the status callback. */
  smsStatusCallback?: string;
  push?: PushProvider;
  webhook?: { readonly name: string; send: WebhookSender['send'] };
}

/** What a send on a channel beyond email needs besides the claim: who, what, and where a webhook goes. */
export interface ChannelSend {
  channel: Exclude<Channel, 'email'>;
  contact: Contact;
  message: Message;
  /** The webhook's URL. */
  url?: string;
}

const NOT_SET_UP: Record<Exclude<Channel, 'email' | 'in_app'>, string> = {
  sms: 'SMS is not set up: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM',
  push: 'push is not set up: set FCM_SERVICE_ACCOUNT_FILE',
  webhook: 'webhooks are not set up: set WEBHOOK_SIGNING_SECRET',
};

/** A courier for a channel that is not configured: every send fails for good, saying what to set. */
const notSetUp = <M>(channel: keyof typeof NOT_SET_UP): Courier<M> => ({
  name: channel,
  send: async () => {
    throw new PermanentEmailError(NOT_SET_UP[channel]);
  },
});

/**
 * Sends one message on a channel beyond email, exactly once per idempotency key, through the same outbox, lease,
 * frequency cap, suppression and message log as email (`deliverOnce`). What differs per channel: where it goes
 * (the phone, the URL, the inbox, the devices), what the template renders to, and what must hold first (consent
 * to texts, a number, a device), which refuses the send with the reason on its timeline.
 */
export async function sendOnChannel(
  deps: {
    db: Db;
    outbox: OutboxStore;
    guard: SendGuard;
    mail: MailSettings;
    signer: LinkSigner;
    providers: ChannelProviders;
  },
  claim: OutboxClaim,
  send: ChannelSend,
  /** The person's own choice (a topic they left), checked once the send is claimed. */
  topicRefusal: () => Promise<string | undefined>,
): Promise<Delivery> {
  const { contact, message } = send;
  const vars = () => emailVars(deps, { contactId: contact.id, email: contact.email, traits: contact.traits }, message);
  const locale = (v: Record<string, unknown>) => (typeof v.locale === 'string' ? { locale: v.locale } : {});
  const subject = message.subject ? { subject: message.subject } : {};
  // Where it goes on the channel, for the message log and the suppression list: the number, the URL.
  const address =
    send.channel === 'sms' ? (contact.phone ?? undefined) : send.channel === 'webhook' ? send.url : undefined;
  const run = <M>(courier: Courier<M>, compose: Compose<M>, refusal?: () => Promise<string | undefined>) =>
    deliverOnce<M>(
      { outbox: deps.outbox, courier, guard: deps.guard },
      { ...claim, channel: send.channel, ...(address ? { address } : {}) },
      deps.mail.frequencyCap,
      compose,
      async () => (await refusal?.()) ?? topicRefusal(),
    );

  switch (send.channel) {
    case 'sms': {
      const { sms, smsStatusCallback } = deps.providers;
      return run<{ subject: string; body: string; statusCallback?: string }>(
        sms ?? notSetUp('sms'),
        () => {
          const v = vars();
          const rendered = renderText(message.template, v, { ...locale(v), ...subject });
          if (rendered.text.length > SMS_MAX_CHARACTERS) {
            throw new Error(`the text is ${rendered.text.length} characters; an SMS may hold ${SMS_MAX_CHARACTERS}`);
          }
          return {
            subject: rendered.text.slice(0, 300),
            body: rendered.text,
            ...(smsStatusCallback ? { statusCallback: smsStatusCallback } : {}),
          };
        },
        async () => smsRefusal(contact),
      );
    }
    case 'webhook': {
      const { webhook } = deps.providers;
      const courier: Courier<WebhookContent> = webhook
        ? {
            name: webhook.name,
            send: (m, signal) =>
              webhook.send(
                { url: m.to, body: m.body, messageId: m.messageId, idempotencyKey: m.idempotencyKey },
                signal,
              ),
          }
        : notSetUp('webhook');
      return run<WebhookContent>(courier, (messageId) => {
        const v = vars();
        const rendered = renderJson(message.template, v, { ...locale(v), ...subject });
        // The host only: a webhook's path or query often carries its own secret.
        return { subject: rendered.subject || `POST to ${hostOf(send.url)}`, body: rendered.body, messageId };
      });
    }
    case 'in_app': {
      const inbox = new InboxStore(deps.db);
      const courier: Courier<InAppContent> = {
        name: 'in_app',
        send: async (m) => {
          await inbox.deliver(deps.db, { id: m.messageId, contactId: m.contactId, title: m.subject, html: m.html });
          return { providerMessageId: m.messageId };
        },
      };
      return run<InAppContent>(courier, (messageId) => {
        const v = vars();
        const rendered = renderTemplate(message.template, v, { ...locale(v), ...subject });
        return { subject: rendered.subject, html: rendered.html, contactId: contact.id, messageId };
      });
    }
    case 'push': {
      const devices = new DeviceStore(deps.db);
      const push = deps.providers.push;
      const courier: Courier<PushContent> = push ? pushCourier(push, devices) : notSetUp('push');
      return run<PushContent>(
        courier,
        (messageId) => {
          const v = vars();
          const content = pushContent(message, v, { ...locale(v), ...subject });
          return { ...content, contactId: contact.id, data: { ...content.data, messageId } };
        },
        async () =>
          (await devices.list(contact.id)).length === 0
            ? 'no_device: the contact has no push device registered'
            : undefined,
      );
    }
  }
}

const hostOf = (url: string | undefined): string => {
  try {
    return new URL(url ?? '').host;
  } catch {
    return 'an invalid URL';
  }
};

/** Why an SMS may not go to the contact: no number, or no consent to texts for it. */
export function smsRefusal(contact: Contact): string | undefined {
  if (!contact.phone) return 'no_phone: the contact has no phone number';
  if (!contact.smsConsent) return 'no_sms_consent: the contact has not opted in to text messages (or sent STOP)';
  return undefined;
}

interface WebhookContent {
  subject: string;
  /** The rendered JSON. */
  body: string;
  messageId: string;
}

interface InAppContent {
  subject: string;
  html: string;
  contactId: string;
  messageId: string;
}

interface PushContent {
  subject: string;
  body: string;
  data: Record<string, string>;
  contactId: string;
}

/** A push's title, body and data from a text template (its subject is the title) or a JSON one `{title, body, data}`. */
function pushContent(
  message: Message,
  vars: Record<string, unknown>,
  options: { locale?: string; subject?: string },
): Omit<PushContent, 'contactId'> {
  if (message.template.format === 'json') {
    const { value } = renderJson(message.template, vars, options);
    const v = (value ?? {}) as { title?: unknown; body?: unknown; data?: unknown };
    if (typeof v.title !== 'string' || typeof v.body !== 'string') {
      throw new Error('a push template in JSON must render to an object with a string title and body');
    }
    const data = Object.fromEntries(
      Object.entries(typeof v.data === 'object' && v.data !== null ? v.data : {}).map(([k, x]) => [k, String(x)]),
    );
    return { subject: v.title, body: v.body, data };
  }
  const rendered = renderText(message.template, vars, options);
  return { subject: rendered.subject, body: rendered.text, data: {} };
}

/**
 * Push to every device of the contact: accepted when one device took it. A token FCM says is invalid is removed;
 * when every token was, the send fails for good.
 */
function pushCourier(push: PushProvider, devices: DeviceStore): Courier<PushContent> {
  return {
    name: push.name,
    async send(m, signal) {
      const tokens = (await devices.list(m.contactId)).map((d) => d.token);
      const accepted: string[] = [];
      for (const token of tokens) {
        try {
          const { providerMessageId } = await push.send(
            { token, title: m.subject, body: m.body, data: m.data, idempotencyKey: m.idempotencyKey },
            signal,
          );
          accepted.push(providerMessageId);
        } catch (err) {
          if (!(err instanceof InvalidDeviceTokenError)) throw err;
          await devices.removeToken(token);
        }
      }
      if (accepted.length === 0) {
        throw new PermanentEmailError('no device took the push: every token was invalid and has been removed');
      }
      return { providerMessageId: accepted.join(',').slice(0, 500) };
    },
  };
}
