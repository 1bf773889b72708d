import {
  HELP_KEYWORDS,
  InvalidPhoneError,
  SMS_MAX_CHARACTERS,
  SMS_MAX_SEGMENTS,
  START_KEYWORDS,
  STOP_KEYWORDS,
  keywordReply,
  normalizePhone,
  smsKeyword,
  smsSegments,
} from './sms';

function phoneError(input: string, country?: Parameters<typeof normalizePhone>[1]): InvalidPhoneError {
  try {
    normalizePhone(input, country);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPhoneError);
    return err as InvalidPhoneError;
  }
  throw new Error(`normalizePhone accepted ${JSON.stringify(input)}`);
}

describe('normalizePhone', () => {
  it('turns a formatted international number into E.164', () => {
    expect(normalizePhone('+1 (415) 555-0123')).toBe('+14155550123');
    expect(normalizePhone('+14155550123')).toBe('+14155550123');
    expect(normalizePhone('  +61 491 570 156\n')).toBe('+61491570156');
  });

  it('reads national and 00-prefixed numbers with a default country, and only with one', () => {
    expect(normalizePhone('0044 20 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalizePhone('(415) 555-0123', 'US')).toBe('+14155550123');
    phoneError('0044 20 7946 0958');
    phoneError('020 7946 0958');
  });

  it('refuses letters, unknown country codes, short numbers and numbers inside text', () => {
    for (const input of [
      'abc',
      '+999',
      '+1 555',
      '',
      '   ',
      '+1 800 FLOWERS',
      'call +14155550123 now',
      '+1 415 555 0123 ext 5',
      '+1415555\u00000123',
      '+1 415 555 0123; DROP TABLE contacts',
    ]) {
      phoneError(input);
    }
  });

  it('says what was wrong and how to write it', () => {
    expect(phoneError('+1 555').message).toBe(
      "phone: '+1 555' is not a valid phone number; give it in E.164, e.g. +14155550123",
    );
  });

  it('refuses a 200-character input with a short message', () => {
    const long = `+1${'4'.repeat(198)}`;
    const err = phoneError(long);
    expect(err.message.length).toBeLessThan(160);
    expect(err.message).toContain('E.164');
    const letters = phoneError('x'.repeat(200));
    expect(letters.message.length).toBeLessThan(160);
  });
});

describe('smsSegments', () => {
  it('fits 160 GSM-7 characters in one segment and splits the 161st into 153-septet parts', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', characters: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', characters: 161, segments: 2 });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts the GSM-7 accented letters, Greek capitals, @ and £ as one septet', () => {
    const text = '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&\'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r';
    expect(smsSegments(text)).toEqual({ encoding: 'GSM-7', characters: [...text].length, segments: 1 });
  });

  it('counts the extension characters as two septets', () => {
    expect(smsSegments('^{}\\[~]|€')).toEqual({ encoding: 'GSM-7', characters: 18, segments: 1 });
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', characters: 160, segments: 1 });
    expect(smsSegments(`${'€'.repeat(80)}a`)).toEqual({ encoding: 'GSM-7', characters: 161, segments: 2 });
  });

  it('does not split an escape sequence across two segments', () => {
    // 306 septets, but the € after 152 septets does not fit the one left in the first segment.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toEqual({
      encoding: 'GSM-7',
      characters: 306,
      segments: 3,
    });
  });

  it('switches the whole message to UCS-2 for one character outside GSM-7', () => {
    expect(smsSegments('Café’s menu').encoding).toBe('UCS-2'); // the curly apostrophe
    expect(smsSegments('á').encoding).toBe('UCS-2');
    expect(smsSegments('tab\there').encoding).toBe('UCS-2');
    expect(smsSegments('`').encoding).toBe('UCS-2');
    expect(smsSegments(`${'a'.repeat(159)}ж`)).toEqual({ encoding: 'UCS-2', characters: 160, segments: 3 });
  });

  it('fits 70 UCS-2 code units in one segment and splits the 71st into 67-unit parts', () => {
    expect(smsSegments('ж'.repeat(70))).toEqual({ encoding: 'UCS-2', characters: 70, segments: 1 });
    expect(smsSegments('ж'.repeat(71))).toEqual({ encoding: 'UCS-2', characters: 71, segments: 2 });
    expect(smsSegments('ж'.repeat(134)).segments).toBe(2);
    expect(smsSegments('ж'.repeat(135)).segments).toBe(3);
  });

  it('counts an emoji as two code units and never splits one across segments', () => {
    expect(smsSegments('😀')).toEqual({ encoding: 'UCS-2', characters: 2, segments: 1 });
    expect(smsSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', characters: 70, segments: 1 });
    expect(smsSegments('😀'.repeat(36))).toEqual({ encoding: 'UCS-2', characters: 72, segments: 2 });
    // 134 units, two segments by arithmetic, three once each segment ends on a whole emoji.
    expect(smsSegments(`xx${'😀'.repeat(66)}`)).toEqual({ encoding: 'UCS-2', characters: 134, segments: 3 });
  });

  it('makes no segment of an empty text', () => {
    expect(smsSegments('')).toEqual({ encoding: 'GSM-7', characters: 0, segments: 0 });
  });

  it("publishes Twilio's body limit and the segment cap", () => {
    expect(SMS_MAX_CHARACTERS).toBe(1600);
    expect(SMS_MAX_SEGMENTS).toBe(10);
  });
});

