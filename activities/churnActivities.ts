import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { ChurnStore, type ChurnScoreRow } from '../db/stores/churn';
import { ContactStore, type Contact } from '../db/stores/contacts';
import {
  churnFeaturesFromEvents,
  defaultFeatureWindows,
  selectIntervention,
  type ChurnFeatures,
} from '../domain/churnModel';
import { CHURN_RISK_THRESHOLD, churnReasons, churnRisk, isHighValue, topChurnFactors } from '../domain/churnScoring';
import { parseDuration } from '../domain/sequences/duration';
import { EnrollmentService } from '../services/enrollment';
import type { ChurnIntervention } from '../workflows/types';
import type { NotificationInput } from './notificationActivities';
import { sendOnChannel } from './channels';
import { sendGuard } from './deliverOnce';
import { OutboxStore } from '../db/stores/outbox';
import type { LinkSigner } from '../infra/signing';
import type { MailSettings } from '../services/mailSettings';
import { subjectLine, TemplateLibrary } from '../templates/library';

/** How the churn scan intervenes. */
export interface ChurnSettings {
  /** ISO-8601 duration within which a contact is not intervened on twice (CHURN_INTERVENTION_COOLDOWN). */
  cooldown: string;
  /** Where `human` interventions are sent (CUSTOMER_SUCCESS_EMAIL). */
  customerSuccessEmail: string;
}

export interface ChurnActivityDeps {
  db: Db;
  /** The Temporal client the winback enrollment starts sequences with, as the API does. */
  temporal?: Client;
  /** Task queue of the sequence workflows the enrollment starts (the worker's own). */
  taskQueue?: string;
  churn?: ChurnSettings;
  /** What the in-app retention offer is rendered and sent with, as every message is. */
  mail?: MailSettings;
  signer?: LinkSigner;
}

/** The shipped in-app message a contact at risk is offered (templates/email/retention_offer.html.hbs). */
export const RETENTION_OFFER_TEMPLATE = 'retention_offer';

export const DEFAULT_CHURN_SETTINGS: ChurnSettings = {
  cooldown: 'P30D',
  customerSuccessEmail: 'customer-success@gtm.localhost',
};

const DAY_MS = 86_400_000;
const FEATURE_SPAN_MS = (defaultFeatureWindows.recentDays + defaultFeatureWindows.baselineDays) * DAY_MS;

