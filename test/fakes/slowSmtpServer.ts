import net from 'node:net';
import { freePort } from '../../infra/ports';

export interface AcceptedMail {
  from: string;
  to: string[];
  data: string;
}

/**
 * A slow but honest SMTP server: it answers every command correctly, each reply `delayMs` late (the greeting too),
 * as an overloaded provider does. A message counts as accepted when the 250 after its data has been written to a
 * connection that is still open; a client that hangs up before that never handed it over.
 */
export class SlowSmtpServer {
  readonly accepted: AcceptedMail[] = [];
  /** Every command received, in order, across connections. */
  readonly commands: string[] = [];
  /** Messages whose connection closed before the reply to their data. */
  abandoned = 0;
  connections = 0;
  /** Connections in the middle of a message: between MAIL FROM and the reply to its data (or RSET, or a hang-up). */
  busy = 0;
  port = 0;
  private readonly server = net.createServer((socket) => this.serve(socket));
  private readonly sockets = new Set<net.Socket>();

  constructor(public delayMs: number) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  /** Hangs up on every client, as a server restart or a network blip does; it keeps listening. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Whether a command starting with `prefix` (e.g. 'MAIL FROM') has been received. */
  received(prefix: string): boolean {
    return this.commands.some((c) => c.toUpperCase().startsWith(prefix));
  }

  private serve(socket: net.Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    // Replies go out one after another, each `delayMs` after the one before it was due.
    let queue = Promise.resolve();
    const reply = (line: string, then?: () => void) => {
      queue = queue.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              if (!socket.destroyed) {
                socket.write(`${line}\r\n`);
                then?.();
              }
              resolve();
            }, this.delayMs),
          ),
      );
    };
    let buffer = '';
    let inData = false;
    let inTransaction = false;
    const endTransaction = () => {
      if (inTransaction) this.busy--;
      inTransaction = false;
    };
    socket.on('close', endTransaction);
    let envelope: AcceptedMail = { from: '', to: [], data: '' };
    reply('220 slow.test ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let eol: number;
      while ((eol = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            const mail = envelope;
            envelope = { from: '', to: [], data: '' };
            let answered = false;
            socket.once('close', () => {
              if (!answered) this.abandoned++;
            });
            reply('250 2.0.0 queued', () => {
              answered = true;
              this.accepted.push(mail);
              endTransaction();
            });
          } else {
            envelope.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          }
          continue;
        }
        this.commands.push(line);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 slow.test');
        else if (verb === 'MAIL') {
          if (!inTransaction) this.busy++;
          inTransaction = true;
          envelope.from = line.slice(10).trim();
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          envelope.to.push(line.slice(8).trim().replace(/^<|>$/g, ''));
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end data with <CR><LF>.<CR><LF>');
        } else if (verb === 'RSET') {
          endTransaction();
          reply('250 2.0.0 ok');
        } else if (verb === 'NOOP') reply('250 2.0.0 ok');
        else if (verb === 'QUIT') reply('221 2.0.0 bye', () => socket.end());
        else reply('502 5.5.2 command not implemented');
      }
    });
  }
}
