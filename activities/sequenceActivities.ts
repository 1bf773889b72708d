import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { ContactStore } from '../db/stores/contacts';
import { EnrollmentStore, type EnrollmentStatus } from '../db/stores/enrollments';
import { OutboxStore } from '../db/stores/outbox';
import type { LinkSigner } from '../infra/signing';
import type { EmailProvider } from '../providers/email/types';
import { allowedSenders, parseMailbox, senderAllowed } from '../domain/sequences/senders';
import { nextLocalTime, parseTimeOfDay, quietHoursEnd } from '../domain/sequences/time';
import { renderEmail, templateInfo } from '../templates';
import type { ContactSnapshot, SendEmailInput, SendEmailResult } from '../workflows/types';
import { deliverOnce, sendGuard } from './deliverOnce';
import type { SoftBouncePolicy } from '../domain/suppressionPolicy';
import { trackEmail } from '../domain/tracking';

export interface MailSettings {
  /** The default sender. */
  from: string;
  /**
   * The senders a step's `from` may name (MAIL_FROM_ALLOWED, lower-cased addresses and `@domain`s); by default the
   * default sender's address alone.
   */
  allowedSenders?: readonly string[];
  productName: string;
  /** The sender named in the footer (the company behind the product) and its postal address. */
  companyName: string;
  companyAddress?: string;
  /** Where unsubscribe links point: this service. */
  publicUrl: string;
  /** Where calls to action point: the product the emails are about. */
  appUrl: string;
  frequencyCap: { max: number; windowMs: number };
  /** Templates sent even to a suppressed address (MUST_DELIVER_TEMPLATES). */
  mustDeliver?: readonly string[];
  /** When soft bounces suppress an address; DEFAULT_SOFT_BOUNCE_POLICY unless set. */
  softBounces?: SoftBouncePolicy;
  /** Our open pixel and click redirect in marketing email (TRACKING_ENABLED); on unless false. */
  tracking?: boolean;
}

export interface SequenceActivityDeps {
  db: Db;
  email: EmailProvider;
  mail: MailSettings;
  signer: LinkSigner;
}

/** Unsubscribe links stay valid for a year: people unsubscribe from old emails too. */
export const UNSUBSCRIBE_TTL_MS = 365 * 24 * 3600 * 1000;
/** Tracked links keep working (and redirecting) for as long as unsubscribe links do. */
export const TRACKING_TTL_MS = UNSUBSCRIBE_TTL_MS;

/** Activities of the sequence workflow. */
export function createSequenceActivities({ db, email, mail, signer }: SequenceActivityDeps) {
  const contacts = new ContactStore(db);
  const enrollments = new EnrollmentStore(db);
  const outbox = new OutboxStore(db);
  const guard = sendGuard(db, mail);
  const allowed = mail.allowedSenders ?? allowedSenders(mail.from);

  /**
   * A step's own sender when it is one mailbox on the allowed list, else the default sender. Sequences are checked
   * when defined; this keeps one stored before that check (or before the list shrank) from sending as anyone, or
   * from handing the transport a line break.
   */
  const senderOf = (input: SendEmailInput): string => {
    if (input.from === undefined) return mail.from;
    const mailbox = parseMailbox(input.from);
    if (mailbox && senderAllowed(mailbox.address, allowed)) return input.from.trim();
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
     * Reads the contact, keeps the quiet hours, renders and sends one email exactly once per idempotency key.
     * @remarks Through `deliverOnce`: a key already sent answers 'duplicate', a send in the contact's quiet hours or
     * over the frequency cap is 'deferred' (with when to try again), a permanent failure is recorded and returned;
     * transient failures throw and retry.
     */
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const contact = await contacts.getById(input.contactId);
      if (!contact) return { status: 'skipped', reason: 'contact deleted' };
      // Only a template declared transactional is sent as such: a sequence stored as transactional that sends a
      // promotional template still honours unsubscribes, the frequency cap and List-Unsubscribe.
      const marketing = input.marketing || templateInfo(input.template)?.category !== 'transactional';
      if (marketing && contact.unsubscribedAt) return { status: 'skipped', reason: 'unsubscribed' };
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
        subject: input.subject,
        marketing,
      };
      // Our tracking goes in marketing email only, unless the sequence or the operator turned it off, or the contact
      // asked not to be tracked (the doNotTrack trait).
      const track =
        marketing && mail.tracking !== false && input.tracking !== false && contact.traits.doNotTrack !== true;
      return deliverOnce({ outbox, email, guard }, claim, mail.frequencyCap, (messageId) => {
        const unsubscribeUrl = `${mail.publicUrl}/u/${signer.sign('unsubscribe', contact.id, UNSUBSCRIBE_TTL_MS)}`;
        const trait = (name: string) =>
          typeof contact.traits[name] === 'string' ? (contact.traits[name] as string) : undefined;
        const rendered = renderEmail(input.template, {
          subject: input.subject,
          vars: {
            ...input.vars,
            traits: contact.traits,
            first_name: trait('first_name') ?? trait('firstName'),
            email: contact.email,
            product_name: mail.productName,
            venture_name: mail.companyName,
            ...(mail.companyAddress ? { company_address: mail.companyAddress } : {}),
            cta_url: ctaUrl(mail.appUrl, input.sequenceKey, templateInfo(input.template)?.cta ?? input.template),
            unsubscribe_url: unsubscribeUrl,
          },
        });
        const headers: Record<string, string> = marketing
          ? { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
          : {};
        const html = track
          ? trackEmail(rendered.html, { messageId, publicUrl: mail.publicUrl, signer, ttlMs: TRACKING_TTL_MS }).html
          : rendered.html;
        return { from: senderOf(input), ...rendered, html, headers, tracked: track };
      });
    },
  };
}

/** The call-to-action link, tagged with UTM parameters so the visit is attributed to this sequence. */
export function ctaUrl(appUrl: string, sequenceKey: string, cta: string): string {
  const url = new URL(appUrl);
  url.searchParams.set('utm_source', 'gtm-strategist');
  url.searchParams.set('utm_medium', 'email');
  url.searchParams.set('utm_campaign', sequenceKey);
  url.searchParams.set('utm_content', cta);
  return url.toString();
}
