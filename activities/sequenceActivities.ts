import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { ContactStore } from '../db/stores/contacts';
import { EnrollmentStore, type EnrollmentStatus } from '../db/stores/enrollments';
import { OutboxStore } from '../db/stores/outbox';
import type { LinkSigner } from '../infra/signing';
import type { EmailProvider } from '../providers/email/types';
import { allowedSenders, parseMailbox, senderAllowed } from '../domain/sequences/senders';
import { nextLocalTime, parseTimeOfDay, quietHoursEnd } from '../domain/sequences/time';
import { TemplateStore } from '../db/stores/templates';
import { TopicStore, UnknownTopicError } from '../db/stores/topics';
import { subjectLine, TemplateLibrary } from '../templates/library';
import type { ContactSnapshot, SendEmailInput, SendEmailResult } from '../workflows/types';
import { composeEmail } from './composeEmail';
import type { MailSettings } from '../services/mailSettings';
import { deliverOnce, sendGuard } from './deliverOnce';
import { sendOnChannel, type ChannelProviders } from './channels';
import { CHANNEL_FORMATS } from '../domain/messages';

export interface SequenceActivityDeps {
  db: Db;
  email: EmailProvider;
  /** The providers of SMS, push and webhooks; a channel left out fails its sends, saying what to set. */
  channels?: ChannelProviders;
  mail: MailSettings;
  signer: LinkSigner;
}

