import { Router } from 'express';
import { z } from 'zod';
import type { Role } from '../db/stores/apiKeys';
import { attributionModels, attributionRequestSchema } from '../domain/attribution';
import { CAMPAIGN_STATES } from '../domain/campaignLifecycle';
import { channelMixRequestSchema } from '../domain/channelMix';
import { platforms } from '../domain/influencerScoring';
import { marketReadinessInputSchema, seasonalitySchema } from '../domain/readinessInput';
import { strategyRequestSchema } from '../domain/strategyDraft';
import { decisionBody } from './routes/approvals';
import { addCampaignInfluencerBody } from './routes/campaignInfluencers';
import { budgetBody, campaignBody } from './routes/campaigns';
import { commandBody } from './routes/commands';
import { contactBody } from './routes/contacts';
import { eventBatchBody, eventBody } from './routes/events';
import { channelReportQuery } from './routes/overview';
import {
  exitEnrollmentBody,
  listSequencesQuery,
  manualEnrollmentBody,
  sequenceBody,
  sequenceStatsQuery,
} from './routes/sequences';
import { ventureBody, venturePatch } from './routes/ventures';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One route of the product, as the document describes it. */
export interface RouteDoc {
  method: HttpMethod;
  /** Express path, e.g. /v1/approvals/:id/decision. */
  path: string;
  summary: string;
  tag: string;
  /** 'public': no key; 'any': every role; or the roles allowed. */
  access: 'public' | 'any' | Role[];
  body?: z.ZodType;
  /** A body other than JSON (the CSV import). */
  bodyMediaTypes?: string[];
  query?: z.ZodType;
  /** Status to description; the first 2xx is the success answer. */
  responses: Record<string, string>;
  /** Media type of the success answer when it is not JSON. */
  produces?: string;
}

