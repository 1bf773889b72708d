import { builtinTemplates } from '../builtins';
import { compileTemplate, type CompileInput } from './compile';
import { pickLocale, renderArtifact } from './render';
import type { Artifact, TemplateRef } from './types';

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
