import { compileTemplate, type CompileInput } from './compile';
import type { TemplateProblem, TemplateRef } from './types';

// Five lines before the body, so a line in the assembled MJML is five more than the same line in the body.
const MJML_LAYOUT: TemplateRef = {
  key: 'plain_mjml',
  kind: 'layout',
  format: 'mjml',
  body: [
    '<mjml>',
    '  <mj-body>',
    '    <mj-section><mj-column><mj-text>{{product_name}}</mj-text></mj-column></mj-section>',
    '    <!-- the email -->',
    '    <mj-wrapper>',
    '{{{body}}}',
    '    </mj-wrapper>',
    '    <mj-section><mj-column><mj-text><a href="{{preferences_url}}">Preferences</a></mj-text></mj-column></mj-section>',
    '  </mj-body>',
    '</mjml>',
  ].join('\n'),
};

const HTML_LAYOUT: TemplateRef = {
  key: 'plain_html',
  kind: 'layout',
  format: 'html',
  body: '<html><body>{{{body}}}<p><a href="{{preferences_url}}">Email preferences</a></p></body></html>',
  text: '{{{body}}}\n\nEmail preferences: {{preferences_url}}',
};

const BUTTON: TemplateRef = {
  key: 'button',
  kind: 'partial',
  format: 'html',
  body: '<a href="{{url}}">{{label}}</a>',
  text: '{{label}}: {{url}}',
};

const SECTION: TemplateRef = {
  key: 'hero',
  kind: 'partial',
  format: 'mjml',
  body: '<mj-section>\n  <mj-column>\n    <mj-text>Hero for {{first_name}}</mj-text>\n  </mj-column>\n</mj-section>',
};

const refs = new Map([MJML_LAYOUT, HTML_LAYOUT, BUTTON, SECTION].map((r) => [r.key, r]));

function html(body: string, over: Partial<CompileInput> = {}): CompileInput {
  return {
    key: 'offer',
    kind: 'email',
    format: 'html',
    transactional: false,
    locale: 'en',
    content: { subject: 'Hello {{first_name}}', body },
    layout: HTML_LAYOUT,
    lookup: (key) => refs.get(key),
    ...over,
  };
}

function mjml(body: string, over: Partial<CompileInput> = {}): CompileInput {
  return html(body, { format: 'mjml', layout: MJML_LAYOUT, ...over });
}

const section = (inner: string) => `<mj-section>\n  <mj-column>\n${inner}\n  </mj-column>\n</mj-section>`;

const messages = (problems: TemplateProblem[]) => problems.map((p) => p.message).join('\n');

describe('compileTemplate: syntax', () => {
  it('reports a Handlebars error in the body with its line and column', async () => {
    const result = await compileTemplate(html('<p>Hi</p>\n<p>{{first_name}</p>'));
    expect(result.artifact).toBeUndefined();
    expect(result.errors).toEqual([expect.objectContaining({ path: 'content.en.body', line: 2, column: 16 })]);
  });

  it('reports a Handlebars error in the subject and in the text part under their own paths', async () => {
    const result = await compileTemplate(
      html('<p>Hi</p>', { content: { subject: 'Hi {{#if first_name}}', body: '<p>Hi</p>', text: 'x\n{{/each}}' } }),
    );
    expect(result.errors.map((e) => [e.path, e.line])).toEqual([
      ['content.en.subject', 1],
      ['content.en.text', 2],
    ]);
  });

  it('refuses an unknown helper and lists the helpers there are', async () => {
    const result = await compileTemplate(html('<p>{{shout first_name}}</p>'));
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ path: 'content.en.body', line: 1 });
    expect(result.errors[0]?.message).toMatch(/shout/);
    expect(result.errors[0]?.message).toMatch(/money.*or|or.*money/);
    expect(result.errors[0]?.message).toMatch(/date/);
  });

  it('refuses an unknown partial and lists the partials there are', async () => {
    const result = await compileTemplate(html('<p>Hi</p>\n{{> footer}}', { partialKeys: ['button', 'hero'] }));
    expect(result.errors).toEqual([expect.objectContaining({ path: 'content.en.body', line: 2 })]);
    expect(result.errors[0]?.message).toMatch(/footer/);
    expect(result.errors[0]?.message).toMatch(/button, hero/);
  });

  it('refuses a layout used as a partial', async () => {
    const result = await compileTemplate(html('{{> plain_html}}'));
    expect(messages(result.errors)).toMatch(/plain_html.*layout/);
  });
});

