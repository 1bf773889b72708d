import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_MAIL_FROM, DEFAULT_PRODUCT_NAME } from '../../config/config';
import { AuditLog } from '../../db/stores/audit';
import { ContactStore } from '../../db/stores/contacts';
import type { TemplateRecord, TemplateVersion } from '../../db/stores/templates';
import { senderProblem } from '../../domain/sequences/senders';
import { TASK_QUEUES } from '../../domain/ids';
import { emailVars } from '../../services/emailVars';
import { mailSettingsFrom } from '../../services/mailSettings';
import {
  TemplateExistsError,
  TemplateInUseError,
  TemplateInputError,
  TemplateService,
  type Published,
  type TemplateInput,
} from '../../services/templates';
import { knownVariables } from '../../services/templateVariables';
import { PRODUCT_VARIABLES } from '../../templates/engine/variables';
import { renderTemplate, TemplateLibrary, type ResolvedTemplate } from '../../templates/library';
import { templateTestWorkflow } from '../../workflows/templateWorkflows';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, conflict, HttpError, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, r409, WRITERS, type AnyRoute } from '../registry';
import { templateSchemas as s, templateExample } from './templateSchemas';

const tag = 'Templates';

/** A template as the API answers it, at its current version or the one asked for. */
function view(t: TemplateRecord, v: TemplateVersion, usedBy?: { sequences: string[]; broadcasts: string[] }) {
  return {
    key: t.key,
    name: t.name,
    kind: t.kind,
    format: t.format,
    transactional: t.transactional,
    layout: t.layout,
    from: t.from,
    replyTo: t.replyTo,
    version: v.version,
    currentVersion: t.currentVersion,
    defaultLocale: v.defaultLocale,
    locales: Object.keys(v.content).sort(),
    content: v.content,
    warnings: v.warnings,
    builtIn: t.builtIn,
    archived: t.archivedAt !== null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    ...(usedBy ? { usedBy } : {}),
  };
}

