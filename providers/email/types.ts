export interface EmailMessage {
  from: string;
  /** Where replies go, when not to the sender (a template's reply-to from MAIL_REPLY_TO_ALLOWED). */
  replyTo?: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  headers: Record<string, string>;
  /** Stable per send; providers that support it use it to drop duplicates on their side too. */
  idempotencyKey: string;
}

export interface SendResult {
  providerMessageId: string;
}

/**
 * A failure that retrying cannot fix: a rejected address, a 4xx from the provider's API. `recipientRejected` when
 * the receiving mail server refused the mailbox itself (an SMTP 5xx to RCPT TO): a hard bounce.
 */
export class PermanentEmailError extends Error {
  constructor(
    message: string,
    readonly recipientRejected = false,
  ) {
    super(message);
    this.name = 'PermanentEmailError';
  }
}

/**
 * One way to deliver an email. `send` resolves once the provider accepted the message, throws
 * PermanentEmailError when it never will, and throws anything else for a failure worth retrying. Aborting
 * `signal` stops a send in flight (the connection carrying it is closed); `close` ends open connections.
 */
export interface EmailProvider {
  readonly name: string;
  send(message: EmailMessage, signal?: AbortSignal): Promise<SendResult>;
  close(): Promise<void>;
}
