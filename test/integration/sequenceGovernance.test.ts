import { ContactStore } from '../../db/stores/contacts';
import { SequenceStore } from '../../db/stores/sequences';
import { sequenceDefinitionSchema, type SequenceDefinitionInput } from '../../domain/sequences/definition';
import { uniqueId, eventually } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

/*
 * Who may send what, as a marketer would try to get around it: a sequence marked transactional to reach people
 * who unsubscribed, and a step's sender naming someone else (or smuggling a header in with a line break).
 */

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({
    PRODUCT_NAME: 'Acme Notes',
    MAIL_FROM: 'Acme Notes <hello@acme.test>',
    MAIL_FROM_ALLOWED: 'ada@acme.test, @news.acme.test',
  });
}, 60_000);
afterAll(async () => t?.stop());

const TRANSACTIONAL = [
  'account_access',
  'ad_credential_alert',
  'approval_escalation',
  'approval_reminder',
  'approval_request',
  'budget_alert',
  'customer_success_alert',
  'topic_confirmation',
];
const ALLOWED_SENDERS = 'hello@acme.test, ada@acme.test, @news.acme.test';

async function createContact(prefix: string) {
  const id = uniqueId(prefix);
  const res = await client(t)('POST', '/v1/contacts', { id, email: `${id}@example.com` });
  expect(res.status).toBe(201);
  return res.body as { id: string; internalId: string; email: string };
}

/** Stores a definition as an older release would have, without today's checks, as already stored sequences are. */
async function storeUnchecked(input: SequenceDefinitionInput): Promise<void> {
  expect(await new SequenceStore(t.stack.db).create(sequenceDefinitionSchema.parse(input))).toBe(true);
}

async function enroll(key: string, contactId: string): Promise<void> {
  const res = await client(t)('POST', `/v1/sequences/${key}/enrollments`, { contactId });
  expect(res.status).toBe(201);
}

const promo = (id: string, template: string) => ({ id, type: 'send' as const, template, subject: `Promo ${id}` });
/** Four promotional sends in a row, no wait between them. */
const fourPromotions = () => [
  promo('one', 'welcome'),
  promo('two', 'winback_offer'),
  promo('three', 'nurture_demo_invite'),
  promo('four', 'expansion_upgrade'),
];

