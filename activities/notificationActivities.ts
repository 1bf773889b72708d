import { Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { OutboxStore } from '../db/stores/outbox';
import { PermanentEmailError, type EmailProvider } from '../providers/email/types';
import { renderEmail, templateInfo } from '../templates';
import type { MailSettings } from './sequenceActivities';

export interface NotificationActivityDeps {
  db: Db;
  email: EmailProvider;
  mail: Pick<MailSettings, 'from' | 'productName' | 'publicUrl'>;
}

/** An internal email to a person of the team (an approver, the chairman), not to a contact. */
export interface NotificationInput {
  /** Unique per message: a retried or replayed send with the same key is not sent again. */
  idempotencyKey: string;
  to: string;
  /** A transactional template (approval_request, approval_reminder, approval_escalation, budget_alert, ...). */
  template: string;
  /** A handlebars string rendered against `vars`. */
  subject: string;
  vars: Record<string, unknown>;
  /** The page the email's button opens, below the public URL (e.g. /v1/approvals/<id>). */
  ctaPath?: string;
  workflowId?: string;
}

export type NotificationResult =
  { status: 'sent' | 'duplicate'; providerMessageId: string | null } | { status: 'failed'; reason: string };

/** Activities that email the team. */
export function createNotificationActivities({ db, email, mail }: NotificationActivityDeps) {
  const outbox = new OutboxStore(db);

  return {
    /**
     * Sends one internal notification exactly once per idempotency key, through the email outbox.
     * @remarks The outbox row (no contact) is claimed first, so a key already sent returns 'duplicate'. The
     * provider's acceptance is heartbeated before the row is marked sent, so a retry after acceptance does not send
     * again. Permanent provider failures are recorded and returned; transient ones throw and are retried.
     */
    async sendNotification(input: NotificationInput): Promise<NotificationResult> {
      const info = templateInfo(input.template);
      if (!info) throw new Error(`no email template '${input.template}'`);
      const ctx = Context.current();
      const claim = await outbox.claim({
        idempotencyKey: input.idempotencyKey,
        contactId: null,
        ...(input.workflowId ? { workflowId: input.workflowId } : {}),
        template: input.template,
        toEmail: input.to,
        subject: input.subject,
        marketing: false,
      });
      if (claim.kind === 'done') {
        return claim.row.status === 'failed'
          ? { status: 'failed', reason: 'failed earlier' }
          : { status: 'duplicate', providerMessageId: claim.row.providerMessageId };
      }
      const accepted = ctx.info.heartbeatDetails as { providerMessageId?: string } | undefined;
      if (accepted?.providerMessageId) {
        await outbox.markSent(input.idempotencyKey, email.name, accepted.providerMessageId);
        return { status: 'duplicate', providerMessageId: accepted.providerMessageId };
      }
      const rendered = renderEmail(input.template, {
        subject: input.subject,
        vars: {
          ...input.vars,
          product_name: mail.productName,
          ...(input.ctaPath ? { cta_url: `${mail.publicUrl}${input.ctaPath}` } : {}),
        },
      });
      try {
        const { providerMessageId } = await email.send({
          from: mail.from,
          to: input.to,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers: {},
          idempotencyKey: input.idempotencyKey,
        });
        ctx.heartbeat({ providerMessageId });
        await outbox.markSent(input.idempotencyKey, email.name, providerMessageId);
        return { status: 'sent', providerMessageId };
      } catch (err) {
        if (err instanceof PermanentEmailError) {
          await outbox.markFailed(input.idempotencyKey, err.message);
          return { status: 'failed', reason: err.message };
        }
        await outbox.recordError(input.idempotencyKey, String((err as Error).message ?? err)).catch(() => undefined);
        throw err;
      }
    },
  };
}