/** The templates: create, read, version, restore, preview, test and archive. Sends pin the version they started with. */
export function templateRoutes(deps: RouteDeps): AnyRoute[] {
  const { db, temporal, config } = deps;
  const service = new TemplateService(db);
  const store = service.store;
  const library = new TemplateLibrary(db);
  const contacts = new ContactStore(db);
  const audit = new AuditLog(db);
  const mail = mailSettingsFrom({
    ...config,
    MAIL_FROM: config.MAIL_FROM ?? DEFAULT_MAIL_FROM,
    PRODUCT_NAME: config.PRODUCT_NAME ?? DEFAULT_PRODUCT_NAME,
  });
  const allowedFrom = config.mailFromAllowed ?? mail.allowedSenders ?? [];
  const allowedReplyTo = config.mailReplyToAllowed ?? allowedFrom;

  /** Senders are checked against the configured lists before anything is compiled. */
  const checkSenders = (body: { from?: string | null; replyTo?: string | null }) => {
    const problems = [
      body.from ? { path: 'from', problem: senderProblem(body.from, allowedFrom) } : undefined,
      body.replyTo ? { path: 'replyTo', problem: senderProblem(body.replyTo, allowedReplyTo) } : undefined,
    ].filter((p) => p?.problem !== undefined) as { path: string; problem: string }[];
    if (problems.length > 0)
      throw badRequest(
        'invalid request body',
        problems.map((p) => ({ path: p.path, message: p.problem })),
      );
  };

  /** A save's outcome: problems as 400, a taken key or a template in use as 409. */
  const saving = async (save: () => Promise<Published | undefined>, key: string): Promise<Published> => {
    try {
      const published = await save();
      if (!published) throw notFound(`template ${key}`);
      return published;
    } catch (err) {
      if (err instanceof TemplateInputError) throw badRequest('invalid template', err.problems);
      if (err instanceof TemplateExistsError) throw conflict(err.message, 'TemplateExists');
      throw err;
    }
  };

  const currentOr404 = async (key: string) => {
    const template = await store.get(key);
    if (!template) throw notFound(`template ${key}`);
    return { template, version: (await store.getVersion(key, template.currentVersion)) as TemplateVersion };
  };

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
      return renderTemplate(template, vars, typeof vars.locale === 'string' ? { locale: vars.locale } : {});
    } catch (err) {
      throw badRequest('the template cannot be rendered with these values', [
        { path: 'variables', message: (err as Error).message },
      ]);
    }
  };

  return [
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
      path: '/v1/templates',
      summary: 'Create a template (an email, a layout or a partial)',
      description:
        'MJML is compiled once, here, to responsive HTML; Handlebars runs per recipient. A 400 lists MJML and ' +
        'Handlebars errors with line and column, links without a scheme, and a marketing email that links neither ' +
        '`{{unsubscribe_url}}` nor `{{preferences_url}}`; `warnings` lists variables no context provides. An email ' +
        'gets the layout that fits its format unless it names one (`null` for none).',
      tag,
      access: WRITERS,
      body: s.create,
      response: s.template,
      responses: { '201': 'created', ...r400, ...r403, '409': 'the key is taken' },
      example: { body: templateExample },
      handler: async ({ body }, req, res) => {
        checkSenders(body);
        const actor = actorOf(req).actor;
        const published = await saving(() => service.create({ ...body, subject: body.subject ?? '' }, actor), body.key);
        await audit.record({
          actor,
          action: 'template.created',
          subjectType: 'template',
          subjectId: body.key,
          details: { version: 1 },
        });
        res.status(201).json({ ...view(published.template, published.version), warnings: published.warnings });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/templates',
      summary: 'Templates, by key',
      tag,
      access: 'any',
      query: z.object({
        kind: z.enum(['email', 'layout', 'partial']).optional(),
        includeArchived: z.enum(['true', 'false']).default('false'),
      }),
      response: s.list,
      responses: ok('the templates'),
      handler: async ({ query }, _req, res) => {
        const rows = await store.list(query.kind, query.includeArchived === 'true');
        const versions = await Promise.all(rows.map((t) => store.getVersion(t.key, t.currentVersion)));
        res.json({
          templates: rows.map((t, i) => {
            const {
              content: _content,
              warnings: _warnings,
              defaultLocale: _d,
              currentVersion: _c,
              ...summary
            } = view(t, versions[i] as TemplateVersion);
            return summary;
          }),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/templates/:key',
      summary: 'A template at its current version, with what uses it',
      tag,
      access: 'any',
      params: s.keyParams,
      response: s.template,
      responses: { ...ok('the template'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const { template, version } = await currentOr404(params.key);
        res.json(view(template, version, await store.usedBy(params.key)));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/templates/:key',
      summary: 'Publish a new version',
      description:
        'Enrollments and broadcasts already running keep the version they started with; new ones get this one. ' +
        '`locale` says which locale the subject, body and text are for: a new one adds a variant. A layout or partial ' +
        'that changes re-publishes every template built from it, or is refused if one of them would break.',
      tag,
      access: WRITERS,
      params: s.keyParams,
      body: s.update,
      response: s.template,
      responses: { ...ok('the new version'), ...r400, ...r403, ...r404 },
      handler: async ({ params, body }, req, res) => {
        checkSenders(body);
        const actor = actorOf(req).actor;
        const published = await saving(() => service.update(params.key, body, actor), params.key);
        await audit.record({
          actor,
          action: 'template.updated',
          subjectType: 'template',
          subjectId: params.key,
          details: { version: published.version.version },
        });
        res.json({ ...view(published.template, published.version), warnings: published.warnings });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/templates/:key',
      summary: 'Archive a template no live sequence, broadcast or template uses',
      description: 'Its versions stay, so messages sent from it still show what they were. 409 names what uses it.',
      tag,
      access: WRITERS,
      params: s.keyParams,
      responses: { '204': 'archived', ...r403, ...r404, ...r409 },
      handler: async ({ params }, req, res) => {
        try {
          if (!(await service.remove(params.key))) throw notFound(`template ${params.key}`);
        } catch (err) {
          if (err instanceof TemplateInUseError) throw conflict(err.message, 'TemplateInUse');
          throw err;
        }
        await audit.record({
          actor: actorOf(req).actor,
          action: 'template.archived',
          subjectType: 'template',
          subjectId: params.key,
        });
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/templates/:key/versions',
      summary: 'Every version of a template, newest first',
      tag,
      access: 'any',
      params: s.keyParams,
      response: s.versions,
      responses: { ...ok('the versions'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const { template } = await currentOr404(params.key);
        const versions = await store.listVersions(params.key);
        res.json({
          versions: versions.map((v) => ({
            version: v.version,
            source: v.source,
            restoredFrom: v.restoredFrom,
            createdBy: v.createdBy,
            createdAt: v.createdAt.toISOString(),
            current: v.version === template.currentVersion,
          })),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/templates/:key/versions/:version',
      summary: 'A template at one version',
      tag,
      access: 'any',
      params: s.versionParams,
      response: s.template,
      responses: { ...ok('the version'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const { template } = await currentOr404(params.key);
        const version = await store.getVersion(params.key, params.version);
        if (!version) throw notFound(`version ${params.version} of template ${params.key}`);
        res.json(view(template, version));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/templates/:key/versions/:version/restore',
      summary: 'Publish an earlier version again (version 1 of a built-in is what shipped)',
      tag,
      access: WRITERS,
      params: s.versionParams,
      response: s.template,
      responses: { ...ok('the new version, a copy of the earlier one'), ...r400, ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        const actor = actorOf(req).actor;
        const published = await saving(() => service.restore(params.key, params.version, actor), params.key);
        await audit.record({
          actor,
          action: 'template.restored',
          subjectType: 'template',
          subjectId: params.key,
          details: { version: published.version.version, restoredFrom: params.version },
        });
        res.json({ ...view(published.template, published.version), warnings: published.warnings });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/templates/:key/preview',
      summary: 'Render a template for a contact, or with sample variables',
      tag,
      access: 'any',
      params: s.keyParams,
      body: s.preview,
      response: s.previewAnswer,
      responses: { ...ok('subject, HTML and text as the recipient would get them'), ...r400, ...r404 },
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
          actor: actorOf(req).actor,
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
