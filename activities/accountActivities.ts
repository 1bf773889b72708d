import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { OutboxStore } from '../db/stores/outbox';
import { PasswordResetStore } from '../db/stores/sessions';
import { UserStore } from '../db/stores/users';
import { durationInWords } from '../domain/format';
import { setPasswordUrl } from '../domain/passwordLinks';
import type { LinkSigner } from '../infra/signing';
import type { EmailProvider } from '../providers/email/types';
import type { MailSettings } from '../services/mailSettings';
import { subjectLine, TemplateLibrary } from '../templates/library';
import type { AccountEmailInput } from '../workflows/types';
import { composeEmail } from './composeEmail';
import { deliverOnce, sendGuard, type Delivery } from './deliverOnce';

export interface AccountActivityDeps {
  db: Db;
  email: EmailProvider;
  mail: MailSettings;
  signer: LinkSigner;
}

/** The built-in transactional template that carries a set-password link. */
export const ACCOUNT_ACCESS_TEMPLATE = 'account_access';

/** Mail to the people who use the product: the link that sets a password. */
export function createAccountActivities({ db, email, mail, signer }: AccountActivityDeps) {
  const outbox = new OutboxStore(db);
  const guard = sendGuard(db, mail);
  const library = new TemplateLibrary(db);

  return {
    /**
     * Sends a person the link that sets their password (a reset they asked for, or their first password). The link
     * is made here, from the reset's id and the server's secret, so it is in no workflow history.
     * @remarks Through the outbox under the workflow's key: a retry never sends a second email.
     */
    async sendAccountEmail(input: AccountEmailInput & { idempotencyKey: string }): Promise<{ status: string }> {
      const user = await new UserStore(db).get(input.userId);
      if (!user || !user.active) return { status: 'skipped' };
      const expiresAt = await new PasswordResetStore(db).expiry(input.resetId, user.id);
      if (!expiresAt)
        throw ApplicationFailure.nonRetryable(`there is no password reset ${input.resetId}`, 'UnknownReset');
      const template = await library.resolve(ACCOUNT_ACCESS_TEMPLATE);
      if (!template) throw ApplicationFailure.nonRetryable(`there is no template '${ACCOUNT_ACCESS_TEMPLATE}'`);
      const vars = {
        first_name: user.name.split(/\s+/)[0],
        invited: input.invited,
        set_password_url: setPasswordUrl(signer, mail.publicUrl, input.resetId, expiresAt),
        expires_in: durationInWords(Math.max(60_000, expiresAt.getTime() - Date.now())),
      };
      const delivery: Delivery = await deliverOnce(
        { outbox, courier: email, guard },
        {
          idempotencyKey: input.idempotencyKey,
          contactId: null,
          template: template.key,
          toEmail: user.email,
          subject: subjectLine(template),
          marketing: false,
        },
        undefined,
        composeEmail(
          { mail, signer },
          { contactId: user.id, email: user.email, traits: {} },
          { template, from: template.from ?? mail.from, campaign: 'account', marketing: false, vars },
        ),
      );
      return { status: delivery.status };
    },
  };
}
