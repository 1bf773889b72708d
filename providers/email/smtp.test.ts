import { SlowSmtpServer } from '../../test/fakes';
import { createSmtpProvider } from './smtp';
import type { EmailMessage, EmailProvider } from './types';

const message = (n: number): EmailMessage => ({
  from: 'Acme <hello@acme.test>',
  to: `person-${n}@example.com`,
  subject: `Message ${n}`,
  text: 'Plain body',
  html: '<p>HTML body</p>',
  headers: {},
  idempotencyKey: `send-${n}`,
});

describe('SMTP provider against a real SMTP server on loopback', () => {
  let server: SlowSmtpServer;
  let provider: EmailProvider;
  beforeEach(async () => {
    server = new SlowSmtpServer(0);
    await server.start();
    provider = createSmtpProvider(server.url);
  });
  afterEach(async () => {
    await provider.close();
    await server.stop();
  });

  it('sends message after message over one pooled connection', async () => {
    for (let n = 0; n < 5; n++) await provider.send(message(n));
    expect(server.accepted.map((m) => m.to)).toEqual([0, 1, 2, 3, 4].map((n) => [`person-${n}@example.com`]));
    expect(server.connections).toBe(1);
  });

  it('opens a new connection when the server dropped the pooled one, and delivers', async () => {
    await provider.send(message(0));
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 100));
    await provider.send(message(1));
    expect(server.accepted).toHaveLength(2);
    expect(server.connections).toBe(2);
  });

  it('stops a message in flight when the send is stopped, and the server never gets it', async () => {
    server.delayMs = 300;
    const stop = new AbortController();
    const sending = provider.send(message(0), stop.signal).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await new Promise((r) => setTimeout(r, 700));
    stop.abort();
    expect((await sending)?.name).toBe('AbortError');
    await new Promise((r) => setTimeout(r, 2_500));
    expect(server.accepted).toHaveLength(0);
    // The pool goes on with a fresh connection.
    server.delayMs = 0;
    await provider.send(message(1));
    expect(server.accepted).toHaveLength(1);
  });
});
