import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { ensurePrivateDir, makePrivate, writePrivateFile } from './privateFiles';

export interface CaughtMail {
  id: string;
  receivedAt: string;
  envelopeFrom: string;
  envelopeTo: string[];
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

export interface MailCatcherOptions {
  port: number;
  /** Keep each message as a .json file here, so the list survives a restart. */
  dir?: string;
  /** Refuse every message with a temporary (4xx) error, to simulate an outage. */
  refuse?: boolean;
  /** Addresses refused permanently (550), as a mail server does for a mailbox that does not exist. */
  rejectRecipients?: string[];
}

/**
 * A real SMTP server on loopback that accepts every message and keeps it: the default mail server of
 * `npm start` (listed at GET /v1/dev/mail) and the sink the tests await messages from.
 */
export class MailCatcher {
  private readonly server: SMTPServer;
  private readonly mails: CaughtMail[] = [];
  private readonly waiters = new Set<() => void>();
  refuse: boolean;

  constructor(readonly options: MailCatcherOptions) {
    this.refuse = options.refuse ?? false;
    if (options.dir) {
      ensurePrivateDir(options.dir);
      for (const file of fs.readdirSync(options.dir).sort()) {
        if (!file.endsWith('.json')) continue;
        makePrivate(path.join(options.dir, file));
        this.mails.push(JSON.parse(fs.readFileSync(path.join(options.dir, file), 'utf8')));
      }
    }
    this.server = new SMTPServer({
      authOptional: true,
      // A name lookup of every client costs a DNS round trip per connection and tells a local catcher nothing.
      disableReverseLookup: true,
      // Senders keep pooled connections open; stopping closes them after this grace instead of 30 s.
      closeTimeout: 200,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (options.rejectRecipients?.includes(address.address.toLowerCase())) {
          callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        if (this.refuse) {
          stream.resume();
          stream.on('end', () =>
            callback(Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 })),
          );
          return;
        }
        simpleParser(stream)
          .then((parsed) => {
            const headers: Record<string, string> = {};
            for (const line of parsed.headerLines)
              headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
            const mail: CaughtMail = {
              id: randomUUID(),
              receivedAt: new Date().toISOString(),
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              from: parsed.from?.text ?? '',
              to: Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : (parsed.to?.text ?? ''),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              headers,
            };
            this.keep(mail);
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    // A sender that dies mid-message resets its connection; smtp-server reports that as an 'error' event, which
    // would end the process if nobody listened. The sender did not get a 250, so it sends again: nothing is lost.
    this.server.on('error', () => undefined);
  }

  private keep(mail: CaughtMail): void {
    this.mails.push(mail);
    if (this.options.dir) {
      const file = `${mail.receivedAt.replace(/[:.]/g, '-')}-${mail.id}.json`;
      writePrivateFile(path.join(this.options.dir, file), JSON.stringify(mail));
    }
    for (const wake of this.waiters) wake();
  }

  get port(): number {
    return this.options.port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.options.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Newest first. */
  list(): CaughtMail[] {
    return [...this.mails].reverse();
  }

  /** Messages to one address, oldest first. */
  to(address: string): CaughtMail[] {
    const wanted = address.toLowerCase();
    return this.mails.filter((m) => m.envelopeTo.some((t) => t.toLowerCase() === wanted));
  }

  get count(): number {
    return this.mails.length;
  }

  /** Resolves once `predicate` holds over the messages received so far; rejects after timeoutMs. */
  async waitFor(predicate: (mails: CaughtMail[]) => boolean, timeoutMs = 10_000): Promise<CaughtMail[]> {
    if (predicate(this.mails)) return this.mails;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.mails)) {
          cleanup();
          resolve(this.mails);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`mail not received within ${timeoutMs} ms (have ${this.mails.length})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}
