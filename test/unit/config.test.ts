import { ConfigError, loadConfig } from '../../config/config';

test('defaults need nothing set', () => {
  const c = loadConfig({});
  expect(c.PORT).toBe(3000);
  expect(c.TEMPORAL_UI_PORT).toBe(8233);
  expect(c.DATABASE_URL).toBeUndefined();
  expect(c.dataDir).toMatch(/\.data$/);
  expect(c.publicUrl).toBe('http://localhost:3000');
});

test('a bad value stops start-up with a message naming each bad variable', () => {
  expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
  try {
    loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud' });
  } catch (err) {
    const message = (err as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('LOG_LEVEL');
  }
});

test('sendgrid needs its key', () => {
  expect(() => loadConfig({ EMAIL_PROVIDER: 'sendgrid' })).toThrow(/SENDGRID_API_KEY/);
});

test('mailgun needs its key and domain', () => {
  expect(() => loadConfig({ EMAIL_PROVIDER: 'mailgun' })).toThrow(/MAILGUN_API_KEY.*MAILGUN_DOMAIN/);
  expect(loadConfig({ EMAIL_PROVIDER: 'mailgun', MAILGUN_API_KEY: 'k', MAILGUN_DOMAIN: 'mg.acme.test' })).toMatchObject(
    { EMAIL_PROVIDER: 'mailgun', MAILGUN_API_URL: 'https://api.mailgun.net' },
  );
});

test('a SendGrid verification key that is not one is refused at start-up, naming the variable', () => {
  expect(() => loadConfig({ SENDGRID_WEBHOOK_PUBLIC_KEY: 'not-a-key' })).toThrow(/SENDGRID_WEBHOOK_PUBLIC_KEY/);
});

test('must-deliver templates are template keys: one that is not a key is refused, naming the variable', () => {
  expect(loadConfig({ MUST_DELIVER_TEMPLATES: 'approval_request, approval_reminder' }).MUST_DELIVER_TEMPLATES).toEqual([
    'approval_request',
    'approval_reminder',
  ]);
  expect(() => loadConfig({ MUST_DELIVER_TEMPLATES: 'approval_request,Password Reset' })).toThrow(
    /MUST_DELIVER_TEMPLATES: 'Password Reset': each entry must be a template key/,
  );
});

test('soft-bounce rules come from their three variables', () => {
  expect(loadConfig({}).softBounces).toEqual({ limit: 3, windowDays: 7, suppressDays: 14 });
  expect(loadConfig({ SOFT_BOUNCE_LIMIT: '5', SOFT_BOUNCE_SUPPRESS_DAYS: '30' }).softBounces).toEqual({
    limit: 5,
    windowDays: 7,
    suppressDays: 30,
  });
});

test('an empty variable counts as unset', () => {
  expect(loadConfig({ DATABASE_URL: '', SMTP_URL: '' }).DATABASE_URL).toBeUndefined();
});

describe('senders', () => {
  it('allows only the default sender when MAIL_FROM_ALLOWED is not set', () => {
    expect(loadConfig({}).mailFromAllowed).toEqual(['hello@gtm.localhost']);
    expect(loadConfig({ MAIL_FROM: 'Acme <Hello@Acme.example>' }).mailFromAllowed).toEqual(['hello@acme.example']);
  });

  it('reads MAIL_FROM_ALLOWED as addresses and domains, after the default sender', () => {
    const c = loadConfig({
      MAIL_FROM: 'Acme <hello@acme.example>',
      MAIL_FROM_ALLOWED: 'ada@acme.example, @News.Acme.example, hello@acme.example',
    });
    expect(c.mailFromAllowed).toEqual(['hello@acme.example', 'ada@acme.example', '@news.acme.example']);
  });

  it('refuses an entry that is neither an address nor a domain, naming it', () => {
    expect(() => loadConfig({ MAIL_FROM_ALLOWED: 'acme.example, @ok.example' })).toThrow(
      /MAIL_FROM_ALLOWED: 'acme\.example': each entry must be an address \(hello@example\.com\) or a domain/,
    );
  });

  it('refuses a default sender that is not one mailbox', () => {
    expect(() => loadConfig({ MAIL_FROM: 'Acme <hello@acme.example>\r\nBcc: all@example.com' })).toThrow(
      /MAIL_FROM: must be one address/,
    );
    expect(() => loadConfig({ MAIL_FROM: 'a@acme.example, b@acme.example' })).toThrow(/MAIL_FROM/);
  });
});
