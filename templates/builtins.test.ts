import { builtinTemplates, type BuiltinTemplate } from './builtins';
import { compileTemplate } from './engine/compile';
import { renderArtifact } from './engine/render';
import type { TemplateRef } from './engine/types';
import { templateMetadata } from './templateMetadata';

const builtins = builtinTemplates();
const byKey = new Map(builtins.map((t) => [t.key, t]));
const ref = (t: BuiltinTemplate): TemplateRef => ({ key: t.key, kind: t.kind, format: t.format, ...t.content });
const lookup = (key: string) => {
  const t = byKey.get(key);
  return t ? ref(t) : undefined;
};
const partialKeys = builtins.filter((t) => t.kind === 'partial').map((t) => t.key);

async function compile(t: BuiltinTemplate) {
  const layout = t.layout ? byKey.get(t.layout) : undefined;
  return compileTemplate({
    key: t.key,
    kind: t.kind,
    format: t.format,
    transactional: t.transactional,
    locale: 'en',
    content: t.content,
    ...(layout ? { layout: ref(layout) } : {}),
    lookup,
    partialKeys,
  });
}

const UNSUBSCRIBE = 'https://mail.example.test/u/abc123';
const full: Record<string, unknown> = {
  product_name: 'Acme Boards',
  first_name: "Ada O'Hara",
  venture_name: 'Acme Inc.',
  unsubscribe_url: UNSUBSCRIBE,
  preferences_url: 'https://mail.example.test/p/abc123',
  company_address: '1 Market Street, San Francisco, CA 94105',
};
const minimal: Record<string, unknown> = { product_name: 'Acme Boards', unsubscribe_url: UNSUBSCRIBE };

describe('builtinTemplates', () => {
  it('has an email for every template file, the layouts and the partials', () => {
    const kinds = Object.fromEntries(
      ['email', 'layout', 'partial'].map((k) => [k, builtins.filter((t) => t.kind === k)]),
    );
    // An email missing from the metadata would go out as marketing with no call to action.
    expect(kinds.email?.map((t) => t.key).sort()).toEqual(Object.keys(templateMetadata).sort());
    expect(kinds.email?.map((t) => t.key)).toContain('topic_confirmation');
    expect(kinds.layout?.map((t) => t.key).sort()).toEqual(['base', 'internal', 'mjml_base']);
    expect(kinds.partial?.map((t) => t.key).sort()).toEqual(['button', 'greeting', 'signoff']);
  });

  it('takes transactional, call to action and layout from the metadata, and a subject for each', () => {
    for (const t of builtins.filter((b) => b.kind === 'email')) {
      const meta = templateMetadata[t.key] ?? {};
      expect({ key: t.key, transactional: t.transactional, cta: t.cta }).toEqual({
        key: t.key,
        transactional: meta.transactional === true,
        cta: meta.cta ?? null,
      });
      expect(t.layout).toBe(t.transactional ? 'internal' : 'base');
      expect(t.content.subject).not.toBe('');
      expect(t.format).toBe('html');
    }
    expect(byKey.get('welcome')?.content.subject).toBe('Welcome to {{product_name}}');
    expect(byKey.get('approval_request')?.content.subject).toBe('Approval needed: {{approval.title}}');
    expect(byKey.get('mjml_base')).toMatchObject({ format: 'mjml', layout: null, content: { text: null } });
  });

  it.each(builtins.map((t) => [t.key, t] as const))('%s compiles without errors or warnings', async (_key, t) => {
    const result = await compile(t);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });
});

describe('mjml_base and topic_confirmation', () => {
  it('mjml_base wraps an MJML body with the product name and the marketing footer', async () => {
    const body = '<mj-section><mj-column><mj-text>Body for {{first_name}}</mj-text></mj-column></mj-section>';
    const result = await compileTemplate({
      key: 'news',
      kind: 'email',
      format: 'mjml',
      transactional: false,
      locale: 'en',
      content: { subject: 'News', body },
      layout: lookup('mjml_base'),
      lookup,
    });
    expect(result.errors).toEqual([]);
    const email = renderArtifact('builtin-test/news', result.artifact as NonNullable<typeof result.artifact>, full);
    const lines = email.text.split('\n').map((l) => l.trim());
    expect(lines).toContain('Acme Boards');
    expect(email.text).toContain("Body for Ada O'Hara");
    expect(email.text).toContain("You're getting this email because you signed up for Acme Boards");
    expect(email.text).toContain(`Unsubscribe [${UNSUBSCRIBE}]`);
    expect(email.text).toContain('Email preferences [https://mail.example.test/p/abc123]');
    expect(email.text).toContain('Acme Inc. · 1 Market Street, San Francisco, CA 94105');
  });

  it('topic_confirmation asks to confirm the topic with a button to confirm_url', async () => {
    const t = byKey.get('topic_confirmation') as BuiltinTemplate;
    expect(t.transactional).toBe(true);
    const artifact = (await compile(t)).artifact;
    const vars = { ...minimal, topic_name: 'Newsletter', confirm_url: 'https://mail.example.test/c/tok' };
    const email = renderArtifact(
      'builtin-test/topic_confirmation/own-subject',
      artifact as NonNullable<typeof artifact>,
      vars,
    );
    expect(email.subject).toBe('Confirm your subscription to Newsletter');
    expect(email.html).toContain('href="https://mail.example.test/c/tok"');
    expect(email.text).toContain('https://mail.example.test/c/tok');
    expect(email.text).toContain('Newsletter');
  });
});