describe('compileTemplate: MJML', () => {
  it('reports an MJML error at its line in the body, not in the assembled document', async () => {
    const body = section('    <mj-text>Hi</mj-text>\n    <mj-buton href="https://example.com">Go</mj-buton>');
    const result = await compileTemplate(mjml(body));
    expect(result.artifact).toBeUndefined();
    expect(result.errors).toEqual([expect.objectContaining({ path: 'content.en.body', line: 4 })]);
    expect(result.errors[0]?.message).toMatch(/mj-buton/);
  });

  it('reports an MJML error in a full document without a layout at its own line', async () => {
    const body =
      '<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n<mj-text foo="1">x</mj-text>\n</mj-column>\n</mj-section>\n</mj-body>\n</mjml>';
    const result = await compileTemplate(mjml(body, { layout: undefined, transactional: true }));
    expect(result.errors).toEqual([expect.objectContaining({ path: 'content.en.body', line: 5 })]);
    expect(result.errors[0]?.message).toMatch(/foo/);
  });

  it('keeps Handlebars expressions intact through MJML', async () => {
    const body = section(
      '    <mj-text>Hi {{first_name}}</mj-text>\n    <mj-button href="{{cta_url}}">Start</mj-button>',
    );
    const result = await compileTemplate(mjml(body));
    expect(result.errors).toEqual([]);
    expect(result.artifact?.html).toContain('Hi {{first_name}}');
    expect(result.artifact?.html).toContain('href="{{cta_url}}"');
    expect(result.artifact?.text).toBeNull();
    expect(result.uses).toEqual(['plain_mjml']);
  });

  it('splices an MJML partial in before compiling and maps its errors to the partial', async () => {
    const ok = await compileTemplate(mjml('{{> hero}}'));
    expect(ok.errors).toEqual([]);
    expect(ok.artifact?.html).toContain('Hero for {{first_name}}');
    expect(ok.artifact?.partials).toEqual({});
    expect(ok.uses).toEqual(['plain_mjml', 'hero']);

    const broken = {
      ...SECTION,
      body: SECTION.body.replace('<mj-text>', '<mj-txt>').replace('</mj-text>', '</mj-txt>'),
    };
    const result = await compileTemplate(mjml('{{> hero}}', { lookup: (k) => (k === 'hero' ? broken : refs.get(k)) }));
    expect(result.errors).toEqual([expect.objectContaining({ path: 'partials.hero', line: 3 })]);
  });

  it('refuses an MJML partial given parameters, or used in an HTML template', async () => {
    expect(messages((await compileTemplate(mjml('{{> hero title="x"}}'))).errors)).toMatch(/hero.*parameters/);
    expect(messages((await compileTemplate(html('{{> hero}}'))).errors)).toMatch(/hero.*mjml/i);
  });

  it('refuses mj-include, which would read files from the server', async () => {
    const result = await compileTemplate(mjml('<mj-include path="/etc/passwd" />'));
    expect(result.artifact).toBeUndefined();
    expect(messages(result.errors)).toMatch(/mj-include/);
  });

  it('asks for a full <mjml> document when there is no layout', async () => {
    const result = await compileTemplate(mjml(section('<mj-text>x</mj-text>'), { layout: undefined }));
    expect(messages(result.errors)).toMatch(/<mjml>/);
  });
});

