import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { OutboxStore } from '../db/stores/outbox';
import type { EmailProvider } from '../providers/email/types';
import { deliverOnce, sendGuard } from './deliverOnce';
import { renderTemplate, TemplateLibrary } from '../templates/library';
import type { MailSettings } from '../services/mailSettings';

export interface NotificationActivityDeps {
  db: Db;
  email: EmailProvider;
  mail: Pick<MailSettings, 'from' | 'productName' | 'publicUrl' | 'mustDeliver' | 'softBounces'>;
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
  /** The page the email's button opens, below the public URL (e.g. /approvals/<id>, the dashboard's). */
  ctaPath?: string;
  workflowId?: string;
}

export type NotificationResult =
  | { status: 'sent' | 'duplicate'; providerMessageId: string | null }
  | { status: 'failed' | 'suppressed'; reason: string };

/** Activities that email the team. */
export function createNotificationActivities({ db, email, mail }: NotificationActivityDeps) {
  const outbox = new OutboxStore(db);
  const guard = sendGuard(db, mail);
  const library = new TemplateLibrary(db);

  return {
    /**
     * Sends one internal notification exactly once per idempotency key, through the email outbox.
     * @remarks The outbox row (no contact) is claimed first, so a key already sent returns 'duplicate'. The
     * provider's acceptance is heartbeated before the row is marked sent, so a retry after acceptance does not send
     * again. Permanent provider failures are recorded and returned; transient ones throw and are retried.
     */
    async sendNotification(input: NotificationInput): Promise<NotificationResult> {
      const template = await library.resolve(input.template);
      if (!template) {
        throw ApplicationFailure.nonRetryable(`no email template '${input.template}'`, 'UnknownTemplate');
      }
      const claim = {
        idempotencyKey: input.idempotencyKey,
        contactId: null,
        ...(input.workflowId ? { workflowId: input.workflowId } : {}),
        template: input.template,
        toEmail: input.to,
        subject: input.subject,
        marketing: false,
      };
      return (await deliverOnce({ outbox, courier: email, guard }, claim, undefined, () => {
        const { locale: _chosen, ...rendered } = renderTemplate(
          template,
          {
            ...input.vars,
            product_name: mail.productName,
            ...(input.ctaPath ? { cta_url: `${mail.publicUrl}${input.ctaPath}` } : {}),
          },
          { subject: input.subject },
        );
        return { from: template.from ?? mail.from, ...rendered, headers: {} };
      })) as NotificationResult;
    },
  };
}
