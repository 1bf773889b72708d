import { z } from 'zod';
import { isEmailFormat, TEMPLATE_FORMATS, TEMPLATE_KINDS } from '../../templates/engine/types';
import { externalId } from './contacts/shape';

/** Keys the template routes (and the dashboard's pages) use as words of their own paths. */
const RESERVED_KEYS = ['new', 'preview', 'variables'];

const key = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, _ and -, starting with a letter or digit')
  .refine((k) => !RESERVED_KEYS.includes(k), { message: `may not be ${RESERVED_KEYS.join(' or ')}` });
/** A BCP 47 language tag: `en`, `de`, `pt-BR`. */
const locale = z
  .string()
  .trim()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like en, de or pt-BR');
const body = z.string().min(1).max(200_000);
/** An email's subject line, or a push's title (which a text or json template may leave empty). */
const subject = z.string().max(300);
const format = z.enum(TEMPLATE_FORMATS, {
  error: `must be one of ${TEMPLATE_FORMATS.join(', ')} (mjml and html for email, text for SMS and push, json for webhooks and push)`,
});
/** Whether an email written for email (mjml, html) has its subject; anything else may go without one. */
const subjectGivenIfNeeded = (t: { kind: string; format: (typeof TEMPLATE_FORMATS)[number]; subject?: string }) =>
  t.kind !== 'email' || !isEmailFormat(t.format) || (t.subject ?? '').trim() !== '';
const needsSubject = { message: 'an email needs a subject', path: ['subject'] };
const text = z.string().max(200_000).nullable();
const sender = z.string().trim().min(3).max(320).nullable();
const layout = z.string().trim().min(1).max(100).nullable();
const variables = z.record(z.string().max(100), z.unknown());
const problem = z.object({
  path: z.string(),
  message: z.string(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
const usedBy = z.object({ sequences: z.array(z.string()), broadcasts: z.array(z.string()) });

/** The draft an editor renders before saving: the create body's content, without key and name. */
const draftPreview = z
  .object({
    format,
    subject: subject.default(''),
    body,
    text: text.optional(),
    locale: locale.default('en'),
    transactional: z.boolean().default(false),
    layout: layout.optional(),
    contactId: externalId.optional(),
    variables: variables.optional(),
  })
  .strict()
  .refine((t) => subjectGivenIfNeeded({ ...t, kind: 'email' }), needsSubject);

const template = z.object({
  key: z.string(),
  name: z.string(),
  kind: z.enum(TEMPLATE_KINDS),
  format: z.enum(TEMPLATE_FORMATS),
  transactional: z.boolean(),
  layout: z.string().nullable(),
  from: z.string().nullable(),
  replyTo: z.string().nullable(),
  version: z.number().int(),
  currentVersion: z.number().int(),
  defaultLocale: z.string(),
  locales: z.array(z.string()),
  content: z.record(z.string(), z.object({ subject: z.string(), body: z.string(), text: z.string().nullable() })),
  warnings: z.array(problem),
  builtIn: z.boolean(),
  archived: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  usedBy: usedBy.optional(),
});

/**
 * A rendered template. An email has its HTML and text part; a text template its text (and `html` empty) with the
 * SMS segments it takes; a json template its value as `json`, pretty-printed in `text`, and `html` empty.
 */
const rendered = z.object({
  format: z.enum(TEMPLATE_FORMATS),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  json: z.unknown().optional(),
  sms: z
    .object({ encoding: z.enum(['GSM-7', 'UCS-2']), characters: z.number().int(), segments: z.number().int() })
    .optional(),
  locale: z.string(),
});

/** Request and answer schemas of the template routes. */
export const templateSchemas = {
  keyParams: z.object({ key }),
  versionParams: z.object({ key, version: z.coerce.number().int().positive().max(1_000_000) }),
  create: z
    .object({
      key,
      name: z.string().trim().min(1).max(200),
      kind: z.enum(TEMPLATE_KINDS).default('email'),
      format,
      subject: subject.optional(),
      body,
      text: text.optional(),
      locale: locale.default('en'),
      transactional: z.boolean().default(false),
      layout: layout.optional(),
      from: sender.optional(),
      replyTo: sender.optional(),
    })
    .strict()
    .refine(subjectGivenIfNeeded, needsSubject),
  update: z
    .object({
      name: z.string().trim().min(1).max(200),
      subject,
      body,
      text,
      locale,
      transactional: z.boolean(),
      layout,
      from: sender,
      replyTo: sender,
    })
    .partial()
    .strict(),
  preview: z
    .object({
      contactId: externalId.optional(),
      variables: variables.optional(),
      locale: locale.optional(),
      version: z.number().int().positive().optional(),
    })
    .strict(),
  test: z
    .object({
      email: z.email(),
      contactId: externalId.optional(),
      variables: variables.optional(),
      locale: locale.optional(),
    })
    .strict(),
  draftPreview,
  template,
  list: z.object({
    templates: z.array(template.omit({ content: true, warnings: true, defaultLocale: true, currentVersion: true })),
  }),
  versions: z.object({
    versions: z.array(
      z.object({
        version: z.number().int(),
        source: z.enum(['shipped', 'api', 'restore', 'dependency']),
        restoredFrom: z.number().int().nullable(),
        createdBy: z.string(),
        createdAt: z.string(),
        current: z.boolean(),
      }),
    ),
  }),
  variables: z.object({
    variables: z.array(
      z.object({ name: z.string(), description: z.string(), source: z.enum(['product', 'contact', 'event']) }),
    ),
  }),
  moved: z.object({ moved: z.number().int(), version: z.number().int() }),
  senders: z.object({ default: z.string(), from: z.array(z.string()), replyTo: z.array(z.string()) }),
  previewAnswer: rendered.extend({ version: z.number().int() }),
  draftPreviewAnswer: rendered.extend({ errors: z.array(problem), warnings: z.array(problem) }),
  testAnswer: z.object({ status: z.string(), reason: z.string().optional(), workflowId: z.string() }),
};

/** A realistic create body for the reference. */
export const templateExample = {
  key: 'trial_ending',
  name: 'Trial ending',
  format: 'mjml',
  subject: 'Your {{product_name}} trial ends soon',
  body:
    '<mj-section><mj-column><mj-text>Hi {{or first_name "there"}}, your trial ends on {{date trigger.trialEndsAt}}.' +
    '</mj-text><mj-button href="{{cta_url}}">Choose a plan</mj-button></mj-column></mj-section>',
};
