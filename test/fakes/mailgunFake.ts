import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type FakeReply, type RecordedRequest } from './fakeHttpServer';

/** Mailgun's error body: one `message`. */
export function mailgunError(_status: number, message: string): unknown {
  return { message };
}

/** One message the fake accepted: its form fields (a field may repeat) and the id it answered with. */
export interface MailgunSentMessage {
  domain: string;
  /** The id as Mailgun returns it, in angle brackets. */
  id: string;
  fields: Record<string, string[]>;
  /** The first value of a field. */
  field(name: string): string | undefined;
}

// Mailgun caps the send options (o:, h:, v:, t:) of one message at 16 kB in total.
const OPTIONS_LIMIT_BYTES = 16 * 1024;

/**
 * Mailgun's Messages API (`POST /v3/{domain}/messages`) on loopback: checks Basic auth (user `api`, the key as
 * password), the sending domain and the documented form fields, answers 200 with `{ id, message }`, and keeps every
 * accepted message in `sent`.
 */
export class MailgunFake {
  readonly server = new FakeHttpServer(mailgunError);
  readonly sent: MailgunSentMessage[] = [];

  constructor(
    readonly apiKey: string,
    readonly domain: string,
  ) {
    this.server.route('POST', /^\/v3\/([^/]+)\/messages$/, (req, [domain]) => this.send(req, domain ?? ''));
  }

  /** Starts a fake accepting this key for this sending domain. */
  static async start(apiKey: string, domain: string): Promise<MailgunFake> {
    const fake = new MailgunFake(apiKey, domain);
    await fake.server.start();
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  private async send(req: RecordedRequest, domain: string): Promise<FakeReply> {
    if (basicAuthOf(req) !== `api:${this.apiKey}`) {
      // Mailgun answers a wrong key with a bare text body, not JSON.
      return { status: 401, headers: { 'content-type': 'text/plain' }, body: 'Forbidden' };
    }
    if (domain !== this.domain) return { status: 404, body: mailgunError(404, `Domain not found: ${domain}`) };

    const fields = await formFieldsOf(req);
    if (!fields) return { status: 400, body: mailgunError(400, 'Bad request: expected a form body') };
    const first = (name: string): string | undefined => fields[name]?.[0];

    for (const name of ['from', 'to', 'subject']) {
      if (!first(name)) return { status: 400, body: mailgunError(400, `'${name}' parameter is missing`) };
    }
    if (!/^[^@\s<>]+@[^@\s<>]+$/.test(addressOf(first('to')!))) {
      return {
        status: 400,
        body: mailgunError(400, 'to parameter is not a valid address. please check documentation'),
      };
    }
    if (!first('text') && !first('html')) {
      return {
        status: 400,
        body: mailgunError(400, "Need at least one of 'text', 'html' or 'template' parameters specified"),
      };
    }
    const optionBytes = Object.entries(fields)
      .filter(([name]) => /^[ohvt]:/.test(name))
      .reduce((sum, [name, values]) => sum + values.reduce((s, v) => s + Buffer.byteLength(name + v), 0), 0);
    if (optionBytes > OPTIONS_LIMIT_BYTES) {
      return {
        status: 400,
        body: mailgunError(400, 'Send options (parameters starting with o:, h:, v:, or t:) are limited to 16 kB total'),
      };
    }

    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const id = `<${stamp}.${randomBytes(8).toString('hex')}@${domain}>`;
    this.sent.push({ domain, id, fields, field: first });
    return { status: 200, body: { id, message: 'Queued. Thank you.' } };
  }
}

/** `user:password` of a Basic authorization header, if any. */
function basicAuthOf(req: RecordedRequest): string | undefined {
  const value = req.headers.authorization;
  if (typeof value !== 'string' || !value.startsWith('Basic ')) return undefined;
  return Buffer.from(value.slice('Basic '.length), 'base64').toString('utf8');
}

/** The address of `Name <addr>` or of a bare `addr`. */
function addressOf(mailbox: string): string {
  return /<([^<>]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox.trim();
}

/** Fields of a multipart/form-data or url-encoded body, as Mailgun accepts both; undefined for anything else. */
async function formFieldsOf(req: RecordedRequest): Promise<Record<string, string[]> | undefined> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('multipart/form-data') && !type.startsWith('application/x-www-form-urlencoded')) {
    return undefined;
  }
  let form: FormData;
  try {
    // The platform's own multipart parser, the one fetch uses for Response.formData().
    form = await new Response(req.body, { headers: { 'content-type': type } }).formData();
  } catch {
    return undefined;
  }
  const fields: Record<string, string[]> = {};
  form.forEach((value, name) => {
    (fields[name] ??= []).push(typeof value === 'string' ? value : `[file ${value.name}]`);
  });
  return fields;
}
