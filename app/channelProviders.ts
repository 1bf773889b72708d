import fs from 'node:fs';
import type { ChannelProviders } from '../activities/channels';
import type { Config } from '../config/config';
import type { Metrics } from '../infra/metrics';
import { FcmPush, parseServiceAccount } from '../providers/push/fcm';
import { TwilioSms } from '../providers/sms/twilio';
import { WebhookSender } from '../providers/webhook/webhookSender';
import { instrumented } from './instrumentedEmail';

/** The configuration the channels beyond email are set up from. */
export type ChannelConfig = Pick<Config, 'publicUrl' | 'TWILIO_API_URL' | 'FCM_API_URL' | 'WEBHOOK_ALLOW_PRIVATE'> &
  Partial<
    Pick<
      Config,
      | 'TWILIO_ACCOUNT_SID'
      | 'TWILIO_AUTH_TOKEN'
      | 'TWILIO_FROM'
      | 'TWILIO_MESSAGING_SERVICE_SID'
      | 'WEBHOOK_SIGNING_SECRET'
      | 'FCM_SERVICE_ACCOUNT_FILE'
    >
  >;

/**
 * SMS through Twilio when its account is configured, push through FCM when a service account is, webhooks when a
 * signing secret is; each counted on `/metrics`. A channel left out fails its sends, saying what to set.
 */
export function createChannelProviders(config: ChannelConfig, metrics: Metrics): ChannelProviders {
  const providers: ChannelProviders = {};
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN) {
    const sms = new TwilioSms({
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      ...(config.TWILIO_FROM ? { from: config.TWILIO_FROM } : {}),
      ...(config.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID } : {}),
      baseUrl: config.TWILIO_API_URL,
    });
    providers.sms = instrumented(sms, metrics);
    providers.smsStatusCallback = `${config.publicUrl}/v1/webhooks/twilio/status`;
  }
  if (config.FCM_SERVICE_ACCOUNT_FILE) {
    const serviceAccount = parseServiceAccount(fs.readFileSync(config.FCM_SERVICE_ACCOUNT_FILE, 'utf8'));
    providers.push = instrumented(new FcmPush({ serviceAccount, baseUrl: config.FCM_API_URL }), metrics);
  }
  if (config.WEBHOOK_SIGNING_SECRET) {
    const webhook = new WebhookSender({
      signingSecret: config.WEBHOOK_SIGNING_SECRET,
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE === 'true',
    });
    providers.webhook = instrumented(webhook, metrics);
  }
  return providers;
}