describe('compileTemplate: links', () => {
  it('refuses a link without a scheme and names it', async () => {
    const result = await compileTemplate(html('<p><a href="www.example.com/offer">offer</a></p>'));
    expect(result.artifact).toBeUndefined();
    expect(messages(result.errors)).toMatch(/www\.example\.com\/offer/);
  });

  it('refuses javascript: links, in HTML and in MJML', async () => {
    const htmlResult = await compileTemplate(html('<p><a href="javascript:alert(1)">x</a></p>'));
    expect(messages(htmlResult.errors)).toMatch(/javascript:alert\(1\)/);
    const mjmlResult = await compileTemplate(mjml(section('<mj-button href="JavaScript:alert(2)">Go</mj-button>')));
    expect(messages(mjmlResult.errors)).toMatch(/JavaScript:alert\(2\)/);
  });

  it('accepts https, http, mailto, tel, anchors and a lone Handlebars expression', async () => {
    const body = [
      '<p><a href="https://example.com/a?b=1">a</a> <a href="http://example.com">b</a></p>',
      '<p><a href="mailto:hi@example.com">c</a> <a href="tel:+4930123">d</a> <a href="#top">e</a></p>',
      '<p><a href="{{cta_url}}">f</a> <img src="https://cdn.example.com/logo.png" alt=""></p>',
      '{{> button url=cta_url label="Go"}}',
    ].join('\n');
    const text = 'Go: {{cta_url}}\n{{> button url=cta_url label="Go"}}';
    const result = await compileTemplate(html(body, { content: { subject: 'S', body, text } }));
    expect(result.errors).toEqual([]);
    expect(result.artifact?.partials).toEqual({ button: BUTTON.body, 'text:button': BUTTON.text });
    expect(result.uses).toEqual(['plain_html', 'button']);
  });

  it('refuses a marketing email without a preferences link (an unsubscribe link alone is not enough), and allows a transactional one', async () => {
    const marketing = await compileTemplate(html('<p>Hi</p>', { layout: undefined }));
    expect(messages(marketing.errors)).toMatch(/must link \{\{preferences_url\}\}/);
    const unsubscribeOnly = await compileTemplate(
      html('<a href="{{unsubscribe_url}}">Unsubscribe</a>', { layout: undefined }),
    );
    expect(messages(unsubscribeOnly.errors)).toMatch(/preferences_url/);
    const transactional = await compileTemplate(html('<p>Hi</p>', { layout: undefined, transactional: true }));
    expect(transactional.errors).toEqual([]);
    const ownLink = await compileTemplate(html('<a href="{{preferences_url}}">Preferences</a>', { layout: undefined }));
    expect(ownLink.errors).toEqual([]);
  });
});

describe('compileTemplate: variables', () => {
  it('warns about a variable nothing provides, and still compiles', async () => {
    const result = await compileTemplate(html('<p>Hi {{first_name}}, your {{favourite_colour}}</p>'));
    expect(result.errors).toEqual([]);
    expect(result.artifact).toBeDefined();
    expect(result.warnings).toEqual([expect.objectContaining({ path: 'content.en.body', line: 1 })]);
    expect(result.warnings[0]?.message).toMatch(/favourite_colour/);
  });

  it('warns about traits and event properties not seen so far, when they are known', async () => {
    const body = '<p>{{traits.company}} {{traits.plan}} {{event.amount}} {{or trigger.coupon "none"}}</p>';
    const knownVariables = { traits: ['company'], eventProperties: ['amount'] };
    const result = await compileTemplate(html(body, { knownVariables }));
    expect(result.warnings.map((w) => w.message).join('\n')).toMatch(/traits\.plan[\s\S]*trigger\.coupon/);
    expect(result.warnings).toHaveLength(2);
    expect((await compileTemplate(html(body))).warnings).toEqual([]);
  });

  it('does not warn about names local to an each or with block', async () => {
    const body =
      '{{#each traits.tags}}<p>{{this}} {{name}}</p>{{/each}}{{#with event as |e|}}{{e.x}} {{../first_name}}{{/with}}';
    expect((await compileTemplate(html(body))).warnings).toEqual([]);
  });
});

describe('compileTemplate: layouts and partials', () => {
  it('wants {{{body}}} exactly once in a layout', async () => {
    const layout = (body: string): CompileInput => ({
      ...html(body),
      key: 'l',
      kind: 'layout',
      content: { subject: '', body },
    });
    expect(messages((await compileTemplate(layout('<html></html>'))).errors)).toMatch(/\{\{\{body\}\}\}/);
    expect(messages((await compileTemplate(layout('{{{body}}}{{{body}}}'))).errors)).toMatch(/once/);
    const ok = await compileTemplate(layout('<html>{{{body}}}</html>'));
    expect(ok.errors).toEqual([]);
    expect(ok.artifact).toEqual({ subject: '', html: '<html>{{{body}}}</html>', text: null, partials: {} });
  });

  it('checks only the syntax of a partial, whose artifact is its source', async () => {
    const partial = (body: string): CompileInput => ({
      ...html(body),
      key: 'p',
      kind: 'partial',
      content: { subject: '', body, text: 'T {{x}}' },
    });
    const ok = await compileTemplate(partial('<a href="www.anything">{{x}}</a>'));
    expect(ok.errors).toEqual([]);
    expect(ok.artifact).toEqual({
      subject: '',
      html: '<a href="www.anything">{{x}}</a>',
      text: 'T {{x}}',
      partials: {},
    });
    expect((await compileTemplate(partial('{{#if x}}'))).errors).toEqual([
      expect.objectContaining({ path: 'content.en.body', line: 1 }),
    ]);
  });

  it('refuses a layout of the other format', async () => {
    const result = await compileTemplate(html('<p>x</p>', { layout: MJML_LAYOUT }));
    expect(messages(result.errors)).toMatch(/plain_mjml.*mjml/);
  });
});

