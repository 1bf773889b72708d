import { uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

// Templates as data through the HTTP API: saving checks MJML and Handlebars with positions, versions are kept and
// restorable, what is used cannot be deleted, previews render with a real contact, tests are sent and not counted.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ PRODUCT_NAME: 'Acme Notes', MAIL_FROM_ALLOWED: '@acme.example' });
}, 60_000);
afterAll(async () => t?.stop());

const api = (role?: 'marketer' | 'chairman' | 'operator') => client(t, role);

const MJML = [
  '<mj-section>',
  '  <mj-column>',
  '    <mj-text>Hi {{first_name}}, your trial of {{product_name}} ends soon.</mj-text>',
  '    <mj-button href="{{cta_url}}">Choose a plan</mj-button>',
  '  </mj-column>',
  '</mj-section>',
].join('\n');

async function create(body: Record<string, unknown>) {
  return api()('POST', '/v1/templates', { format: 'mjml', subject: 'Your trial ends', body: MJML, ...body });
}

describe('saving', () => {
  it('creates an MJML template in the MJML layout, with the text part generated from the HTML', async () => {
    const key = uniqueId('trial').toLowerCase();
    const res = await create({ key, name: 'Trial ending' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      key,
      kind: 'email',
      format: 'mjml',
      layout: 'mjml_base',
      version: 1,
      locales: ['en'],
    });
    const list = await api('chairman')('GET', '/v1/templates?kind=email');
    expect(list.body.templates.map((x: { key: string }) => x.key)).toEqual(expect.arrayContaining([key, 'welcome']));
  });

  it('an MJML error answers 400 with the line of the body it is on', async () => {
    const body = MJML.replace('<mj-column>', '<mj-colum>').replace('</mj-column>', '</mj-colum>');
    const bad = await create({ key: uniqueId('bad').toLowerCase(), name: 'Bad', body });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'content.en.body', line: 2, message: expect.stringMatching(/mj-colum/) }),
      ]),
    );
  });

  it('a Handlebars error answers 400 with line and column; nothing is stored', async () => {
    const key = uniqueId('hbs').toLowerCase();
    const res = await create({ key, name: 'Broken', body: MJML.replace('{{first_name}}', '{{#if first_name}}x') });
    expect(res.status).toBe(400);
    const problem = res.body.problems.find((p: { path: string }) => p.path === 'content.en.body');
    expect(problem).toMatchObject({ line: expect.any(Number) });
    expect((await api()('GET', `/v1/templates/${key}`)).status).toBe(404);
  });

  it('unknown variables are warnings; links without a scheme are errors', async () => {
    const warned = await create({
      key: uniqueId('warn').toLowerCase(),
      name: 'W',
      body: MJML.replace('{{first_name}}', '{{nickname}}'),
    });
    expect(warned.status).toBe(201);
    expect(warned.body.warnings).toEqual([expect.objectContaining({ message: expect.stringMatching(/nickname/) })]);
    const linked = await create({
      key: uniqueId('link').toLowerCase(),
      name: 'L',
      body: MJML.replace('{{cta_url}}', 'www.acme.example/pricing'),
    });
    expect(linked.status).toBe(400);
    expect(JSON.stringify(linked.body.problems)).toMatch(/www\.acme\.example\/pricing/);
  });

  it('a sender not on the allowed lists is refused naming them; the chairman cannot save', async () => {
    const res = await create({ key: uniqueId('from').toLowerCase(), name: 'F', from: 'Boss <ceo@elsewhere.example>' });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      expect.objectContaining({ path: 'from', message: expect.stringMatching(/acme\.example/) }),
    ]);
    const chairman = await api('chairman')('POST', '/v1/templates', {
      key: 'x',
      name: 'x',
      format: 'html',
      subject: 's',
      body: 'b',
    });
    expect(chairman.status).toBe(403);
  });
});