// Query and body schemas that their route files keep private; written here as documented so the document is
// complete. Exporting them from the route files would let these copies go.
const limitOffset = (max: number, dflt: number) => ({
  limit: z.coerce.number().int().min(1).max(max).default(dflt),
  offset: z.coerce.number().int().min(0).default(0),
});
const docs = {
  ventureList: z.object(limitOffset(500, 100)).strict(),
  campaignList: z
    .object({ ventureId: z.uuid().optional(), status: z.enum(CAMPAIGN_STATES).optional(), ...limitOffset(500, 100) })
    .strict(),
  campaignAction: z.object({ reason: z.string().trim().max(500).optional() }).strict(),
  approvalList: z
    .object({
      status: z.enum(['pending', 'approved', 'rejected', 'expired']).optional(),
      subjectType: z.enum(['campaign', 'budget_change', 'strategy', 'influencer_deal']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(200),
    })
    .strict(),
  influencerSearch: z
    .object({
      ventureId: z.uuid(),
      category: z.string().min(1).max(100).optional(),
      platform: z.enum(platforms).optional(),
      minFollowers: z.coerce.number().int().min(0).optional(),
      maxFollowers: z.coerce.number().int().min(0).optional(),
      minScore: z.coerce.number().min(0).max(100).optional(),
      ...limitOffset(100, 20),
    })
    .strict(),
  influencerScore: z
    .object({
      ventureId: z.uuid(),
      influencer: z.record(z.string(), z.unknown()).optional(),
      influencerId: z.uuid().optional(),
    })
    .strict()
    .describe('Give either influencer (a catalogue row) or influencerId.'),
  influencerImport: z.object({ influencers: z.array(z.record(z.string(), z.unknown())).max(10_000) }).strict(),
  ventureAttribution: z
    .object({
      model: z.enum(attributionModels).default('position-based'),
      from: z.iso.date().optional(),
      to: z.iso.date().optional(),
      halfLifeDays: z.coerce.number().positive().max(3650).optional(),
      conversionEvents: z.string().optional().describe('comma-separated event names'),
    })
    .strict(),
  ventureChannelMix: z
    .object({
      budget: z.coerce.number().positive(),
      period: z.enum(['day', 'week', 'month']).default('month'),
      maxShare: z.coerce.number().gt(0).max(1).optional(),
      minChannels: z.coerce.number().int().min(1).max(100).optional(),
    })
    .strict(),
  readinessBody: z
    .object({
      inputs: marketReadinessInputSchema,
      seasonality: seasonalitySchema.optional(),
      from: z.iso.date().optional(),
      leadTimeWeeks: z.number().min(0).max(104).optional(),
      horizonMonths: z.number().int().min(1).max(36).optional(),
      windowMonths: z.number().int().min(1).max(12).optional(),
    })
    .strict(),
  readinessQuery: z
    .object({
      from: z.iso.date().optional(),
      leadTimeWeeks: z.coerce.number().min(0).max(104).optional(),
      horizonMonths: z.coerce.number().int().min(1).max(36).optional(),
      windowMonths: z.coerce.number().int().min(1).max(12).optional(),
    })
    .strict(),
  mailQuery: z.object({ to: z.email().optional() }),
};

const WRITERS: Role[] = ['marketer', 'operator'];
/** What spends money or speaks for the business: ventures, strategies, campaigns and their budgets. */
const MARKETERS: Role[] = ['marketer'];
const ok = (what: string) => ({ '200': what });
const r404 = { '404': 'not found' };
const r400 = { '400': 'invalid request: every bad field listed in `problems`' };
const r409 = { '409': 'not allowed in the current state' };
const r403 = { '403': 'the key’s role may not do this' };

/** Every route the product serves. The test walks the Express app and fails when this list and the app differ. */
export const ROUTES: RouteDoc[] = [
  // Operations
  { method: 'get', path: '/healthz', summary: 'Liveness', tag: 'Operations', access: 'public', responses: ok('alive') },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: database and Temporal reachable',
    tag: 'Operations',
    access: 'public',
    responses: { '200': 'ready', '503': 'a dependency is unreachable' },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'Operations',
    access: 'public',
    produces: 'text/plain',
    responses: ok('metrics in the Prometheus text format'),
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document (OpenAPI 3.1)',
    tag: 'Operations',
    access: 'public',
    responses: ok('the OpenAPI document'),
  },
  {
    method: 'get',
    path: '/docs',
    summary: 'API reference page rendering this document',
    tag: 'Operations',
    access: 'public',
    produces: 'text/html',
    responses: ok('HTML'),
  },
  {
    method: 'get',
    path: '/vendor/chart.umd.js',
    summary: 'Chart.js for the dashboard',
    tag: 'Dashboard',
    access: 'public',
    produces: 'text/javascript',
    responses: ok('JavaScript'),
  },
  {
    method: 'get',
    path: '/u/:token',
    summary: 'Unsubscribe link: a confirmation page whose button POSTs (a GET or HEAD never unsubscribes)',
    tag: 'Contacts',
    access: 'public',
    produces: 'text/html',
    responses: { '200': 'the confirmation page', '400': 'the link is not valid' },
  },
  {
    method: 'post',
    path: '/u/:token',
    summary: 'Unsubscribe: the RFC 8058 one-click body List-Unsubscribe=One-Click, from a mail client or the page',
    tag: 'Contacts',
    access: 'public',
    bodyMediaTypes: ['application/x-www-form-urlencoded'],
    responses: { '200': 'unsubscribed', '400': 'the link is not valid, or the body is not List-Unsubscribe=One-Click' },
  },
  // Public pages (programmatic SEO)
  {
    method: 'get',
    path: '/pages/:venture',
    summary: 'A venture’s hub page: every published integration and comparison page',
    tag: 'Public pages',
    access: 'public',
    produces: 'text/html',
    responses: { '200': 'HTML', '404': 'no such venture' },
  },
  {
    method: 'get',
    path: '/pages/:venture/integrations/:slug',
    summary: 'An integration page',
    tag: 'Public pages',
    access: 'public',
    produces: 'text/html',
    responses: { '200': 'HTML', '404': 'no such page, or the quality gate held it back' },
  },
  {
    method: 'get',
    path: '/pages/:venture/vs/:slug',
    summary: 'A comparison page',
    tag: 'Public pages',
    access: 'public',
    produces: 'text/html',
    responses: { '200': 'HTML', '404': 'no such page, or the quality gate held it back' },
  },
  {
    method: 'get',
    path: '/pages/:venture/sitemap.xml',
    summary: 'Sitemap of the venture’s published pages',
    tag: 'Public pages',
    access: 'public',
    produces: 'application/xml',
    responses: { '200': 'XML', '404': 'no such venture' },
  },
  // Dashboard support
  {
    method: 'get',
    path: '/v1/meta',
    summary: 'The caller’s role, the Temporal UI, the mail catcher and sandbox mode',
    tag: 'Dashboard',
    access: 'any',
    responses: ok('installation facts'),
  },
  {
    method: 'post',
    path: '/v1/demo',
    summary: 'Load the demo data (idempotent)',
    tag: 'Dashboard',
    access: ['operator'],
    responses: { ...ok('what was loaded and what already existed'), ...r403 },
  },
  {
    method: 'post',
    path: '/v1/commands',
    summary: 'A text or voice command in plain words',
    tag: 'Commands',
    access: 'any',
    body: commandBody,
    responses: {
      '200': 'understood (or intent `unknown` with what is understood): { intent, parameters, result, speech }',
      ...r400,
      '403': 'the command’s action needs another role (only the chairman approves); speech says so',
      '409': 'the action is not allowed in the current state; speech says why',
    },
  },
  {
    method: 'get',
    path: '/v1/ventures/:id/overview',
    summary: 'GTM overview: strategies, reach, ROI, conversion rate, reallocation advice',
    tag: 'Ventures',
    access: 'any',
    responses: { ...ok('the overview'), ...r404 },
  },
  {
    method: 'get',
    path: '/v1/reports/channels',
    summary: 'Campaign results per channel over a date range',
    tag: 'Campaigns',
    access: 'any',
    query: channelReportQuery,
    responses: { ...ok('totals and rates per channel'), ...r400, ...r404 },
  },
  {
    method: 'get',
    path: '/v1/ventures/:id/seo-pages',
    summary: 'The venture’s generated pages: published, and rejected with the reasons',
    tag: 'Public pages',
    access: 'any',
    responses: { ...ok('pages'), ...r404 },
  },
  // Contacts and events
  {
    method: 'post',
    path: '/v1/contacts',
    summary: 'Create or update a contact by your own id',
    tag: 'Contacts',
    access: WRITERS,
    body: contactBody,
    responses: { '201': 'created', '200': 'updated', ...r400, ...r403 },
  },
  {
    method: 'get',
    path: '/v1/contacts/:id',
    summary: 'A contact with recent events and live enrollments',
    tag: 'Contacts',
    access: 'any',
    responses: { ...ok('the contact'), ...r404 },
  },
  {
    method: 'get',
    path: '/v1/contacts/:id/enrollments',
    summary: 'A contact’s enrollments with their live state',
    tag: 'Sequences',
    access: 'any',
    responses: { ...ok('enrollments'), ...r404 },
  },
  {
    method: 'post',
    path: '/v1/events',
    summary: 'Ingest one product event, or a batch of up to 1,000',
    tag: 'Contacts',
    access: WRITERS,
    body: z.union([eventBody, eventBatchBody]),
    responses: { '202': 'accepted', '200': 'a duplicate (same idempotency key)', ...r400, ...r404 },
  },
  // Sequences
  {
    method: 'post',
    path: '/v1/sequences',
    summary: 'Define a sequence',
    tag: 'Sequences',
    access: WRITERS,
    body: sequenceBody,
    responses: { '201': 'created', ...r400, ...r409 },
  },
  {
    method: 'get',
    path: '/v1/sequences',
    summary: 'List sequences',
    tag: 'Sequences',
    access: 'any',
    query: listSequencesQuery,
    responses: ok('sequences'),
  },
  {
    method: 'get',
    path: '/v1/sequences/:key',
    summary: 'A sequence with its versions',
    tag: 'Sequences',
    access: 'any',
    responses: { ...ok('the sequence'), ...r404 },
  },
  {
    method: 'put',
    path: '/v1/sequences/:key',
    summary: 'Store a new version (running enrollments keep theirs)',
    tag: 'Sequences',
    access: WRITERS,
    body: sequenceBody,
    responses: { ...ok('the new version'), ...r400, ...r404 },
  },
  {
    method: 'delete',
    path: '/v1/sequences/:key',
    summary: 'Archive a sequence',
    tag: 'Sequences',
    access: WRITERS,
    responses: { ...ok('archived'), ...r404 },
  },
  {
    method: 'post',
    path: '/v1/sequences/:key/archive',
    summary: 'Archive a sequence',
    tag: 'Sequences',
    access: WRITERS,
    responses: { ...ok('archived'), ...r404 },
  },
  {
    method: 'get',
    path: '/v1/sequences/:key/versions/:version',
    summary: 'One version of a sequence',
    tag: 'Sequences',
    access: 'any',
    responses: { ...ok('the version'), ...r404 },
  },
  {
    method: 'post',
    path: '/v1/sequences/:key/enrollments',
    summary: 'Enroll a contact by hand',
    tag: 'Sequences',
    access: WRITERS,
    body: manualEnrollmentBody,
    responses: { '201': 'enrolled', ...r400, ...r404, ...r409 },
  },
  {
    method: 'post',
    path: '/v1/sequences/:key/enrollments/:contactId/exit',
    summary: 'End a contact’s enrollment',
    tag: 'Sequences',
    access: WRITERS,
    body: exitEnrollmentBody,
    responses: { '202': 'exiting', ...r404 },
  },
  {
    method: 'get',
    path: '/v1/sequences/:key/stats',
    summary: 'Stats per step and per variant',
    tag: 'Sequences',
    access: 'any',
    query: sequenceStatsQuery,
    responses: { ...ok('stats'), ...r400, ...r404 },
  },
  // Ventures
  {
    method: 'post',
    path: '/v1/ventures',
    summary: 'Create a venture',
    tag: 'Ventures',
    access: MARKETERS,
    body: ventureBody,
    responses: { '201': 'created', ...r400, ...r409 },
  },
  {
    method: 'get',
    path: '/v1/ventures',
    summary: 'List ventures',
    tag: 'Ventures',
    access: 'any',
    query: docs.ventureList,
    responses: ok('ventures'),
  },
  {
    method: 'get',
    path: '/v1/ventures/:idOrSlug',
    summary: 'A venture by id or slug',
    tag: 'Ventures',
    access: 'any',
    responses: { ...ok('the venture'), ...r404 },
  },
  {
    method: 'patch',
    path: '/v1/ventures/:id',
    summary: 'Change a venture',
    tag: 'Ventures',
    access: MARKETERS,
    body: venturePatch,
    responses: { ...ok('the venture'), ...r400, ...r404, ...r409 },
  },
  // Campaigns
  {
    method: 'post',
    path: '/v1/campaigns',
    summary: 'Create a campaign and start its workflow (the chairman approves large budgets)',
    tag: 'Campaigns',
    access: MARKETERS,
    body: campaignBody,
    responses: { '201': 'created', ...r400, ...r404 },
  },
  {
    method: 'get',
    path: '/v1/campaigns',
    summary: 'List campaigns',
    tag: 'Campaigns',
    access: 'any',
    query: docs.campaignList,
    responses: ok('campaigns'),
  },
  {
    method: 'get',
    path: '/v1/campaigns/:id',
    summary: 'A campaign with its live state',
    tag: 'Campaigns',
    access: 'any',
    responses: { ...ok('the campaign'), ...r404 },
  },
  ...(['pause', 'resume', 'cancel'] as const).map((action): RouteDoc => ({
    method: 'post',
    path: `/v1/campaigns/:id/${action}`,
    summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign`,
    tag: 'Campaigns',
    access: action === 'resume' ? MARKETERS : ['marketer', 'operator', 'chairman'],
    body: docs.campaignAction,
    responses: { '200': 'done', '202': 'accepted; the run is telling the platforms', ...r404, ...r409 },
  })),
  {
    method: 'post',
    path: '/v1/campaigns/:id/budget',
    summary: 'Change the budget (through the chairman above the policy)',
    tag: 'Campaigns',
    access: MARKETERS,
    body: budgetBody,
    responses: { ...ok('the change, or the approval it waits for'), ...r400, ...r404, ...r409 },
  },
  {
    method: 'post',
    path: '/v1/campaigns/:id/reallocate',
    summary: 'Split the daily budget between platforms by results',
    tag: 'Campaigns',
    access: MARKETERS,
    responses: { ...ok('the new split'), ...r404, ...r409 },
  },
  {
    method: 'get',
    path: '/v1/campaigns/:id/performance',
    summary: 'Daily results per platform, totals and the final report',
    tag: 'Campaigns',
    access: 'any',
    responses: { ...ok('performance'), ...r404 },
  },
  {
    method: 'get',
    path: '/v1/campaigns/:id/influencers',
    summary: 'The influencers a campaign works with',
    tag: 'Campaigns',
    access: 'any',
    responses: { ...ok('influencers'), ...r404 },
  },
  {
    method: 'post',
    path: '/v1/campaigns/:id/influencers',
    summary: 'Add an influencer to a campaign',
    tag: 'Campaigns',
    access: MARKETERS,
    body: addCampaignInfluencerBody,
    responses: { '201': 'added', '200': 'already on the campaign', ...r400, ...r404, ...r409 },
  },
  {
    method: 'delete',
    path: '/v1/campaigns/:id/influencers/:influencerId',
    summary: 'Remove an influencer from a campaign',
    tag: 'Campaigns',
    access: MARKETERS,
    responses: { '204': 'removed', ...r404 },
  },
  // Approvals
  {
    method: 'get',
    path: '/v1/approvals',
    summary: 'The chairman’s inbox',
    tag: 'Approvals',
    access: 'any',
    query: docs.approvalList,
    responses: ok('approvals'),
  },
  {
    method: 'get',
    path: '/v1/approvals/:id',
    summary: 'One request with its live state',
    tag: 'Approvals',
    access: 'any',
    responses: { ...ok('the request'), ...r404 },
  },
  {
    method: 'post',
    path: '/v1/approvals/:id/decision',
    summary: 'Approve or reject (chairman only)',
    tag: 'Approvals',
    access: ['chairman'],
    body: decisionBody,
    responses: { ...ok('decided'), ...r400, ...r403, ...r404, ...r409 },
  },
  // Intelligence
  {
    method: 'post',
    path: '/v1/influencers/import',
    summary: 'Import influencers (CSV streamed, or JSON)',
    tag: 'Influencers',
    access: WRITERS,
    body: docs.influencerImport,
    bodyMediaTypes: ['application/json', 'text/csv'],
    responses: { ...ok('imported, updated and rejected rows'), ...r400, '413': 'the CSV is too large' },
  },
  {
    method: 'get',
    path: '/v1/influencers/search',
    summary: 'Search a venture’s scored influencers',
    tag: 'Influencers',
    access: 'any',
    query: docs.influencerSearch,
    responses: { ...ok('matches, best first'), ...r400, ...r404 },
  },
  {
    method: 'post',
    path: '/v1/influencers/score',
    summary: 'Score one influencer for a venture',
    tag: 'Influencers',
    access: 'any',
    body: docs.influencerScore,
    responses: { ...ok('the score'), ...r400, ...r404 },
  },
  {
    method: 'post',
    path: '/v1/ventures/:id/influencer-scoring',
    summary: 'Start a scoring run over the catalogue',
    tag: 'Influencers',
    access: WRITERS,
    responses: { '202': 'started; poll the progress link', ...r404 },
  },
  {
    method: 'get',
    path: '/v1/influencer-scoring/:workflowId',
    summary: 'Progress of a scoring run',
    tag: 'Influencers',
    access: 'any',
    responses: { ...ok('progress'), ...r404 },
  },
  {
    method: 'post',
    path: '/v1/attribution',
    summary: 'Attribute conversions of the journeys given',
    tag: 'Intelligence',
    access: 'any',
    body: attributionRequestSchema,
    responses: { ...ok('credit per channel'), ...r400 },
  },
  {
    method: 'get',
    path: '/v1/ventures/:id/attribution',
    summary: 'Attribution over a venture’s stored events',
    tag: 'Intelligence',
    access: 'any',
    query: docs.ventureAttribution,
    responses: { ...ok('credit per channel'), ...r400, ...r404 },
  },
  {
    method: 'post',
    path: '/v1/channel-mix/optimize',
    summary: 'Allocate a budget across channels',
    tag: 'Intelligence',
    access: 'any',
    body: channelMixRequestSchema,
    responses: { ...ok('the allocation'), ...r400 },
  },
  {
    method: 'get',
    path: '/v1/ventures/:id/channel-mix',
    summary: 'Allocate a budget across a venture’s channels from its history',
    tag: 'Intelligence',
    access: 'any',
    query: docs.ventureChannelMix,
    responses: { ...ok('the allocation'), ...r400, ...r404 },
  },
  {
    method: 'post',
    path: '/v1/readiness',
    summary: 'Market readiness and launch window of the inputs given',
    tag: 'Intelligence',
    access: 'any',
    body: docs.readinessBody,
    responses: { ...ok('readiness'), ...r400 },
  },
  {
    method: 'get',
    path: '/v1/ventures/:id/readiness',
    summary: 'Market readiness from a venture’s profile',
    tag: 'Intelligence',
    access: 'any',
    query: docs.readinessQuery,
    responses: { ...ok('readiness'), ...r400, ...r404 },
  },
  {
    method: 'post',
    path: '/v1/ventures/:id/strategies',
    summary: 'Draft a GTM strategy (goes to the chairman)',
    tag: 'Intelligence',
    access: MARKETERS,
    body: strategyRequestSchema,
    responses: { '202': 'drafting', ...r400, ...r404 },
  },
  {
    method: 'get',
    path: '/v1/ventures/:id/strategies',
    summary: 'A venture’s strategies',
    tag: 'Intelligence',
    access: 'any',
    responses: { ...ok('strategies'), ...r404 },
  },
  {
    method: 'get',
    path: '/v1/strategies/:id',
    summary: 'A strategy with its live workflow state',
    tag: 'Intelligence',
    access: 'any',
    responses: { ...ok('the strategy'), ...r404 },
  },
  {
    method: 'post',
    path: '/v1/strategies/:id/activate',
    summary: 'Activate an approved strategy',
    tag: 'Intelligence',
    access: MARKETERS,
    responses: { ...ok('activated'), ...r404, ...r409 },
  },
  {
    method: 'get',
    path: '/v1/dev/mail',
    summary: 'What the local mail catcher received (embedded default only)',
    tag: 'Dashboard',
    access: ['operator'],
    query: docs.mailQuery,
    responses: ok('messages, newest first'),
  },
];

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema, with its own definitions lifted into components. */
function jsonSchema(
  schema: z.ZodType,
  name: string,
  components: Record<string, unknown>,
  seen: Map<z.ZodType, string>,
): Record<string, unknown> {
  const known = seen.get(schema);
  if (known) return { $ref: `#/components/schemas/${known}` };
  seen.set(schema, name);
  const io = 'input';
  const raw = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  const { $schema: _s, $defs, ...rest } = raw as { $schema?: string; $defs?: Record<string, unknown> };
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') {
          out[k] =
            v === '#' ? `#/components/schemas/${name}` : v.replace(/^#\/\$defs\//, `#/components/schemas/${name}_`);
        } else out[k] = rewrite(v);
      }
      return out;
    }
    return node;
  };
  for (const [defName, def] of Object.entries($defs ?? {})) components[`${name}_${defName}`] = rewrite(def);
  components[name] = rewrite(rest);
  return { $ref: `#/components/schemas/${name}` };
}