function sms(body: string, over: Partial<CompileInput> = {}): CompileInput {
  return {
    key: 'sms',
    kind: 'email',
    format: 'text',
    transactional: true,
    locale: 'en',
    content: { subject: '', body },
    lookup: (key) => refs.get(key),
    ...over,
  };
}

function webhook(body: string, over: Partial<CompileInput> = {}): CompileInput {
  return sms(body, { format: 'json', ...over });
}

describe('compileTemplate: text', () => {
  it('stores the body as the text, with the subject as given (empty allowed), and depends on nothing', async () => {
    const result = await compileTemplate(sms('Hi {{first_name}}, your code is {{traits.code}}.'));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.artifact).toEqual({
      subject: '',
      html: '',
      text: 'Hi {{first_name}}, your code is {{traits.code}}.',
      partials: {},
    });
    expect(result.uses).toEqual([]);
    const titled = await compileTemplate(sms('x', { content: { subject: 'New for {{first_name}}', body: 'x' } }));
    expect(titled.artifact?.subject).toBe('New for {{first_name}}');
  });

  it('reports syntax errors and unknown helpers where they are, and refuses partials', async () => {
    expect((await compileTemplate(sms('Hi\n{{#if first_name}}x'))).errors).toEqual([
      expect.objectContaining({ path: 'content.en.body', line: 2 }),
    ]);
    const helper = await compileTemplate(sms('Hi {{shout first_name}}'));
    expect(helper.errors).toEqual([
      expect.objectContaining({ path: 'content.en.body', line: 1, message: expect.stringMatching(/shout/) }),
    ]);
    const partial = await compileTemplate(sms('Hi\n{{> button url=cta_url}}'));
    expect(partial.errors).toEqual([expect.objectContaining({ path: 'content.en.body', line: 2 })]);
    expect(messages(partial.errors)).toMatch(/button.*partial|partial.*button/);
  });

  it('refuses a layout, naming the layout and why', async () => {
    const result = await compileTemplate(sms('Hi', { layout: HTML_LAYOUT }));
    expect(result.artifact).toBeUndefined();
    expect(result.errors).toEqual([
      expect.objectContaining({ path: 'layout', message: expect.stringMatching(/text template.*no layout/) }),
    ]);
  });

  it('refuses a separate text part: the body is the text', async () => {
    const result = await compileTemplate(sms('Hi', { content: { subject: '', body: 'Hi', text: 'Other' } }));
    expect(result.errors).toEqual([expect.objectContaining({ path: 'content.en.text' })]);
  });

  it('refuses text for a layout or a partial', async () => {
    const result = await compileTemplate(sms('{{{body}}}', { kind: 'layout' }));
    expect(result.errors).toEqual([
      expect.objectContaining({ path: 'format', message: expect.stringMatching(/mjml, html/) }),
    ]);
  });

  it('warns about variables nothing provides, as for email', async () => {
    const result = await compileTemplate(
      sms('Hi {{nickname}}', { content: { subject: '{{titel}}', body: 'Hi {{nickname}}' } }),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => [w.path, w.message.split(' ')[0]])).toEqual([
      ['content.en.subject', 'titel'],
      ['content.en.body', 'nickname'],
    ]);
  });

  it('warns with the segment count of the text before variables once it needs more than one', async () => {
    const one = await compileTemplate(sms(`${'a'.repeat(150)} {{first_name}} ${'b'.repeat(8)}`));
    expect(one.warnings).toEqual([]);
    const two = await compileTemplate(
      sms(`${'a'.repeat(170)}{{#if first_name}} {{first_name}}{{/if}}${'b'.repeat(9)}`),
    );
    expect(two.warnings).toEqual([
      {
        path: 'content.en.body',
        message: expect.stringContaining('about 2 SMS segments (GSM-7, 180 characters before variables)'),
      },
    ]);
    const unicode = await compileTemplate(sms(`Привет {{first_name}}! ${'ж'.repeat(70)}`));
    expect(messages(unicode.warnings)).toMatch(/about 2 SMS segments \(UCS-2 because of 'П', 79 characters/);
  });

  it('refuses a text over 1,600 characters before variables, and not one that only variables could lengthen', async () => {
    const long = await compileTemplate(sms('a'.repeat(1601)));
    expect(long.artifact).toBeUndefined();
    expect(long.errors).toEqual([
      expect.objectContaining({ path: 'content.en.body', message: expect.stringMatching(/1601 characters.*1600/) }),
    ]);
    const fits = await compileTemplate(sms(`${'a'.repeat(1600)}{{first_name}}`));
    expect(fits.errors).toEqual([]);
  });

  it('warns a marketing text that does not say how to opt out with STOP', async () => {
    const marketing = await compileTemplate(sms('Spring sale: 20% off today', { transactional: false }));
    expect(marketing.errors).toEqual([]);
    expect(messages(marketing.warnings)).toMatch(/STOP/);
    const withStop = await compileTemplate(
      sms('Spring sale: 20% off. Reply STOP to opt out', { transactional: false }),
    );
    expect(withStop.warnings).toEqual([]);
    expect((await compileTemplate(sms('Your code is 1234'))).warnings).toEqual([]);
  });

  it('needs no preferences link and no unsubscribe link, even for marketing', async () => {
    const result = await compileTemplate(sms('News! Reply STOP to opt out', { transactional: false }));
    expect(result.errors).toEqual([]);
  });
});

