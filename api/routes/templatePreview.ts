import { createHash, randomUUID } from 'node:crypto';
import { DEFAULT_MAIL_FROM, DEFAULT_PRODUCT_NAME } from '../../config/config';
import { AuditLog } from '../../db/stores/audit';
import { ContactStore } from '../../db/stores/contacts';
import { TASK_QUEUES } from '../../domain/ids';
import { emailVars } from '../../services/emailVars';
import { mailSettingsFrom, type MailSettings } from '../../services/mailSettings';
import { TemplateService, type TemplateInput } from '../../services/templates';
import { knownVariables } from '../../services/templateVariables';
import { smsSize } from '../../templates/engine/channelFormats';
import { isEmailFormat } from '../../templates/engine/types';
import { PRODUCT_VARIABLES } from '../../templates/engine/variables';
import {
  renderJson,
  renderTemplate,
  renderText,
  TemplateLibrary,
  type ResolvedTemplate,
} from '../../templates/library';
import { templateTestWorkflow } from '../../workflows/templateWorkflows';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, HttpError, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, WRITERS, type AnyRoute } from '../registry';
import { templateSchemas as s } from './templateSchemas';

const tag = 'Templates';

/** The mail settings previews render with (the worker's, from the same configuration) and the senders allowed. */
export function templateMail(config: RouteDeps['config']): {
  mail: MailSettings;
  allowedFrom: readonly string[];
  allowedReplyTo: readonly string[];
} {
  const mail = mailSettingsFrom({
    ...config,
    MAIL_FROM: config.MAIL_FROM ?? DEFAULT_MAIL_FROM,
    PRODUCT_NAME: config.PRODUCT_NAME ?? DEFAULT_PRODUCT_NAME,
  });
  const allowedFrom = config.mailFromAllowed ?? mail.allowedSenders ?? [];
  return { mail, allowedFrom, allowedReplyTo: config.mailReplyToAllowed ?? allowedFrom };
}

/**
 * A template rendered as the preview answers it: an email's subject, HTML and text; a text template's text (with
 * the SMS segments it takes) and no HTML; a json template's value, pretty-printed as its text, and no HTML.
 */
function rendered(template: ResolvedTemplate, vars: Record<string, unknown>, options: { locale?: string }) {
  const { format } = template;
  if (format === 'text') {
    const message = renderText(template, vars, options);
    const { encoding, characters, segments } = smsSize(message.text);
    return { format, ...message, html: '', sms: { encoding, characters, segments } };
  }
  if (format === 'json') {
    const { subject, value, locale } = renderJson(template, vars, options);
    return { format, subject, html: '', text: JSON.stringify(value, null, 2), json: value, locale };
  }
  return { format, ...renderTemplate(template, vars, options) };
}

/**
 * What a marketer writing a template needs besides saving it: the senders and variables there are, a live preview
 * of unsaved content, a preview of a saved version for a contact, and a test send.
 */