/** An operation id from the method and path: get /v1/approvals/:id → getApprovalsById. */
function operationId(route: RouteDoc): string {
  const parts = route.path
    .split('/')
    .filter((p) => p !== '' && p !== 'v1')
    .map((p) => (p.startsWith(':') ? `by-${p.slice(1)}` : p))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1));
  return `${route.method}${parts.join('')}`;
}

/** The OpenAPI 3.1 document, built from {@link ROUTES} and the zod schemas the routes validate with. */
export function buildOpenApiDocument(options: { serverUrl?: string; version?: string } = {}): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const seen = new Map<z.ZodType, string>();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const pathParams = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParams: unknown[] = [];
    if (route.query) {
      const schema = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, Record<string, unknown>>;
        required?: string[];
      };
      for (const [name, s] of Object.entries(schema.properties ?? {})) {
        const { description, ...rest } = s;
        queryParams.push({
          name,
          in: 'query',
          required: (schema.required ?? []).includes(name),
          schema: rest,
          ...(typeof description === 'string' ? { description } : {}),
        });
      }
    }
    const id = operationId(route);
    const roles =
      route.access === 'public' ? 'no key needed' : route.access === 'any' ? 'every role' : route.access.join(', ');
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(route.responses)) {
      const success = status.startsWith('2') && status !== '204';
      responses[status] = {
        description,
        ...(success
          ? { content: { [route.produces ?? 'application/json']: {} } }
          : status.startsWith('4') || status.startsWith('5')
            ? { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
            : {}),
      };
    }
    if (route.access !== 'public' && !responses['401'])
      responses['401'] = {
        description: 'no valid API key',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    const operation: Record<string, unknown> = {
      operationId: id,
      summary: route.summary,
      description: `Roles: ${roles}.`,
      tags: [route.tag],
      'x-roles': route.access,
      ...(route.access === 'public' ? { security: [] } : {}),
      ...(pathParams.length + queryParams.length > 0 ? { parameters: [...pathParams, ...queryParams] } : {}),
      responses,
    };
    if (route.body || route.bodyMediaTypes) {
      const schema = route.body
        ? jsonSchema(route.body, `${id[0]!.toUpperCase()}${id.slice(1)}Body`, components, seen)
        : {};
      const types = route.bodyMediaTypes ?? ['application/json'];
      operation.requestBody = {
        required: true,
        content: Object.fromEntries(
          types.map((t) => [t, t === 'application/json' ? { schema } : { schema: { type: 'string' } }]),
        ),
      };
    }
    (paths[path] ??= {})[route.method] = operation;
  }
  components.Error = {
    type: 'object',
    required: ['error'],
    properties: {
      error: { type: 'string' },
      problems: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: { path: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'GTM Strategist API',
      version: options.version ?? '0.1.0',
      description:
        'Go-to-market automation on Temporal. Every /v1 route needs `Authorization: Bearer <API key>`; each key has a ' +
        'role (marketer, chairman, operator), and each operation lists the roles it allows. Bad requests get 400 with ' +
        'every problem listed, unknown ids 404, illegal state changes 409.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [...new Set(ROUTES.map((r) => r.tag))].map((name) => ({ name })),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: gtm_...' } },
      schemas: components,
    },
  };
}

/** GET /openapi.json, no key needed; built once, on the first request. */
export function openApiRoutes(options: { serverUrl?: string } = {}): Router {
  const router = Router();
  let document: Record<string, unknown> | undefined;
  router.get('/openapi.json', (_req, res) => {
    document ??= buildOpenApiDocument(options);
    res.set('Cache-Control', 'no-cache').json(document);
  });
  return router;
}
