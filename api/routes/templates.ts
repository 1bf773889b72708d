import { z } from 'zod';
import { AuditLog } from '../../db/stores/audit';
import type { TemplateRecord, TemplateVersion } from '../../db/stores/templates';
import { senderProblem } from '../../domain/sequences/senders';
import {
  TemplateExistsError,
  TemplateInUseError,
  TemplateInputError,
  TemplateService,
  type Published,
} from '../../services/templates';
import { actorOf } from '../auth';
import type { RouteDeps } from '../deps';
import { badRequest, conflict, notFound } from '../errors';
import { defineRoute, ok, r400, r403, r404, r409, WRITERS, type AnyRoute } from '../registry';
import { TEMPLATE_KINDS } from '../../templates/engine/types';
import { templateMail } from './templatePreview';
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

/** The templates: create, read, version, restore and archive. Sends pin the version they started with. */
export function templateRoutes(deps: RouteDeps): AnyRoute[] {
  const { db, config } = deps;
  const service = new TemplateService(db);
  const store = service.store;
  const audit = new AuditLog(db);
  const { allowedFrom, allowedReplyTo } = templateMail(config);

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

  return [
    defineRoute({
      method: 'post',
      path: '/v1/templates',
      summary: 'Create a template (an email, a text or json message, a layout or a partial)',
      description:
        'MJML is compiled once, here, to responsive HTML; Handlebars runs per recipient. A 400 lists MJML and ' +
        'Handlebars errors with line and column, links without a scheme, and a marketing email that does not link ' +
        '`{{preferences_url}}`; `warnings` lists variables no context provides. An email ' +
        'gets the layout that fits its format unless it names one (`null` for none). ' +
        'Format `text` (SMS, push) is Handlebars sent unescaped, at most 1,600 characters before variables, with a ' +
        'warning past one SMS segment and for marketing that does not mention STOP; format `json` (webhooks, push) ' +
        'is a JSON document whose string values are Handlebars, each rendering to a string. Both are kind `email` ' +
        'only, have no layout, partials or text part, and may leave the subject (a push title) empty.',
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
          ...actorOf(req),
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
        kind: z.enum(TEMPLATE_KINDS).optional(),
        includeArchived: z.enum(['true', 'false']).default('false'),
      }),
      response: s.list,
      responses: ok('the templates'),
      handler: async ({ query }, _req, res) => {
        const kinds = query.kind ? [query.kind] : TEMPLATE_KINDS;
        const current = await store.currentOf(kinds, query.includeArchived === 'true');
        res.json({
          templates: current.map(({ template, version }) => {
            const {
              content: _content,
              warnings: _warnings,
              defaultLocale: _d,
              currentVersion: _c,
              ...summary
            } = view(template, version);
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
          ...actorOf(req),
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
          ...actorOf(req),
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
          ...actorOf(req),
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
      path: '/v1/templates/:key/move-running',
      summary: 'Move running enrollments to the current version',
      description:
        'A running enrollment sends the version that was current when it started. This moves every active enrollment ' +
        'that pinned an earlier version of this template to the current one, from its next send of the template on ' +
        '(a fix that must reach people already in a sequence). Broadcasts already sending keep theirs.',
      tag,
      access: WRITERS,
      params: s.keyParams,
      response: s.moved,
      responses: { ...ok('how many enrollments moved, and to which version'), ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        const template = await store.get(params.key);
        if (!template) throw notFound(`template ${params.key}`);
        const moved = await store.movePinsToCurrent(params.key);
        await audit.record({
          ...actorOf(req),
          action: 'template.enrollments_moved',
          subjectType: 'template',
          subjectId: params.key,
          details: { version: template.currentVersion, moved },
        });
        res.json({ moved, version: template.currentVersion });
      },
    }),
  ];
}