/** Activities of the sequence workflow. */
export function createSequenceActivities({ db, email, channels = {}, mail, signer }: SequenceActivityDeps) {
  const contacts = new ContactStore(db);
  const enrollments = new EnrollmentStore(db);
  const outbox = new OutboxStore(db);
  const guard = sendGuard(db, mail);
  const allowed = mail.allowedSenders ?? allowedSenders(mail.from);
  const templates = new TemplateStore(db);
  const library = new TemplateLibrary(db);
  const topics = new TopicStore(db);

  /**
   * A step's own sender when it is one mailbox on the allowed list, else the default sender. Sequences are checked
   * when defined; this keeps one stored before that check (or before the list shrank) from sending as anyone, or
   * from handing the transport a line break.
   */
  const senderOf = (input: SendEmailInput, templateFrom: string | null): string => {
    const from = input.from ?? templateFrom ?? undefined;
    if (from === undefined) return mail.from;
    const mailbox = parseMailbox(from);
    if (mailbox && senderAllowed(mailbox.address, allowed)) return from.trim();
    Context.current().log.warn('step sender not allowed; sending from the default sender', {
      sequenceKey: input.sequenceKey,
      stepId: input.stepId,
    });
    return mail.from;
  };

  return {
    /** Records that a contact entered a sequence; idempotent. Runs before the lean send path only. */
    async recordEnrollment(input: {
      sequenceKey: string;
      sequenceVersion: number;
      contactId: string;
      workflowId: string;
      runId: string;
      enrolledAt: string;
    }): Promise<void> {
      await enrollments.start({ ...input, enrolledAt: new Date(input.enrolledAt) });
    },

    /** Updates the workflow's active enrollment (variant, current step, final status). */
    async updateEnrollment(input: {
      workflowId: string;
      status?: EnrollmentStatus;
      variant?: string;
      currentStep?: string | null;
      exitReason?: string;
      revenue?: number;
    }): Promise<void> {
      const { workflowId, ...patch } = input;
      await enrollments.update(workflowId, patch);
    },

    /** The contact as it is now: traits change while a sequence runs. */
    async getContact(contactId: string): Promise<ContactSnapshot> {
      const c = await contacts.getById(contactId);
      if (!c) throw ApplicationFailure.nonRetryable(`contact ${contactId} does not exist`, 'ContactNotFound');
      return {
        id: c.id,
        email: c.email,
        timezone: c.timezone,
        traits: c.traits,
        unsubscribed: c.unsubscribedAt !== null,
      };
    },

    /**
     * The next instant after `after` (ms since the epoch) at which the contact's clock shows `time` (HH:MM).
     * @remarks A local activity: the result is recorded in the history, so replay never depends on the time-zone
     * data of the runtime that replays it.
     */
    async nextLocalTime(input: { contactId: string; time: string; after: number }): Promise<number> {
      try {
        parseTimeOfDay(input.time);
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidInput');
      }
      const c = await contacts.getById(input.contactId);
      if (!c) throw ApplicationFailure.nonRetryable(`contact ${input.contactId} does not exist`, 'ContactNotFound');
      return nextLocalTime(input.after, input.time, c.timezone);
    },

    /**
     * Reads the contact, keeps the quiet hours, renders and sends one message (an email, or on the step's channel)
     * exactly once per idempotency key.
     * @remarks Through `deliverOnce`: a key already sent answers 'duplicate', a send in the contact's quiet hours or
     * over the frequency cap is 'deferred' (with when to try again), a permanent failure is recorded and returned;
     * transient failures throw and retry.
     */
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const contact = await contacts.getById(input.contactId);
      if (!contact) return { status: 'skipped', reason: 'contact deleted' };
      // The version published when the enrollment started: an edit since never changes this enrollment's email.
      const pin = await templates.pinnedForEnrollment(input.workflowId, input.template);
      const template = await library.resolve(input.template, pin.version);
      if (!template) {
        throw ApplicationFailure.nonRetryable(`there is no email template '${input.template}'`, 'UnknownTemplate');
      }
      const channel = input.channel ?? 'email';
      if (!CHANNEL_FORMATS[channel].includes(template.format)) {
        throw ApplicationFailure.nonRetryable(
          `template '${input.template}' is ${template.format}; ${channel} sends ${CHANNEL_FORMATS[channel].join(' or ')}`,
          'TemplateFormatMismatch',
        );
      }
      // Only a template declared transactional is sent as such: a sequence stored as transactional that sends a
      // promotional template still honours unsubscribes, the frequency cap and List-Unsubscribe.
      const marketing = input.marketing || !template.transactional;
      if (marketing && contact.unsubscribedAt) return { status: 'skipped', reason: 'unsubscribed' };
      const topic = marketing ? pin.topic : null;
      if (input.quietHours) {
        const now = Context.current().info.currentAttemptScheduledTimestampMs;
        const end = quietHoursEnd(now, input.quietHours, contact.timezone);
        if (end !== undefined) return { status: 'deferred', retryAt: new Date(end).toISOString() };
      }
      const claim = {
        idempotencyKey: input.idempotencyKey,
        contactId: contact.id,
        workflowId: input.workflowId,
        stepId: input.stepId,
        sequenceKey: input.sequenceKey,
        ...(input.variant ? { variant: input.variant } : {}),
        template: input.template,
        toEmail: contact.email,
        subject: subjectLine(template, input.subject),
        marketing,
      };
      const leftTopic = async () => (topic ? topicRefusal(topics, contact.id, topic) : undefined);
      if (input.channel) {
        return sendOnChannel(
          { db, outbox, guard, mail, signer, providers: channels },
          claim,
          {
            channel: input.channel,
            contact,
            message: {
              template,
              ...(input.subject ? { subject: input.subject } : {}),
              from: mail.from,
              ...(topic ? { topic } : {}),
              campaign: input.sequenceKey,
              marketing,
              ...(input.vars ? { vars: input.vars } : {}),
            },
            ...(input.url ? { url: input.url } : {}),
          },
          leftTopic,
        );
      }
      return deliverOnce(
        { outbox, courier: email, guard },
        claim,
        mail.frequencyCap,
        composeEmail(
          { mail, signer },
          { contactId: contact.id, email: contact.email, traits: contact.traits },
          {
            template,
            ...(input.subject ? { subject: input.subject } : {}),
            from: senderOf(input, template.from),
            ...(template.replyTo ? { replyTo: template.replyTo } : {}),
            ...(topic ? { topic } : {}),
            campaign: input.sequenceKey,
            marketing,
            ...(input.tracking === false ? { tracking: false } : {}),
            ...(input.vars ? { vars: input.vars } : {}),
          },
        ),
        // A topic the contact left: recorded in the message log as not sent, with the reason, and never mailed.
        leftTopic,
      );
    },
  };
}

/** Why a send under a topic may not go to the contact: they left it (or never confirmed it), or it is gone. */
async function topicRefusal(topics: TopicStore, contactId: string, topic: string): Promise<string | undefined> {
  try {
    return (await topics.mayReceive(contactId, topic))
      ? undefined
      : `unsubscribed_topic: the contact left the topic '${topic}'`;
  } catch (err) {
    if (err instanceof UnknownTopicError) return `unsubscribed_topic: the topic '${topic}' no longer exists`;
    throw err;
  }
}
