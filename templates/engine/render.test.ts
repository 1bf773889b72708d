import { builtinTemplates } from '../builtins';
import { compileTemplate, type CompileInput } from './compile';
import { renderJson, renderTemplate, renderText, type ResolvedTemplate } from '../library';
import { pickLocale, renderArtifact, renderJsonArtifact, renderTextArtifact } from './render';
import type { Artifact, TemplateFormat, TemplateRef } from './types';

const builtins = new Map<string, TemplateRef>(
  builtinTemplates().map((t) => [t.key, { key: t.key, kind: t.kind, format: t.format, ...t.content }]),
);

const vars = {
  product_name: 'Acme Boards',
  first_name: '<b>Ada</b>',
  cta_url: 'https://app.example.test/go?step=1&x=2',
  unsubscribe_url: 'https://mail.example.test/u/abc',
  preferences_url: 'https://mail.example.test/p/abc',
};

async function compiled(input: Partial<CompileInput> & { body: string }): Promise<Artifact> {
  const result = await compileTemplate({
    key: 'test',
    kind: 'email',
    format: 'mjml',
    transactional: false,
    locale: 'en',
    layout: builtins.get('mjml_base'),
    lookup: (key) => builtins.get(key),
    ...input,
    content: { subject: 'Hi {{first_name}}', body: input.body },
  });
  expect(result.errors).toEqual([]);
  if (!result.artifact) throw new Error('no artifact');
  return result.artifact;
}

const MJML_BODY = `<mj-section>
  <mj-column>
    <mj-text>Hello {{first_name}}, welcome to {{product_name}}.</mj-text>
    <mj-button href="{{cta_url}}">Get started</mj-button>
  </mj-column>
</mj-section>`;

describe('renderArtifact', () => {
  it('renders an MJML email through mjml_base: escaped values, responsive HTML, text from the HTML', async () => {
    const artifact = await compiled({ body: MJML_BODY });
    const email = renderArtifact('test@1/en', artifact, vars);
    expect(email.html).toContain('Hello &lt;b&gt;Ada&lt;/b&gt;, welcome to Acme Boards.');
    expect(email.html).not.toContain('<b>Ada</b>');
    expect(email.html).toMatch(/@media only screen and \(min-width:\s*480px\)/);
    expect(email.html).toContain('href="https://mail.example.test/u/abc"');
    expect(email.text).toContain('Hello <b>Ada</b>, welcome to Acme Boards.');
    expect(email.text).toContain('Get started [https://app.example.test/go?step=1&x=2]');
    expect(email.text).toContain('Unsubscribe [https://mail.example.test/u/abc]');
    expect(email.text).not.toMatch(/GET STARTED|ACME BOARDS/);
    expect(email.subject).toBe('Hi <b>Ada</b>');
  });

  it('renders the subject on one line and the text part without HTML escaping', () => {
    const artifact: Artifact = {
      subject: 'For {{first_name}}\n{{product_name}}',
      html: '<p>{{first_name}}</p>',
      text: 'Hi {{first_name}}\n\n\n\nBye  \n',
      partials: {},
    };
    const email = renderArtifact('one-line', artifact, { first_name: "O'Brien\r\nBcc: x@y", product_name: 'Acme' });
    expect(email.subject).toBe("For O'Brien Bcc: x@y Acme");
    expect(email.html).toBe('<p>O&#x27;Brien\r\nBcc: x@y</p>');
    expect(email.text).toBe("Hi O'Brien\r\nBcc: x@y\n\nBye");
  });

  it('keeps what a saved artifact renders when the partial is edited afterwards', async () => {
    const button = builtins.get('button') as TemplateRef;
    const partials = new Map([['button', { ...button }]]);
    const input: CompileInput = {
      key: 'snap',
      kind: 'email',
      format: 'html',
      transactional: true,
      locale: 'en',
      content: { subject: 'S', body: '{{> button url=cta_url label="Open"}}' },
      lookup: (key) => partials.get(key),
    };
    const first = await compileTemplate(input);
    partials.set('button', { ...button, body: '<a href="{{url}}">CHANGED {{label}}</a>' });
    const second = await compileTemplate(input);

    const before = renderArtifact('snap@1/en', first.artifact as Artifact, vars);
    expect(before.html).toContain('>Open</a>');
    const after = renderArtifact('snap@2/en', second.artifact as Artifact, vars);
    expect(after.html).toContain('CHANGED Open');
    // The first version still renders as it was saved, and the second's partial did not leak into it.
    expect(renderArtifact('snap@1/en', first.artifact as Artifact, vars).html).toBe(before.html);
    expect(renderArtifact('snap@1-again/en', first.artifact as Artifact, vars).html).toBe(before.html);
  });

  it('throws an error naming the template when rendering fails', () => {
    const artifact: Artifact = { subject: 'S', html: '{{> missing}}', text: null, partials: {} };
    expect(() => renderArtifact('broken@3/en', artifact, vars)).toThrow(/broken@3\/en.*missing/);
  });
});

describe('pickLocale', () => {
  const available = ['en', 'de', 'fr-CA'];

  it('takes the exact locale when the version has it', () => {
    expect(pickLocale(available, 'en', 'de')).toBe('de');
    expect(pickLocale(available, 'en', 'fr-ca')).toBe('fr-CA');
  });

  it('falls back to the language, then to the default', () => {
    expect(pickLocale(available, 'en', 'de-AT')).toBe('de');
    expect(pickLocale(available, 'en', 'fr')).toBe('fr-CA');
    expect(pickLocale(available, 'en', 'fr_FR')).toBe('fr-CA');
    expect(pickLocale(available, 'en', 'ja-JP')).toBe('en');
    expect(pickLocale(available, 'de', undefined)).toBe('de');
    expect(pickLocale(available, 'de', '')).toBe('de');
  });
});