describe('compileTemplate: json', () => {
  const BODY =
    '{\n  "event": "trial_ending",\n  "contact": {"name": "{{first_name}}", "plan": "{{traits.plan}}"},\n  "n": 3\n}';

  it('keeps the JSON as written as the artifact', async () => {
    const result = await compileTemplate(webhook(BODY));
    expect(result.errors).toEqual([]);
    expect(result.artifact).toEqual({ subject: '', html: '', text: BODY, partials: {} });
    expect(result.uses).toEqual([]);
  });

  it('refuses a body that is not JSON with the line and column of the fault', async () => {
    const result = await compileTemplate(webhook('{\n  "a": "x",\n  "b": \n}'));
    expect(result.artifact).toBeUndefined();
    expect(result.errors).toEqual([
      expect.objectContaining({ path: 'content.en.body', line: 4, column: 1, message: expect.stringMatching(/JSON/) }),
    ]);
  });

  it('refuses Handlebars outside a string, saying where it may go', async () => {
    const result = await compileTemplate(webhook('{"count": {{traits.count}}}'));
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: 'content.en.body',
        line: 1,
        column: 11,
        message: expect.stringMatching(/string/),
      }),
    ]);
  });

  it('locates a Handlebars error inside a string value in the body', async () => {
    const result = await compileTemplate(webhook('{\n  "a": "ok",\n  "b": "x {{#if first_name}} y"\n}'));
    expect(result.errors).toEqual([expect.objectContaining({ path: 'content.en.body', line: 3 })]);
    const helper = await compileTemplate(webhook('{\n  "a": "\\n\\n{{shout first_name}}"\n}'));
    expect(helper.errors).toEqual([
      expect.objectContaining({
        path: 'content.en.body',
        line: 2,
        column: 13,
        message: expect.stringMatching(/shout/),
      }),
    ]);
  });

  it('refuses partials and a layout, and warns about unknown variables at their place', async () => {
    expect(messages((await compileTemplate(webhook('{"a": "{{> button}}"}'))).errors)).toMatch(/partial/);
    expect((await compileTemplate(webhook('{}', { layout: HTML_LAYOUT }))).errors).toEqual([
      expect.objectContaining({ path: 'layout' }),
    ]);
    const warned = await compileTemplate(webhook('{\n  "a": ["{{nickname}}"]\n}'));
    expect(warned.errors).toEqual([]);
    expect(warned.warnings).toEqual([
      expect.objectContaining({
        path: 'content.en.body',
        line: 2,
        column: 12,
        message: expect.stringMatching(/nickname/),
      }),
    ]);
  });

  it('warns that a key is not rendered, and does not check it as Handlebars', async () => {
    const result = await compileTemplate(webhook('{"{{first_name}": "x"}'));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      expect.objectContaining({ path: 'content.en.body', line: 1, column: 2, message: expect.stringMatching(/key/) }),
    ]);
  });
});
