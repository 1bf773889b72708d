import { MockActivityEnvironment } from '@temporalio/testing';
import { sendOnChannel, type ChannelProviders } from '../../activities/channels';
import { sendGuard, type Delivery } from '../../activities/deliverOnce';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { DeviceStore } from '../../db/stores/devices';
import { OutboxStore, type FrequencyCap } from '../../db/stores/outbox';
import { SmsConsentStore } from '../../db/stores/smsConsent';
import { SuppressionStore } from '../../db/stores/suppressions';
import { LinkSigner } from '../../infra/signing';
import type { MailSettings } from '../../services/mailSettings';
import type { ResolvedTemplate } from '../../templates/library';
import { fakeChannelProviders } from '../harness/fakeChannels';
import { startFakeFcm, type FakeFcm } from '../harness/fakeFcm';
import { startFakeTwilio, type FakeTwilio } from '../harness/fakeTwilio';
import { createTestDatabase, uniqueId, type TestDatabase } from '../harness';

// The send path of the channels beyond email, activity by activity against the real database and Twilio- and
// FCM-shaped servers: the frequency cap counts every channel (or each on its own), a number the carrier refuses is
// suppressed like a bounced address, consent and devices are checked after the claim, an invalid push token is
// removed, and a key already sent never sends again.

let t: TestDatabase;
let twilio: FakeTwilio;
let fcm: FakeFcm;
let providers: ChannelProviders;
const signer = new LinkSigner('channel-sends-test-signing-secret-000000');

beforeAll(async () => {
  t = await createTestDatabase();
  twilio = await startFakeTwilio();
  fcm = await startFakeFcm();
  providers = fakeChannelProviders(twilio, fcm);
});
afterAll(async () => {
  await twilio?.close();
  await fcm?.close();
  await t?.destroy();
});

const mail = (cap: FrequencyCap): MailSettings => ({
  from: 'Acme <hello@acme.example>',
  productName: 'Acme Notes',
  companyName: 'Acme',
  publicUrl: 'http://localhost:3000',
  appUrl: 'https://app.acme.example',
  frequencyCap: cap,
});

const textTemplate: ResolvedTemplate = {
  key: 'hello_sms',
  version: 1,
  format: 'text',
  transactional: false,
  from: null,
  replyTo: null,
  cta: 'hello_sms',
  defaultLocale: 'en',
  artifacts: {
    en: {
      subject: 'Hello',
      html: '',
      text: 'Hi {{first_name}}, news from {{product_name}}. Reply STOP to opt out.',
      partials: {},
    },
  },
};

/** The in-app message: an HTML template, as email's. */
const htmlTemplate: ResolvedTemplate = {
  ...textTemplate,
  key: 'hello_html',
  format: 'html',
  artifacts: {
    en: { subject: 'Hello', html: '<p>Hi</p><a href="{{unsubscribe_url}}">Unsubscribe</a>', text: null, partials: {} },
  },
};

async function person(phone: string | null, consent = true): Promise<Contact> {
  const contacts = new ContactStore(t.db);
  const { contact } = await contacts.upsert({
    externalId: uniqueId('c'),
    email: `${uniqueId('c')}@example.com`,
    traits: { first_name: 'Ana' },
    ...(phone ? { phone } : {}),
  });
  if (phone && consent) await new SmsConsentStore(t.db).optIn(contact.id, 'test form');
  return (await contacts.getById(contact.id))!;
}

const send = (
  contact: Contact,
  channel: 'sms' | 'push' | 'in_app',
  cap: FrequencyCap = { max: 10, windowMs: 86_400_000 },
  key = uniqueId('key'),
): Promise<Delivery> =>
  new MockActivityEnvironment({
    attempt: 1,
    activityId: 'send',
    scheduledTimestampMs: Date.now(),
    currentAttemptScheduledTimestampMs: Date.now(),
  }).run(
    sendOnChannel,
    {
      db: t.db,
      outbox: new OutboxStore(t.db),
      guard: sendGuard(t.db, {}),
      mail: mail(cap),
      signer,
      providers,
    },
    {
      idempotencyKey: key,
      contactId: contact.id,
      template: textTemplate.key,
      toEmail: contact.email,
      subject: 'Hello',
      marketing: true,
    },
    {
      channel,
      contact,
      message: {
        template: channel === 'in_app' ? htmlTemplate : textTemplate,
        from: 'hello@acme.example',
        campaign: 'test',
        marketing: true,
      },
    },
    async () => undefined,
  ) as Promise<Delivery>;

test('the frequency cap counts every channel together by default, and each channel alone when set so', async () => {
  const ana = await person('+14155550101');
  const cap = { max: 2, windowMs: 86_400_000 };
  expect((await send(ana, 'sms', cap)).status).toBe('sent');
  expect((await send(ana, 'in_app', cap)).status).toBe('sent');
  // Two marketing messages today, on two channels: the third waits, whatever its channel.
  expect((await send(ana, 'sms', cap)).status).toBe('deferred');
  // Counted per channel, the SMS has room for one more, and then none.
  const perChannel = { ...cap, perChannel: true };
  expect((await send(ana, 'sms', perChannel)).status).toBe('sent');
  expect((await send(ana, 'sms', perChannel)).status).toBe('deferred');
});

test('a key already sent is never sent again; no consent, no phone and no device are refused with the reason', async () => {
  const ana = await person('+14155550102');
  const before = twilio.messages.length;
  const key = uniqueId('once');
  expect((await send(ana, 'sms', undefined, key)).status).toBe('sent');
  expect((await send(ana, 'sms', undefined, key)).status).toBe('duplicate');
  expect(twilio.messages.length).toBe(before + 1);

  const noConsent = await send(await person('+14155550103', false), 'sms');
  expect(noConsent).toEqual({ status: 'suppressed', reason: expect.stringContaining('no_sms_consent') });
  expect(await send(await person(null), 'sms')).toEqual({
    status: 'suppressed',
    reason: expect.stringContaining('no_phone'),
  });
  expect(await send(ana, 'push')).toEqual({ status: 'suppressed', reason: expect.stringContaining('no_device') });
  expect(twilio.messages.length).toBe(before + 1);
});

test('a number the carrier refuses for good is suppressed: the next text to it is not handed to Twilio', async () => {
  const bo = await person('+14155550104');
  twilio.failNext(400, 21610, 'Attempt to send to unsubscribed recipient');
  const refused = await send(bo, 'sms');
  expect(refused.status).toBe('failed');
  expect(await new SuppressionStore(t.db).active('+14155550104', new Date())).toBeDefined();
  const before = twilio.messages.length;
  expect((await send(bo, 'sms')).status).toBe('suppressed');
  expect(twilio.messages.length).toBe(before);
});

test('a push goes to every device of the contact; a token FCM calls unregistered is removed', async () => {
  const cy = await person(null);
  const devices = new DeviceStore(t.db);
  const live = `live-token-${'a'.repeat(40)}`;
  const gone = `gone-token-${'b'.repeat(40)}`;
  await devices.register(cy.id, live, 'ios');
  await devices.register(cy.id, gone, 'android');
  fcm.unregister(gone);
  const outcome = await send(cy, 'push');
  expect(outcome.status).toBe('sent');
  expect(fcm.sent.filter((m) => m.token === live)).toEqual([
    expect.objectContaining({ title: 'Hello', body: 'Hi Ana, news from Acme Notes. Reply STOP to opt out.' }),
  ]);
  expect((await devices.list(cy.id)).map((d) => d.token)).toEqual([live]);
});
