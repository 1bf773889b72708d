import { positionAt, scanJson, SMS_MAX_CHARACTERS, smsSize } from './channelFormats';

describe('smsSize: GSM-7', () => {
  it('fits 160 characters in one segment and splits 161 into two of 153', () => {
    expect(smsSize('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', characters: 160, segments: 1 });
    expect(smsSize('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', characters: 161, segments: 2 });
    expect(smsSize('a'.repeat(306)).segments).toBe(2);
    expect(smsSize('a'.repeat(307)).segments).toBe(3);
  });

  it('counts an extension character (€ [ ] { } ~ ^ | \\ form feed) as two septets', () => {
    expect(smsSize('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', characters: 80, units: 160, segments: 1 });
    expect(smsSize('€'.repeat(81))).toMatchObject({ encoding: 'GSM-7', units: 162, segments: 2 });
    expect(smsSize('[]{}~^|\\\f').units).toBe(18);
  });

  it('never splits an escape sequence across two segments', () => {
    // 306 septets would be two segments of 153; the € at septet 153 cannot be cut in half, so it takes three.
    const text = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
    expect(smsSize(text)).toMatchObject({ encoding: 'GSM-7', units: 306, segments: 3 });
  });

  it('keeps the whole GSM 03.38 basic table in GSM-7', () => {
    const basic =
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect(smsSize(basic)).toMatchObject({ encoding: 'GSM-7', units: basic.length });
  });

  it('has no segment for an empty text', () => {
    expect(smsSize('')).toMatchObject({ characters: 0, segments: 0 });
  });
});

describe('smsSize: UCS-2', () => {
  it('switches to UCS-2 for one character outside GSM 03.38 and names it', () => {
    const size = smsSize(`Merci ${'a'.repeat(10)} ç`);
    expect(size).toMatchObject({ encoding: 'UCS-2', nonGsm: 'ç', segments: 1 });
  });

  it('fits 70 units in one segment and splits 71 into two of 67', () => {
    expect(smsSize('ж'.repeat(70))).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(smsSize('ж'.repeat(71)).segments).toBe(2);
    expect(smsSize('ж'.repeat(134)).segments).toBe(2);
    expect(smsSize('ж'.repeat(135)).segments).toBe(3);
  });

  it('counts an emoji as two units and one character, and never splits it across segments', () => {
    expect(smsSize('😀'.repeat(35))).toMatchObject({ encoding: 'UCS-2', characters: 35, units: 70, segments: 1 });
    const text = `${'ж'.repeat(66)}😀${'ж'.repeat(66)}`;
    expect(smsSize(text)).toMatchObject({ characters: 133, units: 134, segments: 3 });
  });

  it('names the limit Twilio puts on one message', () => {
    expect(SMS_MAX_CHARACTERS).toBe(1600);
  });
});

describe('scanJson', () => {
  it('lists the string literals with their place, telling keys from values', () => {
    const source = '{\n  "name": "{{first_name}}",\n  "tags": ["a", 1, true, null],\n  "n": -1.5e3\n}';
    const scan = scanJson(source);
    expect(scan.error).toBeUndefined();
    expect(scan.strings?.map((s) => [s.value, s.key, positionAt(source, s.start)])).toEqual([
      ['name', true, { line: 2, column: 3 }],
      ['{{first_name}}', false, { line: 2, column: 11 }],
      ['tags', true, { line: 3, column: 3 }],
      ['a', false, { line: 3, column: 12 }],
      ['n', true, { line: 4, column: 3 }],
    ]);
  });

  it('decodes escapes and maps each decoded character back to the source', () => {
    const source = '["a\\n\\"\\u00e9b"]';
    const [s] = scanJson(source).strings ?? [];
    expect(s?.value).toBe('a\n"éb');
    expect(s?.offsets.map((o) => source[o])).toEqual(['a', '\\', '\\', '\\', 'b', '"']);
  });

  it.each([
    ['{"a": 1,\n "b": }', 2, 7, /value/],
    ['{"a": 1', 1, 8, /end/],
    ['', 1, 1, /end/],
    ['{"count": {{n}} }', 1, 11, /Handlebars.*inside a string/],
    ['{"a": "line\nbreak"}', 1, 12, /control character/],
    ['{"a": 01}', 1, 8, /,|}/],
    ["{'a': 1}", 1, 2, /property name/],
    ['{"a": 1} x', 1, 10, /after the JSON value/],
    ['{"a": "\\x"}', 1, 8, /escape/],
    ['[1,]', 1, 4, /value/],
    ['{"a" 1}', 1, 6, /':'/],
  ])('locates the error in %j at %i:%i', (source, line, column, message) => {
    const scan = scanJson(source);
    expect(scan.error).toBeDefined();
    expect(positionAt(source, scan.error?.offset ?? -1)).toEqual({ line, column });
    expect(scan.error?.message).toMatch(message);
  });

  it('accepts exactly what JSON.parse accepts on these samples', () => {
    const samples = [
      '0',
      '-0',
      '1e5',
      '"x"',
      '[]',
      '{}',
      ' {"a":[{"b":{}}]} ',
      '1.',
      '.5',
      '+1',
      'tru',
      '[1 2]',
      '"\t"',
    ];
    for (const sample of samples) {
      let parses = true;
      try {
        JSON.parse(sample);
      } catch {
        parses = false;
      }
      expect([sample, scanJson(sample).error === undefined]).toEqual([sample, parses]);
    }
  });
});
