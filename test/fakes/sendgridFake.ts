import { randomBytes } from 'node:crypto';
import { FakeHttpServer, bearerOf, bodyOf, type FakeReply, type RecordedRequest } from './fakeHttpServer';

/** SendGrid's error body. */
export function sendgridError(_status: number, message: string, field: string | null = null): unknown {
  return { errors: [{ message, field, help: null }] };
}

/**
 * SendGrid's v3 Mail Send endpoint on loopback: checks the bearer key and the documented body shape, answers 202
 * with an X-Message-Id, and keeps every accepted body in `sent`.
 */
export class SendGridFake {
  readonly server = new FakeHttpServer((status, message) => sendgridError(status, message));
  readonly sent: Array<Record<string, any>> = [];

  constructor(readonly apiKey: string) {
    this.server.route('POST', /^\/v3\/mail\/send$/, (req) => this.send(req));
  }

  /** Starts a fake accepting this key. */
  static async start(apiKey: string): Promise<SendGridFake> {
    const fake = new SendGridFake(apiKey);
    await fake.server.start();
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  private send(req: RecordedRequest): FakeReply {
    if (bearerOf(req) !== this.apiKey) {
      return {
        status: 401,
        body: sendgridError(401, 'The provided authorization grant is invalid, expired, or revoked'),
      };
    }
    let body: Record<string, any>;
    try {
      body = bodyOf(req);
    } catch {
      return { status: 400, body: sendgridError(400, 'Bad Request', null) };
    }
    const errors: Array<{ message: string; field: string }> = [];
    const to = body.personalizations?.[0]?.to;
    if (
      !Array.isArray(to) ||
      to.length === 0 ||
      !to.every((r: any) => typeof r?.email === 'string' && r.email.includes('@'))
    ) {
      errors.push({
        message:
          'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
        field: 'personalizations.0.to',
      });
    }
    if (typeof body.from?.email !== 'string' || !body.from.email.includes('@')) {
      errors.push({
        message:
          'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.',
        field: 'from',
      });
    }
    if (typeof body.subject !== 'string' || body.subject === '') {
      errors.push({
        message:
          'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.',
        field: 'subject',
      });
    }
    const content = body.content;
    if (!Array.isArray(content) || content.length === 0 || content.some((c: any) => !c?.type || !c?.value)) {
      errors.push({
        message:
          'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.',
        field: 'content',
      });
    } else if (content.length > 1 && content[0].type !== 'text/plain') {
      errors.push({
        message: 'If present, text/plain must be first, followed by text/html, followed by any other content.',
        field: 'content',
      });
    }
    if (body.custom_args && Object.values(body.custom_args).some((v) => typeof v !== 'string')) {
      errors.push({ message: 'Custom args must be strings.', field: 'custom_args' });
    }
    if (errors.length) return { status: 400, body: { errors: errors.map((e) => ({ ...e, help: null })) } };
    this.sent.push(body);
    return { status: 202, headers: { 'x-message-id': randomBytes(11).toString('base64url') } };
  }
}