/** Activities of the churn scan workflow. */
export function createChurnActivities({ db, temporal, taskQueue, churn, mail, signer }: ChurnActivityDeps) {
  const settings = churn ?? DEFAULT_CHURN_SETTINGS;
  const cooldownMs = parseDuration(settings.cooldown);
  const store = new ChurnStore(db);
  const contacts = new ContactStore(db);
  const outbox = new OutboxStore(db);
  const library = new TemplateLibrary(db);
  const models = new Map<string, Awaited<ReturnType<ChurnStore['getModel']>>>();

  const loadModel = async (id: string | null) => {
    if (!id) return undefined;
    if (!models.has(id)) models.set(id, await store.getModel(id));
    return models.get(id);
  };

  function alertFor(contact: Contact, input: ChurnIntervention & { scanId: string }): NotificationInput {
    const t = contact.traits;
    return {
      idempotencyKey: `churn-alert:${input.scanId}:${contact.id}`,
      to: settings.customerSuccessEmail,
      template: 'customer_success_alert',
      subject: `Churn risk: ${accountName(contact)} needs a personal touch`,
      vars: {
        account: {
          name: accountName(contact),
          email: contact.email,
          plan: typeof t['plan'] === 'string' ? t['plan'] : undefined,
          mrr: typeof t['mrr'] === 'number' || typeof t['mrr'] === 'string' ? t['mrr'] : undefined,
          currency: typeof t['currency'] === 'string' ? t['currency'] : undefined,
        },
        churn: { probability: Math.round(input.riskScore * 100), reasons: input.reasons, winback: false },
      },
      ctaPath: `/v1/contacts/${encodeURIComponent(contact.externalId)}`,
      workflowId: input.scanId,
    };
  }

  return {
    /**
     * Picks the model a scan scores with: the newest stored model that reads event features, or none (then the
     * documented heuristic). A CSV export's training stores, besides its model over the CSV's columns, that model
     * retrained on the columns with an event equivalent (`npm run churn:train`), which is the one picked; a CSV's
     * model with no such retraining (no column maps, or trained before it existed) cannot score from events and
     * is passed over. `GET /v1/churn/model` names the model picked and those passed over.
     * @remarks A quick read, retried until the database answers.
     */
    async prepareChurnScan(): Promise<{ modelId: string | null; method: 'model' | 'heuristic' }> {
      const { model } = await store.modelInUse();
      return model ? { modelId: model.id, method: 'model' } : { modelId: null, method: 'heuristic' };
    },

    /**
     * Scores the next batch of contacts (keyset after `afterId`) from their stored events, stores one score row per
     * contact and scan, and decides who to intervene on: above 0.7, not intervened on within the cool-down, with
     * the play `selectIntervention` picks. The decision is stored before it is acted on, so a retried batch decides
     * the same way and a later scan sees it.
     * @remarks Idempotent per scan: rows are keyed by (contact, scan). Retried on transient errors.
     */
    async scoreChurnBatch(input: {
      scanId: string;
      asOf: string;
      afterId: string | null;
      limit: number;
      modelId: string | null;
    }): Promise<{
      scored: number;
      lastId: string | null;
      done: boolean;
      atRisk: number;
      coolingDown: number;
      interventions: ChurnIntervention[];
    }> {
      const asOf = new Date(input.asOf);
      const stored = await loadModel(input.modelId);
      const model = stored?.model;
      const q = db('contacts').orderBy('id').limit(input.limit).select('id', 'venture_id', 'traits');
      if (input.afterId) q.where('id', '>', input.afterId);
      const batch: { id: string; venture_id: string | null; traits: Record<string, unknown> }[] = await q;
      if (batch.length === 0)
        return { scored: 0, lastId: input.afterId, done: true, atRisk: 0, coolingDown: 0, interventions: [] };
      const ids = batch.map((c) => c.id);

      const events: { contact_id: string; name: string; occurred_at: Date; properties: Record<string, unknown> }[] =
        await db('events')
          .whereIn('contact_id', ids)
          .where('occurred_at', '>', new Date(asOf.getTime() - FEATURE_SPAN_MS))
          .where('occurred_at', '<=', asOf)
          .select('contact_id', 'name', 'occurred_at', 'properties');
      // NPS is read from the latest submission whenever it was: a detractor stays one until they answer again.
      const nps: { contact_id: string; name: string; occurred_at: Date; properties: Record<string, unknown> }[] =
        await db('events')
          .whereIn('contact_id', ids)
          .where({ name: 'nps_submitted' })
          .where('occurred_at', '<=', new Date(asOf.getTime() - FEATURE_SPAN_MS))
          .distinctOn('contact_id')
          .orderBy([{ column: 'contact_id' }, { column: 'occurred_at', order: 'desc' }])
          .select('contact_id', 'name', 'occurred_at', 'properties');
      const byContact = new Map<string, { name: string; occurredAt: Date; properties: Record<string, unknown> }[]>();
      for (const e of [...events, ...nps]) {
        const list = byContact.get(e.contact_id) ?? byContact.set(e.contact_id, []).get(e.contact_id)!;
        list.push({ name: e.name, occurredAt: e.occurred_at, properties: e.properties });
      }

      const since = new Date(asOf.getTime() - cooldownMs);
      const recent = await store.intervenedSince(ids, since, input.scanId);
      const earlier = await store.decisionsOfScan(ids, input.scanId);
      const rows: ChurnScoreRow[] = [];
      const interventions: ChurnIntervention[] = [];
      let atRisk = 0;
      let coolingDown = 0;
      for (const contact of batch) {
        const features: ChurnFeatures = churnFeaturesFromEvents(byContact.get(contact.id) ?? [], asOf);
        const { score, method } = churnRisk(features, model);
        const reasons = churnReasons(features);
        const factors = topChurnFactors(features, model);
        let type: ChurnIntervention['type'] | null = null;
        if (score > CHURN_RISK_THRESHOLD) {
          atRisk++;
          const decided = earlier.get(contact.id) as ChurnIntervention['type'] | undefined;
          if (decided) type = decided;
          else if (recent.has(contact.id)) coolingDown++;
          else type = selectIntervention(score, features, { highValue: isHighValue(contact.traits ?? {}) });
        }
        rows.push({
          contactId: contact.id,
          ventureId: contact.venture_id,
          scanId: input.scanId,
          riskScore: score,
          method,
          // The model is named on the row: a later training never changes what this score was computed with.
          riskFactors: {
            ...features,
            reasons,
            factors,
            model: method === 'model' && stored ? { id: stored.id, source: stored.source } : null,
          },
          interventionType: type,
          interventionTriggered: type !== null,
        });
        if (type) interventions.push({ contactId: contact.id, type, riskScore: score, reasons });
      }
      await store.saveScores(rows);
      return {
        scored: batch.length,
        lastId: batch[batch.length - 1]!.id,
        done: batch.length < input.limit,
        atRisk,
        coolingDown,
        interventions,
      };
    },

    /**
     * Carries out one decided intervention. `email`: stores a `churn_risk_high` event through the enrollment
     * service, so the winback sequence (triggered by it) enrolls the contact exactly as an API event would.
     * `in_app`: puts the retention offer in the contact's in-app inbox (once per scan and contact, through the
     * outbox like every message) and sets the `retention_offer` trait for a product that reads it. `human`: answers the alert
     * for customer success (template customer_success_alert) that the workflow sends with `sendNotification`,
     * keyed by scan and contact so it goes out once.
     * @remarks Idempotent: the event and the email carry keys of the scan and contact. Retried with backoff; a
     * contact deleted meanwhile is skipped.
     */
    async applyChurnIntervention(
      input: ChurnIntervention & { scanId: string; asOf: string },
    ): Promise<{ done: string; notification?: NotificationInput }> {
      const contact = await contacts.getById(input.contactId);
      if (!contact) return { done: 'skipped: contact deleted' };
      switch (input.type) {
        case 'email': {
          if (!temporal) {
            throw ApplicationFailure.nonRetryable(
              'the churn activities were built without a Temporal client',
              'MissingDependency',
            );
          }
          const service = new EnrollmentService(db, temporal, undefined, taskQueue);
          const [outcome] = await service.ingest([
            {
              contact,
              contactId: contact.id,
              name: 'churn_risk_high',
              properties: { risk_score: round(input.riskScore), reasons: input.reasons, scan_id: input.scanId },
              occurredAt: new Date(input.asOf),
              idempotencyKey: `churn_risk_high:${input.scanId}:${contact.id}`,
            },
          ]);
          return { done: `event ${outcome?.status ?? 'stored'}; enrolled: ${outcome?.enrolled.join(', ') || 'none'}` };
        }
        case 'in_app': {
          if (!mail || !signer) {
            throw ApplicationFailure.nonRetryable(
              'the churn activities were built without mail settings and a link signer',
              'MissingDependency',
            );
          }
          const offer = { scan_id: input.scanId, risk_score: round(input.riskScore), offered_at: input.asOf };
          await db('contacts')
            .where({ id: contact.id })
            .update({
              traits: db.raw('traits || ?::jsonb', [JSON.stringify({ retention_offer: offer })]),
              updated_at: db.fn.now(),
            });
          if (contact.unsubscribedAt) return { done: 'retention_offer trait set; no message: unsubscribed' };
          const template = await library.resolve(RETENTION_OFFER_TEMPLATE);
          if (!template) {
            throw ApplicationFailure.nonRetryable(
              `there is no template '${RETENTION_OFFER_TEMPLATE}'`,
              'UnknownTemplate',
            );
          }
          const outcome = await sendOnChannel(
            { db, outbox, guard: sendGuard(db, mail), mail, signer, providers: {} },
            {
              idempotencyKey: `churn-offer:${input.scanId}:${contact.id}`,
              contactId: contact.id,
              template: RETENTION_OFFER_TEMPLATE,
              toEmail: contact.email,
              subject: subjectLine(template),
              marketing: true,
            },
            {
              channel: 'in_app',
              contact,
              message: {
                template,
                from: mail.from,
                campaign: 'churn_retention',
                marketing: true,
                vars: { offer },
              },
            },
            async () => undefined,
          );
          return { done: `retention_offer trait set; in-app message ${outcome.status}` };
        }
        case 'human':
          return { done: 'alert prepared', notification: alertFor(contact, input) };
      }
    },
  };
}

function accountName(contact: Contact): string {
  for (const key of ['company', 'name', 'full_name']) {
    const v = contact.traits[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  const first = contact.traits['first_name'];
  return typeof first === 'string' ? first : contact.email;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