describe('smsKeyword', () => {
  it.each([
    ['STOP', 'stop'],
    [' stop ', 'stop'],
    ['Stop', 'stop'],
    ['stopall', 'stop'],
    ['Unsubscribe', 'stop'],
    ['CANCEL', 'stop'],
    ['end', 'stop'],
    ['quit', 'stop'],
    ['OptOut', 'stop'],
    ['revoke\n', 'stop'],
    ['START', 'start'],
    ['yes', 'start'],
    ['Unstop', 'start'],
    ['help', 'help'],
    [' INFO', 'help'],
  ])('reads %j as %s', (body, keyword) => {
    expect(smsKeyword(body)).toBe(keyword);
  });

  it.each(['Stop please', 'please stop', 'STOP STOP', 'STOP\nSTOP', 'stopp', '', '   ', 'ſtop', 'yes!', 'helpme'])(
    'reads %j as no keyword',
    (body) => {
      expect(smsKeyword(body)).toBeUndefined();
    },
  );

  it('publishes the carriers’ keyword lists', () => {
    expect(STOP_KEYWORDS).toEqual(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']);
    expect(START_KEYWORDS).toEqual(['START', 'YES', 'UNSTOP']);
    expect(HELP_KEYWORDS).toEqual(['HELP', 'INFO']);
  });
});

describe('keywordReply', () => {
  const brands = ['Acme', 'A'.repeat(30), 'Acme Analytics & Growth Co. Ltd'.slice(0, 30), '{Brackets} [and] €uro~|^\\'];

  it.each(brands)('fits every confirmation for %j in one GSM-7 segment', (brand) => {
    expect(brand.length).toBeLessThanOrEqual(30);
    for (const keyword of ['stop', 'start', 'help'] as const) {
      const reply = keywordReply(keyword, brand);
      expect(reply).toContain(brand);
      expect(smsSegments(reply)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    }
  });

  it('tells the recipient what happened and how to undo it', () => {
    expect(keywordReply('stop', 'Acme')).toBe(
      'You are unsubscribed from Acme messages. No more messages will be sent. Reply START to resubscribe.',
    );
    expect(keywordReply('start', 'Acme')).toBe('You are resubscribed to Acme messages. Reply STOP to unsubscribe.');
    expect(keywordReply('help', 'Acme')).toBe(
      'Acme: reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.',
    );
  });
});
