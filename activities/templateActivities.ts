import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { ContactStore } from '../db/stores/contacts';
import { OutboxStore } from '../db/stores/outbox';
import { TopicStore } from '../db/stores/topics';
import { confirmUrl } from '../domain/preferenceLinks';
import type { LinkSigner } from '../infra/signing';
import type { EmailProvider } from '../providers/email/types';
import { subjectLine, TemplateLibrary, type ResolvedTemplate } from '../templates/library';
import type { TemplateTestInput, TopicConfirmationInput } from '../workflows/types';
import { composeEmail, type Recipient } from './composeEmail';
import { deliverOnce, sendGuard, type Delivery } from './deliverOnce';
import type { MailSettings } from '../services/mailSettings';

export interface TemplateActivityDeps {
  db: Db;
  email: EmailProvider;
  mail: MailSettings;
  signer: LinkSigner;
}

/** The built-in transactional template of the double opt-in confirmation. */
export const TOPIC_CONFIRMATION_TEMPLATE = 'topic_confirmation';

type Outcome = { status: Delivery['status']; reason?: string };
const outcomeOf = (d: Delivery): Outcome =>
  d.status === 'failed' || d.status === 'suppressed' ? { status: d.status, reason: d.reason } : { status: d.status };

/** Activities that send one email outside sequences and broadcasts: a template's test, a topic's confirmation. */
export function createTemplateActivities({ db, email, mail, signer }: TemplateActivityDeps) {
  const outbox = new OutboxStore(db);
  const guard = sendGuard(db, mail);
  const library = new TemplateLibrary(db);
  const contacts = new ContactStore(db);

  const resolve = async (key: string, version?: number): Promise<ResolvedTemplate> => {
    const template = await library.resolve(key, version);
    if (!template) {
      throw ApplicationFailure.nonRetryable(
        `there is no email template '${key}'${version ? ` at version ${version}` : ''}`,
        'UnknownTemplate',
      );
    }
    return template;
  };

  return {
    /**
     * Sends one test of a template to an address, with a contact's values or sample ones, marked [Test] in the
     * subject and by an X-GTM-Test header. Outside every sequence and broadcast, so no stat counts it; the
     * suppression list still applies.
     * @remarks Through the outbox under the key the workflow gives, so a retry never sends a second test.
     */
    async sendTemplateTest(input: TemplateTestInput & { idempotencyKey: string }): Promise<Outcome> {
      const template = await resolve(input.templateKey, input.version);
      const contact = input.contactId ? await contacts.getById(input.contactId) : undefined;
      const to: Recipient = {
        contactId: contact?.id ?? 'test',
        email: input.email,
        // Sample variables stand in for a contact's traits, as in a preview.
        traits: { ...(contact?.traits ?? input.variables ?? {}), ...(input.locale ? { locale: input.locale } : {}) },
      };
      const subject = `[Test] ${subjectLine(template)}`;
      const compose = composeEmail({ mail, signer }, to, {
        template,
        subject,
        from: template.from ?? mail.from,
        ...(template.replyTo ? { replyTo: template.replyTo } : {}),
        campaign: `template-test-${template.key}`,
        marketing: false,
        vars: input.variables ?? {},
      });
      const delivery = await deliverOnce(
        { outbox, courier: email, guard },
        {
          idempotencyKey: input.idempotencyKey,
          contactId: null,
          template: template.key,
          toEmail: input.email,
          subject,
          marketing: false,
        },
        undefined,
        (messageId) => {
          const message = compose(messageId);
          return { ...message, headers: { ...message.headers, 'X-GTM-Test': '1' } };
        },
      );
      return outcomeOf(delivery);
    },

    /**
     * Sends the double opt-in confirmation of a topic: the `topic_confirmation` template with the topic's name and
     * a signed link that subscribes the contact when they confirm on its page. Transactional: it goes to a contact
     * who unsubscribed from marketing too (they asked for this topic).
     */
    async sendTopicConfirmation(input: TopicConfirmationInput & { idempotencyKey: string }): Promise<Outcome> {
      const contact = await contacts.getById(input.contactId);
      if (!contact) return { status: 'failed', reason: 'contact deleted' };
      const topic = await new TopicStore(db).get(input.topic);
      if (!topic) throw ApplicationFailure.nonRetryable(`there is no topic '${input.topic}'`, 'UnknownTopic');
      const template = await resolve(TOPIC_CONFIRMATION_TEMPLATE);
      const delivery = await deliverOnce(
        { outbox, courier: email, guard },
        {
          idempotencyKey: input.idempotencyKey,
          contactId: contact.id,
          template: template.key,
          toEmail: contact.email,
          subject: subjectLine(template),
          marketing: false,
        },
        undefined,
        composeEmail(
          { mail, signer },
          { contactId: contact.id, email: contact.email, traits: contact.traits },
          {
            template,
            from: template.from ?? mail.from,
            campaign: `topic-${topic.key}`,
            marketing: false,
            vars: { topic_name: topic.name, confirm_url: confirmUrl(signer, mail.publicUrl, contact.id, topic.key) },
          },
        ),
      );
      return outcomeOf(delivery);
    },
  };
}