export function templatePreviewRoutes(deps: RouteDeps): AnyRoute[] {
  const { db, temporal } = deps;
  const service = new TemplateService(db);
  const library = new TemplateLibrary(db);
  const contacts = new ContactStore(db);
  const audit = new AuditLog(db);
  const { mail, allowedFrom, allowedReplyTo } = templateMail(deps.config);

  /** The values a preview or test renders with: a contact's own, or sample variables (as traits and as themselves). */
  const recipientOf = async (body: { contactId?: string; variables?: Record<string, unknown>; locale?: string }) => {
    const contact = body.contactId ? await contacts.getByExternalId(body.contactId) : undefined;
    if (body.contactId && !contact) throw notFound(`contact ${body.contactId}`);
    const traits = { ...(contact?.traits ?? body.variables ?? {}), ...(body.locale ? { locale: body.locale } : {}) };
    return {
      contact,
      to: { contactId: contact?.id ?? 'preview', email: contact?.email ?? 'preview@example.com', traits },
    };
  };

  const preview = async (
    template: ResolvedTemplate,
    body: { contactId?: string; variables?: Record<string, unknown>; locale?: string },
  ) => {
    const { to } = await recipientOf(body);
    const vars = emailVars({ mail, signer: deps.signer }, to, {
      template,
      campaign: `preview-${template.key}`,
      vars: body.variables ?? {},
    });
    try {
      return rendered(template, vars, typeof vars.locale === 'string' ? { locale: vars.locale } : {});
    } catch (err) {
      throw badRequest('the template cannot be rendered with these values', [
        { path: 'variables', message: (err as Error).message },
      ]);
    }
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/senders',
      summary: 'The senders and reply-to addresses a template or a step may name',
      description:
        'From MAIL_FROM, MAIL_FROM_ALLOWED and MAIL_REPLY_TO_ALLOWED: whole addresses, and `@domain` entries that ' +
        'allow any address at exactly that domain. `default` is the sender of mail that names none.',
      tag,
      access: 'any',
      response: s.senders,
      responses: ok('the allowed senders'),
      handler: (_input, _req, res) => {
        res.json({ default: mail.from, from: allowedFrom, replyTo: allowedReplyTo });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/templates/variables',
      summary: 'The variables a template can use',
      description:
        "The product's own (`product_name`, `unsubscribe_url`, `preferences_url`, ...), the contact traits and the event " +
        'properties seen so far (from the latest 2,000 contacts and events), as `traits.<name>` and `event.<name>`.',
      tag,
      access: 'any',
      response: s.variables,
      responses: ok('the variables'),
      handler: async (_input, _req, res) => {
        const known = await knownVariables(db);
        res.json({
          variables: [
            ...PRODUCT_VARIABLES.map((v) => ({ ...v, source: 'product' as const })),
            ...known.traits.map((t) => ({
              name: `traits.${t}`,
              description: 'a contact trait',
              source: 'contact' as const,
            })),
            ...known.eventProperties.map((p) => ({
              name: `event.${p}`,
              description: 'a property of the event that moved the enrollment (trigger.* for the one that enrolled)',
              source: 'event' as const,
            })),
          ],
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/templates/preview',
      summary: 'Render unsaved content: the editor’s live preview',
      description:
        'Compiles the draft as a save would and renders it with a contact or sample variables. Compile errors come back ' +
        'in `errors` (with line and column) with a 200, so an editor can show them while the marketer types.',
      tag,
      access: WRITERS,
      body: s.draftPreview,
      response: s.draftPreviewAnswer,
      responses: { ...ok('the rendered draft, or its errors'), ...r400, ...r403, ...r404 },
      handler: async ({ body }, _req, res) => {
        const { contactId, variables, ...draft } = body;
        const input: TemplateInput = { key: 'draft', name: 'draft', ...draft, kind: 'email' };
        const compiled = await service.draft(input);
        if (!compiled.artifact) {
          res.json({
            format: input.format,
            subject: '',
            html: '',
            text: '',
            locale: input.locale,
            errors: compiled.errors,
            warnings: compiled.warnings,
          });
          return;
        }
        const hash = createHash('sha1').update(JSON.stringify(compiled.artifact)).digest('hex');
        const template: ResolvedTemplate = {
          key: `draft-${hash}`,
          version: 0,
          format: input.format,
          transactional: input.transactional,
          from: null,
          replyTo: null,
          cta: 'draft',
          defaultLocale: input.locale,
          artifacts: { [input.locale]: compiled.artifact },
        };
        const rendered = await preview(template, {
          ...(contactId ? { contactId } : {}),
          ...(variables ? { variables } : {}),
          locale: input.locale,
        });
        res.json({ ...rendered, errors: [], warnings: compiled.warnings });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/templates/:key/preview',
      summary: 'Render a template for a contact, or with sample variables',
      description:
        'An email answers its subject, HTML and text part; a text template its text, with the SMS segments it takes ' +
        '(`sms`); a json template its value (`json`), pretty-printed in `text`. `html` is empty for text and json.',
      tag,
      access: 'any',
      params: s.keyParams,
      body: s.preview,
      response: s.previewAnswer,
      responses: { ...ok('what the recipient would get'), ...r400, ...r404 },
      handler: async ({ params, body }, _req, res) => {
        const template = await library.resolve(params.key, body.version);
        if (!template)
          throw notFound(`email template ${params.key}${body.version ? ` at version ${body.version}` : ''}`);
        res.json({ ...(await preview(template, body)), version: template.version });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/templates/:key/test',
      summary: 'Send a test to an address',
      description:
        'Marked [Test] in the subject and an X-GTM-Test header; counted in no stat. Answers when it was sent.',
      tag,
      access: WRITERS,
      params: s.keyParams,
      body: s.test,
      response: s.testAnswer,
      responses: { '202': 'handed to the mail provider (or why not)', ...r400, ...r403, ...r404 },
      handler: async ({ params, body }, req, res) => {
        const template = await library.resolve(params.key);
        if (!template) throw notFound(`email template ${params.key}`);
        if (!isEmailFormat(template.format)) {
          throw badRequest(
            `template '${params.key}' is a ${template.format} template and a test goes by email: preview it instead`,
          );
        }
        const { contact } = await recipientOf(body);
        const workflowId = `template-test:${params.key}:${randomUUID()}`;
        const outcome = await temporal.workflow.execute(templateTestWorkflow, {
          workflowId,
          taskQueue: deps.taskQueue ?? TASK_QUEUES.main,
          args: [
            {
              templateKey: params.key,
              email: body.email,
              ...(contact ? { contactId: contact.id } : {}),
              ...(body.variables ? { variables: body.variables } : {}),
              ...(body.locale ? { locale: body.locale } : {}),
            },
          ],
        });
        await audit.record({
          ...actorOf(req),
          action: 'template.tested',
          subjectType: 'template',
          subjectId: params.key,
          details: { workflowId, status: outcome.status },
        });
        if (outcome.status === 'failed')
          throw new HttpError(400, `the test was not sent: ${outcome.reason ?? 'failed'}`);
        res.status(202).json({ ...outcome, workflowId });
      },
    }),
  ];
}
