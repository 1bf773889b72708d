import { uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

// Templates for channels beyond email through the HTTP API: `text` (SMS and push) and `json` (webhooks and push)
// are saved, read back, previewed with a contact's traits, and refused with the field at fault; a refusal stores
// nothing.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ PRODUCT_NAME: 'Acme Notes' });
}, 60_000);
afterAll(async () => t?.stop());

const api = () => client(t);
const newKey = (prefix: string) => uniqueId(prefix).toLowerCase();

const SMS = 'Hi {{first_name}}, {{traits.company}} invited you to {{product_name}}. Reply STOP to opt out';
const HOOK = [
  '{',
  '  "event": "invited",',
  '  "contact": {"name": "{{first_name}}", "note": "{{traits.note}}"},',
  '  "count": 2',
  '}',
].join('\n');

async function contactWith(traits: Record<string, unknown>): Promise<string> {
  const id = uniqueId('c');
  const made = await api()('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits });
  expect(made.status).toBeLessThan(300);
  return id;
}

async function expectNothingStored(key: string) {
  expect((await api()('GET', `/v1/templates/${key}`)).status).toBe(404);
  const list = await api()('GET', '/v1/templates?kind=email&includeArchived=true');
  expect(list.body.templates.map((x: { key: string }) => x.key)).not.toContain(key);
}

describe('text templates', () => {
  it('are created without a subject or layout, read back with their format, and listed', async () => {
    const key = newKey('sms');
    const made = await api()('POST', '/v1/templates', { key, name: 'Invite by SMS', format: 'text', body: SMS });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ key, kind: 'email', format: 'text', layout: null, version: 1 });
    // No contact of this fresh database has the trait yet: a warning, as for an email.
    expect(made.body.warnings).toEqual([
      expect.objectContaining({ path: 'content.en.body', message: expect.stringMatching(/traits\.company/) }),
    ]);
    expect(made.body.content.en).toEqual({ subject: '', body: SMS, text: null });

    const got = await api()('GET', `/v1/templates/${key}`);
    expect(got.body).toMatchObject({ format: 'text', layout: null, content: { en: { body: SMS } } });
    const list = await api()('GET', '/v1/templates?kind=email');
    expect(list.body.templates.find((x: { key: string }) => x.key === key)).toMatchObject({ format: 'text' });
  });

  it('keep a push title as the subject, which an edit may empty', async () => {
    const key = newKey('push');
    const made = await api()('POST', '/v1/templates', {
      key,
      name: 'Push',
      format: 'text',
      subject: 'News for {{first_name}}',
      body: 'Open the app',
      transactional: true,
    });
    expect(made.status).toBe(201);
    expect(made.body.content.en.subject).toBe('News for {{first_name}}');
    const emptied = await api()('PUT', `/v1/templates/${key}`, { subject: '' });
    expect(emptied.status).toBe(200);
    expect(emptied.body).toMatchObject({ version: 2, content: { en: { subject: '' } } });
  });

  it('preview with a contact’s traits, unescaped, with the segments the result takes', async () => {
    const key = newKey('sms');
    await api()('POST', '/v1/templates', { key, name: 'Invite', format: 'text', body: SMS });
    const id = await contactWith({ first_name: "O'Brien", company: 'Smith & <Co>' });
    const res = await api()('POST', `/v1/templates/${key}/preview`, { contactId: id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      format: 'text',
      subject: '',
      text: "Hi O'Brien, Smith & <Co> invited you to Acme Notes. Reply STOP to opt out",
      locale: 'en',
      version: 1,
      sms: { encoding: 'GSM-7', segments: 1 },
    });
  });

  it('warn a marketing text without STOP and a text of several segments, and save it', async () => {
    const key = newKey('sms');
    const res = await api()('POST', '/v1/templates', {
      key,
      name: 'Long',
      format: 'text',
      body: `${'Big news. '.repeat(18)}{{first_name}}`,
    });
    expect(res.status).toBe(201);
    const messages = res.body.warnings.map((w: { message: string }) => w.message).join('\n');
    expect(messages).toMatch(/about 2 SMS segments \(GSM-7, 180 characters before variables\)/);
    expect(messages).toMatch(/STOP/);
  });

  it('are refused with a layout, naming the layout and why; nothing is stored', async () => {
    const key = newKey('sms');
    const res = await api()('POST', '/v1/templates', { key, name: 'x', format: 'text', body: SMS, layout: 'base' });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      expect.objectContaining({ path: 'layout', message: expect.stringMatching(/text template.*no layout/) }),
    ]);
    await expectNothingStored(key);
  });

  it('are refused over 1,600 characters; nothing is stored', async () => {
    const key = newKey('sms');
    const res = await api()('POST', '/v1/templates', { key, name: 'x', format: 'text', body: 'a'.repeat(1700) });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      expect.objectContaining({ path: 'content.en.body', message: expect.stringMatching(/1700 characters.*1600/) }),
    ]);
    await expectNothingStored(key);
  });

  it('are refused as a layout or partial, and an edit cannot give one a layout', async () => {
    const layout = await api()('POST', '/v1/templates', {
      key: newKey('l'),
      name: 'x',
      kind: 'layout',
      format: 'text',
      body: '{{{body}}}',
    });
    expect(layout.status).toBe(400);
    expect(layout.body.problems).toEqual([expect.objectContaining({ path: 'format' })]);

    const key = newKey('sms');
    await api()('POST', '/v1/templates', { key, name: 'x', format: 'text', body: SMS });
    const edited = await api()('PUT', `/v1/templates/${key}`, { layout: 'base' });
    expect(edited.status).toBe(400);
    expect(edited.body.problems[0]).toMatchObject({ path: 'layout' });
    expect((await api()('GET', `/v1/templates/${key}`)).body.version).toBe(1);
  });

  it('cannot be sent as a test email', async () => {
    const key = newKey('sms');
    await api()('POST', '/v1/templates', { key, name: 'x', format: 'text', body: SMS });
    const res = await api()('POST', `/v1/templates/${key}/test`, { email: 'tester@example.com' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/text template.*preview/);
  });
});