describe('versions', () => {
  it('an edit publishes version 2, a restore of 1 publishes 3 with 1’s content; the shipped welcome is version 1', async () => {
    const key = uniqueId('ver').toLowerCase();
    await create({ key, name: 'Versioned' });
    const edited = await api()('PUT', `/v1/templates/${key}`, { subject: 'Last days of your trial' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2 });
    const restored = await api()('POST', `/v1/templates/${key}/versions/1/restore`);
    expect(restored.body).toMatchObject({ version: 3 });
    expect(restored.body.content.en.subject).toBe('Your trial ends');
    const versions = await api()('GET', `/v1/templates/${key}/versions`);
    expect(versions.body.versions.map((v: { version: number; source: string }) => [v.version, v.source])).toEqual([
      [3, 'restore'],
      [2, 'api'],
      [1, 'api'],
    ]);
    const welcome = await api()('GET', '/v1/templates/welcome/versions');
    expect(welcome.body.versions.at(-1)).toMatchObject({ version: 1, source: 'shipped' });
  });

  it('a German variant is chosen for a contact whose locale is de-AT, and dates are German', async () => {
    const key = uniqueId('loc').toLowerCase();
    await create({ key, name: 'Localised', body: MJML.replace('ends soon', 'ends on {{date trigger.endsAt}}') });
    const de = await api()('PUT', `/v1/templates/${key}`, {
      locale: 'de',
      subject: 'Deine Testphase endet',
      body: MJML.replace(
        'Hi {{first_name}}, your trial of {{product_name}} ends soon.',
        'Hallo {{first_name}}, endet am {{date trigger.endsAt}}.',
      ),
    });
    expect(de.body.locales).toEqual(['de', 'en']);
    const preview = await api()('POST', `/v1/templates/${key}/preview`, {
      variables: { first_name: 'Jonas', trigger: { endsAt: '2026-12-03T10:00:00Z' } },
      locale: 'de-AT',
    });
    expect(preview.body).toMatchObject({ locale: 'de', subject: 'Deine Testphase endet' });
    expect(preview.body.text).toMatch(/Hallo Jonas, endet am 3\. Dezember 2026/);
  });
});

describe('layouts and partials', () => {
  it('a partial is written once: editing it re-publishes the templates built from it, which preview the change', async () => {
    const partial = uniqueId('footer').toLowerCase().replace(/-/g, '_');
    const made = await api()('POST', '/v1/templates', {
      key: partial,
      name: 'Footer',
      kind: 'partial',
      format: 'html',
      body: '<p>Sent by {{product_name}}</p>',
    });
    expect(made.status).toBe(201);
    const key = uniqueId('uses').toLowerCase();
    expect(
      (await create({ key, name: 'Uses the footer', format: 'html', body: `<p>Hi</p>{{> ${partial}}}` })).status,
    ).toBe(201);
    expect((await api()('POST', `/v1/templates/${key}/preview`, {})).body.text).toContain('Sent by Acme Notes');

    const edited = await api()('PUT', `/v1/templates/${partial}`, { body: '<p>With love from {{product_name}}</p>' });
    expect(edited.status).toBe(200);
    const versions = await api()('GET', `/v1/templates/${key}/versions`);
    expect(versions.body.versions.map((v: { source: string }) => v.source)).toEqual(['dependency', 'api']);
    expect((await api()('POST', `/v1/templates/${key}/preview`, {})).body.text).toContain('With love from Acme Notes');
    expect((await api()('DELETE', `/v1/templates/${partial}`)).status).toBe(409);
  });

  it('a layout change that would break a template built from it is refused, naming the template', async () => {
    const layout = uniqueId('frame').toLowerCase().replace(/-/g, '_');
    const frame = (inner: string) =>
      `<html><body>${inner}<a href="{{preferences_url}}">Email preferences</a></body></html>`;
    expect(
      (
        await api()('POST', '/v1/templates', {
          key: layout,
          name: 'Frame',
          kind: 'layout',
          format: 'html',
          body: frame('{{{body}}}'),
        })
      ).status,
    ).toBe(201);
    const key = uniqueId('framed').toLowerCase();
    expect(
      (await create({ key, name: 'Framed', format: 'html', layout, body: '<p>Hello {{first_name}}</p>' })).status,
    ).toBe(201);
    // Valid as a layout, but the marketing template built from it would lose its preferences link.
    const unlinked = await api()('PUT', `/v1/templates/${layout}`, { body: '<html><body>{{{body}}}</body></html>' });
    expect(unlinked.status).toBe(400);
    expect(unlinked.body.problems[0]).toMatchObject({
      path: expect.stringContaining(`dependants.${key}`),
      message: expect.stringMatching(new RegExp(`template '${key}' would break: .*preferences_url`)),
    });
    const noBody = await api()('PUT', `/v1/templates/${layout}`, { body: frame('') });
    expect(noBody.status).toBe(400);
    expect(JSON.stringify(noBody.body.problems)).toMatch(/\{\{\{body\}\}\}/);
    expect((await api()('GET', `/v1/templates/${layout}`)).body.version).toBe(1);
  });
});

