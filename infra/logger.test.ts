import { envSchema } from '../config/config';
import { createLogger, CREDENTIAL_SETTINGS } from './logger';

describe('the logger', () => {
  it('knows every setting that holds a credential', () => {
    // A secret, token or key by its name; a URL setting (a token endpoint) or a public key holds none.
    const credentials = Object.keys(envSchema.shape).filter(
      (name) => /(SECRET|TOKEN|_KEY)$/.test(name) && !/PUBLIC_KEY$/.test(name),
    );
    expect(credentials.filter((name) => !CREDENTIAL_SETTINGS.includes(name))).toEqual([]);
  });

  it('drops them from a logged configuration', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line: string) => void lines.push(line) });
    log.info(
      { config: { TWILIO_AUTH_TOKEN: 'twilio-secret', GOOGLE_ADS_REFRESH_TOKEN: '1//refresh', PORT: 3000 } },
      'x',
    );
    expect(lines.join('')).not.toMatch(/twilio-secret|1\/\/refresh/);
    expect(lines.join('')).toContain('"PORT":3000');
  });
});
