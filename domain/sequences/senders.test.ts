import { parseAllowedSenders, parseMailbox, senderAllowed, senderProblem } from './senders';

describe('parseMailbox', () => {
  it.each([
    ['hello@acme.example', { address: 'hello@acme.example' }],
    ['<hello@acme.example>', { address: 'hello@acme.example' }],
    ['Acme <hello@acme.example>', { name: 'Acme', address: 'hello@acme.example' }],
    ['  Ada  Lovelace   <ada@acme.example> ', { name: 'Ada Lovelace', address: 'ada@acme.example' }],
    ['"Acme, News" <news@acme.example>', { name: 'Acme, News', address: 'news@acme.example' }],
    ['"Say \\"hi\\"" <hi@acme.example>', { name: 'Say "hi"', address: 'hi@acme.example' }],
    ['Zoë Café <zoe@acme.example>', { name: 'Zoë Café', address: 'zoe@acme.example' }],
  ])('reads %j', (value, mailbox) => {
    expect(parseMailbox(value)).toEqual(mailbox);
  });

  it.each([
    ['a line break before a header', 'Acme <hello@acme.example>\r\nBcc: all@example.com'],
    ['a line break in the address', 'hello@acme.example\nRCPT TO:<x@example.com>'],
    ['a bare carriage return', 'Acme\r <hello@acme.example>'],
    ['a NUL', 'Acme\u0000 <hello@acme.example>'],
    ['a Unicode line separator', 'Acme\u2028 <hello@acme.example>'],
    ['two addresses', 'hello@acme.example, ada@acme.example'],
    ['an unquoted comma in the name', 'Acme, News <news@acme.example>'],
    ['a name that reads as an address', '"chairman@bank.example" <hello@acme.example>'],
    ['a second angle address', 'A <a@acme.example> <b@acme.example>'],
    ['a group', 'team: a@acme.example;'],
    ['a comment', 'hello@acme.example (Acme)'],
    ['no domain', 'hello@'],
    ['no at sign', 'Acme <hello>'],
    ['a domain literal', 'hello@[127.0.0.1]'],
    ['an empty string', ''],
  ])('refuses %s', (_what, value) => {
    expect(parseMailbox(value)).toBeUndefined();
  });
});

describe('allowed senders', () => {
  it('reads addresses and domains, lower-cased, and names the entries that are neither', () => {
    expect(parseAllowedSenders(' Hello@Acme.example, @News.Acme.example,,hello@acme.example ')).toEqual({
      allowed: ['hello@acme.example', '@news.acme.example'],
      invalid: [],
    });
    expect(parseAllowedSenders('acme.example, hello@@acme.example, Acme <a@acme.example>').invalid).toEqual([
      'acme.example',
      'hello@@acme.example',
      'Acme <a@acme.example>',
    ]);
  });

  it('matches an address itself or its exact domain, never a subdomain or a look-alike', () => {
    const allowed = ['hello@acme.example', '@news.acme.example'];
    expect(senderAllowed('Hello@ACME.example', allowed)).toBe(true);
    expect(senderAllowed('anyone@news.acme.example', allowed)).toBe(true);
    expect(senderAllowed('ceo@acme.example', allowed)).toBe(false);
    expect(senderAllowed('a@evil.news.acme.example', allowed)).toBe(false);
    expect(senderAllowed('a@news.acme.example.evil', allowed)).toBe(false);
  });

  it('explains a refused sender with the list to choose from', () => {
    const allowed = ['hello@acme.example', '@news.acme.example'];
    expect(senderProblem('Acme <hello@acme.example>', allowed)).toBeUndefined();
    expect(senderProblem('Chairman <chairman@bigbank.example>', allowed)).toBe(
      'chairman@bigbank.example is not an allowed sender (allowed: hello@acme.example, @news.acme.example)',
    );
    expect(senderProblem('a@acme.example\r\nBcc: x@example.com', allowed)).toMatch(
      /^must be one address .* without line breaks .*\(allowed: hello@acme\.example, @news\.acme\.example\)$/,
    );
    expect(senderProblem('hello@acme.example', [])).toMatch(/allowed: none: leave from out/);
  });
});