describe('transactional is a property of a template', () => {
  it("refuses a marketer's transactional sequence that sends a promotional template, listing the transactional ones", async () => {
    const key = uniqueId('fake-receipt').toLowerCase();
    const res = await client(t)('POST', '/v1/sequences', {
      key,
      name: 'Definitely a receipt',
      category: 'transactional',
      exitOnUnsubscribe: false,
      steps: [
        { id: 'receipt', type: 'send', template: 'approval_request', subject: 'Your approval' },
        { id: 'deal', type: 'send', template: 'winback_offer', subject: '50% off, today only' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      {
        path: 'steps.1.template',
        message: expect.stringContaining(`transactional templates: ${TRANSACTIONAL.join(', ')}`),
      },
    ]);
    expect(res.body.problems[0].message).toMatch(/step 'deal'.*'winback_offer' is a marketing template/);
    expect((await client(t)('GET', `/v1/sequences/${key}`)).status).toBe(404);
  });

  it('sends nothing promotional to a contact who unsubscribed, from a sequence stored as transactional', async () => {
    const key = uniqueId('old-transactional').toLowerCase();
    await storeUnchecked({
      key,
      name: 'Stored before templates said what is transactional',
      category: 'transactional',
      exitOnUnsubscribe: false,
      steps: [
        ...fourPromotions(),
        // A genuinely transactional message last: once it arrives, every step before it has been handled.
        { id: 'notice', type: 'send', template: 'approval_request', subject: 'A notice' },
      ],
    });
    const contact = await createContact('gone');
    await new ContactStore(t.stack.db).unsubscribe(contact.internalId);

    await enroll(key, contact.id);
    await t.smtp.waitFor(() => t.smtp.to(contact.email).some((m) => m.subject === 'A notice'), 30_000);
    expect(t.smtp.to(contact.email).map((m) => m.subject)).toEqual(['A notice']);
  });

  it('treats its promotional templates as marketing: List-Unsubscribe on each, and the frequency cap holds the fourth', async () => {
    const key = uniqueId('old-blast').toLowerCase();
    await storeUnchecked({
      key,
      name: 'Four promotions in a second',
      category: 'transactional',
      exitOnUnsubscribe: false,
      steps: [...fourPromotions()],
    });
    const contact = await createContact('capped');
    await enroll(key, contact.id);

    await t.smtp.waitFor(() => t.smtp.to(contact.email).length >= 3, 30_000);
    for (const mail of t.smtp.to(contact.email)) {
      expect(mail.headers['list-unsubscribe']).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/u\/.+>$/);
      expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    }
    // The default cap is 3 marketing emails a day: the fourth waits for the window to open.
    const held = await eventually(async () => {
      const res = await client(t, 'operator')('GET', `/v1/contacts/${contact.id}/enrollments`);
      const [e] = res.body.enrollments as { state?: { currentStep: string; waitingFor?: object } }[];
      return e?.state?.currentStep === 'four' && e.state.waitingFor ? e.state : undefined;
    }, 30_000);
    expect(held).toMatchObject({ sends: 3 });
    expect(t.smtp.to(contact.email).map((m) => m.subject)).toEqual(['Promo one', 'Promo two', 'Promo three']);
  });
});

describe('the sender comes from the allowed list', () => {
  const define = (from: string) =>
    client(t)('POST', '/v1/sequences', {
      key: uniqueId('sender').toLowerCase(),
      name: 'Sender',
      topic: 'onboarding',
      steps: [
        { id: 'hello', type: 'send', template: 'welcome', subject: 'Hello' },
        { id: 'board', type: 'send', template: 'next_steps', subject: 'From the board', from },
      ],
    });

  it("refuses a step sending as another company's chairman, listing the allowed senders", async () => {
    const res = await define('Chairman <chairman@bigbank.com>');
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      {
        path: 'steps.1.from',
        message: `step 'board': chairman@bigbank.com is not an allowed sender (allowed: ${ALLOWED_SENDERS})`,
      },
    ]);
  });

  it.each([
    ['a line break that would start a new header', 'Acme <hello@acme.test>\r\nBcc: everyone@example.com'],
    ['a line break inside the address', 'hello@acme.test\r\nRCPT TO:<victim@example.com>'],
    ['two addresses', 'hello@acme.test, ada@acme.test'],
  ])('refuses a sender with %s', async (_what, from) => {
    const res = await define(from);
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      {
        path: 'steps.1.from',
        message: expect.stringMatching(/^step 'board': must be one address.*\(allowed: .*\)$/),
      },
    ]);
    expect(res.body.problems[0].message).toContain(ALLOWED_SENDERS);
  });

  it('accepts an allowed sender, and the email goes out from it', async () => {
    const key = uniqueId('ada').toLowerCase();
    const res = await client(t)('POST', '/v1/sequences', {
      key,
      name: 'From Ada',
      topic: 'onboarding',
      steps: [
        { id: 'hello', type: 'send', template: 'welcome', subject: 'From Ada', from: 'Ada Lovelace <ada@acme.test>' },
        {
          id: 'news',
          type: 'send',
          template: 'next_steps',
          subject: 'News',
          from: '"Acme, News" <news@news.acme.test>',
        },
      ],
    });
    expect(res.status).toBe(201);
    const contact = await createContact('ada');
    await enroll(key, contact.id);
    await t.smtp.waitFor(() => t.smtp.to(contact.email).length === 2, 30_000);
    const [first, second] = t.smtp.to(contact.email);
    expect(first).toMatchObject({ from: '"Ada Lovelace" <ada@acme.test>', envelopeFrom: 'ada@acme.test' });
    expect(second).toMatchObject({ from: '"Acme, News" <news@news.acme.test>', envelopeFrom: 'news@news.acme.test' });
  });

  it('sends a stored sequence whose sender is not allowed from the default sender instead', async () => {
    const key = uniqueId('old-sender').toLowerCase();
    await storeUnchecked({
      key,
      name: 'Stored before senders were checked',
      steps: [
        { id: 'chair', type: 'send', template: 'welcome', subject: 'One', from: 'Chairman <chairman@bigbank.com>' },
        {
          id: 'smuggled',
          type: 'send',
          template: 'next_steps',
          subject: 'Two',
          from: 'ada@acme.test\r\nBcc: everyone@example.com',
        },
      ],
    });
    const contact = await createContact('old-sender');
    await enroll(key, contact.id);
    await t.smtp.waitFor(() => t.smtp.to(contact.email).length === 2, 30_000);
    for (const mail of t.smtp.to(contact.email)) {
      expect(mail).toMatchObject({ from: '"Acme Notes" <hello@acme.test>', envelopeFrom: 'hello@acme.test' });
      expect(mail.envelopeTo).toEqual([contact.email]);
      expect(mail.headers.bcc).toBeUndefined();
    }
    expect(t.smtp.to('everyone@example.com')).toEqual([]);
  });
});