describe('json templates', () => {
  it('are created, read back, and previewed with a contact whose traits would break naive JSON', async () => {
    const key = newKey('hook');
    const made = await api()('POST', '/v1/templates', { key, name: 'Webhook', format: 'json', body: HOOK });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ format: 'json', layout: null, content: { en: { subject: '', body: HOOK } } });
    expect((await api()('GET', `/v1/templates/${key}`)).body.format).toBe('json');

    const note = 'He said "hi"\n}';
    const id = await contactWith({ first_name: 'Ana', note });
    const res = await api()('POST', `/v1/templates/${key}/preview`, { contactId: id });
    expect(res.status).toBe(200);
    const expected = { event: 'invited', contact: { name: 'Ana', note }, count: 2 };
    expect(res.body).toMatchObject({ format: 'json', subject: '', json: expected, locale: 'en', version: 1 });
    expect(JSON.parse(res.body.text)).toEqual(expected);
  });

  it('an invalid body is refused with its line and column; nothing is stored', async () => {
    const key = newKey('hook');
    const res = await api()('POST', '/v1/templates', {
      key,
      name: 'x',
      format: 'json',
      body: '{\n  "a": "{{first_name}}"\n  "b": 1\n}',
    });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([expect.objectContaining({ path: 'content.en.body', line: 3, column: 3 })]);
    await expectNothingStored(key);
  });

  it('a draft previews as the editor types it', async () => {
    const res = await api()('POST', '/v1/templates/preview', {
      format: 'json',
      body: '{"hello": "{{first_name}}"}',
      variables: { first_name: 'Mia' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ format: 'json', json: { hello: 'Mia' }, errors: [] });
  });
});

describe('formats', () => {
  it('an unknown format is refused listing the four; nothing is stored', async () => {
    const key = newKey('xml');
    const res = await api()('POST', '/v1/templates', { key, name: 'x', format: 'xml', subject: 's', body: '<a/>' });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      expect.objectContaining({ path: 'format', message: expect.stringMatching(/mjml, html, text, json/) }),
    ]);
    await expectNothingStored(key);
  });

  it('an email still needs a subject', async () => {
    const res = await api()('POST', '/v1/templates', { key: newKey('e'), name: 'x', format: 'html', body: '<p>x</p>' });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([expect.objectContaining({ path: 'subject' })]);
  });
});