describe('preview, test and variables', () => {
  it('previews with a real contact’s name, escaped, and with a working preferences link', async () => {
    const key = uniqueId('prev').toLowerCase();
    await create({ key, name: 'Preview' });
    const id = uniqueId('c');
    await api()('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits: { first_name: 'Ana <b>' } });
    const res = await api()('POST', `/v1/templates/${key}/preview`, { contactId: id });
    expect(res.status).toBe(200);
    expect(res.body.html).toContain('Hi Ana &lt;b&gt;');
    expect(res.body.text).toContain('Hi Ana <b>');
    const link = /href="([^"]*\/p\/[^"]+)"/.exec(res.body.html)?.[1];
    expect(link).toBeDefined();
    expect((await fetch(link!)).status).toBe(200);
    expect((await api()('POST', `/v1/templates/${key}/preview`, { contactId: 'nobody' })).status).toBe(404);
  });

  it('a draft with an error previews as a 200 with the error placed; a good draft renders', async () => {
    const bad = await api()('POST', '/v1/templates/preview', {
      format: 'html',
      subject: 'S',
      body: '<p>{{#each}}</p>',
    });
    expect(bad.status).toBe(200);
    expect(bad.body.errors[0]).toMatchObject({ path: 'content.en.body', line: 1 });
    const good = await api()('POST', '/v1/templates/preview', {
      format: 'mjml',
      subject: 'Hi {{first_name}}',
      body: MJML,
      variables: { first_name: 'Mia' },
    });
    expect(good.body).toMatchObject({ subject: 'Hi Mia', errors: [] });
    expect(good.body.html).toMatch(/@media/);
  });

  it('a test send arrives marked [Test] and counts nowhere', async () => {
    const key = uniqueId('test').toLowerCase();
    await create({ key, name: 'Test me' });
    const res = await api()('POST', `/v1/templates/${key}/test`, {
      email: 'tester@example.com',
      variables: { first_name: 'Tess' },
    });
    expect(res.status).toBe(202);
    await t.smtp.waitFor(() => t.smtp.to('tester@example.com').length === 1, 15_000);
    const [mail] = t.smtp.to('tester@example.com');
    expect(mail?.subject).toBe('[Test] Your trial ends');
    expect(mail?.text).toContain('Hi Tess');
    const row = await t.stack.db('email_outbox').where({ to_email: 'tester@example.com' }).first();
    expect(row).toMatchObject({ sequence_key: null, marketing: false });
  });

  it('lists the product’s variables and the traits seen so far', async () => {
    const id = uniqueId('c');
    await api()('POST', '/v1/contacts', { id, email: `${id}@example.com`, traits: { favouriteColour: 'teal' } });
    const res = await api('chairman')('GET', '/v1/templates/variables');
    const names = res.body.variables.map((v: { name: string }) => v.name);
    expect(names).toEqual(
      expect.arrayContaining(['first_name', 'unsubscribe_url', 'preferences_url', 'traits.favouriteColour']),
    );
  });
});

describe('deleting', () => {
  it('is refused while a live sequence uses the template, naming it; allowed once archived', async () => {
    const key = uniqueId('used').toLowerCase();
    await create({ key, name: 'Used' });
    const seq = uniqueId('seq').toLowerCase();
    const defined = await api()('POST', '/v1/sequences', {
      key: seq,
      name: 'Uses it',
      topic: 'onboarding',
      triggers: [{ event: `${seq}-start` }],
      steps: [{ id: 'one', type: 'send', template: key }],
    });
    expect(defined.status).toBe(201);
    const refused = await api()('DELETE', `/v1/templates/${key}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain(`sequence '${seq}'`);
    await api()('DELETE', `/v1/sequences/${seq}`);
    expect((await api()('DELETE', `/v1/templates/${key}`)).status).toBe(204);
    expect((await api()('GET', '/v1/templates')).body.templates.map((x: { key: string }) => x.key)).not.toContain(key);
  });

  it('a sequence naming a template that does not exist is refused with the list', async () => {
    const res = await api()('POST', '/v1/sequences', {
      key: uniqueId('nope').toLowerCase(),
      name: 'Nope',
      topic: 'onboarding',
      triggers: [{ event: 'x' }],
      steps: [{ id: 'one', type: 'send', template: 'trial_reminder' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.problems[0].message).toMatch(/no email template 'trial_reminder'; the templates are: .*welcome/);
  });
});