const channel = (subject: string, body: string): Artifact => ({ subject, html: '', text: body, partials: {} });

describe('renderTextArtifact', () => {
  it('renders values unescaped, the title on one line, and tidies blank lines left by blocks', () => {
    const artifact = channel(
      'For {{first_name}}\n!',
      'Hi {{first_name}} from {{traits.company}}\n{{#if x}}\n{{/if}}\n\n\nBye  ',
    );
    const vars = { first_name: "O'Brien", traits: { company: "O'Brien & <Co>" } };
    expect(renderTextArtifact('text-1', artifact, vars)).toEqual({
      subject: "For O'Brien !",
      text: "Hi O'Brien from O'Brien & <Co>\n\nBye",
    });
  });

  it('throws an error naming the template when it cannot render', () => {
    expect(() => renderTextArtifact('sms@2/en', channel('', '{{> missing}}'), {})).toThrow(/sms@2\/en.*missing/);
  });
});

describe('renderJsonArtifact', () => {
  const body =
    '{"text": "{{traits.note}}", "key {{x}}": ["{{first_name}}", 2, false, null, {"deep": "<{{traits.note}}>"}]}';

  it('renders each string value and keeps the JSON valid whatever a value holds', () => {
    const note = 'He said "hi"\n}';
    const out = renderJsonArtifact('hook-1', channel('', body), { first_name: 'Ana & <b>', traits: { note } });
    expect(JSON.parse(out.body)).toEqual(out.value);
    expect(out.value).toEqual({ text: note, 'key {{x}}': ['Ana & <b>', 2, false, null, { deep: `<${note}>` }] });
  });

  it('renders a value that is not a string as text, and a missing one as an empty string', () => {
    const out = renderJsonArtifact('hook-2', channel('', '{"n": "{{count}}", "o": "{{obj}}", "m": "{{missing}}"}'), {
      count: 3,
      obj: { a: 1 },
    });
    expect(out.value).toEqual({ n: '3', o: '[object Object]', m: '' });
  });

  it('keeps a __proto__ key as data', () => {
    const out = renderJsonArtifact('hook-3', channel('', '{"__proto__": {"polluted": "{{x}}"}}'), { x: 'yes' });
    expect(out.body).toBe('{"__proto__":{"polluted":"yes"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('throws an error naming the template when it cannot render', () => {
    expect(() => renderJsonArtifact('hook@4/en', channel('', '{"a": "{{> nope}}"}'), {})).toThrow(/hook@4\/en.*nope/);
  });
});

describe('renderText, renderJson and renderTemplate', () => {
  const resolved = (format: TemplateFormat, artifact: Artifact, transactional = false): ResolvedTemplate => ({
    key: `t-${format}`,
    version: 1,
    format,
    transactional,
    from: null,
    replyTo: null,
    cta: 'cta',
    defaultLocale: 'en',
    artifacts: { en: artifact, de: { ...artifact, text: `DE ${artifact.text ?? ''}` } },
  });
  const base = { product_name: 'Acme' };

  it('renders a text template in the locale asked for, without needing unsubscribe_url', () => {
    const t = resolved('text', channel('{{product_name}}', '{{traits.company}} says hi. Reply STOP to opt out'));
    const vars = { ...base, traits: { company: "O'Brien & <Co>" } };
    expect(renderText(t, vars)).toEqual({
      subject: 'Acme',
      text: "O'Brien & <Co> says hi. Reply STOP to opt out",
      locale: 'en',
    });
    expect(renderText(t, vars, { locale: 'de-AT', subject: 'Neu' })).toMatchObject({ subject: 'Neu', locale: 'de' });
    expect(renderText(t, vars, { locale: 'de-AT', subject: 'Neu' }).text).toMatch(/^DE /);
  });

  it('renders a json template to a body and its value', () => {
    const t = resolved('json', channel('', '{"who": "{{first_name}}"}'));
    expect(renderJson(t, { ...base, first_name: '"Ana"' })).toEqual({
      subject: '',
      body: '{"who":"\\"Ana\\""}',
      value: { who: '"Ana"' },
      locale: 'en',
    });
  });

  it('needs product_name, like an email', () => {
    expect(() => renderText(resolved('text', channel('', 'x')), {})).toThrow(/t-text.*product_name/);
    expect(() => renderJson(resolved('json', channel('', '{}')), {})).toThrow(/t-json.*product_name/);
  });

  it('refuses to render a template of another format, saying which function does', () => {
    const text = resolved('text', channel('', 'x'));
    const json = resolved('json', channel('', '{}'));
    const email = resolved('html', { subject: 'S', html: '<p>x</p>', text: null, partials: {} }, true);
    expect(() => renderTemplate(text, base)).toThrow(/renderTemplate.*t-text.*written in text: use renderText/);
    expect(() => renderTemplate(json, base)).toThrow(/renderTemplate.*t-json.*written in json: use renderJson/);
    expect(() => renderText(json, base)).toThrow(/renderText.*t-json.*written in json: use renderJson/);
    expect(() => renderJson(email, base)).toThrow(/renderJson.*t-html.*written in html: use renderTemplate/);
    expect(renderTemplate(email, base).html).toBe('<p>x</p>');
  });
});
