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

test('an empty variable counts as unset', () => {
  expect(loadConfig({ DATABASE_URL: '', SMTP_URL: '' }).DATABASE_URL).toBeUndefined();
});
